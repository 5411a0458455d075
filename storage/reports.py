"""Aggregate queries for the daily report, its chart and the exports (indexed, one pass each)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import Any

from bot.domain.rooms import room_label
from bot.domain.statuses import MED_OPEN
from storage.medicine import status_in
from storage.sql import Connection, Row, fetch_all, fetch_one
from storage.timefmt import to_db


def medicine_by_building(conn: Connection, start: datetime, end: datetime) -> dict[int, dict[str, int]]:
    """Per building: requests new in [start, end), open now, urgent and open, delivered in [start, end).
    Three index range scans, so the cost follows today's and the open requests, not the history."""
    rows = fetch_all(
        conn,
        f"""SELECT h.building, sum(new) AS new, sum(open) AS open, sum(urgent) AS urgent, sum(delivered) AS delivered
            FROM (
                SELECT household_id, 1 AS new, 0 AS open, 0 AS urgent, 0 AS delivered FROM med_requests
                WHERE created_at >= ? AND created_at < ?
                UNION ALL
                SELECT household_id, 0, 1, urgent, 0 FROM med_requests WHERE {status_in(MED_OPEN, "status")}
                UNION ALL
                SELECT household_id, 0, 0, 0, 1 FROM med_requests
                WHERE delivered_at >= ? AND delivered_at < ?
            ) r JOIN households h ON h.id = r.household_id
            GROUP BY h.building""",
        (to_db(start), to_db(end), *MED_OPEN, to_db(start), to_db(end)),
    )
    return {row["building"]: {k: row[k] or 0 for k in ("new", "open", "urgent", "delivered")} for row in rows}


def cards_out_by_building(conn: Connection) -> dict[int, int]:
    return {
        row["building"]: row["n"]
        for row in fetch_all(
            conn,
            "SELECT h.building, count(*) AS n FROM card_custody c JOIN households h ON h.id = c.household_id "
            "WHERE c.returned_at IS NULL GROUP BY h.building",
        )
    }


def urgent_open(conn: Connection) -> list[tuple[int, int, int | None, int]]:
    """(request id, building, unit, room) of urgent requests not yet delivered, oldest first."""
    return [
        (row["id"], row["building"], row["unit"] or None, row["room"])
        for row in fetch_all(
            conn,
            f"SELECT r.id, h.building, h.unit, h.room FROM med_requests r JOIN households h ON h.id = r.household_id "
            f"WHERE r.urgent = 1 AND {status_in(MED_OPEN)} ORDER BY r.id",
            MED_OPEN,
        )
    ]


def groupbuys_by_building(conn: Connection, start: datetime, end: datetime) -> dict[int | None, dict[str, int]]:
    """Per building, over buys open now or closed in the window (found by index, then their orders
    by key): the buys it opened, open and closed (None: the committee's buys for everyone), and
    the quantity its households ordered and still owe. Each buy and each order counts in exactly
    one building, so the buildings add up to the whole."""
    params = (to_db(start), to_db(end))
    buys = """WITH buys AS (
               SELECT id, building, status, price_fen, called_off FROM group_buys WHERE status = 'open'
               UNION
               SELECT id, building, status, price_fen, called_off FROM group_buys
               WHERE closed_at >= ? AND closed_at < ?
           )"""
    figures: dict[int | None, dict[str, int]] = {}
    for row in fetch_all(
        conn,
        f"""{buys} SELECT building, sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open,
                sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS closed
            FROM buys GROUP BY building""",
        params,
    ):
        figures[row["building"]] = {"open": row["open"], "closed": row["closed"], "quantity": 0, "unpaid": 0}
    for row in fetch_all(
        conn,
        f"""{buys} SELECT h.building, sum(o.quantity) AS quantity,
                sum(CASE WHEN b.called_off = 1 OR (o.paid = 1 AND o.paid_fen >= o.quantity * b.price_fen) THEN 0
                         WHEN o.paid = 1 THEN o.quantity * b.price_fen - o.paid_fen
                         ELSE o.quantity * b.price_fen
                    END) AS unpaid
            FROM buys b JOIN group_buy_orders o ON o.buy_id = b.id JOIN households h ON h.id = o.household_id
            GROUP BY h.building""",
        params,
    ):
        entry = figures.setdefault(row["building"], {"open": 0, "closed": 0, "quantity": 0, "unpaid": 0})
        entry.update(quantity=row["quantity"] or 0, unpaid=row["unpaid"] or 0)
    return figures


def activity_by_day(conn: Connection, bounds: list[datetime]) -> dict[int, tuple[list[int], list[int]]]:
    """{building: (medicine requests created, group-buy orders placed) per day}, day n being
    [bounds[n], bounds[n + 1])."""
    medicine = _placed_by_day(conn, "med_requests", "created_at", bounds)
    orders = _placed_by_day(conn, "group_buy_orders", "updated_at", bounds)
    none = [0] * (len(bounds) - 1)
    return {building: (medicine.get(building, none), orders.get(building, none)) for building in medicine | orders}


def _placed_by_day(conn: Connection, table: str, column: str, bounds: list[datetime]) -> dict[int, list[int]]:
    """Per building, the rows of ``table`` whose ``column`` falls in each day. Households are read in
    building order, each one's rows of the window by one seek in an index leading with the household:
    no sort of the window's rows, and the cost follows the households and the window, not the history.
    Each row is counted once per day boundary it comes before; per-day counts are the differences."""
    at = [to_db(bound) for bound in bounds]
    inner = range(1, len(at) - 1)
    before = [f"sum(CASE WHEN x.{column} < ? THEN 1 ELSE 0 END) AS before_{n}" for n in inner]
    rows = fetch_all(
        conn,
        f"""SELECT h.building, {", ".join([*before, "count(*) AS upto"])}
            FROM households h CROSS JOIN {table} x
            WHERE x.household_id = h.id AND x.{column} >= ? AND x.{column} < ?
            GROUP BY h.building""",
        [*at[1:-1], at[0], at[-1]],
    )
    return {
        row["building"]: [
            upto - since for since, upto in pairwise([0, *(row[f"before_{n}"] for n in inner), row["upto"]])
        ]
        for row in rows
    }


