"""团购 / 接龙: opening a buy, its live board, orders (commands, replies, buttons, pasted relays),
closing by command or at the deadline, the summary and its CSV export.

The board is one message per buy, edited at most every ``groupbuy.board_interval_seconds``: a
burst of orders becomes a handful of edits, never one reply per order.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.domain.models import BuyOrder, GroupBuy, Question
from bot.domain.permissions import Actor
from bot.domain.statuses import BuyStatus
from bot.language import commands as c
from bot.language.callbacks import Answer, BuyAction, BuyChoice
from bot.render.exports import inert_row
from bot.render.formatting import format_fen, split_message
from bot.services.errors import UserError
from bot.services.groupbuys import OrderOutcome, Tally
from bot.texts.i18n import join, t
from handlers.context import BotApp, BotContext, Incoming, Press, job_data, job_queue
from handlers.router import on_press, router_of
from handlers.sending import Reply, answer_or_fold, owe_text

log = logging.getLogger(__name__)

BOARD_ENTRIES = 200  # households listed on the board before "… N more"
BOARD_RETRY_MAX_SECONDS = 60  # a board Telegram keeps refusing is tried again at least once a minute


# ---------------------------------------------------------------------- rendering
def _conditions(lang: str, tally: Tally, tz: tzinfo) -> list[str]:
    buy = tally.buy
    lines = []
    if buy.deadline:
        lines.append(t(lang, "gb.deadline", time=buy.deadline.astimezone(tz).strftime("%m-%d %H:%M")))
    if buy.minimum:
        short = tally.short_of_minimum
        lines.append(
            t(lang, "gb.min_short", minimum=buy.minimum, short=short, unit=buy.unit)
            if short
            else t(lang, "gb.min_reached", minimum=buy.minimum)
        )
    if buy.case_size:
        full, _, short = tally.cases
        key = "gb.case_short" if short else "gb.case_full"
        lines.append(t(lang, key, size=buy.case_size, full=full, short=short, unit=buy.unit))
    if buy.max_each:
        lines.append(t(lang, "gb.limit", limit=buy.max_each, unit=buy.unit))
    return lines


def render_board(lang: str, tally: Tally, closed: bool, tz: tzinfo) -> tuple[str, InlineKeyboardMarkup | None]:
    buy = tally.buy
    lines = [
        t(lang, "gb.board_title", id=buy.id, title=buy.name, closed=t(lang, "gb.closed_mark") if closed else ""),
        t(lang, "gb.price", price=format_fen(buy.price_fen), unit=buy.unit),
        *([t(lang, "gb.pickup", pickup=buy.pickup)] if buy.pickup else []),
        t(lang, "gb.progress", count=len(tally.ordering), total=tally.total, unit=buy.unit),
        *_conditions(lang, tally, tz),
    ]
    ordering = tally.ordering
    if ordering:
        lines.append(" · ".join(f"{o.household}×{o.quantity}" for o in ordering[:BOARD_ENTRIES]))
        if len(ordering) > BOARD_ENTRIES:
            lines.append(t(lang, "gb.more", count=len(ordering) - BOARD_ENTRIES))
    if closed:
        return "\n".join(lines)[:4000], None
    lines.append(t(lang, "gb.how_to_order", id=buy.id))
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("+1", callback_data=BuyAction("+1", buy.id).encode()),
                InlineKeyboardButton("−1", callback_data=BuyAction("-1", buy.id).encode()),
            ]
        ]
    )
    return "\n".join(lines)[:4000], markup


def _payment(lang: str, tally: Tally, order: BuyOrder) -> str:
    """✅已付, 未付, or what is still to pay / to refund when the order changed after paying."""
    balance = tally.balance_fen(order)
    if not order.paid:
        return t(lang, "gb.unpaid_mark") if balance else ""
    if not balance:
        return t(lang, "gb.paid_mark")
    key = "gb.paid_topup" if balance > 0 else "gb.paid_refund"
    return t(lang, key, paid=order.paid_quantity, unit=tally.buy.unit, money=format_fen(abs(balance)))


def render_summary(lang: str, tally: Tally, tz: tzinfo) -> list[str]:
    buy = tally.buy
    status = t(lang, "gb.open_mark") if buy.status is BuyStatus.OPEN else t(lang, "gb.closed_mark")
    to_pay = sum(max(0, tally.balance_fen(o)) for o in tally.orders)
    lines = [
        t(lang, "gb.summary_title", id=buy.id, title=buy.name, status=status),
        t(
            lang,
            "gb.summary_totals",
            total=tally.total,
            unit=buy.unit,
            households=len(tally.ordering),
            money=format_fen(tally.money_fen),
            paid=len(tally.orders) - len(tally.unpaid),
            unpaid=len(tally.unpaid),
            unpaid_money=format_fen(to_pay),
        ),
        *_conditions(lang, tally, tz),
    ]
    if buy.called_off:
        lines.append(t(lang, "gb.called_off_note"))
    elif buy.status is BuyStatus.CLOSED and tally.short_of_minimum:
        lines.append(t(lang, "gb.below_minimum_note", short=tally.short_of_minimum, unit=buy.unit))
    lines.append(t(lang, "gb.summary_households"))
    for order in tally.orders:
        lines.append(
            f"{order.household} ×{order.quantity}{buy.unit} {format_fen(tally.due_fen(order))} "
            f"{_payment(lang, tally, order)}".rstrip()
        )
    lines.append(t(lang, "gb.summary_delivery"))
    for building, orders in tally.by_building().items():
        lines.append(t(lang, "gb.building", building=building))
        lines.append("  " + join(lang, (f"{o.household}×{o.quantity}" for o in orders)))
    if tally.not_ordered:
        lines.append(t(lang, "gb.not_ordered", count=len(tally.not_ordered)))
        lines.append(join(lang, tally.not_ordered))
    return split_message(lines)


def export_csv(tally: Tally) -> bytes:
    """The buy's orders, every cell inert (see ``bot.render.exports``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["building", "unit", "room", "household", "quantity", "unit_price_yuan", "due_yuan", "paid"])
    for order in tally.orders:
        writer.writerow(
            inert_row(
                [
                    order.building,
                    order.unit or "",
                    order.room,
                    order.household,
                    order.quantity,
                    format_fen(tally.buy.price_fen),
                    format_fen(tally.due_fen(order)),
                    "yes" if order.paid else "no",
                ]
            )
        )
    return out.getvalue().encode("utf-8-sig")  # with a BOM so spreadsheet programs read the Chinese


