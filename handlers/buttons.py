"""Buttons act only from their own message.

A client may send any callback data on any message (Telegram does not check it), so the bot records
which callback data each message it sends or edits carries, as Telegram reports the message back
(``storage/buttons.py``), and ``handlers/guards.py`` refuses a press whose (chat, message, data) is
not recorded: a press forged onto another message or chat, data never sent, a button edited away.
An edit replaces a message's record; records of messages neither sent nor edited for 30 days are
pruned at start-up. The record is in SQLite, so a press re-delivered after a restart still works.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram.ext import AIORateLimiter

from bot.services.deliveries import Deliveries
from bot.services.errors import StorageError
from handlers.context import BotApp

log = logging.getLogger(__name__)

T = TypeVar("T")
Answer = bool | dict[str, Any] | list[dict[str, Any]]


class RecordingRateLimiter(AIORateLimiter):
    """PTB's rate limiter, which every Bot API call passes with its answer; this one also records,
    for every message the bot sends or edits (whichever method: send_message, send_photo,
    send_document, edit_message_text, edit_message_reply_markup, ...), the callback data Telegram
    says the message now carries. (A bot class of our own, ``ApplicationBuilder.bot``, would have
    to be built without the builder's token, requests, proxies and rate limiter; this seam keeps
    them.)"""

    _deliveries: Deliveries | None = None
    # Wraps each call for the metrics (bot.runtime.ops.install sets it); as it is, the call itself.
    meter: Callable[[Callable[..., Any], str], Callable[..., Any]] = staticmethod(lambda call, endpoint: call)

    def record_into(self, deliveries: Deliveries) -> None:
        self._deliveries = deliveries

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        answer = await super().process_request(
            self.meter(callback, endpoint), args, kwargs, endpoint, data, rate_limit_args
        )
        if isinstance(answer, dict) and "message_id" in answer and "chat" in answer:
            await self._record(answer, edited=endpoint.startswith("edit"))
        return answer

    async def _record(self, message: dict[str, Any], *, edited: bool) -> None:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        carried = [button["callback_data"] for row in rows for button in row if "callback_data" in button]
        if not carried and not edited:
            return  # a new message without buttons: nothing to record
        if self._deliveries is None:
            raise RuntimeError("RecordingRateLimiter.record_into was not called")
        try:
            await _apart_from_the_update(
                self._deliveries.record_buttons(message["chat"]["id"], message["message_id"], carried)
            )
        except StorageError as exc:  # the message is out; its buttons will answer that they no longer work
            log.warning("the buttons of a message were not recorded: %s", exc.__class__.__name__)


async def _apart_from_the_update(write: Coroutine[Any, Any, T]) -> T:
    """Run a write outside the update being handled: recording a message's buttons is not the
    update's effect, so it must not take the mark "update N was handled", which goes with the
    update's first effect (``storage.db.recording_update``)."""
    return await asyncio.create_task(write, context=contextvars.Context())


def register(app: BotApp) -> None:
    """Record into the application's database (``bot.runtime.app`` builds the bot with a RecordingRateLimiter)."""
    recorder = app.bot.rate_limiter
    if not isinstance(recorder, RecordingRateLimiter):
        raise TypeError("the bot's rate limiter must be a RecordingRateLimiter, or every button press is refused")
    recorder.record_into(app.bot_data.services.deliveries)
