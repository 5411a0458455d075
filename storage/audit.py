"""The audit log: who did what, when. Never message text or personal data."""

from __future__ import annotations

from datetime import datetime

from storage.sql import Connection
from storage.timefmt import to_db


def add(
    conn: Connection,
    *,
    at: datetime,
    user_id: int | None,
    chat_id: int | None,
    action: str,
    outcome: str = "ok",
    detail: str = "",
) -> None:
    conn.execute(
        "INSERT INTO audit_log(at, user_id, chat_id, action, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (to_db(at), user_id, chat_id, action, outcome, detail),
    )
