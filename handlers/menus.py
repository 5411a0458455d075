"""The "/" command menus, per Telegram scope, from the registry's ``menu`` of each command.

- every group: the everyday commands (``Menu.EVERYONE``), and every private chat the same;
- the committee chat (``BotCommandScopeChat``): those and the committee's;
- a volunteer, leader or committee member: their own menu (``BotCommandScopeChatMember``) in each
  group they serve or lead, and in their private chat (``BotCommandScopeChat`` of their user id).

Menus follow role changes: :func:`follow_roles` re-publishes one person's, :func:`follow_chat` one
chat's. Each menu is published in English (the default) and Chinese (Telegram picks by the
person's language).
"""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
)
from telegram.error import TelegramError

from bot.domain.models import ChatBinding
from bot.domain.permissions import Actor
from bot.language.registry import Menu, menu_commands
from bot.texts.i18n import LANGUAGES, t
from handlers.context import BotApp

log = logging.getLogger(__name__)

EVERYDAY = (Menu.EVERYONE,)
_VOLUNTEER = (*EVERYDAY, Menu.VOLUNTEERS)
_LEADER = (*_VOLUNTEER, Menu.LEADERS)
_COMMITTEE = (*_LEADER, Menu.COMMITTEE, Menu.ADMIN)
COMMITTEE_CHAT = (*EVERYDAY, Menu.COMMITTEE)


def commands(lang: str, app: BotApp, menus: tuple[Menu, ...]) -> list[BotCommand]:
    """The menu listing ``menus``' commands that have a handler, each with its ``menu.<name>`` line."""
    routed = {spec.name for spec in app.bot_data.router.routed()}
    return [
        BotCommand(spec.name, t(lang, spec.menu_key)[:256]) for spec in menu_commands(*menus) if spec.name in routed
    ]


def role_menus(actor: Actor, building: int | None) -> tuple[Menu, ...]:
    """What ``actor`` sees in a chat of ``building`` (None: the committee chat or their private chat)."""
    if actor.committee:
        return _COMMITTEE
    if building is None:
        return _LEADER if actor.leader_of else _VOLUNTEER if actor.volunteer else EVERYDAY
    if actor.leads(building):
        return _LEADER
    return _VOLUNTEER if actor.serves(building) else EVERYDAY


async def _publish(app: BotApp, scope: BotCommandScope, menus: tuple[Menu, ...] | None) -> None:
    """Set the menu of ``scope`` in every language (None: delete it, the broader one shows). A menu
    Telegram refuses (someone who left the group) is logged and skipped: it never fails a command."""
    for lang in LANGUAGES:
        code = None if lang == "en" else lang
        try:
            if menus is None:
                await app.bot.delete_my_commands(scope=scope, language_code=code)
            else:
                await app.bot.set_my_commands(commands(lang, app, menus), scope=scope, language_code=code)
        except TelegramError as error:
            log.warning("menu of scope %s not set: %s", scope.type, error.__class__.__name__)


async def _chats(app: BotApp) -> list[ChatBinding]:
    roster = app.bot_data.services.roster
    return [
        *await roster.building_chats(),
        *[b for i in await roster.committee_chat_ids() if (b := await roster.chat(i))],
    ]


async def _publish_person(app: BotApp, user_id: int, chats: list[ChatBinding], *, private: bool, clear: bool) -> None:
    """``user_id``'s menus in ``chats`` (and their private chat when ``private``); ``clear``: delete
    those that are only everyday (after a role was taken away), else leave them unset."""
    actor = await app.bot_data.services.roster.actor(user_id)
    places: list[tuple[BotCommandScope, int | None]] = [(BotCommandScopeChat(user_id), None)] if private else []
    places += [(BotCommandScopeChatMember(chat.chat_id, user_id), chat.building) for chat in chats]
    for scope, building in places:
        menus = role_menus(actor, building)
        if menus != EVERYDAY:
            await _publish(app, scope, menus)
        elif clear:
            await _publish(app, scope, None)


async def publish_all(app: BotApp) -> None:
    """At start-up: every scope's menu."""
    await _publish(app, BotCommandScopeAllGroupChats(), EVERYDAY)
    await _publish(app, BotCommandScopeAllPrivateChats(), EVERYDAY)
    for chat_id in await app.bot_data.services.roster.committee_chat_ids():
        await _publish(app, BotCommandScopeChat(chat_id), COMMITTEE_CHAT)
    chats = await _chats(app)
    for user_id in await app.bot_data.services.roster.role_holders():
        await _publish_person(app, user_id, chats, private=True, clear=False)


async def follow_roles(app: BotApp, user_id: int) -> None:
    """``user_id``'s role changed (appointed, unappointed, approved): their menus everywhere."""
    await _publish_person(app, user_id, await _chats(app), private=True, clear=True)


async def follow_chat(app: BotApp, chat: ChatBinding) -> None:
    """``chat`` was bound (to a building or as the committee chat): its menus for every role holder."""
    if chat.kind == "committee":
        await _publish(app, BotCommandScopeChat(chat.chat_id), COMMITTEE_CHAT)
    for user_id in await app.bot_data.services.roster.role_holders():
        await _publish_person(app, user_id, [chat], private=False, clear=True)
