"""The process's database connections: one that writes, a few that read.

The database is SQLite (a file, ``Database(path)``) or PostgreSQL (``Database(url=…)``, a
district's shared database): the two differ only in a :class:`_Backend` (how to connect, begin a
write and a read, migrate, and which errors mean the database cannot be used now); everything
below is the same for both.

Opened in the application's ``post_init`` (or a test fixture), closed in ``post_shutdown``.

Writes: a write is a plain function, ``body(conn)``, handed to :meth:`Database.write`. It runs whole
on the writing connection's own thread, in one trip from the event loop, so the statements of one
order go back to back instead of each waiting for its turn on a busy event loop; it raises to undo
its work. Each body is a savepoint inside a shared transaction (SQLite's ``BEGIN IMMEDIATE``), the *batch*:
writes handed over while others are still on their way join it, and when none is left on its way
(or 64 have joined) one ``COMMIT``, with one sync to disk, makes them all durable.
:meth:`~Database.write` returns only once the commit that holds its work is done, so an answer in
the chat always means the work is on disk. The first write of an update being handled also records
the update's id (the re-delivery guard) and keeps the write's result: an update that comes back
from the inbox after a crash, its effect stored but its answer not given, gets that result back
from the write instead of doing it again, so the handler makes the answer it owed. A body that
fails rolls back its own savepoint only; a failed commit fails every write of the batch (and none
of their updates counts as handled, so Telegram's re-delivery brings them back).

Reads: a read is a plain function too, handed to :meth:`Database.read`, run on one of a few reader
threads, each with its own ``query_only`` connection, inside one read transaction: every statement
of the body sees the database as of the body's first one (WAL keeps that snapshot; on PostgreSQL a
``REPEATABLE READ READ ONLY`` transaction), so a report built from several queries shows one moment. Readers see only committed data and never wait for
the writer, so a report or an export does not hold up orders. On PostgreSQL, where each statement
is a round trip to the server, a body first runs its one statement alone (one moment by itself,
on a read-only session); a body that goes on to a second is run again, whole, in a transaction.

On PostgreSQL a write's savepoint is not released (a statement less per write): the next write's
nests inside it, and a failed write's ``ROLLBACK TO`` reaches its own, the innermost.

Errors: what says the database cannot be used now (read-only, full, locked, corrupt; on PostgreSQL
also a lost connection, a shutdown, a serialization failure) comes out as :class:`StorageError`; a
broken rule of the schema (``IntegrityError``, either driver's) as it is. A PostgreSQL connection
found broken is opened again for the next write or read (the batch it held is lost, as above).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import pickle
import queue
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from storage import updates
from storage.sql import Connection, Row, fetch_all

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
MAX_BATCH = 64  # writes per commit at most
READERS = 2  # reading connections, each on its own thread
PG_READERS = 4  # PostgreSQL: a read waits on the server's round trips, not on this process's CPU
RETRIES = 3  # PostgreSQL: a write that met a deadlock or a serialization failure is run again
TURN_POLL_SECONDS = 0.01  # PostgreSQL: how often a chat's turn held by another process is tried again
PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}", "synchronous=FULL")

T = TypeVar("T")


class StorageError(Exception):
    """The database cannot be used right now (read-only, full, locked, corrupt)."""


class AlreadyProcessed(Exception):
    """The update whose effect this write would store had been handled before."""


@dataclass
class _UpdateClaim:
    bot_id: int  # Telegram numbers updates per bot
    update_id: int
    at: datetime
    open: bool = True  # its first write is still to come
    handling: bool = True


# The update being handled, recorded in the first write it makes, so that its effect and "update N
# was handled" commit together (exactly once). The claim is closed when the update is done, so a
# job scheduled meanwhile (which inherits this context) never records it.
_pending_update: contextvars.ContextVar[_UpdateClaim | None] = contextvars.ContextVar("pending_update", default=None)


def current_update() -> int | None:
    """The id of the update being handled here (None in a job, or once the update is done)."""
    claim = _pending_update.get()
    return None if claim is None or not claim.handling else claim.update_id


def current_update_key() -> str | None:
    """The update being handled as ``bot:update`` (unique across the bots sharing a database)."""
    claim = _pending_update.get()
    return None if claim is None or not claim.handling else f"{claim.bot_id}:{claim.update_id}"


@contextmanager
def recording_update(bot_id: int, update_id: int, now: datetime) -> Iterator[None]:
    claim = _UpdateClaim(bot_id, update_id, now)
    token = _pending_update.set(claim)
    try:
        yield
    finally:
        claim.open = claim.handling = False
        _pending_update.reset(token)


def _take_claim() -> tuple[int, int, datetime] | None:
    claim = _pending_update.get()
    if claim is None or not claim.open:
        return None
    claim.open = False
    return claim.bot_id, claim.update_id, claim.at


class Database:
    def __init__(self, path: Path | str | None = None, *, url: str | None = None) -> None:
        """SQLite at ``path``, or PostgreSQL at ``url`` (``postgresql://…``; then ``path`` is None)."""
        self.path = None if url else Path(path or "building-bot.sqlite3")
        self._backend: _Backend = _Postgres(url) if url else _Sqlite(Path(path or "building-bot.sqlite3"))
        self._thread: ThreadPoolExecutor | None = None  # the writer's one thread
        self._writer: _Writer | None = None  # lives on that thread
        self._readers: _Readers | None = None  # the reading connections, each on its own thread
        self._on_their_way = 0  # writes handed to the thread whose outcome has not come back
        self._handed = 0  # writes handed over so far ...
        self._covered = 0  # ... of which the last commit asked for comes after
        self._commits: dict[int, asyncio.Future[None]] = {}  # batch number → its commit
        self._committed = 0  # batches up to this one are known committed (a lost later one is not theirs)
        self._sizes: Counter[int] = Counter()
        self._background: set[asyncio.Task[None]] = set()
        self.observe_write: Callable[[float], None] = _nothing_to_observe  # seconds per write (metrics)
        self._turns: _Turns | None = None  # PostgreSQL: turns across processes (``turn``)
        self.holder = uuid.uuid4().hex  # this process, as the leases it holds name it (``alive``)

    @property
    def postgres(self) -> bool:
        return isinstance(self._backend, _Postgres)

    async def open(self) -> None:
        """Open the connections, set the pragmas and apply pending migrations."""
        backend = self._backend
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        try:
            self._writer = await self._call(_Writer, backend)
            await self._call(self._writer.migrate)
            self._readers = _Readers(backend, [await asyncio.to_thread(backend.reader) for _ in range(backend.readers)])
            if isinstance(backend, _Postgres):
                self._turns = _Turns(backend, alive=_lock_number(_alive_key(self.holder)))
                await self._turns.connect()
        except Exception as exc:
            error = backend.storage_error(exc)
            if error is exc:
                raise
            raise error from exc

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.gather(*self._background)
            await self.on_writer(_close)
            self._writer = None
        if self._thread is not None:
            self._thread.shutdown()
            self._thread = None
        if self._turns is not None:
            await self._turns.close()
            self._turns = None
        if self._readers is not None:
            readers, self._readers = self._readers, None
            await readers.close()

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        if self._thread is None:
            raise StorageError("database is not open")
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    # ------------------------------------------------------------------ writing
    async def write(self, body: Callable[[Connection], T]) -> T:
        """Run ``body(conn)`` on the writer's thread as one savepoint of the open batch (with the
        claim of the update being handled, if this is its first write); its result once the batch
        is committed. An exception from the body undoes its work and comes back out of here. A
        caller that gives up (is cancelled) after its body has started does not stop it: the body's
        work is then stored or undone as a whole, like any other."""
        if self._writer is None:
            raise StorageError("database is not open")
        started = time.perf_counter()
        self._on_their_way += 1
        self._handed += 1
        try:
            result, batch = await self._call(self._writer.run, body, _take_claim())
            self._committed = max(self._committed, self._writer.committed)
        except _BatchLost as lost:
            self._settle(lost.batch, lost.cause)
            raise StorageError(str(lost.cause)) from lost.cause
        except Exception as exc:
            error = self._backend.storage_error(exc)
            if error is exc:
                raise
            raise error from exc
        finally:
            self._on_their_way -= 1
            if self._on_their_way == 0:
                self._commit_soon()
        committed = self._commits.get(batch)
        if committed is None:
            committed = self._commits[batch] = asyncio.get_running_loop().create_future()
        self._sizes[batch] += 1
        if self._sizes[batch] == MAX_BATCH:  # a steady stream of writes does not keep the first waiting
            self._commit_soon()
        await asyncio.shield(committed)  # shielded: a cancelled writer must not cancel the others' batch
        self.observe_write(time.perf_counter() - started)
        return result

    def _commit_soon(self) -> None:
        """Ask for a commit after every write handed over so far (unless that is asked already)."""
        if self._covered == self._handed:
            return
        self._covered = self._handed
        task = asyncio.ensure_future(self._commit())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _commit(self) -> None:
        try:
            await self.on_writer(_nothing)
        except StorageError:
            pass  # the batch's writers have their error; the log has the detail

    async def on_writer(self, function: Callable[[Any], T]) -> T:
        """Commit what is written so far, then run ``function`` on the writing connection, on its
        thread: closing, backups, and tests staging disk trouble."""
        if self._writer is None:
            raise StorageError("database is not open")
        self._covered = self._handed
        try:
            batch, outcome = await self._call(self._writer.after_commit, function)
        except _BatchLost as lost:
            self._settle(lost.batch, lost.cause)
            raise StorageError(str(lost.cause)) from lost.cause
        except Exception as exc:  # the thread is gone: nobody may wait for a commit forever
            self._settle(max(self._commits, default=0), exc)
            raise
        self._settle(batch)
        return outcome.result()

    def _settle(self, batch: int, failure: BaseException | None = None) -> None:
        """Batches up to ``batch`` are committed (or, with ``failure``, lost): tell their writers."""
        for number in sorted(n for n in self._commits if n <= batch):
            committed = self._commits.pop(number)
            del self._sizes[number]
            if failure is None or number <= self._committed:
                committed.set_result(None)
            else:
                committed.set_exception(StorageError(f"{failure.__class__.__name__}: {failure}"))
                committed.exception()  # retrieved here: writers that were cancelled never ask

    # ------------------------------------------------------------------ reading
    async def read(self, body: Callable[[Connection], T]) -> T:
        """Run ``body(conn)`` on a reader's thread in one read transaction: committed data only,
        one moment for all its statements (the first one's), without waiting for writers."""
        if self._readers is None:
            raise StorageError("database is not open")
        try:
            result: T = await self._readers.read(body)
        except Exception as exc:
            error = self._backend.storage_error(exc)
            if error is exc:
                raise
            raise error from exc
        return result

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One query's rows (tests and scripts)."""
        return await self.read(lambda conn: fetch_all(conn, sql, params))

    @asynccontextmanager
    async def turn(self, bot_id: int, chat: tuple[str, int]) -> AsyncIterator[None]:
        """Across the processes sharing a PostgreSQL database, one update at a time per bot and chat:
        a session advisory lock, taken on this process's locking connection (a session holds many)
        and given back after (which update of the chat goes first is the caller's:
        ``Deliveries.turn``). On SQLite (one process) there is nothing to do."""
        if self._turns is None:
            yield
            return
        key = (bot_id, *chat)
        await self._turns.take(key)
        try:
            yield
        finally:
            await self._turns.give_back(key)

    async def alive(self, holder: str | None) -> bool:
        """Does the process named ``holder`` (its ``Database.holder``) still run? On PostgreSQL a
        process holds a session advisory lock under its name on its turns' connection, given back
        when that connection closes (with the process, however it ends); on SQLite, one process
        at a time, only this one does."""
        if holder == self.holder:
            return True
        if self._turns is None or holder is None:
            return False
        return await self._turns.held(_alive_key(holder))

    async def touch(self) -> None:
        """A write that changes nothing (does the database take writes now?); raises StorageError."""
        await self.write(self._backend.touch)

    async def schema_version(self) -> int:
        """The newest migration applied."""
        return await self.read(self._backend.version)

    async def backup(self, target: Path | str) -> None:
        """Copy the live database with SQLite's online backup API."""
        if self.postgres:
            raise StorageError(
                "a PostgreSQL database is backed up with pg_dump (and WAL archiving), not by building-bot"
            )
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)

        def copy(conn: sqlite3.Connection) -> None:
            dest = sqlite3.connect(target)
            try:
                conn.backup(dest)
            finally:
                dest.close()

        await self.on_writer(copy)


