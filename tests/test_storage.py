import asyncio
import sqlite3
from datetime import UTC, datetime

import aiosqlite
import pytest

from storage.db import AlreadyProcessed, Database, StorageError, recording_update
from storage.migrate import apply_migrations, current_version, migrations
from storage.sql import together


async def test_migrations_from_empty_and_rerun_is_a_noop(tmp_path):
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    async with db.read() as conn:
        assert await current_version(conn) == len(migrations())
        assert await apply_migrations(conn) == []
        cursor = await conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in await cursor.fetchall()}
    assert {"processed_updates", "audit_log", "chat_settings"} <= tables
    await db.close()
    # opening again applies nothing and keeps the data
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    async with db.read() as conn:
        assert await current_version(conn) == len(migrations())
    await db.close()


async def test_pragmas_are_set_on_both_connections(tmp_path):
    db = Database(tmp_path / "p.sqlite3")
    await db.open()

    async def pragmas(conn, names):
        return {name: (await (await conn.execute(f"PRAGMA {name}")).fetchone())[0] for name in names}

    writer = await pragmas(db.conn, ("journal_mode", "foreign_keys", "busy_timeout", "synchronous", "query_only"))
    async with db.read() as conn:
        reader = await pragmas(conn, ("journal_mode", "busy_timeout", "query_only"))
    await db.close()
    assert writer == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 2, "query_only": 0}
    assert reader == {"journal_mode": "wal", "busy_timeout": 5000, "query_only": 1}


async def test_concurrent_writers_do_not_share_a_transaction(tmp_path):
    """A job's failing transaction must not roll back (or commit) a handler's work, and vice versa."""
    db = Database(tmp_path / "c.sqlite3")
    await db.open()

    async def handler():
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'handler-1', 'ok')")
            await asyncio.sleep(0.01)
            await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'handler-2', 'ok')")

    async def failing_job():
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'job', 'ok')")
                await asyncio.sleep(0.005)
                raise RuntimeError("job failed")

    await asyncio.gather(handler(), failing_job(), handler())
    rows = [row["action"] for row in await db.fetchall("SELECT action FROM audit_log ORDER BY id")]
    await db.close()
    assert rows == ["handler-1", "handler-2", "handler-1", "handler-2"]


async def test_backup_is_a_readable_copy(tmp_path):
    db = Database(tmp_path / "live.sqlite3")
    await db.open()
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'kept', 'ok')")
    await db.backup(tmp_path / "backups" / "copy.sqlite3")
    await db.close()
    async with aiosqlite.connect(tmp_path / "backups" / "copy.sqlite3") as copy:
        cursor = await copy.execute("SELECT action FROM audit_log")
        assert [row[0] for row in await cursor.fetchall()] == ["kept"]
        cursor = await copy.execute("PRAGMA integrity_check")
        assert (await cursor.fetchone())[0] == "ok"


async def test_a_read_only_database_gives_a_storage_error(tmp_path):
    path = tmp_path / "ro.sqlite3"
    db = Database(path)
    await db.open()
    await db.close()
    db = Database(path)
    await db.open()
    await db.conn.execute("PRAGMA query_only = ON")
    with pytest.raises(StorageError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'x', 'ok')")
    await db.conn.execute("PRAGMA query_only = OFF")
    async with db.transaction() as conn:  # recovers when the condition clears
        await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'x', 'ok')")
    await db.close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1


