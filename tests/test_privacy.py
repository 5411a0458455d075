"""Trust: nothing personal survives /purge, reaches a log or runs as a formula in an export; bad
input gets a short answer; bots are ignored; a re-added bot keeps its group's binding."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.render.exports import inert_row, to_csv_files
from bot.runtime import logfilter
from bot.runtime.cli import main
from bot.texts.i18n import t
from storage import dialect
from storage.db import Database
from storage.personal import NOT_PERSONAL, PERSONAL
from tests.harness import BUILDING_3, COMMITTEE, NEIGHBOUR, RESIDENT, Harness, LocalUser

VOLUNTEER = LocalUser(3001, "周建国")
LEADER = LocalUser(2001, "陈卫东")
CARD = "310101195001011234"
PHONE = "13912345678"
DAUGHTER_PHONE = "13987654321"
SECRETS = ["张秀英", "王淑芬", "周建国", "陈卫东", CARD, PHONE, DAUGHTER_PHONE, "奥氮平", "放门口鞋柜", "幸福路88号门"]
SECRETS += ["独居", str(RESIDENT.id), str(VOLUNTEER.id), str(LEADER.id), str(NEIGHBOUR.id)]


async def schema(db: Database) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for table, column in await db.read(dialect.columns):
        tables.setdefault(table, []).append(column)
    tables.pop("schema_migrations", None)  # PostgreSQL's record of migrations: nothing personal
    return tables


async def test_every_column_is_either_purged_or_declared_not_personal(database: Database):
    tables = await schema(database)  # as the migrations leave it on SQLite, and on PostgreSQL
    forgotten = []
    for table, columns in tables.items():
        rule = PERSONAL.get(table)
        if rule is not None and rule.delete and not rule.where:
            continue  # every row goes
        purged = rule.columns if rule else {}
        declared = NOT_PERSONAL.get(table, {})
        forgotten += [f"{table}.{column}" for column in columns if column not in purged and column not in declared]
        assert not set(purged) & set(declared), f"{table}: a column both purged and declared not personal"
        assert set(purged) | set(declared) <= set(columns), f"{table}: the registry names a column that is gone"
    assert forgotten == [], "say in storage/personal.py what /purge does to these columns"
    assert set(PERSONAL) | set(NOT_PERSONAL) <= set(tables)


async def enlist(bot: Harness, volunteer: LocalUser, text: str) -> None:
    """``#报到 …`` in the building group, approved by the committee with a reply."""
    await bot.send(BUILDING_3, volunteer, text)
    await bot.send(BUILDING_3, COMMITTEE, "#通过", reply_to=bot.last_message(BUILDING_3)["message_id"])