# ---------------------------------------------------------------------- the live board
async def refresh_board(app: BotApp, buy_id: int) -> None:
    """Edit the buy's board in place (or re-post it at the bottom when chatter buried it). Only a
    bot in the buy's chat does: an order from another bot's group shows at the next refresh made
    by a bot there (its next order, change or the close)."""
    services = app.bot_data.services
    if not await services.groupbuys.served(services.roster.bot_id, buy_id):
        return
    tally = await services.groupbuys.tally(buy_id)
    buy = tally.buy
    lang = services.chat_language(buy.chat_id)
    text, markup = render_board(lang, tally, services.groupbuys.is_closed(buy), services.config.schedule.tz)
    board = await services.groupbuys.latest_board(buy_id)
    newest = app.bot_data.last_seen.get(buy.chat_id, 0)
    if board is not None and newest - board.message_id < services.config.groupbuy.board_repost_after_messages:
        try:
            await app.bot.edit_message_text(text, buy.chat_id, board.message_id, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("board of buy %s could not be edited (%s); re-posting", buy_id, exc.__class__.__name__)
    message = await app.bot.send_message(buy.chat_id, text, reply_markup=markup)
    await services.groupbuys.add_board(buy_id, buy.chat_id, message.message_id)
    app.bot_data.last_seen[buy.chat_id] = max(newest, message.message_id)


async def _refresh_job(context: BotContext) -> None:
    await refresh_now(context.application, job_data(context, int))


async def refresh_now(app: BotApp, buy_id: int) -> None:
    """Refresh the board (for a command that changed it, or its scheduled refresh). One that
    Telegram did not take (a 429 past the retries, a timeout, a 5xx) is tried again later, backing
    off (twice the interval, four times … at most ``BOARD_RETRY_MAX_SECONDS``), so the board
    catches up without waiting for another order."""
    failures = app.bot_data.board_failures
    try:
        await _catch_up(app, buy_id)
    except (RetryAfter, NetworkError) as failed:
        if isinstance(failed, BadRequest):  # a refused edit: trying again will not help
            raise
        failures[buy_id] = failures.get(buy_id, 0) + 1
        interval = app.bot_data.services.config.groupbuy.board_interval_seconds
        delay = min(interval * 2 ** failures[buy_id], BOARD_RETRY_MAX_SECONDS)
        log.info("board of buy %s not refreshed (%s); again in %.0f s", buy_id, failed.__class__.__name__, delay)
        schedule_board(app, buy_id, after=delay)
    else:
        failures.pop(buy_id, None)


async def _catch_up(app: BotApp, buy_id: int) -> None:
    """Refresh the board once. Orders that came while it was refreshed (it may wait on Telegram: a
    busy group's send budget) are shown by the next refresh, an interval later: not at once, or a
    rush would spend the group's budget on edits of the board."""
    state = app.bot_data
    state.boards_refreshing.add(buy_id)
    try:
        state.boards_behind.discard(buy_id)
        await refresh_board(app, buy_id)
    finally:
        state.boards_refreshing.discard(buy_id)
    if buy_id in state.boards_behind:
        schedule_board(app, buy_id)


def board_job_name(buy_id: int) -> str:
    return f"board-{buy_id}"


def schedule_board(app: BotApp, buy_id: int, *, after: float | None = None) -> None:
    """At most one pending refresh per buy, ``after`` seconds from now (the board interval by
    default): a burst of orders shares it, and a refresh already running makes another pass
    instead of a second job (which the scheduler would skip). The job's name is also its
    scheduler id, so finding it is a look-up, not a scan of every job."""
    app.bot_data.boards_behind.add(buy_id)
    if buy_id in app.bot_data.boards_refreshing:
        return
    name = board_job_name(buy_id)
    jobs = job_queue(app)
    if jobs.scheduler.get_job(name) is None:
        when = app.bot_data.services.config.groupbuy.board_interval_seconds if after is None else after
        jobs.run_once(_refresh_job, when=when, data=buy_id, name=name, job_kwargs={"id": name})


def close_job_name(buy_id: int) -> str:
    return f"gb-close-{buy_id}"


def schedule_close(app: BotApp, buy: GroupBuy) -> None:
    """Close at the deadline; the job is re-registered from SQLite at every start."""
    if buy.deadline is None:
        return
    _unschedule_close(app, buy.id)
    # Measured on the services' clock (so tests control time); a deadline already past runs at once.
    delay = max(0.0, (buy.deadline - app.bot_data.services.clock.now()).total_seconds())
    job_queue(app).run_once(
        _close_job, when=delay, data=buy.id, name=close_job_name(buy.id), job_kwargs={"misfire_grace_time": None}
    )


def _unschedule_close(app: BotApp, buy_id: int) -> None:
    for job in job_queue(app).get_jobs_by_name(close_job_name(buy_id)):
        job.schedule_removal()


async def _close_job(context: BotContext) -> None:
    """At the deadline, on every worker of every bot: the one process whose write closes the buy
    announces it (``GroupBuys.close_due``: a bot in the buy's chat). A deadline moved later
    meanwhile, by another process, is waited for."""
    app, buy_id = context.application, job_data(context, int)
    services = app.bot_data.services
    if await services.groupbuys.close_due(services.roster.bot_id, buy_id):
        await announce_close(app, buy_id, None)
        return
    buy = await services.groupbuys.get(buy_id)
    if buy.status is BuyStatus.OPEN and buy.deadline is not None and buy.deadline > services.clock.now():
        schedule_close(app, buy)


async def announce_close(app: BotApp, buy_id: int, here: int | None) -> None:
    """The board marked closed and the summary posted in the buy's chat; below the minimum (and not
    yet called off) the summary carries a button for the leader to call the buy off. A bot that is
    not in the buy's chat (``#截单`` in another bot's group) posts the summary ``here`` instead."""
    services = app.bot_data.services
    await refresh_now(app, buy_id)
    tally = await services.groupbuys.tally(buy_id, with_roster=True)
    await services.wecom.mirror(tally)
    chat_id = tally.buy.chat_id if await services.groupbuys.served(services.roster.bot_id, buy_id) else here
    if chat_id is None:
        return
    lang = services.chat_language(chat_id)
    parts = render_summary(lang, tally, services.config.schedule.tz)
    markup = None
    if tally.short_of_minimum and not tally.buy.called_off:
        button = InlineKeyboardButton(t(lang, "ask.button.call_off"), callback_data=BuyAction("off", buy_id).encode())
        markup = InlineKeyboardMarkup([[button]])
    for i, text in enumerate(parts):
        await app.bot.send_message(chat_id, text, reply_markup=markup if i == len(parts) - 1 else None)


async def remind(app: BotApp) -> None:
    """A buy closing within the hour reminds, once, the roster households that have not joined, by
    room in their building's group (owed through the outbox under the buy's key, then marked)."""
    services = app.bot_data.services
    tz = services.config.schedule.tz
    for reminder in await services.groupbuys.reminders_due(services.roster.bot_id, quiet=services.quiet_hours()):
        buy, deadline = reminder.buy, reminder.buy.deadline
        if deadline is None:  # not reached: only buys with a deadline are reminded
            continue
        for chat in await services.roster.building_chats(buy.building):
            rooms = reminder.not_joined.get(chat.building or 0)
            if not rooms:
                continue
            lang = services.chat_language(chat.chat_id)
            text = t(
                lang,
                "nudge.gb.remind",
                id=buy.id,
                title=buy.title,
                time=deadline.astimezone(tz).strftime("%H:%M"),
                households=join(lang, rooms),
            )
            await owe_text(services.outbox, chat.chat_id, text, f"nudge:gb-remind:{buy.id}:{chat.chat_id}")
        await services.groupbuys.reminded(buy.id)


BUYS_SYNC_SECONDS = 60


async def restore_jobs(app: BotApp) -> None:
    """Deadlines of open buys, at start (a deadline passed while down closes at once) and then every
    minute: a buy opened through another process (another worker, another bot) gets its closing
    here too, so it closes at its deadline though the process that opened it is gone (the close is
    one conditional write: once)."""
    await _schedule_closes(app)
    job_queue(app).run_repeating(_sync_job, interval=BUYS_SYNC_SECONDS, name="buys-sync")


async def _sync_job(context: BotContext) -> None:
    await _schedule_closes(context.application)


async def _schedule_closes(app: BotApp) -> None:
    scheduled = {job.name for job in job_queue(app).jobs()}
    for buy in await app.bot_data.services.groupbuys.open_buys():
        if close_job_name(buy.id) not in scheduled:
            schedule_close(app, buy)


# ---------------------------------------------------------------------- commands
def _note_message(message: Message, context: BotContext) -> None:
    seen = context.bot_data.last_seen
    seen[message.chat_id] = max(seen.get(message.chat_id, 0), message.message_id)


async def _building(context: BotContext, chat_id: int) -> int | None:
    binding = await context.services.roster.chat(chat_id)
    return binding.building if binding else None


async def open_buy(incoming: Incoming, context: BotContext, command: c.GroupBuyOpen) -> None:
    """Open the buy, or first ask about a deadline that was read with a guess or not read at all.
    An edit of the message while the question waits replaces the question."""
    chat, message = incoming.chat, incoming.message
    actor = await context.actor()
    building = await _building(context, chat.id)
    questions = context.services.questions
    if incoming.edited:
        waiting = await questions.by_source(chat.id, message.message_id)
        if waiting is None or waiting.answered:
            log.info("edit of an opened buy's message ignored (update %s)", incoming.update.update_id)
            return
        if not (command.unsure or command.deadline_text):
            await questions.settle(waiting)
    context.services.groupbuys.require_opener(actor, building)
    if command.unsure or command.deadline_text:
        await _ask_deadline(context, actor, message, command.title, command)
        return
    await _open(context, actor, chat.id, message.message_id, building, command)


async def _ask_deadline(
    context: BotContext, actor: Actor, message: Message, title: str, command: c.GroupBuyOpen | c.BuyChange
) -> None:
    """Ask the sender about a deadline read with a guess or not read; the command waits for the answer."""
    questions = context.services.questions
    question = await questions.ask(actor, message.chat_id, message.message_id, "deadline", command)
    text, markup = _deadline_question(context, question.id, title, command)
    sent = await message.reply_text(text, reply_markup=markup)
    await questions.prompted(question.id, sent.message_id)


async def _open(
    context: BotContext, actor: Actor, chat_id: int, message_id: int, building: int | None, command: c.GroupBuyOpen
) -> None:
    buy = await context.services.groupbuys.open(actor, chat_id, message_id, building, command)
    if buy is None:
        return
    seen = context.bot_data.last_seen
    seen[chat_id] = max(seen.get(chat_id, 0), message_id)
    await refresh_now(context.application, buy.id)
    await context.services.wecom.mirror(await context.services.groupbuys.tally(buy.id))
    schedule_close(context.application, buy)


def _when(context: BotContext, moment: datetime) -> str:
    """``明天 08:00`` / ``tomorrow 08:00``, or the date for later days."""
    tz = context.services.config.schedule.tz
    local = moment.astimezone(tz)
    days = (local.date() - context.services.clock.now().astimezone(tz).date()).days
    day = context.t(f"ask.day.{days}") if 0 <= days <= 2 else local.strftime("%m-%d")
    return f"{day} {local:%H:%M}"


def _answer_button(context: BotContext, key: str, answer: Answer) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key), callback_data=answer.encode())


