"""Running it for real: metrics, ``/healthz``, JSON logs, Sentry, daily backups and restore.

``METRICS`` is the process's one set of Prometheus metrics (the default registry, so the process's
own CPU and memory figures come with them). The runtime calls it from a few small hooks, set by
:func:`install`: each update (``handling``), each Bot API call through the rate limiter
(``metered_send``), each database write (``Database.observe_write``), each job
(:class:`MeteredJobQueue`), and each getUpdates answer (:class:`PollingWatch`).
"""

from __future__ import annotations

import asyncio
import contextvars
import fcntl
import json
import logging
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import prometheus_client
import tornado.httpserver
import tornado.netutil
import tornado.web
from pythonjsonlogger.json import JsonFormatter
from telegram import Update
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, JobQueue
from telegram.request import BaseRequest

from bot.config import Config
from bot.domain.statuses import OutboxState
from bot.runtime.logfilter import mask
from storage.db import StorageError
from storage.migrate import migrations

log = logging.getLogger(__name__)

POLLING_STALLED_AFTER = 90  # seconds without an answer to getUpdates (each long poll takes 10 s)
WAIT_WORTH_COUNTING = 0.01  # seconds a Bot API call was held back before it counts as a rate-limit wait
BACKUP_TIME = "04:00"  # local time of the daily backup
BACKUP_GLOB = "building-bot-*.sqlite3"


class Metrics:
    def __init__(self, registry: prometheus_client.CollectorRegistry = prometheus_client.REGISTRY) -> None:
        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> prometheus_client.Counter:
            return prometheus_client.Counter(name, doc, labels, registry=registry)

        self.updates = counter("building_bot_updates", "updates received, by kind", ("kind",))
        self.update_seconds = prometheus_client.Histogram(
            "building_bot_update_seconds", "time to handle one update", registry=registry
        )
        self.sends = counter(
            "building_bot_sends",
            "Bot API calls but getUpdates: ok, retried (ok after a 429), 429, 403, failed",
            ("result",),
        )
        self.rate_limit_waits = counter("building_bot_rate_limit_waits", "Bot API calls held back by the rate limiter")
        self.rate_limit_wait_seconds = counter(
            "building_bot_rate_limit_wait_seconds", "time Bot API calls were held back"
        )
        self.jobs = counter(
            "building_bot_jobs", "scheduled jobs run, by name and result (ok, failed, stopped)", ("name", "result")
        )
        self.db_write_seconds = prometheus_client.Histogram(
            "building_bot_db_write_seconds", "time of one database write, its commit included", registry=registry
        )
        self.outbox = prometheus_client.Gauge(
            "building_bot_outbox_items",
            "outbox items by channel and state (owed: not sent yet)",
            ("channel", "state"),
            registry=registry,
        )
        self.started = time.monotonic()
        self.last_update: float | None = None  # time.monotonic() of the newest update
        self.last_poll: float | None = None  # ... of the newest answer to getUpdates

    def metered_send(self, callback: Callable[..., Awaitable[Any]], endpoint: str) -> Callable[..., Awaitable[Any]]:
        """``callback`` (one Bot API call, which the rate limiter runs once per attempt), counted."""
        asked = time.monotonic()
        attempts = 0

        async def attempt(*args: Any, **kwargs: Any) -> Any:
            nonlocal asked, attempts
            waited = time.monotonic() - asked
            if waited >= WAIT_WORTH_COUNTING:
                self.rate_limit_waits.inc()
                self.rate_limit_wait_seconds.inc(waited)
            attempts += 1
            try:
                answer = await callback(*args, **kwargs)
            except RetryAfter:
                self.sends.labels("429").inc()
                asked = time.monotonic()
                raise
            except Forbidden:
                self.sends.labels("403").inc()
                raise
            except Exception:
                self.sends.labels("failed").inc()
                raise
            self.sends.labels("ok" if attempts == 1 else "retried").inc()
            return answer

        return attempt


METRICS = Metrics()

# The update being handled, for the JSON log lines: its id and its chat's.
_update_fields: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar("update_fields", default=None)


def update_kind(update: Update) -> str:
    return next((kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None), "other")


@contextmanager
def handling(update: Update) -> Iterator[None]:
    """Around the handling of one update: counted, timed, and its ids on every log line meanwhile."""
    METRICS.updates.labels(update_kind(update)).inc()
    METRICS.last_update = time.monotonic()
    chat = update.effective_chat
    token = _update_fields.set({"update_id": update.update_id} | ({"chat_id": chat.id} if chat else {}))
    try:
        with METRICS.update_seconds.time():
            yield
    finally:
        _update_fields.reset(token)


# Whether the job being run failed (set by ``_job_failed``, read by ``MeteredJobQueue``).
_job_outcome: contextvars.ContextVar[list[bool | None]] = contextvars.ContextVar("job_outcome")


