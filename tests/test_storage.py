"""The storage contract (storage/db.py), on SQLite and on PostgreSQL (the ``backing`` and
``database`` fixtures of tests/conftest.py); what is SQLite's own (pragmas, backups) on SQLite only."""

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from storage import dialect, postgres
from storage.db import AlreadyProcessed, Database, StorageError, recording_update
from storage.migrate import apply_migrations, migrations
from storage.sql import fetch_all, fetch_one
from tests.conftest import read_only, sqlite_only

DATABASE_ERRORS = (sqlite3.Error, psycopg.Error)  # what a bad statement raises on either backend


async def test_migrations_from_empty_and_rerun_is_a_noop(backing):
    db = backing.database()
    await db.open()
    assert await db.schema_version() == len(migrations())
    rerun = postgres.apply_migrations if backing.url else apply_migrations
    assert await db.on_writer(rerun) == []
    tables = {table for table, _ in await db.read(dialect.columns)}
    assert {"processed_updates", "audit_log", "chat_settings"} <= tables
    await db.write(insert("kept"))
    await db.close()
    # opening again applies nothing and keeps the data
    db = backing.database()
    await db.open()
    assert await db.schema_version() == len(migrations())
    assert await actions(db) == ["kept"]
    await db.close()


@sqlite_only("SQLite's pragmas")
async def test_pragmas_are_set_on_the_writing_and_the_reading_connections(tmp_path):
    db = Database(tmp_path / "p.sqlite3")
    await db.open()
    names = ("journal_mode", "foreign_keys", "busy_timeout", "synchronous", "query_only")
    writer = await db.on_writer(lambda conn: {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names})
    reader = await db.read(lambda conn: {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names[::2]})
    await db.close()
    assert writer == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 2, "query_only": 0}
    assert reader == {"journal_mode": "wal", "busy_timeout": 5000, "query_only": 1}


def insert(action: str):
    """A write body storing one audit row."""
    return lambda conn: conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', ?, 'ok')", (action,))


async def actions(db: Database) -> list[str]:
    return [row["action"] for row in await db.fetchall("SELECT action FROM audit_log ORDER BY id")]


async def test_a_failing_write_undoes_only_its_own_work(database):
    """A job's failing write must not roll back (or commit) a handler's work in the same batch."""

    def failing_job(conn):
        conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'job', 'ok')")
        raise RuntimeError("job failed")

    def handler(conn):
        conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'handler-1', 'ok')")
        conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'handler-2', 'ok')")

    outcomes = await asyncio.gather(
        database.write(handler), database.write(failing_job), database.write(handler), return_exceptions=True
    )
    rows = await actions(database)
    assert outcomes[0] is None and isinstance(outcomes[1], RuntimeError) and outcomes[2] is None
    assert rows == ["handler-1", "handler-2", "handler-1", "handler-2"]


@sqlite_only("building-bot's backups are SQLite's")
async def test_backup_is_a_readable_copy(tmp_path):
    db = Database(tmp_path / "live.sqlite3")
    await db.open()
    await db.write(insert("kept"))
    await db.backup(tmp_path / "backups" / "copy.sqlite3")
    await db.close()
    copy = sqlite3.connect(tmp_path / "backups" / "copy.sqlite3")
    assert [row[0] for row in copy.execute("SELECT action FROM audit_log")] == ["kept"]
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()


async def test_a_read_only_database_gives_a_storage_error(database):
    await database.on_writer(read_only(True))
    with pytest.raises(StorageError):
        await database.write(insert("refused"))
    await database.on_writer(read_only(False))
    await database.write(insert("kept"))  # recovers when the condition clears
    assert await actions(database) == ["kept"]


async def test_a_writes_statements_commit_or_roll_back_together(database):
    audit = "INSERT INTO audit_log(at, user_id, chat_id, action, outcome, detail) VALUES ('t', 1, 1, ?, 'ok', '')"

    def three(conn, second_at: str | None):
        conn.execute(audit, ("first",))
        conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES (?, 'second', 'ok')", (second_at,))
        conn.execute(audit, ("third",))

    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):  # at: NOT NULL
        await database.write(lambda conn: three(conn, second_at=None))
    assert await actions(database) == []
    await database.write(lambda conn: three(conn, second_at="t"))
    assert await actions(database) == ["first", "second", "third"]


def counting_commits(commits: list[str]) -> Callable[[Any], None]:
    """For ``on_writer``: note each COMMIT the writing connection runs from now on."""

    def install(conn: Any) -> None:
        if isinstance(conn, sqlite3.Connection):
            conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
            return
        execute = conn.execute  # storage.postgres's connection: its execute, noting COMMITs

        def noting(sql: str, *args: Any) -> Any:
            if sql == "COMMIT":
                commits.append(sql)
            return execute(sql, *args)

        conn.execute = noting

    return install


async def test_writes_handed_over_together_share_one_commit_and_each_returns_once_others_see_it(backing, database):
    commits: list[str] = []
    await database.on_writer(counting_commits(commits))
    seen = []

    async def writer(name: str) -> None:
        await database.write(insert(name))
        # back from the write: another process already sees the row
        with backing.connect() as other:
            seen.append(other.execute("SELECT count(*) FROM audit_log WHERE action = ?", (name,)).fetchone()[0])

    await asyncio.gather(*(writer(f"w{n}") for n in range(20)))
    assert seen == [1] * 20
    assert 1 <= len(commits) < 20  # the twenty writes did not each wait for a commit of their own


