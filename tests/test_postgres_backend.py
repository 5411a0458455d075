"""The bot on PostgreSQL (``[storage] url``): the config, the Database on PostgreSQL, its errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.config import ConfigError, load_config
from bot.runtime.app import build_application, running
from bot.runtime.cli import main
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from storage import postgres
from storage.db import Database, StorageError, recording_update
from tests.conftest import make_config
from tests.harness import BUILDING_3, COMMITTEE, RESIDENT, Harness

pytestmark = pytest.mark.postgres

URL = "postgresql://bot:s3cret-pass@db.example.org:5433/district"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_url_selects_postgresql_and_its_password_is_never_shown(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, f'[storage]\nurl = "{URL}"'), environ={})
    assert config.storage.database_url == URL
    assert config.storage.database_label == "postgresql://bot@db.example.org:5433/district"
    assert "s3cret-pass" not in repr(config) and "s3cret-pass" not in str(config.model_dump())


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f'[storage]\nurl = "{URL}"\npath = "bot.sqlite3"', "storage: path and url are both set"),
        (f'[storage]\nurl = "{URL}"\nbackup_dir = "backups"', "storage: backup_dir is for SQLite"),
        ('[storage]\nurl = "mysql://bot:s3cret-pass@db/x"', "storage.url: expected a URL such as postgresql://"),
    ],
)
def test_a_url_with_a_path_a_backup_folder_or_another_scheme_is_a_config_error(
    tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), environ={})
    assert says in str(info.value)
    assert "s3cret-pass" not in str(info.value)


def test_backup_and_restore_refuse_a_postgresql_database_and_name_pg_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, f'[storage]\nurl = "{URL}"')
    assert main(["backup", str(tmp_path / "b.sqlite3"), "--config", str(config)]) == 2
    assert main(["restore", str(tmp_path / "b.sqlite3"), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("pg_dump") == 2 and "s3cret-pass" not in err


async def test_the_bot_keeps_its_records_in_postgresql_across_a_restart(
    tmp_path: Path, postgres_url: str, clock
) -> None:
    config = make_config(tmp_path, storage={"url": postgres_url})
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
        await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
        await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
        assert bot.last(BUILDING_3).startswith("配药单 #1 · 3-502 · 1 项")
    assert not (tmp_path / "bot.sqlite3").exists()
    with postgres.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) AS n FROM med_requests").fetchone()["n"] == 1
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await bot.send(BUILDING_3, RESIDENT, "#取消 1")
        assert bot.last(BUILDING_3) == t("zh", "med.cancelled", id=1)


async def test_a_broken_rule_comes_out_as_itself_and_the_write_alone_is_undone(postgres_url: str) -> None:
    db = Database(url=postgres_url)
    await db.open()
    try:
        insert = "INSERT INTO chats(chat_id, kind, title, bound_at) VALUES (?, 'committee', 't', 'now')"
        kept = asyncio.ensure_future(db.write(lambda conn: conn.execute(insert, (-1,))))
        with pytest.raises(psycopg.IntegrityError):
            await db.write(lambda conn: conn.execute(insert.replace("'committee'", "'nonsense'"), (-2,)))
        await kept
        assert [row["chat_id"] for row in await db.fetchall("SELECT chat_id FROM chats")] == [-1]
    finally:
        await db.close()


async def test_a_connection_lost_while_idle_is_opened_again_unnoticed(postgres_url: str) -> None:
    db = Database(url=postgres_url)
    await db.open()
    try:
        with postgres.connect(postgres_url) as admin:  # the server ends every other session
            admin.raw.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        await db.write(lambda conn: conn.execute("INSERT INTO chat_settings(chat_id, language) VALUES (-6, 'en')"))
        assert [row["chat_id"] for row in await db.fetchall("SELECT chat_id FROM chat_settings")] == [-6]
    finally:
        await db.close()


async def test_a_connection_lost_during_a_write_fails_its_batch_as_a_storage_error(postgres_url: str) -> None:
    db = Database(url=postgres_url)
    await db.open()
    try:

        def lost(conn) -> None:
            conn.execute("INSERT INTO chat_settings(chat_id, language) VALUES (-5, 'en')")
            conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

        with pytest.raises(StorageError):
            await db.write(lost)
        await db.write(lambda conn: conn.execute("INSERT INTO chat_settings(chat_id, language) VALUES (-6, 'en')"))
        assert [row["chat_id"] for row in await db.fetchall("SELECT chat_id FROM chat_settings")] == [-6]
    finally:
        await db.close()


async def test_two_processes_writes_that_deadlock_are_run_again_and_both_kept(postgres_url: str) -> None:
    first, second = Database(url=postgres_url), Database(url=postgres_url)
    await first.open()
    await second.open()
    both_began = threading.Barrier(2, timeout=5)
    insert = "INSERT INTO chat_settings(chat_id, language) VALUES (?, 'en') ON CONFLICT DO NOTHING"

    def crossing(mine: int, theirs: int) -> Callable[[Any], None]:
        tries = []

        def body(conn: Any) -> None:
            tries.append(1)
            conn.execute(insert, (mine,))
            if len(tries) == 1:
                both_began.wait()  # each holds its own row: now each asks for the other's
            conn.execute(insert, (theirs,))

        return body

    try:
        await asyncio.gather(first.write(crossing(-1, -2)), second.write(crossing(-2, -1)))
        rows = await first.fetchall("SELECT chat_id FROM chat_settings ORDER BY chat_id")
        assert [row["chat_id"] for row in rows] == [-2, -1]
    finally:
        await first.close()
        await second.close()


async def test_a_deadlock_through_another_write_of_the_batch_is_run_again_after_that_write_is_committed(
    postgres_url: str,
) -> None:
    """Each process's batch has two writes: the first holds a row, the second asks for the one the
    other process's first holds. The victim's own write is undone at its savepoint, but its batch's
    first write still holds its row: run again at once, it met the same deadlock. Its batch's other
    writes are committed first now, and all four writes are kept."""
    first, second = Database(url=postgres_url), Database(url=postgres_url)
    await first.open()
    await second.open()
    insert = "INSERT INTO chat_settings(chat_id, language) VALUES (?, 'en') ON CONFLICT (chat_id) DO UPDATE SET language = 'zh'"
    holding = threading.Barrier(2, timeout=5)

    def take(chat_id: int) -> Callable[[Any], None]:
        return lambda conn: conn.execute(insert, (chat_id,))

    def then_take(chat_id: int) -> Callable[[Any], None]:
        tries = []

        def body(conn: Any) -> None:
            tries.append(1)
            if len(tries) == 1:
                holding.wait()  # both first writes hold their rows, uncommitted
            conn.execute(insert, (chat_id,))

        return body

    try:
        await asyncio.gather(
            first.write(take(-1)), first.write(then_take(-2)), second.write(take(-2)), second.write(then_take(-1))
        )
        rows = await first.fetchall("SELECT chat_id, language FROM chat_settings ORDER BY chat_id")
        assert [(row["chat_id"], row["language"]) for row in rows] == [(-2, "zh"), (-1, "zh")]
    finally:
        await first.close()
        await second.close()


async def test_an_update_costs_the_server_few_statements_and_a_read_of_one_query_is_that_query_alone(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a district's throughput rests on (bench/postgres.py prints it per update): a read of one
    query is that statement alone, without BEGIN and ROLLBACK (and still only reads); a write with
    its update's claim is its savepoint, the claim, its own statement and the kept result, the
    savepoint not released (the batch's BEGIN and COMMIT around it); a chat's turn is the lock and
    the unlock."""
    opened: list[postgres.PgConnection] = []
    connect = postgres.connect

    def counted(url: str) -> postgres.PgConnection:
        opened.append(connect(url))
        return opened[-1]

    monkeypatch.setattr(postgres, "connect", counted)
    db = Database(url=postgres_url)
    await db.open()

    async def statements(action: Any) -> int:
        before = sum(conn.statements for conn in opened)
        await action
        return sum(conn.statements for conn in opened) - before

    async def turn() -> None:
        async with db.turn(1, ("chat", -7)):
            pass

    insert = "INSERT INTO chat_settings(chat_id, language) VALUES (-7, 'en')"
    try:
        assert await statements(db.fetchall("SELECT chat_id FROM chat_settings")) == 1
        with recording_update(1, 7, datetime(2026, 4, 10, tzinfo=UTC)):
            assert await statements(db.write(lambda conn: conn.execute(insert))) == 6
        assert await statements(turn()) == 2
        with pytest.raises(StorageError):
            await db.read(lambda conn: conn.execute(insert.replace("-7", "-8")))
        assert [row["chat_id"] for row in await db.fetchall("SELECT chat_id FROM chat_settings")] == [-7]
    finally:
        await db.close()
