"""The special-care roster (特殊关爱), daily safety checks and their escalations."""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import CareHousehold
from bot.domain.rooms import room_label
from storage.roster import serves
from storage.sql import Connection, Row, fetch_all, fetch_one
from storage.timefmt import to_db

_SELECT = (
    "SELECT c.household_id, c.needs, c.volunteer_id, h.building, h.unit, h.room "
    "FROM care_households c JOIN households h ON h.id = c.household_id"
)


def _care(row: Row) -> CareHousehold:
    unit = row["unit"] or None
    label = room_label(row["building"], unit, row["room"])
    return CareHousehold(
        household_id=row["household_id"],
        household=label,
        building=row["building"],
        needs=row["needs"],
        volunteer_id=row["volunteer_id"],
    )


def add(conn: Connection, household_id: int, needs: str, by: int, at: datetime) -> None:
    conn.execute(
        "INSERT INTO care_households(household_id, needs, added_by, added_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(household_id) DO UPDATE SET "
        "needs = CASE WHEN excluded.needs = '' THEN care_households.needs ELSE excluded.needs END",
        (household_id, needs, by, to_db(at)),
    )
    conn.execute("UPDATE households SET special_care = 1 WHERE id = ?", (household_id,))


def get(conn: Connection, household_id: int) -> CareHousehold | None:
    row = fetch_one(conn, f"{_SELECT} WHERE c.household_id = ?", (household_id,))
    return _care(row) if row else None


def pair(conn: Connection, household_id: int, volunteer_id: int) -> None:
    conn.execute("UPDATE care_households SET volunteer_id = ? WHERE household_id = ?", (volunteer_id, household_id))


def roster(conn: Connection) -> list[CareHousehold]:
    return [_care(row) for row in fetch_all(conn, f"{_SELECT} ORDER BY h.building, h.unit, h.room")]


def record_check(conn: Connection, household_id: int, day: str, by: int, at: datetime) -> bool:
    cursor = conn.execute(
        "INSERT INTO care_checks(household_id, day, checked_by, checked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (household_id, day, by, to_db(at)),
    )
    return cursor.rowcount == 1


def unchecked(conn: Connection, day: str) -> list[CareHousehold]:
    """Care households with no safety check on ``day``."""
    return [
        _care(row)
        for row in fetch_all(
            conn,
            f"{_SELECT} WHERE NOT EXISTS (SELECT 1 FROM care_checks k WHERE k.household_id = c.household_id AND k.day = ?) "
            "ORDER BY h.building, h.unit, h.room",
            (day,),
        )
    ]


def record_escalation(conn: Connection, bot_id: int, household_id: int, day: str, level: int, at: datetime) -> bool:
    """The escalation is ``bot_id``'s to send (recorded now): not sent before, and the bot serves the
    household's building or no bot does (:func:`storage.roster.serves`)."""
    cursor = conn.execute(
        "INSERT INTO care_escalations(household_id, day, level, sent_at) SELECT h.id, ?, ?, ? FROM households h "
        f"WHERE h.id = ? AND {serves('h.building')} ON CONFLICT DO NOTHING",
        (day, level, to_db(at), household_id, bot_id),
    )
    return cursor.rowcount == 1