def _nothing_to_observe(seconds: float) -> None:
    """No metrics are kept (``bot.runtime.ops.install`` sets them)."""


def _nothing(conn: Any) -> None:
    """Nothing to do after the commit."""


def _close(conn: Any) -> None:
    conn.close()


class _BatchLost(Exception):
    """The whole batch was rolled back: every write in it is lost."""

    def __init__(self, batch: int, cause: BaseException) -> None:
        super().__init__(batch, cause)
        self.batch, self.cause = batch, cause


class _Writer:
    """The writing connection and its batches; used on the writer's thread only."""

    def __init__(self, backend: _Backend) -> None:
        self.backend = backend
        self.conn = backend.writer()
        self.batch = 0  # the number of the open (or last) batch
        self.committed = 0  # the last batch committed before a retry (``_commit_others``)

    def migrate(self) -> list[str]:
        return self.backend.migrate(self.conn)

    def run(self, body: Callable[[Connection], T], claim: tuple[int, int, datetime] | None) -> tuple[T, int]:
        if not self.conn.in_transaction:
            self._begin()
        for attempt in range(1, RETRIES + 1):
            try:
                return self._savepoint(body, claim), self.batch
            except BaseException as exc:
                self._undo(exc)  # PostgreSQL's locks taken since the savepoint are given back with it
                if attempt == RETRIES or not self.backend.retryable(exc):
                    raise
                log.info("write retried after %s", exc.__class__.__name__)
                self._commit_others(exc)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _commit_others(self, exc: BaseException) -> None:
        """Before a write is run again after a deadlock: the batch's other writes are committed (their
        callers are told with the next batch's commit), so the locks they took, which the other
        process may be waiting for, do not make the same deadlock again."""
        try:
            self.conn.execute("COMMIT")
        except self.backend.errors:
            self._lose(exc)
        self.committed = self.batch
        self._begin()

    def _savepoint(self, body: Callable[[Connection], T], claim: tuple[int, int, datetime] | None) -> T:
        conn = self.conn
        conn.execute("SAVEPOINT write")
        result: T
        if claim is not None and not updates.claim(conn, *claim):
            kept = updates.replay_result(conn, *claim[:2])
            if kept is None:
                raise AlreadyProcessed(claim[1])
            result = pickle.loads(kept)  # handled again from the inbox: the same answer, no new effect
        else:
            result = body(conn)
            if claim is not None:
                updates.keep_result(conn, *claim[:2], _pickled(result))
        if self.backend.release_writes:
            conn.execute("RELEASE write")
        return result

    def _begin(self) -> None:
        """Open a batch. A connection that went away while idle (PostgreSQL restarted, an idle
        session ended) held nothing: it is opened again and the batch begun there."""
        if self.backend.broken(self.conn):
            self._reconnect()
        try:
            self.conn.execute(self.backend.begin_write)
        except self.backend.errors:
            if not self.backend.broken(self.conn):
                raise
            self._reconnect()
            self.conn.execute(self.backend.begin_write)
        self.batch += 1

    def _reconnect(self) -> None:
        log.warning("the database connection was lost: connecting again")
        self.conn.close()
        self.conn = self.backend.writer()

    def _undo(self, exc: BaseException) -> None:
        """Roll back this write's savepoint; if even that fails (or SQLite has already rolled back
        the whole transaction, as it does on a full disk), the batch is lost."""
        try:
            self.conn.execute("ROLLBACK TO write")
            self.conn.execute("RELEASE write")
        except self.backend.errors:
            self._lose(exc)

    def after_commit(self, function: Callable[[Any], T]) -> tuple[int, Future[T]]:
        """Commit the open batch; then ``function``, whose outcome (even an exception) comes back
        apart from the commit's."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("COMMIT")
            except self.backend.errors as exc:
                self._lose(exc)
        outcome: Future[T] = Future()
        try:
            outcome.set_result(function(self.conn))
        except Exception as exc:
            outcome.set_exception(exc)
        return self.batch, outcome

    def _lose(self, exc: BaseException) -> None:
        log.error("write batch rolled back after %s: %s", exc.__class__.__name__, exc)
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except self.backend.errors:
                log.warning("rollback failed after %s", exc.__class__.__name__)
        raise _BatchLost(self.batch, exc) from exc


class _Readers:
    """The reading connections, each used by a thread of its own. The threads take reads from one
    queue, and each hands its outcome straight back to the event loop (``call_soon_threadsafe``):
    an executor's chain of futures cost a read about twice the event loop's time of this."""

    def __init__(self, backend: _Backend, connections: list[Any]) -> None:
        self._backend = backend
        self._jobs: queue.SimpleQueue[_ReadJob | None] = queue.SimpleQueue()
        self._several: set[Any] = set()  # the code of bodies seen running several statements
        self._threads = [
            threading.Thread(target=self._serve, args=(conn,), name=f"db-reader-{n}", daemon=True)
            for n, conn in enumerate(connections)
        ]
        for thread in self._threads:
            thread.start()

    def read(self, body: Callable[[Connection], Any]) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self._jobs.put((body, future.get_loop(), future))
        return future

    async def close(self) -> None:
        """The reads under way or queued end first; then each thread closes its connection."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            await asyncio.to_thread(thread.join)

    def _serve(self, conn: Any) -> None:
        while (job := self._jobs.get()) is not None:
            body, loop, future = job
            outcome: tuple[Any, BaseException | None]
            try:
                conn, result = self._run(conn, body)
                outcome = (result, None)
            except BaseException as exc:
                outcome = (None, exc)
            try:
                loop.call_soon_threadsafe(_hand_back, future, *outcome)
            except RuntimeError:  # the event loop is closed: nobody waits for this read
                pass
        conn.close()

    def _run(self, conn: Any, body: Callable[[Connection], Any]) -> tuple[Any, Any]:
        """The connection and the read's result; run again on a new connection if PostgreSQL went
        away while ``conn`` was idle (a read changes nothing: it may simply run again)."""
        backend = self._backend
        try:
            return conn, self._read(conn, body)
        except backend.errors:
            if not backend.broken(conn):
                raise
        conn.close()
        conn = backend.reader()
        return conn, self._read(conn, body)

    def _read(self, conn: Any, body: Callable[[Connection], Any]) -> Any:
        """``body`` in one read transaction; on PostgreSQL a body that runs one statement runs it
        alone, without the transaction's ``BEGIN`` and ``ROLLBACK`` (a statement sees one moment by
        itself): one that runs a second is stopped there and run again in a transaction, as are
        from then on the bodies of its code."""
        code = getattr(body, "__code__", None)
        if self._backend.lone_reads and code not in self._several:
            try:
                return body(_OneStatement(conn))
            except _SecondStatement:
                self._several.add(code)
        conn.execute(self._backend.begin_read)
        try:
            return body(conn)
        finally:
            if conn.in_transaction:  # nothing to keep: the connection only reads
                conn.execute("ROLLBACK")


