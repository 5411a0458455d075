"""Pydantic models returned by the repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.domain.rooms import Room, room_label
from bot.domain.statuses import BuyStatus, MedStatus


class Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class ChatBinding(Record):
    chat_id: int
    kind: str  # 'building' or 'committee'
    building: int | None
    title: str


class Household(Record):
    id: int
    building: int
    unit: int | None
    room: int
    special_care: bool

    @property
    def label(self) -> str:
        """The canonical room form, ``3-502`` or ``3-2-502``: what groups are shown."""
        return room_label(self.building, self.unit, self.room)

    def is_at(self, room: Room) -> bool:
        """This household is the one at ``room``."""
        return (room.building, room.unit, room.room) == (self.building, self.unit, self.room)


class Member(Record):
    user_id: int
    household: Household | None
    display_name: str | None


class RoleGrant(Record):
    user_id: int
    role: str
    building: int


class MedItem(Record):
    name: str
    quantity: int
    unit: str | None = None


class MedRequest(Record):
    id: int
    household_id: int
    household: str  # canonical room label, e.g. "3-502"
    building: int
    requested_by: int
    chat_id: int
    message_id: int
    status: MedStatus
    urgent: bool
    volunteer_id: int | None
    volunteer_name: str | None
    cost_fen: int | None
    created_at: datetime
    items: list[MedItem]


class MedPrivate(Record):
    request_id: int
    card_number: str | None
    phone: str | None
    notes: str | None
    card_handed: bool
    photo_file_id: str | None = None  # a prescription photo sent with the request


class CardOut(Record):
    request_id: int
    household: str
    holder_id: int
    holder_name: str | None
    taken_at: datetime


class GroupBuy(Record):
    id: int
    title: str
    price_fen: int
    unit: str
    deadline: datetime | None
    minimum: int | None
    case_size: int | None
    max_each: int | None
    building: int | None
    opened_by: int
    chat_id: int
    status: BuyStatus
    created_at: datetime
    spec: str | None = None  # the product's specification, 30枚/盒
    pickup: str | None = None  # where and when to collect

    @property
    def called_off(self) -> bool:
        """Closed below its minimum and not going ahead (未成团): nothing is owed."""
        return self.status is BuyStatus.CALLED_OFF

    @property
    def name(self) -> str:
        """The title with its spec, as lists and buttons show it: ``鸡蛋 30枚/盒``."""
        return f"{self.title} {self.spec}" if self.spec else self.title


class BuyOrder(Record):
    household_id: int
    household: str
    building: int
    unit: int | None
    room: int
    quantity: int
    paid: bool
    paid_quantity: int = 0  # the units paid for (the quantity may have changed since)
    paid_fen: int = 0  # the money paid (the price may have changed since)


class Board(Record):
    chat_id: int
    message_id: int
    posted_at: datetime


class Volunteer(Record):
    user_id: int
    display_name: str | None
    skills: list[str]


class VolunteerApplication(Volunteer):
    """A volunteer's row: an application until ``approved_at`` is set."""

    building: int | None  # the building applied for: the household's, else the group's it was sent in
    approved_at: datetime | None


class Shift(Record):
    id: int
    user_id: int
    display_name: str | None
    task: str | None
    place: str | None
    started_at: datetime
    ended_at: datetime | None
    flagged: bool


class Slot(Record):
    id: int
    task: str
    starts_at: datetime
    ends_at: datetime
    headcount: int
    chat_id: int
    takers: list[int]
    reminded: bool


class CareHousehold(Record):
    household_id: int
    household: str
    building: int
    needs: str
    volunteer_id: int | None


class Notice(Record):
    id: int
    text: str
    daily_at: str | None
    active: bool


class Rumor(Record):
    id: int
    title: str
    keywords: list[str]
    content: str
    source: str | None
    issued_at: datetime
    active: bool


class Question(Record):
    """A question the bot asked before acting; ``command`` is the command as read, in JSON."""

    id: int
    chat_id: int
    user_id: int
    source_message_id: int
    prompt_message_id: int | None
    kind: str
    command: str
    answered: bool
    created_at: datetime


@dataclass(frozen=True)
class Join:
    """Someone asking to join a household that has members already."""

    user_id: int
    household: Household
    display_name: str | None
