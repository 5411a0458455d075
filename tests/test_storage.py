import asyncio
import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from storage.db import AlreadyProcessed, Database, StorageError, recording_update
from storage.migrate import apply_migrations, current_version, migrations
from storage.sql import fetch_one


async def test_migrations_from_empty_and_rerun_is_a_noop(tmp_path):
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    assert await db.read(current_version) == len(migrations())
    assert await db.on_writer(apply_migrations) == []
    tables = {row["name"] for row in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"processed_updates", "audit_log", "chat_settings"} <= tables
    await db.close()
    # opening again applies nothing and keeps the data
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    assert await db.read(current_version) == len(migrations())
    await db.close()


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


async def test_a_failing_write_undoes_only_its_own_work(tmp_path):
    """A job's failing write must not roll back (or commit) a handler's work in the same batch."""
    db = Database(tmp_path / "c.sqlite3")
    await db.open()

    def failing_job(conn):
        conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'job', 'ok')")
        raise RuntimeError("job failed")

    def handler(conn):
        conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'handler-1', 'ok')")
        conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES ('t', 'handler-2', 'ok')")

    outcomes = await asyncio.gather(db.write(handler), db.write(failing_job), db.write(handler), return_exceptions=True)
    rows = await actions(db)
    await db.close()
    assert outcomes[0] is None and isinstance(outcomes[1], RuntimeError) and outcomes[2] is None
    assert rows == ["handler-1", "handler-2", "handler-1", "handler-2"]


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


async def test_a_read_only_database_gives_a_storage_error(tmp_path):
    path = tmp_path / "ro.sqlite3"
    db = Database(path)
    await db.open()
    await db.close()
    db = Database(path)
    await db.open()
    await db.on_writer(lambda conn: conn.execute("PRAGMA query_only = ON"))
    with pytest.raises(StorageError):
        await db.write(insert("x"))
    await db.on_writer(lambda conn: conn.execute("PRAGMA query_only = OFF"))
    await db.write(insert("x"))  # recovers when the condition clears
    await db.close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1