def _deadline_question(
    context: BotContext, question_id: int, title: str, command: c.GroupBuyOpen | c.BuyChange
) -> tuple[str, InlineKeyboardMarkup]:
    if command.deadline is not None:
        text = context.t("ask.deadline", title=title, when=_when(context, command.deadline))
        buttons = [
            _answer_button(context, "ask.button.yes", Answer(question_id, "yes")),
            _answer_button(context, "ask.button.edit", Answer(question_id, "edit")),
        ]
    else:
        text = context.t("ask.deadline_unread", title=title, words=command.deadline_text or "")
        # "none": a new buy opens without a deadline; a changed one keeps its deadline
        label = "ask.button.keep_deadline" if isinstance(command, c.BuyChange) else "ask.button.no_deadline"
        buttons = [_answer_button(context, label, Answer(question_id, "none"))]
    return text, InlineKeyboardMarkup([buttons])


async def order(incoming: Incoming, context: BotContext, command: c.Order) -> None:
    """Set the household's quantity, or first ask about one far above the buy's usual (100 for 1)."""
    message = incoming.message
    groupbuys = context.services.groupbuys
    actor = await context.actor()
    if not incoming.edited and await groupbuys.unusual(command.buy_id, command.quantity):
        buy = await groupbuys.get(command.buy_id)
        question = await context.services.questions.ask(actor, message.chat_id, message.message_id, "quantity", command)
        buttons = [
            _answer_button(context, "ask.button.yes", Answer(question.id, "yes")),
            _answer_button(context, "ask.button.no", Answer(question.id, "none")),
        ]
        sent = await message.reply_text(
            context.t("ask.quantity", id=buy.id, title=buy.name, quantity=command.quantity, unit=buy.unit),
            reply_markup=InlineKeyboardMarkup([buttons]),
        )
        await context.services.questions.prompted(question.id, sent.message_id)
        return
    outcome = await groupbuys.order(actor, command.buy_id, command.quantity, command.room, paid=command.paid)
    await _ordered(message, context, outcome)


