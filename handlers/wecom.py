"""WeChat's side: ``#接龙文本 K`` (a buy as a numbered WeChat 接龙 to paste, also posted to the
building's WeCom robot), and the committee told once when a WeCom robot's key is refused.
What is mirrored to WeCom robots is owed by the features themselves (``services.wecom.mirror``)."""

from __future__ import annotations

from bot.language import commands as c
from bot.services.wecom import COMMITTEE
from bot.texts.i18n import t
from handlers.context import BotApp, BotContext, Incoming
from handlers.router import router_of


async def relay_text(incoming: Incoming, context: BotContext, command: c.RelayText) -> None:
    """The text answers in the chat where it was asked (privately when asked in private)."""
    message = incoming.message
    tally = await context.services.groupbuys.tally(command.buy_id)
    text = await context.services.wecom.relay(
        await context.actor(), tally, f"relaytext:{message.chat_id}:{message.message_id}"
    )
    await message.reply_text(text)


def _robot_name(lang: str, robot: str) -> str:
    if robot == COMMITTEE:
        return t(lang, "wecom.robot.committee")
    return t(lang, "wecom.robot.building", building=robot.removeprefix("building:"))


def register(app: BotApp) -> None:
    router_of(app).add(c.RelayText, relay_text)
    services = app.bot_data.services

    async def tell_committee(robot: str, code: int) -> None:
        for chat_id in await services.roster.committee_chat_ids():
            lang = services.chat_language(chat_id)
            await app.bot.send_message(chat_id, t(lang, "wecom.bad_key", robot=_robot_name(lang, robot), code=code))

    services.wecom.on_bad_key = tell_committee
