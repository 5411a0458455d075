"""``building-bot migrate-to-postgres``: compounds' SQLite files into one district database."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.runtime.app import build_application, running
from bot.runtime.cli import main
from bot.runtime.localapi import LocalBotApi, LocalRequest, LocalUser
from storage import postgres
from tests.conftest import make_config
from tests.harness import COMMITTEE, Harness

pytestmark = pytest.mark.postgres

RUMOR = "#辟谣 居委私吞物资 | 关键词: 私吞 | 经核实，系外地旧视频 | 来源: 街道公众号"


@dataclass
class Compound:
    building: int
    chat: int  # the building's group
    committee_chat: int
    resident: LocalUser
    volunteer: LocalUser


EAST = Compound(3, -1003, -1999, LocalUser(1001, "张三"), LocalUser(1002, "李四"))
WEST = Compound(7, -2007, -2999, LocalUser(2001, "王五"), LocalUser(2002, "赵六"))
ALSO_BUILDING_3 = Compound(3, -3003, -3999, LocalUser(3001, "孙七"), LocalUser(3002, "周八"))


async def lived_in(tmp_path: Path, clock, compound: Compound, *, purged: bool = False) -> Path:
    """A compound's SQLite file after a morning of use: a household, a medicine request, a group buy
    with an order and a question about a second one, an approved volunteer, the care roster, a
    rumor rebutted twice (superseded); ``purged``: a request filed in a private chat, then /purge."""
    config = make_config(tmp_path / str(compound.building), medicine={"auto_confirm": True})
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        b, chat = compound.building, compound.chat
        await bot.send(chat, COMMITTEE, f"#绑定 {b}号楼")
        await bot.send(compound.committee_chat, COMMITTEE, "#绑定 居委")
        await bot.send(chat, compound.resident, f"#登记 {b}-502 {compound.resident.first_name}")
        await bot.send(chat, compound.resident, "#配药 布洛芬 2盒")
        await bot.send(chat, COMMITTEE, f"#开团 蔬菜包{b} 68元/份")
        await bot.send(chat, compound.resident, "#接龙 1 2")
        await bot.send(chat, compound.resident, "#接龙 1 100")  # far above the usual: asked about, waits
        await bot.volunteer(chat, compound.volunteer, COMMITTEE, f"#报到 {compound.volunteer.first_name} 配送")
        await bot.send(chat, COMMITTEE, f"#关爱 {b}-502 独居老人")
        await bot.send(compound.committee_chat, COMMITTEE, RUMOR)
        await bot.send(compound.committee_chat, COMMITTEE, RUMOR + "（更新）")
        if purged:
            await bot.send(compound.resident.id, compound.resident, "#配药 感冒灵 1盒")
            await bot.send(COMMITTEE.id, COMMITTEE, "/purge")
            await bot.press(COMMITTEE.id, bot.last_message(COMMITTEE.id)["message_id"], COMMITTEE, "purge:yes")
    return config.storage.path


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}
    conn.close()
    return found


def move(source: Path, url: str, capsys) -> tuple[int, str, str]:
    status = main(["migrate-to-postgres", "--from", str(source), "--to", url])
    out, err = capsys.readouterr()
    return status, out, err


def printed_counts(out: str) -> dict[str, int]:
    """The rows per table the move printed."""
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    return {row[0]: int(row[1]) for row in rows}


async def test_two_compounds_share_a_district_database_each_record_renumbered_and_still_its_own(
    tmp_path: Path, clock, postgres_url: str, capsys
) -> None:
    east, west = await lived_in(tmp_path, clock, EAST), await lived_in(tmp_path, clock, WEST)
    capsys.readouterr()

    status, out, err = move(east, postgres_url, capsys)
    assert (status, err) == (0, "")
    status, out, err = move(west, postgres_url, capsys)
    assert (status, err) == (0, "")
    # The operator sees every table's rows, and which open records have new numbers (no one's name).
    assert printed_counts(out) == counts(west)
    assert "still open, now numbered: group buys #1→#2" in out
    assert "still open, now numbered: medicine requests #1→#2" in out
    assert WEST.resident.first_name not in out and WEST.volunteer.first_name not in out

    with postgres.connect(postgres_url) as conn:
        for compound in (EAST, WEST):
            # An order still points at its own compound's buy, from its own household.
            order = conn.execute(
                """SELECT b.chat_id, b.title, h.building, h.room FROM group_buy_orders o
                   JOIN group_buys b ON b.id = o.buy_id JOIN households h ON h.id = o.household_id
                   WHERE b.chat_id = ?""",
                (compound.chat,),
            ).fetchall()
            assert [tuple(row) for row in order] == [
                (compound.chat, f"蔬菜包{compound.building}", compound.building, 502)
            ]
            # A request, its items and its household; a member still lives in that household.
            request = conn.execute(
                """SELECT h.building, h.room, i.name, i.quantity, m.user_id FROM med_requests r
                   JOIN households h ON h.id = r.household_id JOIN med_items i ON i.request_id = r.id
                   JOIN members m ON m.household_id = h.id WHERE r.chat_id = ?""",
                (compound.chat,),
            ).fetchall()
            assert [tuple(row) for row in request] == [(compound.building, 502, "布洛芬", 2, compound.resident.id)]
            # The care roster and the board of the buy point at the same compound's records.
            care = conn.execute(
                "SELECT h.building FROM care_households c JOIN households h ON h.id = c.household_id"
            ).fetchall()
            assert compound.building in [row[0] for row in care]
            boards = conn.execute(
                "SELECT b.title FROM group_buy_boards g JOIN group_buys b ON b.id = g.buy_id WHERE g.board_chat_id = ?",
                (compound.chat,),
            ).fetchall()
            assert {row[0] for row in boards} == {f"蔬菜包{compound.building}"}
        # West's buy is #2 now; its audit line and the order waiting on a question say so.
        west_buy = conn.execute("SELECT id FROM group_buys WHERE chat_id = ?", (WEST.chat,)).fetchone()["id"]
        assert west_buy == 2
        opened = conn.execute("SELECT detail FROM audit_log WHERE action = 'gb.open' ORDER BY id").fetchall()
        assert [row["detail"] for row in opened] == ["#1", "#2"]
        waiting = conn.execute("SELECT command FROM questions WHERE chat_id = ?", (WEST.chat,)).fetchone()["command"]
        assert waiting.startswith('order:{"buy_id":2,"quantity":100')
        superseded = conn.execute(
            """SELECT old.id, new.id FROM rumors old JOIN rumors new ON new.id = old.superseded_by ORDER BY old.id"""
        ).fetchall()
        assert [tuple(row) for row in superseded] == [(1, 2), (3, 4)]
        # Every row of both files arrived, but the old bots' delivery state.
        in_district = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in counts(east)}
    both = {table: counts(east)[table] + counts(west)[table] for table in counts(east)}
    left = {"processed_updates", "inbox", "outbox", "buttons", "menus_published"}
    assert {t: n for t, n in in_district.items() if t not in left} == {t: n for t, n in both.items() if t not in left}
    assert {in_district[table] for table in left} == {0}


async def test_requests_purged_in_two_compounds_stay_apart_in_the_district(
    tmp_path: Path, clock, postgres_url: str, capsys
) -> None:
    """/purge leaves a private chat's request as (chat 0, message minus its id): minus its new id now."""
    east = await lived_in(tmp_path, clock, EAST, purged=True)
    west = await lived_in(tmp_path, clock, WEST, purged=True)
    assert move(east, postgres_url, capsys)[0] == 0
    assert move(west, postgres_url, capsys)[0] == 0
    with postgres.connect(postgres_url) as conn:
        purged = conn.execute("SELECT id, message_id FROM med_requests WHERE chat_id = 0 ORDER BY id").fetchall()
    assert [tuple(row) for row in purged] == [(2, -2), (4, -4)]