def claim_digest(conn: Connection, chat_id: int, day: str, at: datetime) -> bool:
    cursor = conn.execute(
        "INSERT INTO digests_sent(chat_id, day, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (chat_id, day, to_db(at)),
    )
    return cursor.rowcount == 1


def digest_claimed(conn: Connection, chat_id: int, day: str) -> bool:
    row = fetch_one(conn, "SELECT 1 FROM digests_sent WHERE chat_id = ? AND day = ?", (chat_id, day))
    return row is not None


# ------------------------------------------------------------------------------ exports
def _household(row: Row) -> str:
    return room_label(row["building"], row["unit"] or None, row["room"])


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def _medicine_requests(conn: Connection, window: tuple[str, str]) -> list[tuple[Any, ...]]:
    items: dict[int, list[str]] = {}
    for item in fetch_all(
        conn,
        "SELECT i.request_id, i.name, i.quantity, i.unit FROM med_items i JOIN med_requests r ON r.id = i.request_id "
        "WHERE r.created_at >= ? AND r.created_at < ? ORDER BY i.request_id, i.position",
        window,
    ):
        items.setdefault(item["request_id"], []).append(f"{item['name']} x{item['quantity']}{item['unit'] or ''}")
    return [
        (
            row["id"],
            _household(row),
            row["status"],
            row["urgent"],
            "; ".join(items[row["id"]]) if row["id"] in items else None,
            "" if row["cost_fen"] is None else _yuan(row["cost_fen"]),
            row["created_at"],
            row["delivered_at"],
        )
        for row in fetch_all(
            conn,
            "SELECT r.id, h.building, h.unit, h.room, r.status, r.urgent, r.cost_fen, r.created_at, r.delivered_at "
            "FROM med_requests r JOIN households h ON h.id = r.household_id "
            "WHERE r.created_at >= ? AND r.created_at < ? ORDER BY r.id",
            window,
        )
    ]


def _groupbuy_orders(conn: Connection, window: tuple[str, str]) -> list[tuple[Any, ...]]:
    return [
        (
            row["id"],
            row["title"],
            _household(row),
            row["quantity"],
            row["buy_unit"],
            _yuan(row["price_fen"]),
            _yuan(row["quantity"] * row["price_fen"]),
            row["paid"],
            _yuan(row["paid_fen"] or 0) if row["paid"] else "",
            row["updated_at"],
        )
        for row in fetch_all(
            conn,
            "SELECT b.id, b.title, h.building, h.unit, h.room, o.quantity, b.unit AS buy_unit, b.price_fen, o.paid, "
            "o.paid_fen, o.updated_at FROM group_buy_orders o JOIN group_buys b ON b.id = o.buy_id "
            "JOIN households h ON h.id = o.household_id "
            "WHERE b.created_at >= ? AND b.created_at < ? ORDER BY b.id, h.building, h.unit, h.room",
            window,
        )
    ]


def _shifts(conn: Connection, window: tuple[str, str]) -> list[tuple[Any, ...]]:
    return [
        (
            row["id"],
            row["user_id"] if row["display_name"] is None else row["display_name"],
            row["task"],
            row["place"],
            row["started_at"],
            row["ended_at"],
            row["flagged"],
        )
        for row in fetch_all(
            conn,
            "SELECT s.id, v.display_name, s.user_id, s.task, s.place, s.started_at, s.ended_at, s.flagged "
            "FROM shifts s LEFT JOIN volunteers v ON v.user_id = s.user_id "
            "WHERE s.started_at >= ? AND s.started_at < ? ORDER BY s.id",
            window,
        )
    ]


def _care_checks(conn: Connection, window: tuple[str, str]) -> list[tuple[Any, ...]]:
    return [
        (row["day"], _household(row), row["checked_at"])
        for row in fetch_all(
            conn,
            "SELECT k.day, h.building, h.unit, h.room, k.checked_at "
            "FROM care_checks k JOIN households h ON h.id = k.household_id "
            "WHERE k.checked_at >= ? AND k.checked_at < ? ORDER BY k.day, h.building, h.unit, h.room",
            window,
        )
    ]


# Each export: its header, and its rows of records created in a window (UTC text bounds).
EXPORTS: dict[str, tuple[list[str], Callable[[Connection, tuple[str, str]], list[tuple[Any, ...]]]]] = {
    "medicine_requests": (
        ["id", "household", "status", "urgent", "items", "cost_yuan", "created_at_utc", "delivered_at_utc"],
        _medicine_requests,
    ),
    "groupbuy_orders": (
        [
            "buy_id",
            "title",
            "household",
            "quantity",
            "unit",
            "price_yuan",
            "due_yuan",
            "paid",
            "paid_yuan",
            "ordered_at_utc",
        ],
        _groupbuy_orders,
    ),
    "shifts": (["id", "volunteer", "task", "place", "started_at_utc", "ended_at_utc", "flagged"], _shifts),
    "care_checks": (["day", "household", "checked_at_utc"], _care_checks),
}


def export_rows(conn: Connection, kind: str, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    return EXPORTS[kind][1](conn, (to_db(start), to_db(end)))