async def _ordered(message: Message, context: BotContext, outcome: OrderOutcome) -> None:
    """Acknowledge an order, in answer to ``message`` (the order's, or the question it answered)."""
    if outcome.paid_unconfirmed:  # 已付 from a resident: recorded as an order, the leader confirms payment
        await message.reply_text(context.t("gb.paid_unconfirmed", id=outcome.buy.id, household=outcome.household.label))
    elif message.chat.type == ChatType.PRIVATE or _first_in_a_while(context, message.chat_id):
        await message.reply_text(
            context.t("gb.ordered", id=outcome.buy.id, household=outcome.household.label, quantity=outcome.after)
        )
    else:
        _note_message(message, context)  # under load the board's next edit is the acknowledgement
    schedule_board(context.application, outcome.buy.id)


ACK_EVERY = timedelta(seconds=30)


def _first_in_a_while(context: BotContext, chat_id: int) -> bool:
    """An order gets its own one-line answer when the group had none in the last 30 s; in a rush
    the others are acknowledged together by the board's next edit (at most every few seconds), so a
    burst of 500 orders never queues 500 replies behind the group's 20-a-minute limit."""
    now = context.services.clock.now()
    last = context.bot_data.acknowledged.get(chat_id)
    if last is not None and now - last < ACK_EVERY:
        return False
    context.bot_data.acknowledged[chat_id] = now
    return True