class _SecondStatement(BaseException):
    """A body read through :class:`_OneStatement` went on to a second statement (a BaseException:
    a body's own ``except Exception`` does not catch it)."""


class _OneStatement:
    """A reading connection that runs one statement outside a transaction; anything more (a
    second statement, or anything else asked of the connection) raises :class:`_SecondStatement`."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._ran = False

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        if self._ran:
            raise _SecondStatement
        self._ran = True
        return self._conn.execute(sql, parameters)

    def __getattr__(self, name: str) -> Any:
        raise _SecondStatement


_ReadJob = tuple[Callable[[Connection], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


def _hand_back(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """A read's outcome, on the event loop (unless its reader gave up waiting)."""
    if future.done():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


def _pickled(result: Any) -> bytes | None:
    """A write's result as kept for a replay (None when it cannot be kept: that update's replay is
    then dropped as handled)."""
    try:
        return pickle.dumps(result)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None


class _Turns:
    """Session advisory locks on one PostgreSQL connection of their own, on its own thread. A
    lock is tried (``pg_try_advisory_lock``), not waited for, so the thread never blocks: a turn
    held by another process is tried again every ``TURN_POLL_SECONDS``. The connection also holds
    ``alive``, this process's own lock, for as long as it lives (``Database.alive``)."""

    def __init__(self, backend: _Postgres, *, alive: int) -> None:
        self._backend = backend
        self._alive = alive
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-turns")
        self._conn: Any = None

    async def take(self, key: tuple[int | str, ...]) -> None:
        while True:  # polled: the other process tells nobody when it is done
            if await self._call(self._ask, "SELECT pg_try_advisory_lock(?) AS answer", key):
                return
            await asyncio.sleep(TURN_POLL_SECONDS)

    async def held(self, key: tuple[int | str, ...]) -> bool:
        """Does another session hold ``key``'s lock?"""
        return await self._call(self._held, key)

    async def give_back(self, key: tuple[int | str, ...]) -> None:
        try:
            await self._call(self._give_back, key)
        except self._backend.errors:  # the connection is gone, and its locks with it
            log.warning("a turn's lock was lost with its connection")

    async def connect(self) -> None:
        await self._call(self._connected)

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    # On the thread:
    def _held(self, key: tuple[int | str, ...]) -> bool:
        if not self._ask("SELECT pg_try_advisory_lock(?) AS answer", key):
            return True
        self._give_back(key)
        return False

    def _give_back(self, key: tuple[int | str, ...]) -> None:
        self._ask("SELECT pg_advisory_unlock(?) AS answer", key)

    def _ask(self, sql: str, key: tuple[int | str, ...]) -> bool:
        return bool(self._connected().execute(sql, (_lock_number(key),)).fetchone()["answer"])

    def _connected(self) -> Any:
        """The connection, opened again (with this process's own lock) if it was lost."""
        if self._conn is None or self._backend.broken(self._conn):
            self._conn = self._backend.writer()
            self._conn.execute("SELECT pg_advisory_lock(?)", (self._alive,))
        return self._conn

    async def close(self) -> None:
        def closing() -> None:
            if self._conn is not None:
                self._conn.close()

        await asyncio.get_running_loop().run_in_executor(self._thread, closing)
        self._thread.shutdown()


