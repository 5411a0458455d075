"""The "/" menus per Telegram scope: everyday commands for every member, the rest by role through
member- and chat-scoped menus that follow appointments, approvals and bindings."""

from bot.runtime.localapi import LocalUser
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, COMMITTEE_CHAT, RESIDENT

LEADER = LocalUser(3001, "楼组长老李")
HELPER = LocalUser(4001, "志愿者小王")
ADMIN_ONLY = {"purge", "export", "bind", "leader"}


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