def job_kind(name: str) -> str:
    """A job's name without the ids in it (``gb-close-12`` → ``gb-close-N``): a bounded label."""
    return re.sub(r"\d+", "N", name)


class MeteredJobQueue(JobQueue):
    """PTB's job queue, counting each run by its name (ids left out) and result. A job's exception
    never comes out of ``Job.run`` (PTB hands it to the error handlers), so :func:`_job_failed`,
    an error handler, marks the run failed. A job cut short at a stop (PTB waits for the jobs at
    work, then APScheduler cancels those that started meanwhile) ends quietly, counted "stopped"."""

    @staticmethod
    async def job_callback(job_queue: JobQueue, job: Any) -> None:
        failed = _job_outcome.set([False])  # [True]: failed; [None]: cut short
        try:
            await JobQueue.job_callback(job_queue, job)
        except asyncio.CancelledError:
            if job_queue.scheduler.running:
                raise
            log.info("job %s cut short: stopping", job_kind(job.name or job.callback.__name__))
            _job_outcome.get()[0] = None
        finally:
            result = {None: "stopped", True: "failed", False: "ok"}[_job_outcome.get()[0]]
            _job_outcome.reset(failed)
            METRICS.jobs.labels(job_kind(job.name or job.callback.__name__), result).inc()


def _jobs(app: Application) -> JobQueue[Any]:
    """The application's job queue (``bot.runtime.app`` builds it with one: a MeteredJobQueue)."""
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    return app.job_queue


async def _job_failed(update: object, context: Any) -> None:
    if context.job is not None:
        _job_outcome.get([False])[0] = True


class PollingWatch(BaseRequest):
    """The getUpdates connection, noting each answer from Telegram: /healthz's "polling stalled"."""

    def __init__(self, inner: BaseRequest) -> None:
        self._inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        answer = await self._inner.do_request(*args, **kwargs)
        METRICS.last_poll = time.monotonic()
        return answer


def install(app: Application) -> None:
    """Hook the metrics into the database and the rate limiter; schedule the daily backup."""
    services = app.bot_data.services
    services.db.observe_write = METRICS.db_write_seconds.observe
    app.bot.rate_limiter.meter = METRICS.metered_send
    app.add_error_handler(_job_failed)
    storage = services.config.storage
    if storage.backup_dir:
        hour, minute = map(int, BACKUP_TIME.split(":"))
        _jobs(app).run_daily(backup_job, time=datetime.min.time().replace(hour=hour, minute=minute), name="backup")


# ---------------------------------------------------------------------------------------- health
async def health(app: Application, config: Config) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of /healthz: 200 when the database takes a write, Telegram's updates
    arrive (a getUpdates answer in the last 90 s, or the webhook set at our URL); else 503 and why."""
    problems = []
    try:
        await app.bot_data.services.db.touch()
    except StorageError as exc:
        problems.append(f"database not writable: {exc}")
    now = time.monotonic()
    if config.telegram.mode == "polling":
        since = now - (METRICS.last_poll or METRICS.started)
        if since > POLLING_STALLED_AFTER:
            problems.append(f"polling stalled: no answer from Telegram for {since:.0f} s")
    else:
        try:
            info = await app.bot.get_webhook_info()
            if info.url != config.telegram.url:
                problems.append("webhook not set")
        except TelegramError as exc:
            problems.append(f"webhook not checked: cannot reach Telegram ({exc.__class__.__name__})")
    body: dict[str, Any] = {
        "status": "unhealthy" if problems else "ok",
        "mode": config.telegram.mode,
        "database_writable": not any(p.startswith("database") for p in problems),
        "last_update_seconds_ago": None if METRICS.last_update is None else round(now - METRICS.last_update, 1),
        "jobs_scheduled": len(_jobs(app).jobs()),
    }
    if problems:
        body["problems"] = problems
    return (503 if problems else 200), body


class _Health(tornado.web.RequestHandler):
    def initialize(self, app: Application, config: Config) -> None:
        self.app, self.config = app, config

    async def get(self) -> None:
        status, body = await health(self.app, self.config)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(body))


OUTBOX_CHANNELS = ("telegram", "wecom")


async def count_outbox(app: Application) -> None:
    """The outbox's lengths, read when /metrics is asked for."""
    for channel in OUTBOX_CHANNELS:
        counts = await app.bot_data.services.outbox.counts(channel)
        for state in OutboxState:
            METRICS.outbox.labels(channel, state).set(counts.get(state, 0))


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, app: Application) -> None:
        self.app = app

    async def get(self) -> None:
        try:
            await count_outbox(self.app)
        except StorageError as exc:
            log.warning("the outbox was not counted: %s", exc.__class__.__name__)
        self.set_header("Content-Type", prometheus_client.CONTENT_TYPE_LATEST)
        self.write(prometheus_client.generate_latest())