def _alive_key(holder: str) -> tuple[str, str]:
    return ("process", holder)


def _lock_number(key: tuple[int | str, ...]) -> int:
    """A key as the signed 64-bit number PostgreSQL's advisory locks take (two keys that meet in
    it only wait for each other)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _Backend(Protocol):
    """What differs between SQLite and PostgreSQL for the connections above."""

    begin_write: str  # the batch's transaction
    begin_read: str  # a read's transaction: one snapshot for the whole body
    release_writes: bool  # each write's savepoint released at its end (else kept, nested, until the commit)
    lone_reads: bool  # a read of one statement runs it without a transaction
    readers: int  # reading connections, each on its own thread
    errors: tuple[type[Exception], ...]  # the driver's errors

    def writer(self) -> Any: ...
    def reader(self) -> Any: ...
    def migrate(self, conn: Any) -> list[str]: ...
    def broken(self, conn: Any) -> bool: ...
    def touch(self, conn: Any) -> None: ...
    def version(self, conn: Any) -> int: ...
    def retryable(self, exc: BaseException) -> bool: ...
    def storage_error(self, exc: BaseException) -> BaseException: ...


class _Sqlite:
    begin_write = "BEGIN IMMEDIATE"
    begin_read = "BEGIN"
    release_writes = True
    lone_reads = False  # BEGIN and ROLLBACK are a call into the library, not a round trip
    readers = READERS
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        self.path = path

    def writer(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def reader(self) -> sqlite3.Connection:
        """A reading connection: used by one reader thread at a time (whichever takes it)."""
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only=ON")
        return conn

    def migrate(self, conn: sqlite3.Connection) -> list[str]:
        from storage.migrate import apply_migrations

        return apply_migrations(conn)

    def broken(self, conn: sqlite3.Connection) -> bool:
        return False  # a file does not go away

    def retryable(self, exc: BaseException) -> bool:
        return False  # one writer: no deadlock between writers

    def touch(self, conn: Connection) -> None:
        """The file's header rewritten with its own version."""
        conn.execute(f"PRAGMA user_version = {self.version(conn)}")

    def version(self, conn: Connection) -> int:
        from storage.migrate import current_version

        return current_version(conn)

    def storage_error(self, exc: BaseException) -> BaseException:
        """SQLite's operational trouble (read-only, full, locked, corrupt) as a :class:`StorageError`;
        a broken rule of the schema (``IntegrityError``) and everything else as it is."""
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
            return StorageError(str(exc))
        return exc


