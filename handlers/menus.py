"""The "/" command menus, per Telegram scope, from the registry's ``menu`` of each command.

- every group: the everyday commands (``Menu.EVERYONE``), and every private chat the same;
- the committee chat (``BotCommandScopeChat``): those and the committee's;
- a volunteer, leader or committee member: their own menu (``BotCommandScopeChatMember``) in each
  group they serve or lead, and in their private chat (``BotCommandScopeChat`` of their user id).

Menus follow role changes: :func:`follow_roles` re-publishes one person's, :func:`follow_chat` one
chat's; at start-up :func:`start_publishing` publishes them all in the background. Each menu is
published in English (the default) and Chinese (Telegram picks by the person's language), and only
when it differs from what was last published (``bot.services.menus``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
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


# Menus sent before their digests are written in one go.
RECORD_BATCH = 200


def scope_key(scope: BotCommandScope) -> str:
    """``all_group_chats``, ``chat:<chat id>``, ``chat_member:<chat id>:<user id>``."""
    parts = (scope.type, getattr(scope, "chat_id", None), getattr(scope, "user_id", None))
    return ":".join(str(part) for part in parts if part is not None)


def _digest(listed: list[BotCommand]) -> str:
    text = json.dumps([(command.command, command.description) for command in listed], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class _Round:
    """One round of publishing: each scope's menu in every language, sent only when it differs from
    what was last published (``PublishedMenus``); what was sent is recorded ``RECORD_BATCH`` at a
    time and at the end (a menu sent but not yet recorded when the bot stops is sent again)."""

    def __init__(self, app: BotApp, known: dict[str, dict[str, str]]) -> None:
        self._app = app
        self._known = known
        self._sent: list[tuple[str, str, str | None]] = []
        self._listings: dict[tuple[str, tuple[Menu, ...]], tuple[list[BotCommand], str]] = {}
        self.calls = 0

    @classmethod
    async def begin(cls, app: BotApp) -> _Round:
        return cls(app, await app.bot_data.services.menus.published(app.bot.id))

    async def scope(self, scope: BotCommandScope, menus: tuple[Menu, ...] | None) -> None:
        """Set the menu of ``scope`` in every language unless it is already set so (None: delete it,
        the broader one shows). A menu Telegram refuses (someone who left the group) is logged and
        skipped, not recorded: it never fails a command, and is tried again next time."""
        key = scope_key(scope)
        for lang in LANGUAGES:
            listed, digest = (None, None) if menus is None else self._listing(lang, menus)
            if digest is not None and self._known.get(key, {}).get(lang) == digest:
                continue  # Telegram has it (a deletion is always sent: nothing is kept of it)
            code = None if lang == "en" else lang
            self.calls += 1
            try:
                if listed is None:
                    await self._app.bot.delete_my_commands(scope=scope, language_code=code)
                else:
                    await self._app.bot.set_my_commands(listed, scope=scope, language_code=code)
            except TelegramError as error:
                log.warning("menu of scope %s not set: %s", scope.type, error.__class__.__name__)
                continue
            self._sent.append((key, lang, digest))
        if len(self._sent) >= RECORD_BATCH:
            await self.end()

    def _listing(self, lang: str, menus: tuple[Menu, ...]) -> tuple[list[BotCommand], str]:
        """The menu and its digest, made once per round (a district has thousands of scopes, few menus)."""
        if (lang, menus) not in self._listings:
            listed = commands(lang, self._app, menus)
            self._listings[lang, menus] = listed, _digest(listed)
        return self._listings[lang, menus]

    async def person(self, user_id: int, chats: list[ChatBinding], *, private: bool, clear: bool) -> None:
        """``user_id``'s menus in ``chats`` (and their private chat when ``private``); ``clear``:
        delete those that are only everyday (after a role was taken away), else leave them unset."""
        actor = await self._app.bot_data.services.roster.actor(user_id)
        places: list[tuple[BotCommandScope, int | None]] = [(BotCommandScopeChat(user_id), None)] if private else []
        places += [(BotCommandScopeChatMember(chat.chat_id, user_id), chat.building) for chat in chats]
        for scope, building in places:
            menus = role_menus(actor, building)
            if menus != EVERYDAY:
                await self.scope(scope, menus)
            elif clear:
                await self.scope(scope, None)

    async def end(self) -> None:
        """Record what was sent since the last record."""
        if self._sent:
            await self._app.bot_data.services.menus.record(self._app.bot.id, self._sent)
            self._sent = []


async def _chats(app: BotApp) -> list[ChatBinding]:
    roster = app.bot_data.services.roster
    return [
        *await roster.building_chats(),
        *[b for i in await roster.committee_chat_ids() if (b := await roster.chat(i))],
    ]


async def publish_all(app: BotApp) -> int:
    """Every scope's menu that changed since it was last published; the calls made to Telegram."""
    publishing = await _Round.begin(app)
    await publishing.scope(BotCommandScopeAllGroupChats(), EVERYDAY)
    await publishing.scope(BotCommandScopeAllPrivateChats(), EVERYDAY)
    roster = app.bot_data.services.roster
    for chat_id in await roster.committee_chat_ids():
        await publishing.scope(BotCommandScopeChat(chat_id), COMMITTEE_CHAT)
    chats = await _chats(app)
    for user_id in await roster.role_holders():
        await publishing.person(user_id, chats, private=True, clear=False)
    await publishing.end()
    return publishing.calls


def start_publishing(app: BotApp) -> None:
    """At start-up: :func:`publish_all` in the background, so polling does not wait for it. Its
    sends are background ones (no update is being handled): answers to people go first."""
    app.bot_data.menus_publishing = asyncio.create_task(_publish_all_logged(app), name="menus")


async def _publish_all_logged(app: BotApp) -> int:
    try:
        calls = await publish_all(app)
    except Exception:  # the database or Telegram gone: logged (digits masked), the bot goes on
        log.exception("the command menus were not all published")
        return 0
    log.info("command menus published: %d calls to Telegram", calls)
    return calls


async def published(app: BotApp) -> int:
    """Wait until the start-up's menus are published; the calls it made to Telegram."""
    task = app.bot_data.menus_publishing
    assert task is not None, "the application was started"
    return await task


async def stop_publishing(app: BotApp) -> None:
    """At a stop: the start-up's publishing, if still at work, is cut short (sent again next start)."""
    task = app.bot_data.menus_publishing
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def follow_roles(app: BotApp, user_id: int) -> None:
    """``user_id``'s role changed (appointed, unappointed, approved): their menus everywhere."""
    publishing = await _Round.begin(app)
    await publishing.person(user_id, await _chats(app), private=True, clear=True)
    await publishing.end()


async def follow_chat(app: BotApp, chat: ChatBinding) -> None:
    """``chat`` was bound (to a building or as the committee chat): its menus for every role holder."""
    publishing = await _Round.begin(app)
    if chat.kind == "committee":
        await publishing.scope(BotCommandScopeChat(chat.chat_id), COMMITTEE_CHAT)
    for user_id in await app.bot_data.services.roster.role_holders():
        await publishing.person(user_id, [chat], private=False, clear=True)
    await publishing.end()