class OpsServer:
    """/healthz and /metrics on ``[ops] http``, on the running event loop (polling or webhook)."""

    def __init__(self, app: Application, config: Config) -> None:
        routes: list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]] = [
            ("/healthz", _Health, {"app": app, "config": config}),
            ("/metrics", _Metrics, {"app": app}),
        ]
        self._server = tornado.httpserver.HTTPServer(tornado.web.Application(routes))
        self.host, self.port = config.ops.address

    async def start(self) -> OpsServer:
        sockets = tornado.netutil.bind_sockets(self.port, self.host)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        log.info("health and metrics on http://%s:%s/healthz and /metrics", self.host, self.port)
        return self

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


# -------------------------------------------------------------------------------------- logging
class JsonLines(JsonFormatter):
    """One JSON object a line: time, level, logger, message, the update's and chat's ids while an
    update is handled, the traceback (as the masking filter left it) under ``exc_info``."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_text:  # masked by logfilter.MaskDigits: not to be formatted again from exc_info
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None})
        return super().format(record)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.update(_update_fields.get() or {})


# --------------------------------------------------------------------------------------- Sentry
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_DROPPED = ("request", "user", "extra", "vars")  # request bodies (message text), people, local variables


def scrub_text(text: str) -> str:
    """What may leave the machine of a string: quoted values (reprs of names, texts) and Chinese
    words (names, drugs, messages) gone, phone, ID and card numbers masked."""
    return mask(_CJK.sub("…", _QUOTED.sub("'…'", text)))


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items() if key not in _DROPPED}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def start_sentry(dsn: str, transport: Any = None) -> None:
    """Unhandled errors (what the error handler logs at ERROR) to Sentry, scrubbed of personal data."""
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        transport=transport,
        include_local_variables=False,
        auto_enabling_integrations=False,  # the web server's integration would send request bodies
        max_request_body_size="never",
        before_send=lambda event, hint: scrub(event),
        before_breadcrumb=lambda crumb, hint: scrub(crumb),
    )


# -------------------------------------------------------------------------------------- backups
async def backup_job(context: Any) -> None:
    """The daily backup into ``[storage] backup_dir``; the newest ``backup_keep`` are kept."""
    services = context.application.bot_data.services
    folder = services.config.storage.backup_dir
    stamp = services.clock.now().strftime("%Y%m%d-%H%M%S")
    path = await backup_into(services.db, folder, stamp)
    removed = await asyncio.to_thread(prune_backups, folder, services.config.storage.backup_keep)
    log.info("backed up the database to %s (%d old backups removed)", path, len(removed))


async def backup_into(db: Any, folder: Path, stamp: str) -> Path:
    """A backup named for ``stamp``, written under a temporary name first so that a backup cut
    short never passes for the newest."""
    path = folder / f"building-bot-{stamp}.sqlite3"
    partial = path.with_suffix(".partial")
    await db.backup(partial)
    partial.replace(path)
    return path


def prune_backups(folder: Path, keep: int) -> list[Path]:
    old = sorted(folder.glob(BACKUP_GLOB))[:-keep]
    for path in old:
        path.unlink()
    return old


class RunLock:
    """Held by ``building-bot run`` for the life of the process (the kernel lets go even on a
    crash): a second bot on the same database, or ``restore`` under a running bot, is refused."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._file: Any = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None
            return False
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class RestoreError(Exception):
    """The backup cannot be restored; the database is untouched."""


def restore(backup: Path, database: Path, stamp: str) -> Path | None:
    """Replace ``database``'s content with ``backup``'s after checking the backup; the database
    replaced is kept beside it (its path returned). Call with the :class:`RunLock` held."""
    check_backup(backup)
    kept = None
    database.parent.mkdir(parents=True, exist_ok=True)
    live = sqlite3.connect(database)
    try:
        if database.stat().st_size:
            kept = database.with_name(f"{database.name}.before-restore-{stamp}")
            _copy(live, kept)
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            source.backup(live)  # through SQLite, so the live database's journal stays consistent
        finally:
            source.close()
        if live.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RestoreError(f"{database} failed its integrity check after the restore; the old one is {kept}")
    finally:
        live.close()
    return kept


def _copy(conn: sqlite3.Connection, target: Path) -> None:
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()


def check_backup(backup: Path) -> None:
    """A building-bot database that passes SQLite's integrity check, of a schema this version knows."""
    if not backup.is_file():
        raise RestoreError(f"{backup}: no such file")
    try:
        conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"{backup}: not an SQLite database ({exc})") from None
    if verdict != "ok":
        raise RestoreError(f"{backup}: failed SQLite's integrity check ({verdict})")
    newest = len(migrations())
    if not 1 <= version <= newest:
        raise RestoreError(f"{backup}: not a building-bot database of schema 1..{newest} (it has {version})")