async def reply_order(incoming: Incoming, context: BotContext, command: c.ReplyOrder) -> None:
    """``+2`` replied to a board orders in that buy; replied to anything else it is chatter."""
    replied = incoming.message.reply_to_message
    buy_id = await context.services.groupbuys.buy_of_board(replied.chat_id, replied.message_id) if replied else None
    if buy_id is None:
        return
    await order(incoming, context, c.Order(buy_id=buy_id, quantity=command.quantity, paid=command.paid))


async def relay(incoming: Incoming, context: BotContext, command: c.RelayImport) -> None:
    """A pasted relay: into the one buy it is for; when several could be meant, ask which."""
    chat, message = incoming.chat, incoming.message
    actor = await context.actor()
    building = await _building(context, chat.id)
    buy_id = command.buy_id
    if buy_id is None:
        matches, pool = await context.services.groupbuys.relay_candidates(actor, command.title, building)
        choices = matches or pool
        if len(matches) == 1 or (not command.title and len(pool) == 1):
            buy_id = choices[0].id
            command = command.model_copy(update={"buy_id": buy_id})
        elif not choices:
            key = "gb.err.no_title" if command.title else "gb.err.no_open"
            await answer_or_fold(incoming, context, context.t(key, title=command.title), Reply.NOT_DONE)
            return
        else:
            question = await context.services.questions.ask(actor, chat.id, message.message_id, "buy", command)
            key = "ask.which_buy" if matches or not command.title else "ask.which_buy_unmatched"
            buttons = [
                [InlineKeyboardButton(f"#{buy.id} {buy.name}", callback_data=BuyChoice(question.id, buy.id).encode())]
                for buy in choices[:8]
            ]
            sent = await message.reply_text(
                context.t(key, title=command.title), reply_markup=InlineKeyboardMarkup(buttons)
            )
            await context.services.questions.prompted(question.id, sent.message_id)
            return
    if command.mine is not None:  # #接龙 蔬菜包 2份: the sender's own order, the buy named by its item
        await order(incoming, context, c.Order(buy_id=buy_id, quantity=command.mine))
        return
    await _import_relay(incoming, context, actor, command, building)


