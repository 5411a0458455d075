"""/start, /help and /lang."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application

from bot.context import BotContext
from bot.language import commands as c
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


async def help_(update: Update, context: BotContext, command: c.Help) -> None:
    lines = "\n".join(context.t(key) for key in router_of(context.application).help_keys)
    await update.effective_message.reply_text(context.t("help", commands=lines))


async def set_language(update: Update, context: BotContext, command: c.SetLanguage) -> None:
    await context.services.settings.set_language(update.effective_chat.id, command.language)
    context.lang_override(command.language)
    await update.effective_message.reply_text(context.t("lang.set"))


def register(app: Application) -> None:
    router = router_of(app)
    router.add(c.Start, start)
    router.add(c.Help, help_)
    router.add(c.SetLanguage, set_language)
    router.help_keys.append("help.general")
