"""One pydantic model per command of COMMANDS.md, and the ParseError that carries usage."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.rooms import LocalRoom, Room
from bot.language.quantities import Item

# Every id a user types (a request, a buy, a slot, a rumor, a notice): bounded, so nothing overflows.
Id = Annotated[int, Field(ge=1, le=999_999_999)]


class ParseError(Exception):
    """A recognised command whose arguments could not be read.

    ``usage`` names the command's usage text in the catalogue (``usage.<command>``), shown to
    the user in their language; ``detail`` is for the log and never contains message text.
    """

    def __init__(self, command: str, detail: str = "") -> None:
        super().__init__(f"{command}: {detail}" if detail else command)
        self.command = command
        self.detail = detail

    @property
    def usage_key(self) -> str:
        return f"usage.{self.command}"


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: ClassVar[str]


# ----------------------------------------------------------------------------- general
class Start(Command):
    name = "start"
    payload: str = ""


class Help(Command):
    name = "help"


class SetLanguage(Command):
    name = "lang"
    language: Literal["zh", "en"]


class UnknownCommand(Command):
    """A slash command this bot does not know (``/foo``)."""

    name = "unknown"
    word: str


class NearMiss(Command):
    """A mistyped tag (``#配要``, ``#接隆``, ``#med1cine``): ``tag`` and ``command`` name the one meant
    (its Chinese tag and its command name, which is also its slash word). Nothing is done."""

    name = "near_miss"
    word: str
    tag: str
    command: str


# ----------------------------------------------------------------------------- setup and roster
class Bind(Command):
    name = "bind"
    building: int | None = None
    committee: bool = False


class Register(Command):
    """``room`` is a :class:`LocalRoom` when written without its building (``#登记 502``)."""

    name = "register"
    room: Room | LocalRoom
    display_name: str | None = None


class AppointLeader(Command):
    name = "leader"
    demote: bool = False


class Me(Command):
    name = "me"


class Purge(Command):
    name = "purge"


# ----------------------------------------------------------------------------- medicine
class MedRequest(Command):
    """A household's medicine list. ``note``, ``phone`` and ``card`` are private details found in
    the message (remarks and health conditions, a phone number, a medical-insurance card number):
    they go to the private details, never to the drug list, the group or an export."""

    name = "med"
    room: Room | None = None
    items: list[Item] = Field(min_length=1)
    urgent: bool = False
    note: str | None = None
    phone: str | None = None
    card: str | None = None


class MedClaim(Command):
    name = "claim"
    request_id: Id


class MedBought(Command):
    name = "bought"
    request_id: Id
    cost_fen: int | None = None


class MedDelivered(Command):
    name = "delivered"
    request_id: Id


class MedCancel(Command):
    name = "cancel"
    request_id: Id


class MedList(Command):
    name = "medlist"


# ----------------------------------------------------------------------------- group buys
class GroupBuyOpen(Command):
    """A buy's terms. ``spec`` is the product's specification kept apart from its name (``30枚/盒``);
    ``unsure`` names the fields read with a guess (the bot asks before opening, e.g. ``deadline``
    for ``8点截`` said in the afternoon); ``deadline_text`` holds deadline words whose date or time
    could not be read (the bot asks for it: a deadline is never silently defaulted)."""

    name = "groupbuy"
    title: str
    price_fen: int = Field(ge=0, le=100_000_000)
    unit: str = "份"
    deadline: datetime | None = None
    minimum: int | None = Field(default=None, ge=1, le=99999)
    case_size: int | None = Field(default=None, ge=1, le=9999)
    limit: int | None = Field(default=None, ge=1, le=9999)
    spec: str | None = None
    pickup: str | None = None
    unsure: tuple[str, ...] = ()
    deadline_text: str | None = None


class BuyChange(Command):
    """``#改团 3 截团 明晚8点``: new terms for open buy 3 (None: unchanged); ``unsure`` and
    ``deadline_text`` as in :class:`GroupBuyOpen` (the bot asks before changing)."""

    name = "editbuy"
    buy_id: Id
    price_fen: int | None = Field(default=None, ge=0, le=100_000_000)
    deadline: datetime | None = None
    minimum: int | None = Field(default=None, ge=1, le=99999)
    limit: int | None = Field(default=None, ge=1, le=9999)
    unsure: tuple[str, ...] = ()
    deadline_text: str | None = None


class Reopen(Command):
    """``#再开团 3``: the next round of closed buy 3, with its terms, as a new buy."""

    name = "reopen"
    buy_id: Id


class Order(Command):
    name = "order"
    buy_id: Id
    quantity: int = Field(ge=0, le=9999)
    room: Room | None = None
    paid: bool = False  # a trailing 已付: the household says it has paid


class ReplyOrder(Command):
    """``+2`` sent as a reply to one of the bot's messages (a group-buy board)."""

    name = "reply_order"
    quantity: int = Field(ge=0, le=9999)
    paid: bool = False


class RelayLine(BaseModel):
    model_config = ConfigDict(frozen=True)
    number: int = Field(ge=0, le=9999)
    room: Room
    quantity: int = Field(ge=0, le=9999)
    paid: bool = False  # the line ends in 已付 / 已转 / paid


class RelayImport(Command):
    """A pasted WeChat relay (or a one-line tally such as ``#接龙 鸡蛋 3-502 2盒``, or the sender's
    own order naming the buy by its item, ``#接龙 鸡蛋 2盒``: ``mine``). The buy is found by ``buy_id``
    when the message names one (``#接龙 3`` above the lines), else by ``title``."""

    name = "relay"
    title: str
    lines: list[RelayLine]
    unreadable: list[str] = Field(default_factory=list)
    buy_id: Id | None = None
    mine: int | None = Field(default=None, ge=0, le=9999)  # the sender's own quantity: #接龙 蔬菜包 2份


class CloseBuy(Command):
    name = "close"
    buy_id: Id


class MarkPaid(Command):
    name = "paid"
    buy_id: Id
    room: Room


class BuySummary(Command):
    name = "orders"
    buy_id: Id


class RelayText(Command):
    """``#接龙文本 3``: buy 3 as a numbered WeChat 接龙 to paste into a WeChat group."""

    name = "relaytext"
    buy_id: Id


# ----------------------------------------------------------------------------- volunteers and care
class VolunteerRegister(Command):
    name = "volunteer"
    display_name: str | None = None
    skills: list[str] = Field(default_factory=list)


class CheckIn(Command):
    name = "checkin"
    task: str | None = None
    place: str | None = None


class CheckOut(Command):
    name = "checkout"


class OnDuty(Command):
    name = "onduty"


class WorkHours(Command):
    name = "hours"


class VolunteerRoster(Command):
    name = "volunteers"


class ShiftOpen(Command):
    name = "shift"
    task: str
    start: datetime
    end: datetime
    headcount: int = Field(ge=1, le=999)


class ShiftTake(Command):
    name = "takeshift"
    slot_id: Id


class Vacancies(Command):
    name = "vacancies"


class Approve(Command):
    name = "approve"


class CareAdd(Command):
    name = "care"
    room: Room
    needs: str = ""


class CarePair(Command):
    name = "pair"
    room: Room


class CareSafe(Command):
    name = "safe"
    room: Room


# ----------------------------------------------------------------------------- rumors, notices, reports
class Rumor(Command):
    name = "rumor"
    title: str
    keywords: list[str] = Field(min_length=1)
    content: str
    source: str | None = None


class Rumors(Command):
    name = "rumors"


class RumorOff(Command):
    name = "rumor_off"
    rumor_id: Id


class Notice(Command):
    name = "notice"
    text: str = Field(min_length=1)
    daily_at: time | None = None


class Notices(Command):
    name = "notices"


class NoticeOff(Command):
    name = "notice_off"
    notice_id: Id


class Digest(Command):
    name = "digest"


class Export(Command):
    name = "export"
    start: date | None = None
    end: date | None = None
