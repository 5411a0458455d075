"""Sending beyond a reply: the outbox's Telegram channel, one thing to many chats (staggered within Telegram's limits; a chat that
removed the bot is marked so nothing more is sent there), and private messages (which Telegram
refuses until the person has opened a private chat with the bot)."""

from __future__ import annotations

import asyncio
import base64
import logging
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import Enum
from functools import partial
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request._requestparameter import RequestParameter
from telegram.warnings import PTBUserWarning

from bot.render.formatting import TELEGRAM_LIMIT, split_message
from bot.services.deliveries import current_update, current_update_key
from bot.services.outbox import Outbox, OutboxItem, Owing, TryLater, Undeliverable
from bot.texts.i18n import t
from handlers.buttons import RecordingRateLimiter
from handlers.buttons import _apart_from_the_update as apart_from_the_update
from handlers.context import BotApp, BotContext, Incoming, Press

log = logging.getLogger(__name__)

# About 20 messages a second overall: below Telegram's ~30/s, leaving room for replies.
STAGGER_SECONDS = 0.05

Send = Callable[[int], Awaitable[Message]]


async def broadcast(app: BotApp, chat_ids: list[int], send: Send) -> None:
    """Call ``send(chat_id)`` for each chat in turn."""
    roster = app.bot_data.services.roster
    for index, chat_id in enumerate(chat_ids):
        if index:
            await asyncio.sleep(STAGGER_SECONDS)
        try:
            await send(chat_id)
        except ChatMigrated as moved:
            await roster.migrate_chat(chat_id, moved.new_chat_id)
            app.bot_data.services.settings.move_chat(chat_id, moved.new_chat_id)
            await send(moved.new_chat_id)
        except Forbidden:
            log.warning("the bot was removed from a chat; marking it")
            await roster.mark_kicked(chat_id)


async def building_chat_ids(app: BotApp) -> list[int]:
    return [chat.chat_id for chat in await app.bot_data.services.roster.building_chats()]


async def owe_every_building_group(app: BotApp, key: str, text_of: Callable[[str], str], **options: Any) -> int:
    """Owe ``text_of(the group's language)`` to every bound building group a bot is in, whichever
    bot's, in one write: each group's post is owed to this bot when it is in the group, else to the
    lowest bot id there (that bot's drainer sends it), keyed ``key:<chat>``; this bot's own go now,
    as the outbox's sends (background ones, retried by the outbox: not replies to the update).
    A group no bot is in gets nothing. The number of groups owed."""
    services = app.bot_data.services
    groups = await services.roster.building_chats_and_senders()
    owings = [
        Owing(
            bot,
            chat.chat_id,
            text_payloads(text_of(services.chat_language(chat.chat_id)), **options),
            f"{key}:{chat.chat_id}",
        )
        for chat, bot in groups
    ]
    await services.outbox.owe_for(TELEGRAM, owings)
    await apart_from_the_update(services.outbox.drain(TELEGRAM))
    return len(groups)