async def _import_relay(
    handled: Incoming | Press[BuyChoice],
    context: BotContext,
    actor: Actor,
    command: c.RelayImport,
    building: int | None,
) -> None:
    """Import the relay and answer: only how many were imported, a plain acknowledgement (merged in
    a busy group), or also the lines not taken, which the sender needs (privately in a busy group)."""
    outcome = await context.services.groupbuys.import_relay(actor, command, building)
    total = sum(quantity for _, quantity in outcome.imported)
    lines = [
        context.t("gb.relay_done", id=outcome.buy.id, title=outcome.buy.title, count=len(outcome.imported), total=total)
    ]
    if outcome.not_allowed:
        lines.append(context.t("gb.relay_not_allowed", rooms=join(context.lang, outcome.not_allowed)))
    if outcome.unreadable:
        lines.append(context.t("gb.relay_unreadable"))
        lines += [f"  {line}" for line in outcome.unreadable]
    kind = Reply.PERSONAL if outcome.not_allowed or outcome.unreadable else Reply.RECORDED
    await answer_or_fold(handled, context, "\n".join(lines), kind)
    schedule_board(context.application, outcome.buy.id)


# ---------------------------------------------------------------------- answers to the bot's questions
async def _question(press: Press[Answer] | Press[BuyChoice], context: BotContext, question_id: int) -> Question:
    """The question a button under it answers (``questions.waiting`` refuses anyone but the asker)."""
    message = press.message
    return await context.services.questions.waiting(
        await context.actor(), question_id, message.chat_id, message.message_id
    )


async def _settle(press: Press[Answer] | Press[BuyChoice], context: BotContext, question: Question) -> bool:
    """Settle the question once, its buttons taken away; False when it was answered before."""
    if not await context.services.questions.settle(question):
        await press.query.answer(context.t("ask.err.answered"))
        return False
    await press.query.answer()
    await press.query.edit_message_reply_markup(None)
    return True


async def answer_button(press: Press[Answer], context: BotContext) -> None:
    """The answer to a question the bot asked: a guessed deadline (✅ / ✏️ / no deadline), an
    unusually large order (✅ / ✖), closing below the minimum (close / call off / keep open)."""
    choice = press.data.choice
    question = await _question(press, context, press.data.question_id)
    command = context.services.questions.command(question)
    if isinstance(command, c.RelayImport):  # answered by a buy's button (``buy_chosen``)
        raise UserError("button.gone")
    if isinstance(command, c.GroupBuyOpen | c.BuyChange) and choice == "edit":  # the question waits for a reply
        await press.query.answer()
        title = await _title(context, command)
        await press.query.edit_message_text(context.t("ask.deadline_reply", title=title))
        return
    if not await _settle(press, context, question):
        return
    actor = await context.actor()
    if isinstance(command, c.Order):
        if choice == "yes":
            groupbuys = context.services.groupbuys
            outcome = await groupbuys.order(actor, command.buy_id, command.quantity, command.room, paid=command.paid)
            await _ordered(press.message, context, outcome)
        else:
            await press.message.reply_text(context.t("ask.dropped"))
    elif isinstance(command, c.CloseBuy):
        if choice == "yes":
            await _close(context, actor, command.buy_id, press.message.chat_id)
        elif choice == "none":
            await _call_off(context, actor, command.buy_id, press.message.chat_id)
        else:
            await press.message.reply_text(context.t("gb.kept_open", id=command.buy_id))
    else:
        settled: dict[str, object] = {"unsure": ()}
        if choice == "none":
            settled |= {"deadline": None, "deadline_text": None}
        await _deadline_settled(context, actor, question, command.model_copy(update=settled))


async def buy_chosen(press: Press[BuyChoice], context: BotContext) -> None:
    """Which buy a pasted relay (or ``#接龙 蔬菜包 2份``, the buy named by its item) is for: that one."""
    question = await _question(press, context, press.data.question_id)
    command = context.services.questions.command(question)
    if not isinstance(command, c.RelayImport):
        raise UserError("button.gone")
    if not await _settle(press, context, question):
        return
    actor, buy_id = await context.actor(), press.data.buy_id
    if command.mine is not None:
        outcome = await context.services.groupbuys.order(actor, buy_id, command.mine)
        await _ordered(press.message, context, outcome)
        return
    building = await _building(context, question.chat_id)
    await _import_relay(press, context, actor, command.model_copy(update={"buy_id": buy_id}), building)


