"""Aggregate queries for the daily report, its chart and the exports (indexed, one pass each)."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from storage.sql import Connection, fetch_all, fetch_one
from storage.timefmt import to_db

OPEN_MED = "('pending', 'open', 'claimed', 'bought')"


async def medicine_by_building(conn: Connection, start: datetime, end: datetime) -> dict[int, dict[str, int]]:
    """Per building: requests new in [start, end), open now, urgent and open, delivered in [start, end).
    Three index range scans, so the cost follows today's and the open requests, not the history."""
    rows = await fetch_all(
        conn,
        f"""SELECT h.building, sum(new) AS new, sum(open) AS open, sum(urgent) AS urgent, sum(delivered) AS delivered
            FROM (
                SELECT household_id, 1 AS new, 0 AS open, 0 AS urgent, 0 AS delivered FROM med_requests
                WHERE created_at >= :start AND created_at < :end
                UNION ALL
                SELECT household_id, 0, 1, urgent, 0 FROM med_requests WHERE status IN {OPEN_MED}
                UNION ALL
                SELECT household_id, 0, 0, 0, 1 FROM med_requests
                WHERE delivered_at >= :start AND delivered_at < :end
            ) r JOIN households h ON h.id = r.household_id
            GROUP BY h.building""",
        {"start": to_db(start), "end": to_db(end)},
    )
    return {row["building"]: {k: row[k] or 0 for k in ("new", "open", "urgent", "delivered")} for row in rows}


async def cards_out_by_building(conn: Connection) -> dict[int, int]:
    return {
        row["building"]: row["n"]
        for row in await fetch_all(
            conn,
            "SELECT h.building, count(*) AS n FROM card_custody c JOIN households h ON h.id = c.household_id "
            "WHERE c.returned_at IS NULL GROUP BY h.building",
        )
    }


async def urgent_open(conn: Connection) -> list[tuple[int, int, int | None, int]]:
    """(request id, building, unit, room) of urgent requests not yet delivered, oldest first."""
    return [
        (row["id"], row["building"], row["unit"] or None, row["room"])
        for row in await fetch_all(
            conn,
            f"SELECT r.id, h.building, h.unit, h.room FROM med_requests r JOIN households h ON h.id = r.household_id "
            f"WHERE r.urgent = 1 AND r.status IN {OPEN_MED} ORDER BY r.id",
        )
    ]


async def groupbuys_by_building(conn: Connection, start: datetime, end: datetime) -> dict[int | None, dict[str, int]]:
    """Per building, over buys open now or closed in the window (found by index, then their orders
    by key): the buys it opened, open and closed (None: the committee's buys for everyone), and
    the quantity its households ordered and still owe. Each buy and each order counts in exactly
    one building, so the buildings add up to the whole."""
    params = {"start": to_db(start), "end": to_db(end)}
    buys = """WITH buys AS (
               SELECT id, building, status, price_fen, called_off FROM group_buys WHERE status = 'open'
               UNION
               SELECT id, building, status, price_fen, called_off FROM group_buys
               WHERE closed_at >= :start AND closed_at < :end
           )"""
    figures: dict[int | None, dict[str, int]] = {}
    for row in await fetch_all(
        conn,
        f"""{buys} SELECT building, sum(status = 'open') AS open, sum(status = 'closed') AS closed
            FROM buys GROUP BY building""",
        params,
    ):
        figures[row["building"]] = {"open": row["open"], "closed": row["closed"], "quantity": 0, "unpaid": 0}
    for row in await fetch_all(
        conn,
        f"""{buys} SELECT h.building, sum(o.quantity) AS quantity,
                sum(CASE WHEN b.called_off THEN 0
                         ELSE max(o.quantity - CASE WHEN o.paid THEN o.paid_quantity ELSE 0 END, 0) * b.price_fen
                    END) AS unpaid
            FROM buys b JOIN group_buy_orders o ON o.buy_id = b.id JOIN households h ON h.id = o.household_id
            GROUP BY h.building""",
        params,
    ):
        entry = figures.setdefault(row["building"], {"open": 0, "closed": 0, "quantity": 0, "unpaid": 0})
        entry.update(quantity=row["quantity"] or 0, unpaid=row["unpaid"] or 0)
    return figures


async def activity_by_day(conn: Connection, bounds: list[datetime]) -> dict[int, tuple[list[int], list[int]]]:
    """{building: (medicine requests created, group-buy orders placed) per day}, day n being
    [bounds[n], bounds[n + 1])."""
    medicine = await _placed_by_day(conn, "med_requests", "created_at", bounds)
    orders = await _placed_by_day(conn, "group_buy_orders", "updated_at", bounds)
    none = [0] * (len(bounds) - 1)
    return {building: (medicine.get(building, none), orders.get(building, none)) for building in medicine | orders}


