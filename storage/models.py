"""Pydantic models returned by the repositories."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class AuditEntry(Record):
    id: int
    at: datetime
    user_id: int | None
    chat_id: int | None
    action: str
    outcome: str
    detail: str