async def fill_every_table(bot: Harness) -> None:
    """A lockdown's worth of records, written the way people write them."""
    roster = bot.services.roster
    await roster.import_csv("building,unit,room,name,special_care\n3,,601,王淑芬,yes\n")
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    said = await bot.send(BUILDING_3, LEADER, "大家好 我是3号楼楼长")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    for user in (RESIDENT, VOLUNTEER, LEADER, NEIGHBOUR):
        await bot.send(user.id, user, "/start")
    await bot.send(BUILDING_3, RESIDENT, "张秀英 #登记 3号楼502 张秀英")
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-601")
    await bot.send(RESIDENT.id, RESIDENT, "/lang en")
    await bot.feed(bot.api.contact_update(RESIDENT.id, RESIDENT, PHONE))
    # medicine, with private details and the card handed over
    await enlist(bot, VOLUNTEER, "#报到 周建国 核酸 配送")
    await bot.send(BUILDING_3, RESIDENT, "#配药 奥氮平 2盒")
    confirm = next(m for m in reversed(bot.api.sent(RESIDENT.id)) if m.get("reply_markup"))
    await bot.press(RESIDENT.id, confirm["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(RESIDENT.id, RESIDENT, f"医保卡 {CARD} 电话 {PHONE} 交卡 放门口鞋柜")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    await bot.send(BUILDING_3, VOLUNTEER, "#已购 1 86.5元")
    # a group buy with orders
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, LEADER, "#接龙 1 3-601 1")
    await bot.send(BUILDING_3, LEADER, "#已付 1 3-502")
    # volunteers: a finished shift, one still open, a slot taken
    await bot.send(BUILDING_3, VOLUNTEER, "#签到 核酸 幸福路88号门")
    await bot.send(BUILDING_3, VOLUNTEER, "#签退")
    await bot.send(BUILDING_3, VOLUNTEER, "#签到 配送 幸福路88号门")
    await bot.send(BUILDING_3, LEADER, "#排班 核酸 明天7:00-11:00 2人")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领班 1")
    # special care with a note carrying a phone, paired and checked
    await bot.send(BUILDING_3, LEADER, f"#关爱 3-502 独居 女儿电话{DAUGHTER_PHONE}")
    said = await bot.send(BUILDING_3, VOLUNTEER, "我来负责502")
    await bot.send(BUILDING_3, LEADER, "#结对 3-502", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, VOLUNTEER, "#平安 3-502")
    await bot.send(BUILDING_3, NEIGHBOUR, "#绑定 5号楼")  # refused: an audit row with a user id


async def text_cells(db: Database) -> list[str]:
    cells = []
    for table, columns in (await schema(db)).items():
        for row in await db.fetchall(f"SELECT {', '.join(columns)} FROM {table}"):
            cells += [f"{table}.{column}={row[column]}" for column in columns if row[column] is not None]
    return cells


async def counts(bot: Harness) -> dict[str, int]:
    sql = {
        "requests": "SELECT count(*) FROM med_requests",
        "items": "SELECT sum(quantity) FROM med_items",
        "spent": "SELECT sum(cost_fen) FROM med_requests",
        "ordered": "SELECT sum(quantity) FROM group_buy_orders",
        "paid": "SELECT sum(paid) FROM group_buy_orders",
        "shifts": "SELECT count(*) FROM shifts",
        "checks": "SELECT count(*) FROM care_checks",
        "audit": "SELECT count(*) FROM audit_log",
    }
    return {name: (await bot.services.db.fetchall(query))[0][0] for name, query in sql.items()}


async def test_purge_leaves_nothing_personal_in_any_table_and_the_counts_still_add_up(bot):
    await fill_every_table(bot)
    before = await counts(bot)
    leaked = [cell for cell in await text_cells(bot.services.db) if any(s in cell for s in SECRETS)]
    assert len(leaked) > 20, "the fill should have stored every kind of personal data"
    await bot.send(COMMITTEE.id, COMMITTEE, "/purge")
    await bot.press(COMMITTEE.id, bot.last_message(COMMITTEE.id)["message_id"], COMMITTEE, "purge:yes")
    assert bot.last(COMMITTEE.id) == t("zh", "purge.done", phones=1, names=3, details=1)
    leaked = [cell for cell in await text_cells(bot.services.db) if any(s in cell for s in SECRETS)]
    assert leaked == []
    assert await counts(bot) == {**before, "audit": before["audit"] + 1}  # and the purge's own row
    actions = [r["action"] for r in await bot.services.db.fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["bind", "purge"]
    # the bot still works for the committee and for a resident registering again
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    assert bot.last(BUILDING_3) == t("zh", "register.done", room="3-502")


# ------------------------------------------------------------------------------ logs
@pytest.fixture
def library_levels():
    """Leave the loggers and handlers as they were for the other tests."""
    levels = {name: logging.getLogger(name).level for name in logfilter.LIBRARY_LEVELS}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in logging.getLogger().handlers:
        for masking in [f for f in handler.filters if isinstance(f, logfilter.MaskDigits)]:
            handler.removeFilter(masking)


def test_the_cli_masks_phones_ids_and_cards_in_every_log_record(tmp_path: Path, caplog, library_levels):
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "bot.sqlite3"}"\n', encoding="utf-8")
    assert main(["migrate", "--config", str(config)]) == 0
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("handlers.medicine")
    log.info("details for %s: card %s, phone %s", "3-502", CARD, "+86 139-1234-5678")
    log.warning("电话%s 身份证31010119500101123X", PHONE)
    try:
        int("医保卡 6222 0212 3456 7890")
    except ValueError:
        log.exception("could not read")
    assert caplog.messages[-3:] == [
        "details for 3-502: card 310****1234, phone +86 139****5678",
        "电话139****5678 身份证310****123X",
        "could not read",
    ]
    assert "622****7890" in caplog.text and "6222" not in caplog.text
    assert CARD not in caplog.text and PHONE not in caplog.text


def test_dates_times_money_and_rooms_are_not_masked():
    assert logfilter.mask("2026-04-10 09:00 #配药 3-502 86.50元 update 12 room 1201") == (
        "2026-04-10 09:00 #配药 3-502 86.50元 update 12 room 1201"
    )
    assert logfilter.mask("POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe") == (
        "POST https://api.telegram.org/bot<token>/getMe"
    )


@pytest.mark.parametrize("asked", [False, True])
def test_library_debug_lines_only_when_asked(caplog, library_levels, asked):
    caplog.set_level(logging.DEBUG)
    logfilter.install({logfilter.DEBUG_LIBRARIES_ENV: "1"} if asked else {})
    logging.getLogger("telegram.ext.ExtBot").debug("Calling Bot API endpoint `sendMessage` with %s", {"text": PHONE})
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot1:x")
    logging.getLogger("apscheduler.scheduler").debug("Looking for jobs to run")
    debug_lines = [r.getMessage() for r in caplog.records if r.name.startswith(("telegram", "apscheduler", "httpx"))]
    if asked:
        assert debug_lines[0] == "Calling Bot API endpoint `sendMessage` with {'text': '139****5678'}"
        assert len(debug_lines) == 3
    else:
        assert debug_lines == []


# ------------------------------------------------------------------------------ exports
async def test_formulas_typed_by_users_are_inert_text_in_the_xlsx_and_numbers_stay_numbers(bot, tmp_path: Path):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, RESIDENT, '#配药 =HYPERLINK("x") 2盒')
    await enlist(bot, VOLUNTEER, "#报到 =1+2 核酸")
    await bot.send(BUILDING_3, VOLUNTEER, "#签到 核酸 @门口")
    await bot.send(COMMITTEE.id, COMMITTEE, "/export")
    workbook = load_workbook(io.BytesIO(bot.api.sent(COMMITTEE.id)[-1]["local_file"]))
    request = [cell for cell in workbook[t("zh", "export.sheet.medicine_requests")][2]]
    assert request[0].value == 1 and request[0].data_type == "n"
    assert request[4].value == '\'=HYPERLINK("x") x2盒' and request[4].data_type == "s"
    shift = [cell.value for cell in workbook[t("zh", "export.sheet.shifts")][2]]
    assert shift[1:4] == ["'=1+2", "核酸", "'@门口"]
    tables = await bot.services.reports.export_tables(date(2026, 4, 1), date(2026, 4, 30))
    for path in to_csv_files(tables, tmp_path):
        for row in csv.reader(io.StringIO(path.read_text("utf-8-sig"))):
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    assert "'=1+2" in (tmp_path / "shifts.csv").read_text("utf-8-sig")