async def _placed_by_day(conn: Connection, table: str, column: str, bounds: list[datetime]) -> dict[int, list[int]]:
    """Per building, the rows of ``table`` whose ``column`` falls in each day. Households are read in
    building order, each one's rows of the window by one seek in an index leading with the household:
    no sort of the window's rows, and the cost follows the households and the window, not the history.
    Each row is counted once per day boundary it comes before; per-day counts are the differences."""
    last = len(bounds) - 1
    before = [f"sum(x.{column} < :b{n})" for n in range(1, last)]
    rows = await fetch_all(
        conn,
        f"""SELECT h.building, {", ".join([*before, "count(*)"])}
            FROM households h CROSS JOIN {table} x
                ON x.household_id = h.id AND x.{column} >= :b0 AND x.{column} < :b{last}
            GROUP BY h.building""",
        {f"b{n}": to_db(bound) for n, bound in enumerate(bounds)},
    )
    return {row[0]: [upto - since for since, upto in pairwise([0, *row[1:]])] for row in rows}


async def claim_digest(conn: Connection, chat_id: int, day: str, at: datetime) -> bool:
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO digests_sent(chat_id, day, sent_at) VALUES (?, ?, ?)", (chat_id, day, to_db(at))
    )
    return cursor.rowcount == 1


async def digest_claimed(conn: Connection, chat_id: int, day: str) -> bool:
    row = await fetch_one(conn, "SELECT 1 FROM digests_sent WHERE chat_id = ? AND day = ?", (chat_id, day))
    return row is not None


# ------------------------------------------------------------------------------ exports
EXPORTS = {
    "medicine_requests": (
        ["id", "household", "status", "urgent", "items", "cost_yuan", "created_at_utc", "delivered_at_utc"],
        """SELECT r.id, h.building || '-' || CASE WHEN h.unit THEN h.unit || '-' ELSE '' END || h.room,
                  r.status, r.urgent,
                  (SELECT group_concat(i.name || ' x' || i.quantity || coalesce(i.unit, ''), '; ')
                     FROM med_items i WHERE i.request_id = r.id),
                  CASE WHEN r.cost_fen IS NULL THEN '' ELSE printf('%.2f', r.cost_fen / 100.0) END,
                  r.created_at, r.delivered_at
           FROM med_requests r JOIN households h ON h.id = r.household_id
           WHERE r.created_at >= :start AND r.created_at < :end ORDER BY r.id""",
    ),
    "groupbuy_orders": (
        ["buy_id", "title", "household", "quantity", "unit", "price_yuan", "due_yuan", "paid", "ordered_at_utc"],
        """SELECT b.id, b.title, h.building || '-' || CASE WHEN h.unit THEN h.unit || '-' ELSE '' END || h.room,
                  o.quantity, b.unit, printf('%.2f', b.price_fen / 100.0),
                  printf('%.2f', o.quantity * b.price_fen / 100.0), o.paid, o.updated_at
           FROM group_buy_orders o JOIN group_buys b ON b.id = o.buy_id JOIN households h ON h.id = o.household_id
           WHERE b.created_at >= :start AND b.created_at < :end ORDER BY b.id, h.building, h.unit, h.room""",
    ),
    "shifts": (
        ["id", "volunteer", "task", "place", "started_at_utc", "ended_at_utc", "flagged"],
        """SELECT s.id, coalesce(v.display_name, s.user_id), s.task, s.place, s.started_at, s.ended_at, s.flagged
           FROM shifts s LEFT JOIN volunteers v ON v.user_id = s.user_id
           WHERE s.started_at >= :start AND s.started_at < :end ORDER BY s.id""",
    ),
    "care_checks": (
        ["day", "household", "checked_at_utc"],
        """SELECT k.day, h.building || '-' || CASE WHEN h.unit THEN h.unit || '-' ELSE '' END || h.room, k.checked_at
           FROM care_checks k JOIN households h ON h.id = k.household_id
           WHERE k.checked_at >= :start AND k.checked_at < :end ORDER BY k.day, h.building, h.unit, h.room""",
    ),
}


async def export_rows(conn: Connection, kind: str, start: datetime, end: datetime) -> list[tuple]:
    return [tuple(row) for row in await fetch_all(conn, EXPORTS[kind][1], {"start": to_db(start), "end": to_db(end)})]
