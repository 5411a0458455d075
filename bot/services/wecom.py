"""Reaching WeChat: what the bot mirrors to WeCom (企业微信) group robots, and the queue that holds it.

Everything mirrored goes through :meth:`WeCom.mirror`: rebuttals and notices to every building's
robot, the daily report (markdown, split at 4096 bytes) and its chart (an image) to the
committee's, a group buy to its building's when it opens and its summary when it closes, care
escalations to the committee's (room and time only), and the 接龙 text a leader asks for. Each is
owed to the outbox (channel ``wecom``, target: the robot's name, key ``wecom:<robot>:rumor:3``)
before it is sent, so a restart neither loses nor doubles it, and the outbox retries with back-off
what may pass; :meth:`WeCom.deliver` drains the channel (``wecom_sender`` paces each robot). A
robot whose key is refused gets nothing more, and the committee is told once.

Nothing personal is ever formatted here: rooms and quantities, published texts, counts.
"""

from __future__ import annotations

import base64
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
from bot.domain.statuses import BuyStatus
from bot.render.formatting import format_fen
from bot.services.groupbuys import Tally
from bot.services.outbox import Outbox, Undeliverable
from bot.services.wecom_sender import BadKey, WeComSender
from bot.texts.i18n import t
from storage import wecom as store
from storage.db import Database

log = logging.getLogger(__name__)

COMMITTEE = "committee"
CHANNEL = "wecom"
TEXT_BYTES = 2048
MARKDOWN_BYTES = 4096
IMAGE_BYTES = 2 * 1024 * 1024


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
    def __init__(self, db: Database, config: Config, clock: Clock, outbox: Outbox) -> None:
        self._db = db
        self._outbox = outbox
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
        if self.enabled:
            outbox.register(CHANNEL, self._send)

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
        for robot in robots:
            if robot in self._urls:
                await self._outbox.owe_all(CHANNEL, robot, messages, f"wecom:{robot}:{key}")

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
        if buy.status is not BuyStatus.OPEN:
            key = "wecom.buy_called_off" if buy.called_off else "wecom.buy_closed"
            lines = [t(lang, key, title=buy.name, count=len(item.ordering), total=item.total, unit=buy.unit)]
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
        """Send what is owed and due, the robots side by side, each robot's in order and at its pace
        (the outbox's drainer does this in the background; what may pass is retried later)."""
        await self._outbox.drain(CHANNEL)

    async def _send(self, robot: str, message: dict[str, Any]) -> None:
        """The outbox's sender for the ``wecom`` channel: one message to a named robot."""
        url = self._urls.get(robot)
        if url is None:
            raise Undeliverable("no such robot configured")
        if (robot, _hash(url)) in await self._db.read(store.bad_keys):
            raise Undeliverable("bad key")
        try:
            await self.sender.send(url, json.dumps(message, ensure_ascii=False))
        except BadKey as bad:
            await self._bad_key(robot, url, bad.code)
            raise

    async def _bad_key(self, robot: str, url: str, code: int) -> None:
        log.warning("a WeCom robot's key was refused (errcode %s): nothing more goes to it", code)
        added = await self._db.write(lambda conn: store.add_bad_key(conn, robot, _hash(url), self._clock.now()))
        if added and self.on_bad_key is not None:
            await self.on_bad_key(robot, code)


def _hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()