async def send_private(bot: Bot, user_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Send to a person's private chat (split to fit, buttons under the last part); False when they
    have not opened a private chat with the bot."""
    parts = split_message(text.splitlines())
    try:
        for i, part in enumerate(parts):
            await bot.send_message(user_id, part, reply_markup=markup if i == len(parts) - 1 else None)
    except Forbidden:
        return False
    return True


async def send_private_photo(bot: Bot, user_id: int, file_id: str, caption: str) -> bool:
    """A photo a resident sent (by its file id) to a person's private chat; False as ``send_private``."""
    try:
        await bot.send_photo(user_id, file_id, caption=caption)
    except Forbidden:
        return False
    return True


# ---------------------------------------------------------------------- the outbox's Telegram channel
TELEGRAM = "telegram"
MAX_PARTS = 20  # a longer answer goes as a text file


def telegram_payload(
    text: str = "",
    *,
    reply_to: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
    photo: bytes | None = None,
    document: bytes | None = None,
    filename: str | None = None,
    pin: bool = False,
) -> dict[str, Any]:
    """What the Telegram sender sends: a text (with buttons, as a reply), or a photo or a file
    with ``text`` as its caption; with ``pin``, pinned once sent, where the bot may pin."""
    payload: dict[str, Any] = {"text": text}
    if pin:
        payload["pin"] = True
    if reply_to is not None:
        payload["reply_to"] = reply_to
    if markup is not None:
        payload["markup"] = markup.to_dict()
    if photo is not None:
        payload["photo"] = base64.b64encode(photo).decode()
    if document is not None:
        payload["document"] = base64.b64encode(document).decode()
        payload["filename"] = filename or "message.txt"
    return payload


def telegram_sender(app: BotApp) -> Callable[[str, dict[str, Any]], Awaitable[Any]]:
    """The outbox's sender for ``telegram``: sends one payload (``telegram_payload``) to a chat and
    returns the message Telegram made. A 429, a timeout or a 502 may pass (``TryLater``); a chat
    that removed the bot is marked and, like a malformed request, never tried again. A payload to
    pin is pinned after the send; a pin Telegram refuses leaves the message unpinned (it is out:
    not sent again)."""
    bot = app.bot

    async def send(target: str, payload: dict[str, Any]) -> Any:
        chat_id = int(target)
        if "method" in payload:  # a reply as the handler made it (``OwingRateLimiter``)
            files = {
                name: InputFile(base64.b64decode(f["data"]), filename=f["filename"])
                for name, f in payload["files"].items()
            }
            with warnings.catch_warnings():  # PTB would rather see bot.send_message: this replays its call
                warnings.simplefilter("ignore", PTBUserWarning)
                call = bot.do_api_request(
                    payload["method"], api_kwargs={**payload["params"], **files}, return_type=Message
                )
                return (await _telegram_answer(app, chat_id, call)).to_dict()
        markup = InlineKeyboardMarkup.de_json(payload["markup"], bot) if "markup" in payload else None
        reply = (
            {"reply_to_message_id": payload["reply_to"], "allow_sending_without_reply": True}
            if "reply_to" in payload
            else {}
        )
        caption = payload["text"] or None
        if "photo" in payload:
            call = bot.send_photo(
                chat_id, base64.b64decode(payload["photo"]), caption=caption, reply_markup=markup, **reply
            )
        elif "document" in payload:
            document = InputFile(base64.b64decode(payload["document"]), filename=payload["filename"])
            call = bot.send_document(chat_id, document, caption=caption, reply_markup=markup, **reply)
        else:
            call = bot.send_message(chat_id, payload["text"], reply_markup=markup, **reply)
        message = await _telegram_answer(app, chat_id, call)
        if payload.get("pin"):
            try:
                await bot.pin_chat_message(chat_id, message.message_id, disable_notification=True)
            except TelegramError as refused:  # not allowed to pin there, or lost: the post stands unpinned
                log.info("a post was not pinned: %s", refused.__class__.__name__)
        return message.to_dict()

    return send


async def _telegram_answer(app: BotApp, chat_id: int, call: Awaitable[Message]) -> Message:
    """Telegram's answer to ``call``, its errors as the outbox's: a 429, a timeout or a 502 may pass
    (``TryLater``); a chat that removed the bot is marked and, like a bad request, ``Undeliverable``."""
    try:
        return await call
    except RetryAfter as wait:
        raise TryLater("RetryAfter", after=_seconds(wait.retry_after)) from wait
    except Forbidden as refused:
        if chat_id < 0:
            await app.bot_data.services.roster.mark_kicked(chat_id)
        raise Undeliverable(refused.__class__.__name__) from refused
    except (BadRequest, ChatMigrated) as bad:  # BadRequest is a NetworkError: before it
        raise Undeliverable(bad.__class__.__name__) from bad
    except NetworkError as lost:  # timeouts, 502, the network gone
        raise TryLater(lost.__class__.__name__) from lost


def start_outbox(app: BotApp) -> None:
    """At start-up: the outbox's Telegram sender, and its drainer (what a crash left owed goes now)."""
    outbox = app.bot_data.services.outbox
    outbox.register(TELEGRAM, telegram_sender(app), owner=app.bot.id)  # this bot's items only
    if isinstance(app.bot.rate_limiter, OwingRateLimiter):
        app.bot.rate_limiter.owe_into(outbox)
    outbox.start()


def _seconds(retry_after: float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


def text_payloads(text: str, **options: Any) -> list[dict[str, Any]]:
    """A text as Telegram can take it: split at line boundaries into messages of at most 4,096
    characters (buttons and the reply under the last part), or one text file when it would take
    more than ``MAX_PARTS`` messages (its first lines as the caption)."""
    parts = split_message(text.splitlines() or [""])
    if len(parts) > MAX_PARTS:
        return [telegram_payload(_caption(text), document=text.encode(), filename="message.txt", **options)]
    last = len(parts) - 1
    return [
        telegram_payload(part, **(options if i == last else {k: v for k, v in options.items() if k == "reply_to"}))
        for i, part in enumerate(parts)
    ]


def _caption(text: str) -> str:
    """A long text's first lines, as the caption of the file that carries it."""
    return split_message(text.splitlines()[:5], limit=1000)[0]


async def owe_text(
    outbox: Outbox, chat_id: int, text: str, key: str, *, now: bool = True, **options: Any
) -> list[OutboxItem]:
    """Owe ``text`` to a chat through the outbox (split as ``text_payloads``), each part keyed
    ``key:N``; with ``now``, each part is tried at once as well as stored."""
    deliver = outbox.send if now else outbox.owe
    return [
        await deliver(TELEGRAM, str(chat_id), payload, f"{key}:{i}")
        for i, payload in enumerate(text_payloads(text, **options))
    ]


# ---------------------------------------------------------------------- replies that never mislead
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


class OwingRateLimiter(RecordingRateLimiter):
    """Every Bot API call passes here with its answer. A message sent while an update is handled
    (a reply) that Telegram does not take — a 429 past the limiter's three retries, a timeout, a
    502, the network gone — is owed in the outbox, to go out when it can, and the handler goes on
    with a stand-in message (id 0): the user is never told to try again what is stored. Refusals
    (the bot removed, a bad request) are raised as before."""

    _outbox: Outbox | None = None
    _owed = 0

    def owe_into(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def group_has_room(self, chat_id: int) -> bool:
        """Whether a message into this group would go now, within its budget (20 a minute)."""
        return not self._group_max_rate or self._get_group_limiter(chat_id).has_capacity()

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        text = data.get("text") if endpoint == "sendMessage" else None
        if isinstance(text, str) and len(text) > TELEGRAM_LIMIT:
            return await self._send_long(callback, kwargs, data, rate_limit_args, text)
        update_id = current_update()
        try:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        except (RetryAfter, NetworkError) as failed:
            if isinstance(failed, BadRequest) or endpoint not in SENDS or update_id is None or self._outbox is None:
                raise
            self._owed += 1
            key = f"update:{current_update_key()}:{self._owed}"
            chat_id = data["chat_id"]
            await apart_from_the_update(self._outbox.owe(TELEGRAM, str(chat_id), _raw_payload(endpoint, data), key))
            log.warning("a reply to update %s failed (%s); owed in the outbox", update_id, failed.__class__.__name__)
            return {
                "message_id": 0,
                "date": 0,
                "chat": {"id": chat_id, "type": "private" if int(chat_id) > 0 else "supergroup"},
            }

    async def _send_long(
        self, callback: Any, kwargs: dict[str, Any], data: dict[str, Any], rate_limit_args: int | None, text: str
    ) -> Any:
        """A text over Telegram's 4,096 characters: split at line boundaries (the reply on the
        first part, the buttons under the last), or one text file past ``MAX_PARTS`` parts."""
        plain = {key: value for key, value in data.items() if key not in ("text", "entities", "parse_mode")}
        parts = split_message(text.splitlines())
        if len(parts) > MAX_PARTS:
            document = {
                **plain,
                "document": InputFile(text.encode(), filename="message.txt"),
                "caption": _caption(text),
            }
            return await self.process_request(
                callback, ("sendDocument", document), kwargs, "sendDocument", document, rate_limit_args
            )
        answer = None
        for i, part in enumerate(parts):
            piece = {**plain, "text": part}
            if i < len(parts) - 1:
                piece.pop("reply_markup", None)
            if i > 0:
                piece.pop("reply_parameters", None)
            answer = await self.process_request(
                callback, ("sendMessage", piece), kwargs, "sendMessage", piece, rate_limit_args
            )
        return answer


def _raw_payload(endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
    """A Bot API call as the outbox keeps it: its JSON parameters, and its files' bytes."""
    params: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for name, value in data.items():
        parameter = RequestParameter.from_input(name, value)
        if parameter.input_files and parameter.json_value is None:
            upload = parameter.input_files[0]
            content = upload.input_file_content
            raw = content if isinstance(content, bytes) else content.read()
            files[name] = {"data": base64.b64encode(raw).decode(), "filename": upload.filename}
        elif parameter.value is not None:
            params[name] = parameter.value
    return {"method": endpoint, "params": params, "files": files}


# ---------------------------------------------------------------------- merged answers
FOLD_SECONDS = 30  # how long a busy group's answers are gathered into one summary


class Reply(Enum):
    """What an answer is to the person who sent the message, which decides where it goes when the
    group is over its send budget (the value: what the summary counts it as)."""

    RECORDED = "recorded"  # an acknowledgement of what was stored: folded into the summary
    NOT_DONE = "not_done"  # a usage line, a refusal, a rule error: folded into the summary
    PRIVATE = "private"  # says the answer went to the person's private chat: folded into the summary
    PERSONAL = "personal"  # the person needs it (lines not read, a warning): privately, counted as PRIVATE


def group_is_busy(context: BotContext, chat_id: int) -> bool:
    """A group over its send budget: a reply now would wait behind its 20 a minute."""
    limiter = context.bot.rate_limiter
    return chat_id < 0 and isinstance(limiter, OwingRateLimiter) and not limiter.group_has_room(chat_id)


async def answer_or_fold(handled: Incoming | Press[Any], context: BotContext, text: str, kind: Reply) -> None:
    """Reply ``text`` to the message (for a button: under its message), or, in a group over its
    send budget (the reply would wait behind its 20 a minute), fold it into the group's summary,
    sent ``FOLD_SECONDS`` after the first answer folded (``本群消息较多…``). A ``PERSONAL`` answer
    goes to the person's private chat instead and is counted there; to someone who has not opened
    one it stays a reply in the group, late but not lost. The summary is owed in the outbox at once
    and rewritten as answers fold into it, so a restart before it is due still sends it, once;
    what a message records is stored before, so only the chat message is merged."""
    message = handled.message
    chat_id = message.chat_id
    if not group_is_busy(context, chat_id):
        await message.reply_text(text)
        return
    if kind is Reply.PERSONAL:
        header = context.t("fold.private_header", chat=message.chat.title or "")
        if not await send_private(context.bot, handled.user.id, f"{header}\n{text}"):
            await message.reply_text(text)
            return
        kind = Reply.PRIVATE
    services = context.services
    summary = partial(fold_summary, services.chat_language(chat_id))
    update_id = str(handled.update.update_id)  # an update handled again counts once
    await services.outbox.gather(TELEGRAM, chat_id, f"fold:{chat_id}", update_id, kind.value, summary, FOLD_SECONDS)


def fold_summary(lang: str, folded: dict[str, str]) -> dict[str, Any]:
    """The summary of a busy group's folded answers (update id → ``Reply`` value), a line per kind."""
    counts = Counter(folded.values())
    lines = [
        t(lang, f"fold.{kind.value}", count=counts[kind.value])
        for kind in (Reply.RECORDED, Reply.PRIVATE, Reply.NOT_DONE)
        if counts[kind.value]
    ]
    return telegram_payload(t(lang, "fold.summary", count=len(folded), kinds="\n".join(lines)))
