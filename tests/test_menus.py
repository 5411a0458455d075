"""The "/" menus per Telegram scope: everyday commands for every member, the rest by role through
member- and chat-scoped menus that follow appointments, approvals and bindings."""

import asyncio
import logging

import pytest

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest, LocalUser
from handlers import menus
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, COMMITTEE_CHAT, RESIDENT, Harness

LEADER = LocalUser(3001, "楼组长老李")
HELPER = LocalUser(4001, "志愿者小王")
ADMIN_ONLY = {"purge", "export", "bind", "leader"}


@pytest.fixture
async def bot(bot):
    """The bot once the menus of its start are published (in the background)."""
    await menus.published(bot.app)
    return bot


def listed(bot, scope: str, lang: str = "zh") -> list[str]:
    return [entry["command"] for entry in bot.api.commands.get((scope, lang), [])]


async def _bound(bot) -> None:
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")


async def _leader_of_3(bot) -> None:
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])


async def test_every_member_sees_at_most_12_everyday_commands_and_never_the_committees_own(bot):
    for lang in ("zh", ""):
        for scope in ("all_group_chats", "all_private_chats"):
            shown = listed(bot, scope, lang)
            assert "med" in shown and "order" in shown and "help" in shown
            assert len(shown) <= 12
            assert not {*ADMIN_ONLY, "groupbuy", "claim", "digest"} & set(shown)
    zh = bot.api.commands[("all_group_chats", "zh")]
    en = bot.api.commands[("all_group_chats", "")]
    assert [e["command"] for e in zh] == [e["command"] for e in en] and zh[0]["description"] != en[0]["description"]


async def test_an_appointed_leader_gets_the_leaders_menu_in_their_buildings_groups_only(bot):
    await _bound(bot)
    await _leader_of_3(bot)
    in_3 = listed(bot, f"chat_member:{BUILDING_3}:{LEADER.id}")
    assert {"groupbuy", "close", "approve", "shift", "claim", "med"} <= set(in_3)
    assert not ADMIN_ONLY & set(in_3)
    assert listed(bot, f"chat_member:{BUILDING_5}:{LEADER.id}") == []  # building 5: the everyday menu
    assert "groupbuy" in listed(bot, f"chat:{LEADER.id}", "")  # their private chat, in English too

    said = await bot.send(BUILDING_3, LEADER, "hi")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长 取消", reply_to=said["message"]["message_id"])
    assert listed(bot, f"chat_member:{BUILDING_3}:{LEADER.id}") == []
    assert listed(bot, f"chat:{LEADER.id}") == []


async def test_an_approved_volunteer_gets_the_volunteers_menu(bot):
    await _bound(bot)
    await bot.send(BUILDING_3, HELPER, "#登记 3-101")
    assert listed(bot, f"chat_member:{BUILDING_3}:{HELPER.id}") == []
    await bot.volunteer(BUILDING_3, HELPER, COMMITTEE, "#报到 小王 配送")
    shown = listed(bot, f"chat_member:{BUILDING_3}:{HELPER.id}")
    assert {"claim", "checkin", "safe", "med"} <= set(shown)
    assert "groupbuy" not in shown


async def test_binding_gives_the_committee_its_menus_in_that_chat(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    assert ADMIN_ONLY <= set(listed(bot, f"chat_member:{BUILDING_3}:{COMMITTEE.id}"))
    assert listed(bot, f"chat_member:{BUILDING_3}:{RESIDENT.id}") == []

    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    committee_chat = set(listed(bot, f"chat:{COMMITTEE_CHAT}"))
    assert {"digest", "notice", "rumor", "help"} <= committee_chat
    assert not ADMIN_ONLY & committee_chat  # everyone in the committee chat sees it
    assert "purge" in listed(bot, f"chat:{COMMITTEE.id}")  # the committee member's private chat


async def test_after_purge_the_leaders_menu_is_gone(bot):
    await _bound(bot)
    await _leader_of_3(bot)
    await bot.send(BUILDING_3, COMMITTEE, "/purge")
    await bot.press(BUILDING_3, bot.last_message(BUILDING_3)["message_id"], COMMITTEE, "purge:yes")
    assert listed(bot, f"chat_member:{BUILDING_3}:{LEADER.id}") == []
    assert "purge" in listed(bot, f"chat_member:{BUILDING_3}:{COMMITTEE.id}")  # committee.admins stay


def _menu_scopes(api: LocalBotApi) -> set[str]:
    """The scopes of every menu set or deleted, as ``LocalBotApi`` names them."""
    calls = api.calls_of("setMyCommands") + api.calls_of("deleteMyCommands")
    return {api._menu_key(call.params)[0] for call in calls}


async def test_a_start_with_nothing_changed_sends_no_menu_and_a_role_change_only_that_persons(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await menus.published(app)
        await _bound(Harness(app, api))
    assert "all_group_chats" in _menu_scopes(api)

    again = LocalBotApi(id_base=1000)
    async with running(build_application(config, LocalRequest(again), clock=clock)) as app:
        assert await menus.published(app) == 0
        assert _menu_scopes(again) == set()  # Telegram already has every menu
        await _leader_of_3(Harness(app, again))
        assert _menu_scopes(again) == {
            f"chat_member:{BUILDING_3}:{LEADER.id}",
            f"chat_member:{BUILDING_5}:{LEADER.id}",
            f"chat:{LEADER.id}",
        }
        sent = len(again.calls)
        await _leader_of_3(Harness(app, again))  # appointed again: the same menus, none set again
        assert "setMyCommands" not in {call.method for call in again.calls[sent:]}


class _MenusHeld(LocalRequest):
    """Telegram slow to take menus: every ``setMyCommands`` waits for ``released``."""

    def __init__(self, api: LocalBotApi) -> None:
        super().__init__(api)
        self.released = asyncio.Event()

    async def do_request(self, url: str, *args, **kwargs):
        if url.endswith("/setMyCommands"):
            await self.released.wait()
        return await super().do_request(url, *args, **kwargs)


async def test_the_bot_answers_while_its_menus_are_still_being_published_and_stops_cleanly(config, clock, caplog):
    api = LocalBotApi()
    request = _MenusHeld(api)
    with caplog.at_level(logging.WARNING):
        async with running(build_application(config, request, clock=clock)) as app:
            await Harness(app, api).send(BUILDING_3, RESIDENT, "/help")
            assert api.texts(BUILDING_3) and not api.commands  # answered; no menu published yet
    assert not api.commands  # the stop cut the publishing short
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING], caplog.text