class _Postgres:
    """PostgreSQL through ``storage.postgres`` (psycopg, imported only here: an optional extra)."""

    begin_write = "BEGIN"
    begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    # A write's savepoint is not released: the next write's nests inside it, a failed write's
    # ROLLBACK TO reaches its own (the innermost of that name), and the commit keeps them all.
    release_writes = False
    lone_reads = True
    readers = PG_READERS

    def __init__(self, url: str) -> None:
        import psycopg

        from storage import postgres

        self.url, self._postgres, self._psycopg = url, postgres, psycopg
        self.errors: tuple[type[Exception], ...] = (psycopg.Error,)

    def writer(self) -> Any:
        return self._postgres.connect(self.url)

    def reader(self) -> Any:
        conn = self._postgres.connect(self.url)
        conn.execute("SET default_transaction_read_only = on")  # a statement run alone only reads too
        return conn

    def migrate(self, conn: Any) -> list[str]:
        applied: list[str] = self._postgres.apply_migrations(conn)
        return applied

    def broken(self, conn: Any) -> bool:
        return bool(conn.raw.closed or conn.raw.broken)

    def retryable(self, exc: BaseException) -> bool:
        """Two processes' batches waited on each other (one is chosen to fail), or a snapshot
        conflict: the write alone, rolled back to its savepoint, may simply be run again."""
        errors = self._psycopg.errors
        return isinstance(exc, errors.DeadlockDetected | errors.SerializationFailure)

    def touch(self, conn: Connection) -> None:
        """The newest version's row rewritten as it is (a real row version, so a full disk shows)."""
        conn.execute(
            "UPDATE schema_migrations SET version = version WHERE version = (SELECT max(version) FROM schema_migrations)"
        )

    def version(self, conn: Any) -> int:
        return int(self._postgres.current_version(conn))

    def storage_error(self, exc: BaseException) -> BaseException:
        """Every psycopg error but a broken rule of the schema as a :class:`StorageError` (lost
        connection, shutdown, disk full, read-only, serialization failure, deadlock…), with the
        first line of its message only (the rest may quote values)."""
        psycopg = self._psycopg
        if isinstance(exc, psycopg.Error) and not isinstance(exc, psycopg.IntegrityError):
            message = str(exc).strip().splitlines()
            return StorageError(f"{exc.__class__.__name__}: {message[0] if message else ''}")
        return exc
