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


class ChatBinding(Record):
    chat_id: int
    kind: str  # 'building' or 'committee'
    building: int | None
    title: str
    kicked: bool


class Household(Record):
    id: int
    building: int
    unit: int | None
    room: int
    special_care: bool

    @property
    def label(self) -> str:
        """The canonical room form, ``3-502`` or ``3-2-502``: what groups are shown."""
        return f"{self.building}-{self.room}" if self.unit is None else f"{self.building}-{self.unit}-{self.room}"


class Member(Record):
    user_id: int
    household: Household | None
    display_name: str | None


class RoleGrant(Record):
    user_id: int
    role: str
    building: int
