"""Reaching WeChat: what the bot mirrors to WeCom (企业微信) group robots, and the queue that holds it.

Everything mirrored goes through :meth:`WeCom.mirror`: rebuttals and notices to every building's
robot, the daily report (markdown, split at 4096 bytes) and its chart (an image) to the
committee's, a group buy to its building's when it opens and its summary when it closes, care
escalations to the committee's (room and time only), and the 接龙 text a leader asks for. Each is
owed in SQLite under a key (``rumor:3``) before it is sent and marked after, so a restart neither
loses nor doubles it; :meth:`WeCom.deliver` sends what is owed (``wecom_sender`` paces and
retries). A robot whose key is refused gets nothing more, and the committee is told once.

Nothing personal is ever formatted here: rooms and quantities, published texts, counts.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.domain.models import CareHousehold, Notice, Rumor
from bot.domain.permissions import Actor, Target, authorize
from bot.render.formatting import format_fen
from bot.services.groupbuys import Tally
from bot.services.wecom_sender import Outcome, WeComSender
from bot.texts.i18n import t
from storage import wecom as store
from storage.db import Database
from storage.sql import Connection

log = logging.getLogger(__name__)

COMMITTEE = "committee"
TEXT_BYTES = 2048
MARKDOWN_BYTES = 4096
IMAGE_BYTES = 2 * 1024 * 1024
ROUND_SECONDS = 60  # what is still owed (no network, over the limit) is tried again this often


def building_robot(building: int) -> str:
    return f"building:{building}"


@dataclass(frozen=True)
class DailyReport:
    """The committee's daily report as the committee chat got it, and its chart."""

    day: date
    lines: list[str]
    chart: bytes | None


@dataclass(frozen=True)
class RelayText:
    """A buy's 接龙 text asked for with ``#接龙文本`` (``key``: that asking, so it is posted once)."""

    key: str
    building: int | None
    text: str


Mirrored = Rumor | Notice | DailyReport | Tally | CareHousehold | RelayText


def split_bytes(lines: list[str], limit: int) -> list[str]:
    """Join lines into messages of at most ``limit`` UTF-8 bytes, breaking between lines (a longer
    line is cut between characters); several messages are numbered (1/3)."""
    room = limit - len("(99/99)\n")
    pieces: list[str] = []
    for line in (piece for text in lines for piece in text.split("\n")):
        while len(line.encode()) > room:
            cut = len(line.encode()[:room].decode(errors="ignore"))
            pieces.append(line[:cut])
            line = line[cut:]
        pieces.append(line)
    messages: list[list[str]] = [[]]
    size = 0
    for piece in pieces:
        length = len(piece.encode()) + 1
        if messages[-1] and size + length > room:
            messages.append([])
            size = 0
        messages[-1].append(piece)
        size += length
    texts = ["\n".join(message) for message in messages]
    if len(texts) == 1:
        return texts
    return [f"({n}/{len(texts)})\n{text}" for n, text in enumerate(texts, 1)]