async def test_a_writes_statements_commit_or_roll_back_together(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    await db.open()
    audit = "INSERT INTO audit_log(at, user_id, chat_id, action, outcome, detail) VALUES ('t', 1, 1, ?, 'ok', '')"

    def three(conn, second_at: str | None):
        conn.execute(audit, ("first",))
        conn.execute("INSERT INTO audit_log(at, action, outcome) VALUES (?, 'second', 'ok')", (second_at,))
        conn.execute(audit, ("third",))

    with pytest.raises(sqlite3.IntegrityError):  # at: NOT NULL
        await db.write(lambda conn: three(conn, second_at=None))
    assert await actions(db) == []
    await db.write(lambda conn: three(conn, second_at="t"))
    assert await actions(db) == ["first", "second", "third"]
    await db.close()


async def test_writes_handed_over_together_share_one_commit_and_return_only_once_it_is_on_disk(tmp_path):
    path = tmp_path / "g.sqlite3"
    db = Database(path)
    await db.open()
    commits = []
    await db.on_writer(
        lambda conn: conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    )
    on_disk = []

    async def writer(name: str) -> None:
        await db.write(insert(name))
        # back from the write: another process already sees the row
        with sqlite3.connect(path) as other:
            on_disk.append(other.execute("SELECT count(*) FROM audit_log WHERE action = ?", (name,)).fetchone()[0])

    await asyncio.gather(*(writer(f"w{n}") for n in range(20)))
    await db.close()
    assert on_disk == [1] * 20
    assert 1 <= len(commits) < 20  # the twenty writes did not each wait for a disk sync


async def test_a_commit_that_fails_fails_every_write_of_its_batch_and_keeps_nothing(tmp_path):
    db = Database(tmp_path / "f.sqlite3")
    await db.open()
    outcomes = {}

    async def writer(name: str, breaks_the_commit: bool = False) -> None:
        def body(conn):
            if breaks_the_commit:  # a foreign key checked only at COMMIT, pointing nowhere
                conn.execute("PRAGMA defer_foreign_keys = ON")
                conn.execute(
                    "INSERT INTO members(user_id, household_id, display_name, registered_at) VALUES (7, 999, 'x', 't')"
                )
            insert(name)(conn)

        try:
            await db.write(body)
            outcomes[name] = "stored"
        except StorageError:
            outcomes[name] = "storage error"

    await asyncio.gather(writer("a"), writer("b", breaks_the_commit=True), writer("c"))
    assert outcomes == {"a": "storage error", "b": "storage error", "c": "storage error"}
    assert await actions(db) == []
    await writer("d")  # the next batch is a fresh one
    assert outcomes["d"] == "stored"
    assert await actions(db) == ["d"]
    await db.close()


def blocking(action: str, inside: threading.Event, release: threading.Event):
    """A write body that stores a row, then holds the writer's thread until ``release``."""

    def body(conn):
        insert(action)(conn)
        inside.set()
        assert release.wait(timeout=5)

    return body


async def test_reads_do_not_wait_for_a_writer_and_see_only_committed_data(tmp_path):
    db = Database(tmp_path / "r.sqlite3")
    await db.open()
    inside, release = threading.Event(), threading.Event()
    writing = asyncio.create_task(db.write(blocking("pending", inside, release)))
    await asyncio.to_thread(inside.wait, 5)
    during = await asyncio.wait_for(db.fetchall("SELECT action FROM audit_log"), timeout=2)
    release.set()
    await writing
    after = await actions(db)
    await db.close()
    assert during == [] and after == ["pending"]


async def test_a_read_sees_one_moment_even_when_a_write_commits_between_its_queries(tmp_path):
    """A report counts, then lists: a write committed in between must not show in one and not the other."""
    db = Database(tmp_path / "m.sqlite3")
    await db.open()
    await db.write(insert("before"))
    counted, committed = threading.Event(), threading.Event()

    def report(conn):
        first = fetch_one(conn, "SELECT count(*) AS n FROM audit_log")["n"]
        counted.set()
        assert committed.wait(timeout=5)
        return first, [row["action"] for row in conn.execute("SELECT action FROM audit_log")]

    reading = asyncio.create_task(db.read(report))
    await asyncio.to_thread(counted.wait, 5)
    await db.write(insert("between"))
    committed.set()
    seen = await reading
    after = await actions(db)
    await db.close()
    assert seen == (1, ["before"]) and after == ["before", "between"]


async def test_an_update_claimed_twice_in_one_batch_is_written_once(tmp_path):
    """Two deliveries of one update, queued behind the same busy write, share its batch: the
    second must still be caught, and its writes undone."""
    db = Database(tmp_path / "d.sqlite3")
    await db.open()
    inside, release = threading.Event(), threading.Event()

    async def delivery(n: int) -> str:
        with recording_update(1, 5, datetime(2026, 4, 10, tzinfo=UTC)):
            try:
                await db.write(insert(f"d{n}"))
            except AlreadyProcessed:
                return "already handled"
            return "stored"

    leading = asyncio.create_task(db.write(blocking("leader", inside, release)))
    await asyncio.to_thread(inside.wait, 5)
    deliveries = [asyncio.create_task(delivery(n)) for n in (1, 2)]
    await asyncio.sleep(0.01)  # both handed over, behind the leader
    release.set()
    await leading
    assert [await d for d in deliveries] == ["stored", "already handled"]
    rows = await actions(db)
    await db.close()
    assert rows == ["leader", "d1"]


async def test_a_writer_that_gives_up_waiting_does_not_leave_the_batch_uncommitted(tmp_path):
    """The first write's commit waits for the write handed over behind it; that one is cancelled."""
    db = Database(tmp_path / "x.sqlite3")
    await db.open()
    inside, release = threading.Event(), threading.Event()
    first = asyncio.create_task(db.write(blocking("first", inside, release)))
    await asyncio.to_thread(inside.wait, 5)
    second = asyncio.create_task(db.write(insert("never")))
    await asyncio.sleep(0.01)  # handed over, waiting behind the first
    second.cancel()
    await asyncio.sleep(0.01)  # given up before the writer's thread could start it
    release.set()
    await asyncio.wait_for(first, timeout=2)
    rows = await actions(db)
    await db.close()
    assert rows == ["first"]


async def test_a_failing_step_on_the_writer_does_not_fail_the_writes_committed_before_it(tmp_path):
    db = Database(tmp_path / "w.sqlite3")
    await db.open()
    inside, release = threading.Event(), threading.Event()
    first = asyncio.create_task(db.write(blocking("first", inside, release)))
    await asyncio.to_thread(inside.wait, 5)
    step = asyncio.create_task(db.on_writer(lambda conn: conn.execute("PRAGMA no_such_thing = (")))
    await asyncio.sleep(0.01)  # handed over behind the write: it commits the write, then fails
    release.set()
    with pytest.raises(sqlite3.OperationalError):
        await step
    await asyncio.wait_for(first, timeout=2)  # stored, not failed with the step
    rows = await actions(db)
    await db.close()
    assert rows == ["first"]