async def test_a_commit_that_fails_fails_every_write_of_its_batch_and_keeps_nothing(database):
    # a foreign key checked only at COMMIT
    deferred = "CREATE TABLE checked_at_commit (ref BIGINT REFERENCES households(id) DEFERRABLE INITIALLY DEFERRED)"
    await database.write(lambda conn: conn.execute(deferred))
    outcomes = {}

    async def writer(name: str, breaks_the_commit: bool = False) -> None:
        def body(conn):
            if breaks_the_commit:  # pointing nowhere
                conn.execute("INSERT INTO checked_at_commit(ref) VALUES (999)")
            insert(name)(conn)

        try:
            await database.write(body)
            outcomes[name] = "stored"
        except StorageError:
            outcomes[name] = "storage error"

    await asyncio.gather(writer("a"), writer("b", breaks_the_commit=True), writer("c"))
    assert outcomes == {"a": "storage error", "b": "storage error", "c": "storage error"}
    assert await actions(database) == []
    await writer("d")  # the next batch is a fresh one
    assert outcomes["d"] == "stored"
    assert await actions(database) == ["d"]


def blocking(action: str, inside: threading.Event, release: threading.Event):
    """A write body that stores a row, then holds the writer's thread until ``release``."""

    def body(conn):
        insert(action)(conn)
        inside.set()
        assert release.wait(timeout=5)

    return body


async def test_reads_do_not_wait_for_a_writer_and_see_only_committed_data(database):
    inside, release = threading.Event(), threading.Event()
    writing = asyncio.create_task(database.write(blocking("pending", inside, release)))
    await asyncio.to_thread(inside.wait, 5)
    during = await asyncio.wait_for(database.fetchall("SELECT action FROM audit_log"), timeout=2)
    release.set()
    await writing
    after = await actions(database)
    assert during == [] and after == ["pending"]


async def test_a_read_sees_one_moment_even_when_a_write_commits_between_its_queries(database):
    """A report counts, then lists: a write committed in between must not show in one and not the other.
    (On PostgreSQL a body first runs its one statement alone; one that goes on to a second is run
    again, whole, in a transaction: its moment is then that run's, after the write.)"""
    await database.write(insert("before"))
    counted, committed = threading.Event(), threading.Event()

    def report(conn):
        first = fetch_one(conn, "SELECT count(*) AS n FROM audit_log")["n"]
        counted.set()
        assert committed.wait(timeout=5)
        return first, [row["action"] for row in fetch_all(conn, "SELECT action FROM audit_log ORDER BY id")]

    reading = asyncio.create_task(database.read(report))
    await asyncio.to_thread(counted.wait, 5)
    await database.write(insert("between"))
    committed.set()
    seen = await reading
    after = await actions(database)
    counted_then, listed = seen
    assert counted_then == len(listed) and listed in (["before"], ["before", "between"])
    assert after == ["before", "between"]


async def test_an_update_claimed_twice_in_one_batch_is_written_once(database):
    """Two deliveries of one update, queued behind the same busy write, share its batch: the
    second must still be caught, and its writes undone."""
    inside, release = threading.Event(), threading.Event()

    async def delivery(n: int) -> str:
        with recording_update(1, 5, datetime(2026, 4, 10, tzinfo=UTC)):
            try:
                await database.write(insert(f"d{n}"))
            except AlreadyProcessed:
                return "already handled"
            return "stored"

    leading = asyncio.create_task(database.write(blocking("leader", inside, release)))
    await asyncio.to_thread(inside.wait, 5)
    deliveries = [asyncio.create_task(delivery(n)) for n in (1, 2)]
    await asyncio.sleep(0.01)  # both handed over, behind the leader
    release.set()
    await leading
    assert [await d for d in deliveries] == ["stored", "already handled"]
    rows = await actions(database)
    assert rows == ["leader", "d1"]


async def test_a_writer_that_gives_up_waiting_does_not_leave_the_batch_uncommitted(database):
    """The first write's commit waits for the write handed over behind it; that one is cancelled."""
    inside, release = threading.Event(), threading.Event()
    first = asyncio.create_task(database.write(blocking("first", inside, release)))
    await asyncio.to_thread(inside.wait, 5)
    second = asyncio.create_task(database.write(insert("never")))
    await asyncio.sleep(0.01)  # handed over, waiting behind the first
    second.cancel()
    await asyncio.sleep(0.01)  # given up before the writer's thread could start it
    release.set()
    await asyncio.wait_for(first, timeout=2)
    rows = await actions(database)
    assert rows == ["first"]


async def test_a_failing_step_on_the_writer_does_not_fail_the_writes_committed_before_it(database):
    inside, release = threading.Event(), threading.Event()
    first = asyncio.create_task(database.write(blocking("first", inside, release)))
    await asyncio.to_thread(inside.wait, 5)
    step = asyncio.create_task(database.on_writer(lambda conn: conn.execute("SELECT no_such_column FROM audit_log")))
    await asyncio.sleep(0.01)  # handed over behind the write: it commits the write, then fails
    release.set()
    with pytest.raises(DATABASE_ERRORS):
        await step
    await asyncio.wait_for(first, timeout=2)  # stored, not failed with the step
    rows = await actions(database)
    assert rows == ["first"]
