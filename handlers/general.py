"""/start, /help (short, for the asker's role, with a button per topic) and /lang."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.permissions import Actor
from bot.language import commands as c
from handlers.context import BotContext
from handlers.router import router_of


async def start(update: Update, context: BotContext, command: c.Start) -> None:
    """/start, or a deep link (``/start phone``, ``/start med12``) that a feature answers."""
    match = _PAYLOAD.match(command.payload)
    follow_up = router_of(context.application).start_payloads.get(match["name"]) if match else None
    if follow_up is not None and update.effective_chat.type == "private":
        await follow_up(update, context, match["argument"])
        return
    await update.effective_message.reply_text(context.t("start"))
    await help_(update, context, c.Help())


_PAYLOAD = re.compile(r"^(?P<name>[a-z]+)(?P<argument>[0-9]*)$")

# "More" buttons under the short help: topic → the help texts it shows (a topic shows when a
# command of its first text has a handler: ``router.help_keys``, from the registry's topics).
TOPICS: dict[str, tuple[str, ...]] = {
    "med": ("help.medicine",),
    "gb": ("help.groupbuy",),
    "vol": ("help.volunteers",),
    "care": ("help.care",),
    "notice": ("help.bulletins", "help.reports"),
}


def _role(actor: Actor) -> str:
    if actor.committee:
        return "committee"
    if actor.leader_of:
        return "leader"
    return "volunteer" if actor.volunteer else "resident"


def _topic_buttons(context: BotContext) -> InlineKeyboardMarkup:
    registered = router_of(context.application).help_keys
    buttons = [
        InlineKeyboardButton(context.t(f"help.button.{topic}"), callback_data=f"help:{topic}")
        for topic, keys in TOPICS.items()
        if keys[0] in registered
    ]
    return InlineKeyboardMarkup([buttons])


async def help_(update: Update, context: BotContext, command: c.Help) -> None:
    """A few lines for what the asker does (resident, volunteer, leader, committee); more per topic."""
    lines = context.t(f"help.short.{_role(await context.actor())}")
    await update.effective_message.reply_text(context.t("help", commands=lines), reply_markup=_topic_buttons(context))


async def help_topic(update: Update, context: BotContext) -> None:
    """A topic button: the help message shows that topic's lines, in the presser's language."""
    query = update.callback_query
    topic = query.data.removeprefix("help:")
    await query.answer()
    text = "\n".join(context.t(key) for key in TOPICS[topic])
    await query.edit_message_text(text, reply_markup=_topic_buttons(context))


async def set_language(update: Update, context: BotContext, command: c.SetLanguage) -> None:
    """In a group its leader or the committee set the group's language; anyone else sets their own."""
    chat = update.effective_chat
    binding = await context.services.roster.chat(chat.id)
    whole_chat = await context.services.settings.choose_language(
        await context.actor(), chat.id, binding.building if binding else None, command.language
    )
    context.lang_override(command.language)
    if whole_chat:
        key = "lang.set"
    else:
        key = "lang.set_own" if chat.type == ChatType.PRIVATE else "lang.set_own_group"
    await update.effective_message.reply_text(context.t(key))


def register(app: Application) -> None:
    router = router_of(app)
    router.add(c.Start, start)
    router.add(c.Help, help_)
    router.add(c.SetLanguage, set_language)
    app.add_handler(CallbackQueryHandler(help_topic, pattern=rf"^help:({'|'.join(TOPICS)})$"))
