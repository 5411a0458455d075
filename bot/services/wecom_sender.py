"""Posting to WeCom (企业微信) group robots over httpx, one message a call, paced per robot.

A robot takes at most ``messages_per_minute`` (20) messages a minute: the sender keeps to it itself
and does not rely on WeCom's 45009. What may pass (45009, a network error) raises the outbox's
:class:`TryLater`, so the outbox retries it with back-off; a refused key (93000, or 93004: robot
removed) raises :class:`BadKey`; any other error code refuses that message (:class:`Undeliverable`).
The webhook URL holds the robot's key: it is never logged nor put in an error (httpx's own log
lines have the key masked).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable

import httpx

from bot.services.outbox import TryLater, Undeliverable

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
TOO_FAST = 45009
BAD_KEY = (93000, 93004)
_KEY = re.compile(r"key=[^&\s\"']+")


class BadKey(Undeliverable):
    """The robot's URL or key is refused (``code``: 93000 or 93004): it is owed nothing more."""

    def __init__(self, code: int) -> None:
        super().__init__(f"errcode {code}")
        self.code = code


class _MaskKeys(logging.Filter):
    """httpx logs each request's URL (at INFO, or DEBUG when asked for): mask the robot's key."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "key=" in message:
            record.msg, record.args = _KEY.sub("key=***", message), None
        return True


_MASK = _MaskKeys()


class WeComSender:
    def __init__(
        self,
        messages_per_minute: int,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = messages_per_minute
        self._transport = transport
        self._sleep = sleep
        self._monotonic = monotonic
        self._sent: dict[str, deque[float]] = {}  # per robot URL: when its last messages went
        logging.getLogger("httpx").addFilter(_MASK)  # the same filter object once, however often

    async def send(self, url: str, body: str) -> None:
        """Post one message (``body``: its JSON) once the robot's pace allows."""
        await self._pace(url)
        async with httpx.AsyncClient(transport=self._transport, timeout=10) as client:
            code = await self._post(client, url, body)
        if code is None:
            raise TryLater("no network")
        if code == TOO_FAST:
            raise TryLater(f"errcode {code}")
        if code in BAD_KEY:
            raise BadKey(code)
        if code != 0:
            log.warning("a WeCom robot refused a message (errcode %s)", code)
            raise Undeliverable(f"errcode {code}")

    async def _post(self, client: httpx.AsyncClient, url: str, body: str) -> int | None:
        """WeCom's errcode, or None when the network or the answer failed."""
        self._sent.setdefault(url, deque()).append(self._monotonic())
        try:
            answer = await client.post(url, content=body.encode(), headers={"Content-Type": "application/json"})
            return int(answer.json()["errcode"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("posting to a WeCom robot failed (%s); it will be retried", exc.__class__.__name__)
            return None

    async def _pace(self, url: str) -> None:
        """Wait until the robot has had fewer than its limit of messages in the last minute."""
        sent = self._sent.setdefault(url, deque())
        while True:
            now = self._monotonic()
            while sent and now - sent[0] >= WINDOW_SECONDS:
                sent.popleft()
            if len(sent) < self._limit:
                return
            await self._sleep(WINDOW_SECONDS - (now - sent[0]))