async def answer_reply(incoming: Incoming, context: BotContext) -> None:
    """A reply to a deadline question with the time (``明天20:00``) opens the buy."""
    message = incoming.message
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    questions = context.services.questions
    question = await questions.by_prompt(message.chat_id, replied.message_id)
    command = questions.command(question) if question is not None and not question.answered else None
    if question is None or not isinstance(command, c.GroupBuyOpen | c.BuyChange):  # no deadline question
        return
    if question.user_id != incoming.user.id:
        return  # someone else's chatter under the question
    deadline = context.services.groupbuys.read_deadline(message.text or "")
    if deadline is None:
        await message.reply_text(context.t("ask.deadline_again"))
        return
    if not await questions.settle(question):
        return
    command = command.model_copy(update={"deadline": deadline, "deadline_text": None, "unsure": ()})
    await _deadline_settled(context, await context.actor(), question, command)


async def _deadline_settled(
    context: BotContext, actor: Actor, question: Question, command: c.GroupBuyOpen | c.BuyChange
) -> None:
    """The deadline question answered: open the buy (a new one or a next round), or change it."""
    if isinstance(command, c.BuyChange):
        await _change(context, actor, command, question.chat_id)
        return
    building = await _building(context, question.chat_id)
    await _open(context, actor, question.chat_id, question.source_message_id, building, command)


async def _title(context: BotContext, command: c.GroupBuyOpen | c.BuyChange) -> str:
    if isinstance(command, c.BuyChange):
        return (await context.services.groupbuys.get(command.buy_id)).name
    return command.title


# ---------------------------------------------------------------------- changing, re-opening
async def change_buy(incoming: Incoming, context: BotContext, command: c.BuyChange) -> None:
    """New terms for an open buy; a deadline read with a guess or not read is asked about first."""
    message = incoming.message
    actor = await context.actor()
    buy = await context.services.groupbuys.changeable(actor, command.buy_id)
    if command.unsure or command.deadline_text:
        await _ask_deadline(context, actor, message, buy.name, command)
        return
    await _change(context, actor, command, message.chat_id)


def _changes(lang: str, before: GroupBuy, after: GroupBuy, tz: tzinfo) -> list[str]:
    """One line per term that changed: ``单价 35 → 30 元/盒``."""

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%m-%d %H:%M") if moment else "—"

    terms = [
        ("gb.changed_price", format_fen(before.price_fen), format_fen(after.price_fen)),
        ("gb.changed_deadline", when(before.deadline), when(after.deadline)),
        ("gb.changed_minimum", before.minimum or "—", after.minimum or "—"),
        ("gb.changed_limit", before.max_each or "—", after.max_each or "—"),
    ]
    return [t(lang, key, before=old, after=new, unit=after.unit) for key, old, new in terms if old != new]


async def _change(context: BotContext, actor: Actor, command: c.BuyChange, chat_id: int) -> None:
    """Apply the new terms: the buy's group is told once what changed (and the sender, when they
    wrote elsewhere), its board refreshed and its closing moved to the new deadline."""
    services = context.services
    before, after = await services.groupbuys.change(actor, command)
    lang = services.chat_language(after.chat_id)
    changes = _changes(lang, before, after, services.config.schedule.tz) or [t(lang, "gb.changed_none")]
    text = "\n".join([t(lang, "gb.changed", id=after.id, title=after.name), *changes])
    if await services.groupbuys.served(services.roster.bot_id, after.id):  # not from another bot's group
        await context.bot.send_message(after.chat_id, text)
    if chat_id != after.chat_id:
        await context.bot.send_message(chat_id, text)
    await refresh_now(context.application, after.id)
    schedule_close(context.application, after)


async def reopen(incoming: Incoming, context: BotContext, command: c.Reopen) -> None:
    """The next round of a closed buy, opened here as a new buy with its terms; a deadline already
    past is asked about (the same time of day next, ✅ / ✏️)."""
    chat, message = incoming.chat, incoming.message
    actor = await context.actor()
    terms = await context.services.groupbuys.next_round(actor, command.buy_id)
    building = await _building(context, chat.id)
    context.services.groupbuys.require_opener(actor, building)
    if terms.unsure:
        await _ask_deadline(context, actor, message, terms.title, terms)
        return
    await _open(context, actor, chat.id, message.message_id, building, terms)


