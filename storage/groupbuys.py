"""Group buys, their board messages and orders."""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import Board, BuyOrder, GroupBuy
from bot.domain.rooms import room_label
from bot.domain.statuses import BuyStatus
from storage import roster
from storage.sql import Connection, Row, fetch_all, fetch_one, insert_id
from storage.timefmt import from_db, to_db

# A buy's state as stored: its status column and its called_off flag (a called-off buy is closed).
_STORED = {
    BuyStatus.OPEN: ("open", 0),
    BuyStatus.CLOSED: ("closed", 0),
    BuyStatus.CALLED_OFF: ("closed", 1),
}
_STATUS = {stored: status for status, stored in _STORED.items()}


def _buy(row: Row) -> GroupBuy:
    return GroupBuy(
        id=row["id"],
        title=row["title"],
        price_fen=row["price_fen"],
        unit=row["unit"],
        deadline=from_db(row["deadline"]) if row["deadline"] else None,
        minimum=row["minimum"],
        case_size=row["case_size"],
        max_each=row["max_each"],
        building=row["building"],
        opened_by=row["opened_by"],
        chat_id=row["chat_id"],
        status=_STATUS[(row["status"], int(row["called_off"]))],
        created_at=from_db(row["created_at"]),
        spec=row["spec"],
        pickup=row["pickup"],
    )


def create(
    conn: Connection,
    *,
    title: str,
    price_fen: int,
    unit: str,
    deadline: datetime | None,
    minimum: int | None,
    case_size: int | None,
    max_each: int | None,
    building: int | None,
    opened_by: int,
    chat_id: int,
    message_id: int,
    at: datetime,
    spec: str | None = None,
    pickup: str | None = None,
) -> int | None:
    """The new buy's id; None when this message had opened one already."""
    return insert_id(
        conn,
        "INSERT INTO group_buys(title, price_fen, unit, deadline, minimum, case_size, max_each, building, "
        "opened_by, chat_id, message_id, status, created_at, spec, pickup) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            title,
            price_fen,
            unit,
            to_db(deadline) if deadline else None,
            minimum,
            case_size,
            max_each,
            building,
            opened_by,
            chat_id,
            message_id,
            to_db(at),
            spec,
            pickup,
        ),
    )


def get(conn: Connection, buy_id: int) -> GroupBuy | None:
    row = fetch_one(conn, "SELECT * FROM group_buys WHERE id = ?", (buy_id,))
    return _buy(row) if row else None


def open_buys(conn: Connection) -> list[GroupBuy]:
    return [_buy(row) for row in fetch_all(conn, "SELECT * FROM group_buys WHERE status = 'open' ORDER BY id")]


def open_by_title(conn: Connection, title: str) -> GroupBuy | None:
    row = fetch_one(
        conn, "SELECT * FROM group_buys WHERE status = 'open' AND title = ? ORDER BY id DESC LIMIT 1", (title,)
    )
    return _buy(row) if row else None


# The bot given as a parameter may do the scheduled work of a buy (close it, remind, refresh its
# board): it is in the buy's chat (where its board and summary go), or no bot is and it serves the
# buy's building (any bot for the committee's, which has none).
_SERVED = roster.serves_chat("group_buys.chat_id", roster.serves("group_buys.building"))


def to_remind(conn: Connection, bot_id: int, now: datetime, before_deadline: datetime) -> list[GroupBuy]:
    """Open buys not reminded yet whose deadline is after ``now`` and by ``before_deadline``, that
    ``bot_id`` may remind (in the buy's chat, see ``_SERVED``)."""
    rows = fetch_all(
        conn,
        "SELECT * FROM group_buys WHERE status = 'open' AND reminded_at IS NULL AND deadline > ? AND deadline <= ? "
        f"AND {_SERVED} ORDER BY id",
        (to_db(now), to_db(before_deadline), bot_id, bot_id),
    )
    return [_buy(row) for row in rows]


def mark_reminded(conn: Connection, buy_id: int, at: datetime) -> None:
    conn.execute("UPDATE group_buys SET reminded_at = ? WHERE id = ?", (to_db(at), buy_id))


def change(
    conn: Connection,
    buy_id: int,
    *,
    price_fen: int | None,
    deadline: datetime | None,
    minimum: int | None,
    max_each: int | None,
) -> None:
    """New terms for an open buy (None: unchanged); a new deadline is reminded about again."""
    remind_again = ", reminded_at = NULL" if deadline else ""
    conn.execute(
        "UPDATE group_buys SET price_fen = coalesce(?, price_fen), deadline = coalesce(?, deadline), "
        f"minimum = coalesce(?, minimum), max_each = coalesce(?, max_each){remind_again} WHERE id = ?",
        (price_fen, to_db(deadline) if deadline else None, minimum, max_each, buy_id),
    )


def set_status(conn: Connection, buy_id: int, status: BuyStatus, at: datetime) -> None:
    """A buy's new state (the service checked the move); ``closed_at`` is when it first left open."""
    column, called_off = _STORED[status]
    conn.execute(
        "UPDATE group_buys SET status = ?, called_off = ?, closed_at = coalesce(closed_at, ?) WHERE id = ?",
        (column, called_off, to_db(at), buy_id),
    )


