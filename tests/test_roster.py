"""Households, roles and building groups, end to end through the application."""

from pathlib import Path

from bot.runtime.cli import main
from bot.texts.i18n import t
from storage import roster as roster_db
from tests.conftest import make_config
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, COMMITTEE_CHAT, NEIGHBOUR, RESIDENT, LocalUser

LEADER = LocalUser(2001, "楼长老陈")


async def households(bot) -> list[str]:
    return [h.label for h in await bot.services.roster.households()]


async def audit_rows(bot) -> list[tuple[str, str]]:
    rows = await bot.services.db.fetchall("SELECT action, outcome FROM audit_log ORDER BY id")
    return [(r["action"], r["outcome"]) for r in rows]


async def appoint(bot, leader: LocalUser = LEADER, chat: int = BUILDING_3) -> None:
    said = await bot.send(chat, leader, "大家好")
    await bot.send(chat, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])


async def test_committee_binds_building_and_committee_chats(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    assert bot.last(BUILDING_3) == t("zh", "bind.building", building=3)
    await bot.send(BUILDING_3, COMMITTEE, "/bind 5")
    assert "原为 3 号楼" in bot.last(BUILDING_3)
    assert [c.chat_id for c in await bot.services.roster.building_chats(5)] == [BUILDING_3]
    assert await bot.services.roster.building_chats(3) == []
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/bind committee")
    assert await bot.services.roster.committee_chat_ids() == [COMMITTEE_CHAT]


async def test_one_building_may_have_several_chats(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 三号楼")
    assert {c.chat_id for c in await bot.services.roster.building_chats(3)} == {BUILDING_3, BUILDING_5}


async def test_a_resident_may_not_bind_and_the_refusal_is_audited(bot):
    await bot.send(BUILDING_3, RESIDENT, "#绑定 3号楼")
    assert bot.last(BUILDING_3) == t("zh", "refused.committee")
    assert await bot.services.roster.chat(BUILDING_3) is None
    assert await audit_rows(bot) == [("bind", "refused")]


async def test_group_admins_are_not_committee_and_anonymous_admins_are_asked_to_post_as_themselves(bot):
    await bot.send(BUILDING_3, RESIDENT, "#绑定 3号楼", anonymous=True)
    assert "请以个人身份发言" in bot.last(BUILDING_3)
    assert await bot.services.roster.chat(BUILDING_3) is None


async def test_register_and_move_household_which_frees_the_old_room(bot):
    await bot.send(BUILDING_3, RESIDENT, "#登记 3号楼502 张三")
    assert bot.last(BUILDING_3) == t("zh", "register.done", room="3-502")
    await bot.send(BUILDING_3, RESIDENT, "/register 3-2-601")
    assert bot.last(BUILDING_3) == t("zh", "register.moved", old="3-502", room="3-2-601")
    actor = await bot.services.roster.actor(RESIDENT.id)
    assert actor.household.label == "3-2-601"
    assert await households(bot) == ["3-2-601"]  # nobody lives in 3-502 any more


async def test_a_room_that_moved_away_is_not_listed_as_not_ordered_but_a_roster_room_stays(bot):
    await bot.services.roster.import_csv("3,,701\n")
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await appoint(bot)
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-602")  # a slip: the family lives in 502
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-701")
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-801")  # moves out of a room of the roster file
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, LEADER, "#团购汇总 1")
    summary = bot.last(BUILDING_3)
    assert "未下单" in summary and "3-502" in summary and "3-801" in summary and "3-701" in summary
    assert "3-602" not in summary


async def test_registration_replies_show_the_room_never_the_name(bot):
    await bot.send(BUILDING_3, RESIDENT, "#登记 3号楼502 张三丰")
    assert all("张三丰" not in text for text in bot.texts())


async def test_appointed_leader_registers_others_in_their_building_only(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await appoint(bot)
    assert bot.last(BUILDING_3) == t("zh", "leader.done", building=3)
    neighbour_said = await bot.send(BUILDING_3, NEIGHBOUR, "我家不会用")
    await bot.send(BUILDING_3, LEADER, "#登记 3-601 王五", reply_to=neighbour_said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "register.other", room="3-601")
    assert (await bot.services.roster.actor(NEIGHBOUR.id)).household.label == "3-601"
    await bot.send(BUILDING_3, LEADER, "#登记 5-601", reply_to=neighbour_said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    assert (await bot.services.roster.actor(NEIGHBOUR.id)).household.label == "3-601"


async def test_a_resident_may_not_register_someone_else(bot):
    said = await bot.send(BUILDING_3, NEIGHBOUR, "hi")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-601", reply_to=said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    assert (await bot.services.roster.actor(NEIGHBOUR.id)).household is None


async def test_only_the_committee_appoints_and_demotes_leaders(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    said = await bot.send(BUILDING_3, NEIGHBOUR, "我来当楼组长")
    await bot.send(BUILDING_3, RESIDENT, "#楼组长", reply_to=said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "refused.committee")
    await bot.send(BUILDING_3, COMMITTEE, "/leader")
    assert "请回复" in bot.last(BUILDING_3)
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    assert (await bot.services.roster.actor(NEIGHBOUR.id)).leader_of == {3}
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长 取消", reply_to=said["message"]["message_id"])
    assert (await bot.services.roster.actor(NEIGHBOUR.id)).leader_of == set()


async def test_leader_needs_a_bound_chat(bot):
    said = await bot.send(BUILDING_3, NEIGHBOUR, "hi")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    assert "#绑定" in bot.last(BUILDING_3)


async def test_me_is_answered_privately_where_possible(bot):
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, RESIDENT, "#我的")  # no private chat yet: a short answer in the group
    assert bot.last(BUILDING_3).startswith("户号：3-502\n身份：居民")
    await bot.send(RESIDENT.id, RESIDENT, "/start")
    await bot.send(BUILDING_3, RESIDENT, "/me")
    assert bot.last(BUILDING_3) == t("zh", "me.sent_private")
    assert bot.last(RESIDENT.id).startswith("户号：3-502")
    await bot.send(COMMITTEE.id, COMMITTEE, "/me")
    assert "居委" in bot.last(COMMITTEE.id)


async def test_phone_numbers_only_in_private_and_never_echoed(bot):
    await bot.send(RESIDENT.id, RESIDENT, "/start phone")
    assert "分享手机号" in bot.last(RESIDENT.id)
    await bot.feed(bot.api.contact_update(RESIDENT.id, RESIDENT, "+86 139-1234-5678"))
    assert await bot.services.roster.phone(RESIDENT.id) == "+8613912345678"
    await bot.feed(bot.api.contact_update(RESIDENT.id, RESIDENT, "13800000000", owner=NEIGHBOUR.id))
    assert bot.last(RESIDENT.id) == t("zh", "phone.not_yours")
    assert await bot.services.roster.phone(NEIGHBOUR.id) is None
    assert not any("139" in text or "138" in text for text in bot.texts())


async def test_purge_asks_and_checks_permission_again_on_the_button(bot):
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502 张三")
    await bot.send(RESIDENT.id, RESIDENT, "/start")
    await bot.feed(bot.api.contact_update(RESIDENT.id, RESIDENT, "13912345678"))
    await bot.send(BUILDING_3, COMMITTEE, "/purge")
    confirm = bot.last_message(BUILDING_3)
    await bot.press(BUILDING_3, confirm["message_id"], RESIDENT, "purge:yes")  # a forged press
    assert bot.api.calls_of("answerCallbackQuery")[-1].params["text"] == t("zh", "refused.committee")
    assert await bot.services.roster.phone(RESIDENT.id) == "13912345678"
    await bot.press(BUILDING_3, confirm["message_id"], COMMITTEE, "purge:yes")
    assert bot.last(BUILDING_3) == t("zh", "purge.done", phones=1, names=1, details=0)
    assert await bot.services.roster.phone(RESIDENT.id) is None
    rooms = await bot.services.db.fetchall("SELECT building, room FROM households")
    assert [tuple(row) for row in rooms] == [(3, 502)]  # the household stays, for the anonymous counts
    assert (await bot.services.roster.actor(RESIDENT.id)).household is None  # who lives where is forgotten


async def test_supergroup_upgrade_moves_the_binding_and_settings(bot):
    old, new = -555, -100555
    await bot.send(old, COMMITTEE, "#绑定 3号楼")
    await bot.send(old, RESIDENT, "/lang en")
    for payload in bot.api.migrate_updates(old, new, COMMITTEE):
        await bot.feed(payload)
    assert await bot.services.roster.chat(old) is None
    assert (await bot.services.roster.chat(new)).building == 3
    await bot.send(new, RESIDENT, "/help")
    assert bot.last(new).startswith("Building assistant usage")


async def test_bot_added_explains_binding_and_removed_is_remembered(bot):
    await bot.feed(bot.api.bot_membership_update(BUILDING_3, COMMITTEE, "left", "member"))
    assert "#绑定" in bot.last(BUILDING_3)
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.feed(bot.api.bot_membership_update(BUILDING_3, COMMITTEE, "member", "kicked"))
    assert await bot.services.roster.building_chats(3) == []


# ------------------------------------------------------------------------------ roster CSV
def test_roster_import_from_csv(tmp_path: Path, capsys):
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[storage]\npath = "{tmp_path / "r.sqlite3"}"\n', encoding="utf-8")
    csv_path = tmp_path / "roster.csv"
    csv_path.write_text("building,unit,room,name,special_care\n3,,502,张三,yes\n3,2,601,,\n5,,1201,李四,no\n", "utf-8")
    assert main(["import-roster", str(csv_path), "--config", str(config_path)]) == 0
    assert "imported 3 households" in capsys.readouterr().out
    import sqlite3

    rows = sqlite3.connect(tmp_path / "r.sqlite3").execute(
        "SELECT building, unit, room, special_care FROM households ORDER BY building, unit, room"
    )
    assert rows.fetchall() == [(3, 0, 502, 1), (3, 2, 601, 0), (5, 0, 1201, 0)]


def test_malformed_roster_names_the_line_and_imports_nothing(tmp_path: Path, capsys):
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[storage]\npath = "{tmp_path / "r.sqlite3"}"\n', encoding="utf-8")
    csv_path = tmp_path / "roster.csv"
    csv_path.write_text("3,,502\n3,,503\n3,x,504\n3,,505\n", "utf-8")
    assert main(["import-roster", str(csv_path), "--config", str(config_path)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "nothing was imported" in err and err.count("\n") == 1
    import sqlite3

    assert sqlite3.connect(tmp_path / "r.sqlite3").execute("SELECT count(*) FROM households").fetchone()[0] == 0


async def test_imported_roster_is_what_the_bot_knows(tmp_path):
    from bot.services import Services

    services = Services.create(make_config(tmp_path))
    await services.start()
    await services.roster.import_csv("3,,501\n3,,502\n3,,503\n")
    households = await services.db.read(lambda conn: roster_db.households(conn, 3))
    assert [h.label for h in households] == ["3-501", "3-502", "3-503"]
    await services.stop()


# ------------------------------------------------------------------------------ rooms written in a group
async def test_a_room_of_another_building_is_registered_with_a_warning(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 5号楼502")
    assert bot.last(BUILDING_3) == t("zh", "register.done", room="5-502") + "\n" + t(
        "zh", "register.elsewhere", building=3
    )
    await bot.send(BUILDING_3, RESIDENT, "#登记 502")  # the room alone: this group's building
    assert bot.last(BUILDING_3) == t("zh", "register.moved", old="5-502", room="3-502")
    assert (await bot.services.roster.actor(RESIDENT.id)).household.label == "3-502"


async def test_a_room_alone_in_an_unbound_chat_asks_for_the_building(bot):
    await bot.send(BUILDING_5, RESIDENT, "#登记 502 张三")
    assert bot.last(BUILDING_5) == t("zh", "register.need_building")
    assert (await bot.services.roster.actor(RESIDENT.id)).household is None


# ------------------------------------------------------------------------------ households are joined, not taken
STRANGER = LocalUser(4001, "陌生人")


async def test_joining_an_occupied_room_waits_for_a_members_approval(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(RESIDENT.id, RESIDENT, "/start")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")  # an empty room: in at once
    assert bot.last(BUILDING_3) == t("zh", "register.done", room="3-502")
    await bot.send(BUILDING_3, RESIDENT, "#配药 二甲双胍 3盒")
    await bot.send(BUILDING_3, STRANGER, "#登记 3-502")
    request = bot.last_message(BUILDING_3)
    assert request["text"].startswith("🏠 有人申请加入 3-502。")
    assert "申请加入您家 3-502" in bot.last(RESIDENT.id)  # the household is told privately
    assert (await bot.services.roster.actor(STRANGER.id)).household is None

    # Until approved the newcomer changes nothing of the household, and cannot approve himself.
    await bot.send(BUILDING_3, STRANGER, "#取消 1")
    assert bot.last(BUILDING_3) == t("zh", "refused.requester")
    await bot.press(BUILDING_3, request["message_id"], STRANGER, "home:approve")
    assert bot.api.calls_of("answerCallbackQuery")[-1].params["text"] == (t("zh", "refused.household"))
    await bot.press(BUILDING_3, request["message_id"], NEIGHBOUR, "home:approve")
    assert (await bot.services.roster.actor(STRANGER.id)).household is None
    assert (await bot.services.medicine.get(1)).status != "cancelled"

    await bot.press(BUILDING_3, request["message_id"], RESIDENT, "home:approve")
    edited = next(m for m in bot.api.sent(BUILDING_3) if m["message_id"] == request["message_id"])
    assert edited["text"] == t("zh", "register.joined", room="3-502")
    assert (await bot.services.roster.actor(STRANGER.id)).household.label == "3-502"


async def test_the_leader_approves_a_join_with_a_reply_and_a_private_request_goes_to_the_group(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await appoint(bot)
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(STRANGER.id, STRANGER, "#登记 3-502")
    assert bot.last(STRANGER.id) == t("zh", "register.join_in_group", room="3-502")
    said = await bot.send(BUILDING_3, STRANGER, "我是502的 #登记 3-502")
    await bot.send(BUILDING_3, LEADER, "#通过", reply_to=said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "register.joined", room="3-502")
    assert (await bot.services.roster.actor(STRANGER.id)).household.label == "3-502"
    approvals = await bot.services.db.fetchall("SELECT user_id FROM audit_log WHERE action = 'household.approve'")
    assert [row["user_id"] for row in approvals] == [LEADER.id]


# ------------------------------------------------------------------------------ /lang
async def test_a_resident_sets_their_own_language_and_a_leader_the_groups(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await appoint(bot)
    await bot.send(BUILDING_3, RESIDENT, "/lang en")
    assert bot.last(BUILDING_3).startswith("Your own language is now English")
    await bot.send(BUILDING_3, NEIGHBOUR, "/help")
    assert bot.last(BUILDING_3).startswith("楼组助手 用法")  # the group is still Chinese for everyone else
    await bot.send(RESIDENT.id, RESIDENT, "#我的")
    assert bot.last(RESIDENT.id).startswith("Household:")  # the resident's own private chat
    await bot.send(BUILDING_3, RESIDENT, "/help")
    assert bot.last(BUILDING_3).startswith("Building assistant usage")  # answers to them: the group has none
    await bot.send(BUILDING_3, LEADER, "/lang zh")
    assert bot.last(BUILDING_3) == t("zh", "lang.set")
    await bot.send(BUILDING_3, RESIDENT, "/help")
    assert bot.last(BUILDING_3).startswith("楼组助手 用法")  # the group's language now wins