async def close(incoming: Incoming, context: BotContext, command: c.CloseBuy) -> None:
    """Close now; below the buy's minimum, first ask: close anyway, call it off, or keep it open."""
    actor = await context.actor()
    groupbuys = context.services.groupbuys
    short = await groupbuys.shortfall(actor, command.buy_id)
    if not short:
        await _close(context, actor, command.buy_id, incoming.chat.id)
        return
    message = incoming.message
    buy = await groupbuys.get(command.buy_id)
    question = await context.services.questions.ask(actor, message.chat_id, message.message_id, "close", command)
    buttons = [
        [_answer_button(context, "ask.button.close_anyway", Answer(question.id, "yes"))],
        [_answer_button(context, "ask.button.call_off", Answer(question.id, "none"))],
        [_answer_button(context, "ask.button.keep_open", Answer(question.id, "keep"))],
    ]
    sent = await message.reply_text(
        context.t("ask.close_short", id=buy.id, title=buy.name, short=short, unit=buy.unit),
        reply_markup=InlineKeyboardMarkup(buttons),
    )
    await context.services.questions.prompted(question.id, sent.message_id)


async def _close(context: BotContext, actor: Actor, buy_id: int, here: int) -> None:
    """``#截单`` given ``here`` (any chat its sender may close the buy from)."""
    buy = await context.services.groupbuys.close(actor, buy_id)
    _unschedule_close(context.application, buy.id)
    await announce_close(context.application, buy.id, here)


async def _call_off(context: BotContext, actor: Actor, buy_id: int, here: int) -> None:
    """未成团: nothing is owed; the group is told once, with the summary (refunds if any were paid)."""
    buy = await context.services.groupbuys.call_off(actor, buy_id)
    _unschedule_close(context.application, buy.id)
    await announce_close(context.application, buy.id, here)


async def paid(incoming: Incoming, context: BotContext, command: c.MarkPaid) -> None:
    home = await context.services.groupbuys.mark_paid(await context.actor(), command.buy_id, command.room)
    await incoming.message.reply_text(context.t("gb.marked_paid", id=command.buy_id, household=home.label))


async def summary(incoming: Incoming, context: BotContext, command: c.BuySummary) -> None:
    tally = await context.services.groupbuys.summary(await context.actor(), command.buy_id)
    parts = render_summary(context.lang, tally, context.services.config.schedule.tz)
    export = InlineKeyboardMarkup(
        [[InlineKeyboardButton(context.t("gb.export_button"), callback_data=BuyAction("csv", tally.buy.id).encode())]]
    )
    for i, text in enumerate(parts):
        await incoming.message.reply_text(text, reply_markup=export if i == len(parts) - 1 else None)


async def button(press: Press[BuyAction], context: BotContext) -> None:
    """+1 / −1 on the board, the summary's CSV (sent privately), calling off a buy below its minimum."""
    query, action, buy_id = press.query, press.data.action, press.data.buy_id
    actor = await context.actor()
    if action == "csv":
        tally = await context.services.groupbuys.summary(actor, buy_id)
        try:
            await context.bot.send_document(
                actor.user_id, export_csv(tally), filename=f"groupbuy-{buy_id}.csv", caption=tally.buy.title
            )
        except Forbidden:
            await query.answer(context.t("gb.export_private"), show_alert=True)
            return
        await query.answer(context.t("me.sent_private"))
        return
    if action == "off":
        await _call_off(context, actor, buy_id, press.message.chat_id)
        await query.answer()
        await query.edit_message_reply_markup(None)
        return
    outcome = await context.services.groupbuys.adjust(actor, buy_id, 1 if action == "+1" else -1)
    await query.answer(context.t("gb.ordered", id=buy_id, household=outcome.household.label, quantity=outcome.after))
    schedule_board(context.application, buy_id)


def register(app: BotApp) -> None:
    router = router_of(app)
    router.add(c.GroupBuyOpen, open_buy, edits=True)
    # An order sets a total, so an edited order or relay simply sets the totals it now says.
    router.add(c.Order, order, edits=True)
    router.add(c.ReplyOrder, reply_order, edits=True)
    router.add(c.RelayImport, relay, edits=True)
    router.add(c.CloseBuy, close)
    router.add(c.BuyChange, change_buy)
    router.add(c.Reopen, reopen)
    router.add(c.MarkPaid, paid)
    router.add(c.BuySummary, summary)
    router.on_chatter(answer_reply)
    on_press(app, BuyAction, button)
    on_press(app, Answer, answer_button)
    on_press(app, BuyChoice, buy_chosen)