def _text(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


def _markdown(content: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": content}}


def _image(png: bytes) -> dict[str, Any]:
    return {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(png).decode(), "md5": hashlib.md5(png).hexdigest()},
    }


def _terms(lang: str, tally: Tally, tz: tzinfo) -> list[str]:
    """A buy's terms, as plainly as a notice board: price, deadline, limit, pickup."""
    buy = tally.buy
    lines = [t(lang, "gb.price", price=format_fen(buy.price_fen), unit=buy.unit)]
    if buy.deadline:
        lines.append(t(lang, "gb.deadline", time=buy.deadline.astimezone(tz).strftime(t(lang, "wecom.time_format"))))
    if buy.max_each:
        lines.append(t(lang, "gb.limit", limit=buy.max_each, unit=buy.unit))
    if buy.pickup:
        lines.append(t(lang, "gb.pickup", pickup=buy.pickup))
    return lines


def relay_text(lang: str, tally: Tally, tz: tzinfo) -> str:
    """Buy K as a numbered WeChat 接龙 to paste: the title line with the terms, then ``1. 3-502 2盒``.
    Pasted back into Telegram it reads as a relay for buy K, with the same quantities."""
    buy = tally.buy
    lines = [t(lang, "wecom.relay_title", id=buy.id, title=buy.name), *_terms(lang, tally, tz)]
    lines.append(t(lang, "wecom.relay_example", unit=buy.unit))
    lines += [f"{n}. {o.household} {o.quantity}{buy.unit}" for n, o in enumerate(tally.ordering, 1)]
    return "\n".join(lines)


class WeCom:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock
        wecom = config.wecom
        self._urls: dict[str, str] = {}
        if wecom is not None:
            if wecom.committee_webhook.get_secret_value():
                self._urls[COMMITTEE] = wecom.committee_webhook.get_secret_value()
            for building, url in wecom.buildings.items():
                self._urls[building_robot(building)] = url.get_secret_value()
        self.sender = WeComSender(wecom.messages_per_minute if wecom else 20)
        # Set by the Telegram layer: tell the committee that a robot's key was refused (once per key).
        self.on_bad_key: Callable[[str, int], Awaitable[None]] | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._urls)

    @property
    def _lang(self) -> str:
        return self._config.committee.language

    # ------------------------------------------------------------------ what is mirrored
    async def mirror(self, item: Mirrored) -> None:
        """Owe ``item`` to the robots it goes to (nothing when WeCom is off or they have none)."""
        if not self.enabled:
            return
        key, robots, messages = self._format(item)
        bodies = [json.dumps(message, ensure_ascii=False) for message in messages]
        owed = [robot for robot in robots if robot in self._urls]
        if not owed:
            return
        now = self._clock.now()

        async def body(conn: Connection) -> None:
            for robot in owed:
                await store.owe(conn, robot, key, bodies, now)

        await self._db.write(body)
        self._wake.set()

    def _format(self, item: Mirrored) -> tuple[str, list[str], list[dict[str, Any]]]:
        """The key, the robots and the messages of a mirrored item."""
        lang, tz = self._lang, self._config.schedule.tz
        buildings = [robot for robot in self._urls if robot != COMMITTEE]
        if isinstance(item, Rumor):
            lines = [t(lang, "rumor.post", title=item.title, content=item.content)]
            lines += [t(lang, "rumor.source", source=item.source)] if item.source else []
            return f"rumor:{item.id}", buildings, [_text(c) for c in split_bytes(lines, TEXT_BYTES)]
        if isinstance(item, Notice):
            texts = split_bytes([t(lang, "notice.post", text=item.text)], TEXT_BYTES)
            day = self._clock.now().astimezone(tz).date()
            return f"notice:{item.id}:{day}", buildings, [_text(c) for c in texts]
        if isinstance(item, DailyReport):
            messages = [_markdown(c) for c in split_bytes(item.lines, MARKDOWN_BYTES)]
            if item.chart is not None and len(item.chart) <= IMAGE_BYTES:
                messages.append(_image(item.chart))
            return f"report:{item.day}", [COMMITTEE], messages
        if isinstance(item, CareHousehold):
            now = self._clock.now().astimezone(tz)
            text = t(lang, "wecom.care", household=item.household, time=now.strftime("%H:%M"))
            return f"care:{item.household_id}:{now.date()}", [COMMITTEE], [_text(text)]
        if isinstance(item, RelayText):
            robots = buildings if item.building is None else [building_robot(item.building)]
            return item.key, robots, [_text(c) for c in split_bytes(item.text.split("\n"), TEXT_BYTES)]
        buy = item.buy
        robots = buildings if buy.building is None else [building_robot(buy.building)]
        if buy.status == "closed":
            key = "wecom.buy_called_off" if buy.called_off else "wecom.buy_closed"
            lines = [t(lang, key, title=buy.name, households=len(item.ordering), total=item.total, unit=buy.unit)]
            lines += [t(lang, "gb.pickup", pickup=buy.pickup)] if buy.pickup and not buy.called_off else []
            lines += [f"{o.household} ×{o.quantity}{buy.unit}" for o in item.ordering]
            return f"buy:{buy.id}:closed", robots, [_text(c) for c in split_bytes(lines, TEXT_BYTES)]
        lines = [t(lang, "wecom.buy_open", title=buy.name), *_terms(lang, item, tz), t(lang, "wecom.buy_join")]
        return f"buy:{buy.id}:open", robots, [_text(c) for c in split_bytes(lines, TEXT_BYTES)]

    async def relay(self, actor: Actor, tally: Tally, key: str) -> str:
        """``#接龙文本 K``: the buy's 接龙 text (its building's leader or the committee), also owed to
        the building's robot."""
        authorize(actor, "gb.relaytext", Target(building=tally.buy.building))
        text = relay_text(self._lang, tally, self._config.schedule.tz)
        await self.mirror(RelayText(key=key, building=tally.buy.building, text=text))
        return text

    # ------------------------------------------------------------------ delivery
    async def deliver(self) -> None:
        """Send everything owed, each robot's in order and at its own pace; what cannot go now
        (no network, over the limit after every back-off) stays owed for the next round."""
        async with self._lock:
            async with self._db.read() as conn:
                owed = await store.owed(conn)
                bad = await store.bad_keys(conn)
            by_robot: dict[str, list[tuple[int, str]]] = {}
            for row in owed:
                by_robot.setdefault(row["robot"], []).append((row["id"], row["body"]))
            await asyncio.gather(*(self._deliver_to(robot, messages, bad) for robot, messages in by_robot.items()))

    async def _deliver_to(self, robot: str, messages: list[tuple[int, str]], bad: set[tuple[str, str]]) -> None:
        url = self._urls.get(robot)
        if url is None or (robot, _hash(url)) in bad:
            await self._db.write(lambda conn: store.fail_robot(conn, robot, "no robot" if url is None else "bad key"))
            return
        for message_id, body in messages:
            outcome, code = await self.sender.send(url, body)
            if outcome is Outcome.LATER:
                return
            if outcome is Outcome.BAD_KEY:
                await self._bad_key(robot, url, code or 0)
                return
            if outcome is Outcome.SENT:
                await self._db.write(lambda conn, m=message_id: store.mark_sent(conn, m, self._clock.now()))
            else:
                await self._db.write(lambda conn, m=message_id, c=code: store.mark_failed(conn, m, str(c)))

    async def _bad_key(self, robot: str, url: str, code: int) -> None:
        log.warning("a WeCom robot's key was refused (errcode %s): nothing more goes to it", code)

        async def body(conn: Connection) -> bool:
            await store.fail_robot(conn, robot, str(code))
            return await store.add_bad_key(conn, robot, _hash(url), self._clock.now())

        if await self._db.write(body) and self.on_bad_key is not None:
            await self.on_bad_key(robot, code)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.deliver()
            except Exception:  # a storage error must not end delivery for good
                log.exception("delivering to WeCom failed; trying again in a minute")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), ROUND_SECONDS)

    def start(self) -> None:
        """Deliver in the background (what was owed before a restart first)."""
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="wecom-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()