async def test_statements_sent_together_commit_or_roll_back_together(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    await db.open()
    audit = "INSERT INTO audit_log(at, user_id, chat_id, action, outcome, detail) VALUES ('t', 1, 1, ?, 'ok', '')"
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await together(
                conn.execute(audit, ("first",)),
                conn.execute("INSERT INTO audit_log(at) VALUES (NULL)"),  # violates NOT NULL
                conn.execute(audit, ("third",)),
            )
    assert await db.fetchall("SELECT action FROM audit_log") == []
    async with db.transaction() as conn:
        await together(*(conn.execute(audit, (name,)) for name in ("a", "b", "c")))
    assert [row["action"] for row in await db.fetchall("SELECT action FROM audit_log ORDER BY id")] == ["a", "b", "c"]
    await db.close()


async def test_writers_queued_together_share_one_commit_and_return_only_once_it_is_on_disk(tmp_path):
    path = tmp_path / "g.sqlite3"
    db = Database(path)
    await db.open()
    commits = []
    await db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    on_disk = []

    async def writer(name: str) -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', ?, 'ok')", (name,))
        # back from the transaction: another process already sees the row
        with sqlite3.connect(path) as other:
            on_disk.append(other.execute("SELECT count(*) FROM audit_log WHERE action = ?", (name,)).fetchone()[0])

    await asyncio.gather(*(writer(f"w{n}") for n in range(20)))
    await db.close()
    assert on_disk == [1] * 20
    assert 1 <= len(commits) < 20  # the twenty queued writers did not each wait for a disk sync


async def test_a_commit_that_fails_fails_every_writer_of_its_batch_and_keeps_nothing(tmp_path):
    db = Database(tmp_path / "f.sqlite3")
    await db.open()
    outcomes = {}

    async def writer(name: str, breaks_the_commit: bool = False) -> None:
        try:
            async with db.transaction() as conn:
                if breaks_the_commit:  # a foreign key checked only at COMMIT, pointing nowhere
                    await conn.execute("PRAGMA defer_foreign_keys = ON")
                    await conn.execute(
                        "INSERT INTO members(user_id, household_id, display_name, registered_at) VALUES (7, 999, 'x', 't')"
                    )
                await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', ?, 'ok')", (name,))
            outcomes[name] = "stored"
        except StorageError:
            outcomes[name] = "storage error"

    await asyncio.gather(writer("a"), writer("b", breaks_the_commit=True), writer("c"))
    assert outcomes == {"a": "storage error", "b": "storage error", "c": "storage error"}
    assert await db.fetchall("SELECT action FROM audit_log") == []
    await writer("d")  # the next batch is a fresh one
    assert outcomes["d"] == "stored"
    assert [row["action"] for row in await db.fetchall("SELECT action FROM audit_log")] == ["d"]
    await db.close()


async def test_reads_do_not_wait_for_a_writer_and_see_only_committed_data(tmp_path):
    db = Database(tmp_path / "r.sqlite3")
    await db.open()
    inside, release = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'pending', 'ok')")
            inside.set()
            await release.wait()

    writing = asyncio.create_task(slow_writer())
    await inside.wait()
    during = await asyncio.wait_for(db.fetchall("SELECT action FROM audit_log"), timeout=2)
    release.set()
    await writing
    after = await db.fetchall("SELECT action FROM audit_log")
    await db.close()
    assert during == [] and [row["action"] for row in after] == ["pending"]


async def test_an_update_claimed_twice_in_one_batch_is_written_once(tmp_path):
    """Writers joining a batch send their claim without waiting for it: the second delivery of an
    update must still be caught, and its writes undone."""
    db = Database(tmp_path / "d.sqlite3")
    await db.open()
    first_inside, release = asyncio.Event(), asyncio.Event()

    async def leader() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'leader', 'ok')")
            first_inside.set()
            await release.wait()

    async def delivery(n: int) -> str:
        with recording_update(5, datetime(2026, 4, 10, tzinfo=UTC)):
            try:
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', ?, 'ok')", (f"d{n}",))
            except AlreadyProcessed:
                return "already handled"
            return "stored"

    leading = asyncio.create_task(leader())
    await first_inside.wait()
    deliveries = [asyncio.create_task(delivery(n)) for n in (1, 2)]
    await asyncio.sleep(0.01)
    release.set()
    await leading
    assert [await d for d in deliveries] == ["stored", "already handled"]
    rows = await db.fetchall("SELECT action FROM audit_log ORDER BY id")
    await db.close()
    assert [row["action"] for row in rows] == ["leader", "d1"]


async def test_a_writer_that_gives_up_waiting_does_not_leave_the_batch_uncommitted(tmp_path):
    """The first writer leaves the commit to the one queued behind it; that one is cancelled."""
    db = Database(tmp_path / "x.sqlite3")
    await db.open()
    queued = asyncio.Event()

    async def waiting_writer() -> None:
        queued.set()
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'never', 'ok')")

    async def first_writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'first', 'ok')")
            second = asyncio.create_task(waiting_writer())
            await queued.wait()
            await asyncio.sleep(0)  # it is now waiting for the lock
            second.cancel()

    await asyncio.wait_for(first_writer(), timeout=2)
    rows = await db.fetchall("SELECT action FROM audit_log")
    await db.close()
    assert [row["action"] for row in rows] == ["first"]