def test_a_group_buy_csv_cell_that_would_be_a_formula_is_escaped():
    assert inert_row(["-2+3", "+86", "@SUM(A1)", "\t=1", 3, -5, 68.5, "3-502", "蔬菜包"]) == [
        "'-2+3",
        "'+86",
        "'@SUM(A1)",
        "'\t=1",
        3,
        -5,
        68.5,
        "3-502",
        "蔬菜包",
    ]


# ------------------------------------------------------------------------------ bad input: a short answer
async def test_a_deep_link_with_a_huge_request_number_is_just_not_found(bot):
    await bot.send(RESIDENT.id, RESIDENT, "/start med" + "9" * 20)
    assert bot.last(RESIDENT.id) == f"没有配药单 #{'9' * 20}。"
    await bot.send(VOLUNTEER.id, VOLUNTEER, "/start info" + "1" * 20)
    assert bot.last(VOLUNTEER.id) == f"没有配药单 #{'1' * 20}。"
    assert not any("抱歉" in text for text in bot.texts())


async def test_an_export_of_every_date_there_is_gets_the_records(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
    await bot.send(COMMITTEE.id, COMMITTEE, "/export 0001-01-01 9999-12-31")
    document = bot.api.sent(COMMITTEE.id)[-1]
    sheet = t("zh", "export.sheet.medicine_requests")
    assert f"{sheet} 1" in document["caption"]
    assert load_workbook(io.BytesIO(document["local_file"]))[sheet].max_row == 2
    assert not any("抱歉" in text for text in bot.texts())


async def test_a_shared_contact_without_a_number_is_asked_again(bot):
    await bot.send(RESIDENT.id, RESIDENT, "/start phone")
    await bot.feed(bot.api.contact_update(RESIDENT.id, RESIDENT, "王阿姨家"))
    asked, unreadable, asked_again = bot.texts(RESIDENT.id)[-3:]
    assert unreadable == t("zh", "phone.invalid") and asked_again == asked and "分享手机号" in asked
    assert await bot.services.roster.phone(RESIDENT.id) is None
    assert not any("抱歉" in text for text in bot.texts())


# ------------------------------------------------------------------------------ bots
def from_a_bot(payload: dict) -> dict:
    payload["message"]["from"]["is_bot"] = True
    return payload


async def test_other_bots_cannot_register_or_file_requests(bot):
    spam_bot = LocalUser(7001, "抢菜机器人")
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.feed(from_a_bot(bot.api.message_update(BUILDING_3, spam_bot, "#登记 3-502 抢菜")))
    await bot.feed(from_a_bot(bot.api.message_update(BUILDING_3, spam_bot, "#配药 布洛芬 2盒")))
    await bot.feed(from_a_bot(bot.api.message_update(spam_bot.id, spam_bot, "/start")))
    assert bot.texts() == ["本群已绑定为 3 号楼的楼组群。"]
    assert (await bot.services.roster.actor(spam_bot.id)).household is None
    assert await bot.services.db.fetchall("SELECT * FROM med_requests") == []


async def test_an_anonymous_admin_is_still_asked_to_post_as_themselves(bot):
    await bot.send(BUILDING_3, RESIDENT, "#绑定 3号楼", anonymous=True)
    assert "请以个人身份发言" in bot.last(BUILDING_3)


# ------------------------------------------------------------------------------ removed and added back
async def test_a_group_keeps_its_binding_when_the_bot_is_removed_and_added_back(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.feed(bot.api.bot_membership_update(BUILDING_3, COMMITTEE, "member", "left"))
    assert await bot.services.roster.building_chats(3) == []  # nothing is sent there meanwhile
    await bot.feed(bot.api.bot_membership_update(BUILDING_3, COMMITTEE, "left", "member"))
    assert bot.last(BUILDING_3) == t("zh", "bot.back", building=3)
    assert [c.chat_id for c in await bot.services.roster.building_chats(3)] == [BUILDING_3]
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
    assert bot.last(BUILDING_3).startswith("配药单 #1 · 3-502")


async def test_a_new_group_is_told_how_to_bind(bot):
    await bot.feed(bot.api.bot_membership_update(BUILDING_3, COMMITTEE, "left", "member"))
    assert "#绑定" in bot.last(BUILDING_3)
    assert await bot.services.roster.chat(BUILDING_3) is None
