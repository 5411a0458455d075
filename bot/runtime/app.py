"""The composition root: ``build_application`` wires config, services and handlers.

Production, console mode and the tests all call it; only ``request`` (PTB's ``BaseRequest`` seam)
differs: HTTPX to Telegram, the console's in-process Bot API, or the tests' recording fake.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot.clock import Clock
from bot.config import Config
from bot.runtime import ops
from bot.runtime.chat_order import ChatOrderedProcessor, waiting_on_telegram
from bot.runtime.inbox import InboxQueue
from bot.runtime.send_budget import SlidingWindow
from bot.services import Services
from bot.services.deliveries import current_update
from handlers import menus
from handlers.context import AppState, BotContext
from handlers.sending import OwingRateLimiter
from storage.db import recording_update

log = logging.getLogger(__name__)

LOCAL_TOKEN = "1:local-console-token"

# At a stop, updates at work get this long to finish (the rest of the 10 s goes to jobs and closing).
STOP_GRACE_SECONDS = 5
# The period of a group's budget (``group_messages_per_minute``): a minute (tests shorten it).
GROUP_BUDGET_SECONDS = 60
# On PostgreSQL, how often a worker looks for updates held by a worker that is gone (tests shorten it).
TAKE_OVER_SECONDS = 20


class BotApplication(Application):
    """PTB's Application, recording each update's id with the first write it makes, and marking an
    update from the inbox done once handled (``bot.runtime.inbox``)."""

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        if isinstance(self.update_queue, InboxQueue) and not await self.update_queue.take(update):
            return  # a gone process's update, taken by another process first
        now = self.bot_data.services.clock.now()
        with recording_update(self.bot.id, update.update_id, now), ops.handling(update):
            await super().process_update(update)
        self.bot_data.newest_update = max(self.bot_data.newest_update, update.update_id)
        if isinstance(self.update_queue, InboxQueue):
            await self.update_queue.done(update)

    async def stop(self) -> None:
        """PTB's stop waits for every update already taken from the queue, however long the backlog
        (a busy group's 200 updates at 20 a minute), and for every job at work, however long it
        waits on Telegram (a board edit behind its group's budget: up to a minute). Here updates
        and jobs at work get ``STOP_GRACE_SECONDS`` and are then cut short; updates not started
        are dropped (handled after the restart, from the inbox) and no job starts meanwhile."""
        await menus.stop_publishing(self)
        if self.running:
            await asyncio.gather(self._finish_updates(), self._finish_jobs())
        await super().stop()

    async def _finish_updates(self) -> None:
        if isinstance(self.update_processor, ChatOrderedProcessor):
            await self.update_processor.stop(STOP_GRACE_SECONDS)

    async def _finish_jobs(self) -> None:
        """Then the scheduler stops: it starts no more jobs and cancels those still at work, which
        end quietly (``ops.MeteredJobQueue`` logs them as cut short)."""
        jobs = self.job_queue
        if jobs is None or not jobs.scheduler.running:
            return
        at_work = set(jobs._executor._pending_futures)  # PTB's own stop waits on these
        if at_work:
            await asyncio.wait(at_work, timeout=STOP_GRACE_SECONDS)
        jobs.scheduler.shutdown(wait=False)
        if late := {job for job in at_work if not job.done()}:
            await asyncio.wait(late, timeout=1)


class FairRateLimiter(OwingRateLimiter):
    """Telegram's budgets as Telegram counts them: at most ``messages_per_second`` sends in any
    second (spread evenly over it), and ``group_messages_per_minute`` into one group in any
    minute (``SlidingWindow``; PTB's leaky buckets let through bursts that Telegram refuses with
    429). A send takes its group's turn first (a group's sends in order), then the overall one,
    where answers to the update being handled go before background sends, a quiet group's first
    (``RepliesFirst``), and counts in both as it goes. While an update waits on Telegram (a
    budget, a 429's retry_after, a slow network), its concurrency slot is free for other chats
    (``bot.runtime.chat_order``). A 429 holds back only the request it answered, which waits its
    ``retry_after`` and tries again (PTB's limiter would hold back every chat meanwhile)."""

    def __init__(self, *, messages_per_second: int, group_messages_per_minute: int, max_retries: int) -> None:
        super().__init__(
            overall_max_rate=0,
            group_max_rate=group_messages_per_minute,
            group_time_period=GROUP_BUDGET_SECONDS,
            max_retries=max_retries,
        )
        self._overall = RepliesFirst(SlidingWindow(messages_per_second, 1, spread=True))
        self._group_windows: dict[str | int | bool, SlidingWindow] = {}

    async def process_request(self, *args: Any, **kwargs: Any) -> Any:
        async with waiting_on_telegram():
            return await super().process_request(*args, **kwargs)

    async def _run_request(
        self,
        chat: bool,
        group: str | int | bool,
        allow_paid_broadcast: bool,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        if group:
            window = self._get_group_limiter(group)
            async with window.turn():  # the group's sends in order, each counted as it goes
                await self._overall.acquire(window.used())
        elif chat or args[0] in MENU_CALLS:  # ``args``: (endpoint, data); a menu's names no chat
            await self._overall.acquire()
        return await callback(*args, **kwargs)

    def _get_group_limiter(self, group_id: str | int | bool) -> SlidingWindow:  # type: ignore[override]
        windows = self._group_windows
        if group_id not in windows:
            if len(windows) >= MAX_GROUP_WINDOWS:  # forget the groups with nothing in their window
                for idle in [key for key, window in windows.items() if window.idle()]:
                    del windows[idle]
            windows[group_id] = SlidingWindow(int(self._group_max_rate), self._group_time_period)
        return windows[group_id]


# Calls without a chat that count in the overall budget all the same (thousands at a start).
MENU_CALLS = frozenset({"setMyCommands", "deleteMyCommands"})
# Group budgets kept before the idle ones are forgotten (PTB's limiter keeps 512 too).
MAX_GROUP_WINDOWS = 512


class RepliesFirst:
    """The overall budget, taken one send at a time in order of need: answers (a send made while
    an update is handled: a person is waiting for it) before background sends (board edits,
    re-posts, reports, notices: a job, the outbox); among answers, the one into the chat that had
    the fewest sends in its group's last minute first (in a rush, a quiet group before the busy
    ones), then first come. Only one send at a time waits for the budget, so the next to go is
    chosen when it can go, and an answer waits at most one turn behind a background send however
    many are queued. A group's own budget is taken before this one."""

    def __init__(self, budget: SlidingWindow) -> None:
        self._budget = budget
        self._queue: list[tuple[tuple[int, int], int, asyncio.Future[None]]] = []  # by need, then arrival
        self._arrivals = itertools.count()
        self._turn_taken = False

    async def acquire(self, recent_sends: int = 0) -> None:
        """Wait for the budget; ``recent_sends``: the chat's sends in its group's last minute."""
        need = (0, recent_sends) if current_update() is not None else (1, 0)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (need, next(self._arrivals), turn))
        self._give_turn()
        try:
            await turn
            await self._budget.acquire()
        finally:
            if turn.done() and not turn.cancelled():  # this send had the turn: the next one's
                self._turn_taken = False
                self._give_turn()

    def _give_turn(self) -> None:
        while not self._turn_taken and self._queue:
            *_, turn = heapq.heappop(self._queue)
            if not turn.done():  # not given up while it waited
                turn.set_result(None)
                self._turn_taken = True


def build_application(config: Config, request: BaseRequest | None = None, *, clock: Clock | None = None) -> Application:
    inbox = InboxQueue()  # every update stored before Telegram is told it arrived
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(config.token or LOCAL_TOKEN)
        .base_url(config.telegram.base_url)
        .defaults(Defaults(tzinfo=config.schedule.tz))
        .rate_limiter(
            FairRateLimiter(  # which message carries which buttons: handlers/buttons.py
                messages_per_second=config.telegram.messages_per_second,
                group_messages_per_minute=config.telegram.group_messages_per_minute,
                max_retries=3,
            )
        )
        .concurrent_updates(ChatOrderedProcessor(config.telegram.concurrent_updates))
        .update_queue(inbox)
        .job_queue(ops.MeteredJobQueue())
        .context_types(ContextTypes(context=BotContext, bot_data=AppState))
        .post_init(startup)
        .post_shutdown(shutdown)
    )
    proxy = config.telegram.proxy.get_secret_value()
    if request is not None:
        builder = builder.request(request)
    elif proxy:
        builder = builder.proxy(proxy)
    polling = request or HTTPXRequest(connection_pool_size=1, proxy=proxy or None)  # as the builder makes it
    builder = builder.get_updates_request(ops.PollingWatch(polling))  # /healthz: is polling answered?
    app = builder.build()
    app.bot_data.services = Services.create(config, clock)
    inbox.deliveries = app.bot_data.services.deliveries
    handlers.register_all(app)
    ops.install(app)
    return app


def services_of(app: Application) -> Services:
    return app.bot_data.services


async def startup(app: Application) -> None:
    """``post_init``: open the database, load settings, start publishing the command menus."""
    services = services_of(app)
    await services.start()
    await services.deliveries.start(app.bot.id)
    await services.roster.start(app.bot.id)  # its chats: several bots may share the database
    inbox = app.update_queue
    if (
        services.db.postgres
        and isinstance(app.update_processor, ChatOrderedProcessor)
        and isinstance(inbox, InboxQueue)
    ):
        app.update_processor.across = functools.partial(inbox.turn, app)  # several processes
    await services.deliveries.forget_old()
    app.bot_data.newest_update = await services.deliveries.newest_update()
    await handlers.on_startup(app)
    if isinstance(inbox, InboxQueue):
        await inbox.take_over(app)  # what a stop or a crash left stored and not done
        if services.db.postgres and app.job_queue is not None:  # what a worker that dies meanwhile leaves
            app.job_queue.run_repeating(_take_over, interval=TAKE_OVER_SECONDS, name="inbox-take-over")
    menus.start_publishing(app)  # in the background: polling starts at once


async def _take_over(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The updates held by a worker that died while this one runs (PostgreSQL only: on SQLite one
    process at a time uses the database, and its start took what the last one left)."""
    if isinstance(context.application.update_queue, InboxQueue):
        await context.application.update_queue.take_over(context.application)


async def shutdown(app: Application) -> None:
    """``post_shutdown``: close the database."""
    await menus.stop_publishing(app)  # a start that never polled: its menus cut short too
    await services_of(app).stop()


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """Start the application without polling (console, tests): what ``run_polling`` does around
    fetching updates, so updates can be fed with ``app.process_update``."""
    await app.initialize()
    await startup(app)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()
        await app.shutdown()
        await shutdown(app)
