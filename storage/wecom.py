"""The WeCom robots whose key was refused (what is owed to them is in the outbox)."""

from __future__ import annotations

from datetime import datetime

from storage.sql import Connection, fetch_all
from storage.timefmt import to_db


def add_bad_key(conn: Connection, robot: str, url_hash: str, at: datetime) -> bool:
    """Record that this robot's URL was refused; False when it was already (the committee was told)."""
    cursor = conn.execute(
        "INSERT INTO wecom_bad_keys(robot, url_hash, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (robot, url_hash, to_db(at)),
    )
    return cursor.rowcount == 1


def bad_keys(conn: Connection) -> set[tuple[str, str]]:
    return {(row["robot"], row["url_hash"]) for row in fetch_all(conn, "SELECT robot, url_hash FROM wecom_bad_keys")}