async def test_a_compound_already_there_or_a_building_taken_is_refused_and_nothing_is_written(
    tmp_path: Path, clock, postgres_url: str, capsys
) -> None:
    east = await lived_in(tmp_path, clock, EAST)
    same_buildings = await lived_in(tmp_path / "other", clock, ALSO_BUILDING_3)
    capsys.readouterr()
    assert move(east, postgres_url, capsys)[0] == 0
    with postgres.connect(postgres_url) as conn:
        before = conn.execute("SELECT count(*) FROM households").fetchone()[0]

    status, _, err = move(east, postgres_url, capsys)
    assert status == 2
    assert err.strip().startswith("building-bot: migrate-to-postgres refused: the district database already holds")
    status, _, err = move(same_buildings, postgres_url, capsys)
    assert status == 2
    assert "building(s) 3 are already another compound's" in err
    with postgres.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM households").fetchone()[0] == before


async def test_what_is_not_a_settled_building_bot_database_is_refused(
    tmp_path: Path, clock, postgres_url: str, capsys
) -> None:
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database\n" * 100)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    for path, reason in ((not_sqlite, "not an SQLite database"), (other, "not a building-bot database")):
        status, _, err = move(path, postgres_url, capsys)
        assert (status, err) == (2, f"building-bot: migrate-to-postgres refused: {path}: {reason}\n")
    for url in (postgres_url.replace("/test_", "/absent_"), "not a url"):
        status, _, err = move(other, url, capsys)
        assert status == 2
        assert err.startswith("building-bot: cannot use the PostgreSQL database: ")

    east = await lived_in(tmp_path, clock, EAST)
    conn = sqlite3.connect(east)
    conn.execute(
        "INSERT INTO outbox(channel, target, key, payload, next_at, created_at) VALUES ('telegram', '-1003', 'k', '{}', 't', 't')"
    )
    conn.commit()
    conn.close()
    status, _, err = move(east, postgres_url, capsys)
    assert status == 2
    assert "1 messages still owed to chats: run the bot until its outbox is empty" in err

    # Upgraded (`building-bot migrate`) but not started since: its chats name no bot yet.
    conn = sqlite3.connect(east)
    conn.execute("DELETE FROM outbox")
    conn.execute("UPDATE chat_bots SET bot_id = 0")
    conn.commit()
    conn.close()
    status, _, err = move(east, postgres_url, capsys)
    assert (status, err) == (
        2,
        "building-bot: migrate-to-postgres refused: 2 chats do not yet name the bot that is in them: "
        "start the bot once on this file, stop it, then move\n",
    )
    with postgres.connect(postgres_url) as district:  # nothing written, not even the schema
        tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        assert district.execute(tables).fetchone()[0] == 0