def close_due(conn: Connection, buy_id: int, bot_id: int, now: datetime) -> bool:
    """Close the buy at its deadline, in one statement: True only for the write that closed it,
    False when it was closed before, its deadline is later now, or another bot is in its chat."""
    cursor = conn.execute(
        "UPDATE group_buys SET status = 'closed', closed_at = coalesce(closed_at, ?) "
        f"WHERE id = ? AND status = 'open' AND deadline <= ? AND {_SERVED}",
        (to_db(now), buy_id, to_db(now), bot_id, bot_id),
    )
    return cursor.rowcount == 1


def served(conn: Connection, buy_id: int, bot_id: int) -> bool:
    """May ``bot_id`` post and edit in the buy's chat (``_SERVED``)?"""
    return (
        fetch_one(conn, f"SELECT 1 AS ok FROM group_buys WHERE id = ? AND {_SERVED}", (buy_id, bot_id, bot_id))
        is not None
    )


# ------------------------------------------------------------------------------ orders
def set_order(conn: Connection, buy_id: int, household_id: int, quantity: int, by: int, at: datetime) -> None:
    """Set a household's total (0 withdraws). Changes nothing unless the buy exists and is open."""
    if quantity == 0:  # withdrawn; a paid order stays at 0 so its refund shows
        conn.execute(
            "DELETE FROM group_buy_orders WHERE buy_id = ? AND household_id = ? AND paid = 0 "
            "AND buy_id IN (SELECT id FROM group_buys WHERE status = 'open')",
            (buy_id, household_id),
        )
        conn.execute(
            "UPDATE group_buy_orders SET quantity = 0, updated_by = ?, updated_at = ? "
            "WHERE buy_id = ? AND household_id = ? AND paid = 1 "
            "AND buy_id IN (SELECT id FROM group_buys WHERE status = 'open')",
            (by, to_db(at), buy_id, household_id),
        )
        return
    conn.execute(
        "INSERT INTO group_buy_orders(buy_id, household_id, quantity, updated_by, updated_at) "
        "SELECT id, ?, ?, ?, ? FROM group_buys WHERE id = ? AND status = 'open' "
        "ON CONFLICT(buy_id, household_id) DO UPDATE SET quantity = excluded.quantity, "
        "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        (household_id, quantity, by, to_db(at), buy_id),
    )


def order_quantity(conn: Connection, buy_id: int, household_id: int) -> int:
    row = fetch_one(
        conn, "SELECT quantity FROM group_buy_orders WHERE buy_id = ? AND household_id = ?", (buy_id, household_id)
    )
    return row["quantity"] if row else 0


def orders(conn: Connection, buy_id: int) -> list[BuyOrder]:
    """Every household's order, in delivery order (building, unit, room)."""
    rows = fetch_all(
        conn,
        "SELECT o.household_id, o.quantity, o.paid, o.paid_quantity, o.paid_fen, h.building, h.unit, h.room FROM group_buy_orders o "
        "JOIN households h ON h.id = o.household_id WHERE o.buy_id = ? ORDER BY h.building, h.unit, h.room",
        (buy_id,),
    )
    found = []
    for row in rows:
        unit = row["unit"] or None
        label = room_label(row["building"], unit, row["room"])
        found.append(
            BuyOrder(
                household_id=row["household_id"],
                household=label,
                building=row["building"],
                unit=unit,
                room=row["room"],
                quantity=row["quantity"],
                paid=bool(row["paid"]),
                paid_quantity=row["paid_quantity"] or 0,
                paid_fen=row["paid_fen"] or 0,
            )
        )
    return found


def mark_paid(conn: Connection, buy_id: int, household_id: int) -> bool:
    cursor = conn.execute(
        "UPDATE group_buy_orders SET paid = 1, paid_quantity = quantity, "
        "paid_fen = quantity * (SELECT price_fen FROM group_buys WHERE id = ?) WHERE buy_id = ? AND household_id = ?",
        (buy_id, buy_id, household_id),
    )
    return cursor.rowcount == 1


# ------------------------------------------------------------------------------ boards
def add_board(conn: Connection, buy_id: int, chat_id: int, message_id: int, at: datetime) -> None:
    conn.execute(
        "INSERT INTO group_buy_boards(board_chat_id, message_id, buy_id, posted_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(board_chat_id, message_id) DO UPDATE SET buy_id = excluded.buy_id, posted_at = excluded.posted_at",
        (chat_id, message_id, buy_id, to_db(at)),
    )


def latest_board(conn: Connection, buy_id: int) -> Board | None:
    row = fetch_one(
        conn,
        "SELECT board_chat_id, message_id, posted_at FROM group_buy_boards WHERE buy_id = ? "
        "ORDER BY posted_at DESC, message_id DESC LIMIT 1",
        (buy_id,),
    )
    if row is None:
        return None
    return Board(chat_id=row["board_chat_id"], message_id=row["message_id"], posted_at=from_db(row["posted_at"]))


def buy_of_board(conn: Connection, chat_id: int, message_id: int) -> int | None:
    row = fetch_one(
        conn, "SELECT buy_id FROM group_buy_boards WHERE board_chat_id = ? AND message_id = ?", (chat_id, message_id)
    )
    return row["buy_id"] if row else None
