"""The audit log: who did what, when. Never message text or personal data."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.models import AuditEntry
from storage.sql import fetch_all
from storage.timefmt import from_db, to_db


async def add(
    conn: aiosqlite.Connection,
    *,
    at: datetime,
    user_id: int | None,
    chat_id: int | None,
    action: str,
    outcome: str = "ok",
    detail: str = "",
) -> None:
    await conn.execute(
        "INSERT INTO audit_log(at, user_id, chat_id, action, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (to_db(at), user_id, chat_id, action, outcome, detail),
    )


async def recent(conn: aiosqlite.Connection, limit: int = 50) -> list[AuditEntry]:
    rows = await fetch_all(
        conn,
        "SELECT id, at, user_id, chat_id, action, outcome, detail FROM audit_log ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [
        AuditEntry(
            id=row["id"],
            at=from_db(row["at"]),
            user_id=row["user_id"],
            chat_id=row["chat_id"],
            action=row["action"],
            outcome=row["outcome"],
            detail=row["detail"],
        )
        for row in rows
    ]
