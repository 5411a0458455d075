"""/start, /help (short, for the asker's role, with a button per topic) and /lang."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatType

from bot.domain.permissions import Actor
from bot.language import commands as c
from bot.language.callbacks import HelpTopic
from handlers.context import BotApp, BotContext, Incoming, Press
from handlers.router import on_press, router_of


async def start(incoming: Incoming, context: BotContext, command: c.Start) -> None:
    """/start, or a deep link (``/start phone``, ``/start med12``) that a feature answers."""
    match = _PAYLOAD.match(command.payload)
    follow_up = router_of(context.application).start_payloads.get(match["name"]) if match else None
    if match and follow_up is not None and incoming.chat.type == ChatType.PRIVATE:
        await follow_up(incoming, context, match["argument"])
        return
    await incoming.message.reply_text(context.t("start"))
    await help_(incoming, context, c.Help())


_PAYLOAD = re.compile(r"^(?P<name>[a-z]+)(?P<argument>[0-9]*)$")


def _role(actor: Actor) -> str:
    if actor.committee:
        return "committee"
    if actor.leader_of:
        return "leader"
    return "volunteer" if actor.volunteer else "resident"


def _topic_buttons(context: BotContext) -> InlineKeyboardMarkup:
    """The buttons under the short help: one per topic of the commands that have a handler."""
    buttons = [
        InlineKeyboardButton(context.t(topic.label_key), callback_data=HelpTopic(topic).encode())
        for topic in router_of(context.application).topics
    ]
    return InlineKeyboardMarkup([buttons])


async def help_(incoming: Incoming, context: BotContext, command: c.Help) -> None:
    """A few lines for what the asker does (resident, volunteer, leader, committee); more per topic."""
    lines = context.t(f"help.short.{_role(await context.actor())}")
    await incoming.message.reply_text(context.t("help", commands=lines), reply_markup=_topic_buttons(context))


async def help_topic(press: Press[HelpTopic], context: BotContext) -> None:
    """A topic button: the help message shows that topic's lines, in the presser's language."""
    await press.query.answer()
    text = "\n".join(context.t(key) for key in press.data.topic.texts)
    await press.query.edit_message_text(text, reply_markup=_topic_buttons(context))


async def set_language(incoming: Incoming, context: BotContext, command: c.SetLanguage) -> None:
    """In a group its leader or the committee set the group's language; anyone else sets their own."""
    chat = incoming.chat
    binding = await context.services.roster.chat(chat.id)
    whole_chat = await context.services.settings.choose_language(
        await context.actor(), chat.id, binding.building if binding else None, command.language
    )
    context.lang_override(command.language)
    if whole_chat:
        key = "lang.set"
    else:
        key = "lang.set_own" if chat.type == ChatType.PRIVATE else "lang.set_own_group"
    await incoming.message.reply_text(context.t(key))


def register(app: BotApp) -> None:
    router = router_of(app)
    router.add(c.Start, start)
    router.add(c.Help, help_)
    router.add(c.SetLanguage, set_language)
    on_press(app, HelpTopic, help_topic)
