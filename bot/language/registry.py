"""Every command, declared once: its name, its Chinese tags and slash words, its argument reader,
who may use it, which "/" menu shows it and which help topic explains it.

The parser's tables (``bot.language.parser``), the router's help topics, ``/help``, the Telegram
command menus and the README's command reference are all read from :data:`COMMANDS`. Adding a
command is one :class:`CommandSpec` here (with its reader and its ``usage.<name>``/``menu.<name>``
texts), its service, and its handler (``router_of(app).add(CommandModel, callback)``).

``python -m bot.runtime.reference`` prints the README's command reference (:func:`markdown`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.domain.permissions import RULES, Who
from bot.domain.rooms import Room
from bot.language import commands as c
from bot.language.announcement import parse_buy_change, parse_groupbuy
from bot.language.commands import ParseError
from bot.language.medlist import parse_med
from bot.language.money import find_money, parse_money
from bot.language.normalize import SEPARATORS
from bot.language.numbers import parse_int
from bot.language.relay import parse_order
from bot.language.rooms import match_room, parse_building, parse_local_registration, parse_registration, parse_room
from bot.language.times import parse_clock
from bot.language.volunteering import parse_checkin, parse_shift, parse_volunteer

if TYPE_CHECKING:
    from bot.language.parser import ParseContext

Reader = Callable[[str, "ParseContext"], c.Command]

_ID = re.compile(r"^(?:#|No\.?\s*|第)?\s*(?P<id>\d{1,9})\s*(?:号|单)?$", re.I)


class Menu(StrEnum):
    """Which Telegram "/" menu lists a command (``handlers/menus.py`` publishes them per scope):
    every member sees EVERYONE (at most 12: a group's everyday commands); volunteers, leaders and the
    committee see theirs through member-scoped menus in the groups they serve or lead and in their
    private chat; the committee chat lists COMMITTEE beside EVERYONE; ADMIN (binding, appointing,
    purging, exporting) only ever shows to a committee member."""

    EVERYONE = "everyone"
    VOLUNTEERS = "volunteers"
    LEADERS = "leaders"
    COMMITTEE = "committee"
    ADMIN = "admin"
    NONE = "none"  # not listed (/start, which Telegram's Start button sends)


@dataclass(frozen=True)
class Topic:
    """A help topic: a button under /help (its label the text ``help.button.<name>``, its callback
    data ``help:<name>``, ``bot.language.callbacks.HelpTopic``) that shows the topic's help texts.
    /help shows the topics of the commands that have a handler, in the order of :data:`COMMANDS`."""

    name: str
    texts: tuple[str, ...]

    @property
    def label_key(self) -> str:
        return f"help.button.{self.name}"


@dataclass(frozen=True)
class CommandSpec:
    name: str  # the command's name: its first slash word, its model's ``name``, its texts' suffix
    read: Reader  # the argument reader: the text after the tag or slash word → a command model
    tags: tuple[str, ...] = ()  # Chinese tags, the usual one first (longer tags win when reading)
    words: tuple[str, ...] = ()  # more slash words (ASCII; they work as #tags too)
    who: str | None = None  # the RULES action checked, or the role (a Who) checked; None: anyone
    menu: Menu = Menu.EVERYONE
    topic: Topic | None = None  # the help topic that explains it (a button under /help)
    list_first: bool = False  # its list may come before the tag (布洛芬 2盒 #配药) when nothing follows it

    @property
    def slash(self) -> tuple[str, ...]:
        return (self.name, *self.words)

    @property
    def usage_key(self) -> str:
        return f"usage.{self.name}"

    @property
    def menu_key(self) -> str:
        return f"menu.{self.name}"

    @property
    def role(self) -> Who | None:
        """Who may use it, as a refusal would say it."""
        if self.who is None:
            return None
        return RULES[self.who].refusal if self.who in RULES else Who(self.who)


# --------------------------------------------------------------------------- small helpers
def _int(text: str, command: str) -> int:
    try:
        return parse_int(text)
    except ValueError:
        raise ParseError(command, "not a number") from None


def _one_id(args: str, command: str) -> int:
    match = _ID.match(args.split("\n")[0].strip().split(" ")[0]) if args.strip() else None
    if not match:
        raise ParseError(command, "missing id")
    return int(match["id"])


def _room(text: str, command: str) -> Room:
    room = parse_room(text)
    if room is None:
        raise ParseError(command, "not a room")
    return room


def _leading_room(args: str) -> tuple[Room | None, str]:
    found = match_room(args)
    if found is None:
        return None, args
    room, end = found
    if end < len(args) and not args[end].isspace() and args[end] not in SEPARATORS:
        return None, args  # "3-502盒" is not an address followed by something
    return room, args[end:].strip(f" {SEPARATORS}")


def _no_args(command: type[c.Command]) -> Reader:
    return lambda args, ctx: command()


def _id_command(command: type[c.Command], field: str) -> Reader:
    return lambda args, ctx: command(**{field: _one_id(args, command.name)})


# --------------------------------------------------------------------------- argument readers
def _start(args: str, ctx: ParseContext) -> c.Command:
    return c.Start(payload=args.split(" ")[0] if args else "")


def _lang(args: str, ctx: ParseContext) -> c.Command:
    word = args.strip().lower()
    if word in {"zh", "cn", "中文", "中", "chinese"}:
        return c.SetLanguage(language="zh")
    if word in {"en", "english", "英文", "英语"}:
        return c.SetLanguage(language="en")
    raise ParseError("lang")


def _unknown(args: str, ctx: ParseContext) -> c.Command:
    return c.UnknownCommand(word=args)


def _bind(args: str, ctx: ParseContext) -> c.Command:
    word = args.strip()
    if word.lower() in {"居委", "居委会", "committee", "居民委员会"}:
        return c.Bind(committee=True)
    building = parse_building(word)
    if building is None:
        raise ParseError("bind")
    return c.Bind(building=building)


def _register(args: str, ctx: ParseContext) -> c.Command:
    found = parse_registration(args) or parse_local_registration(args)
    if found is None:
        raise ParseError("register")
    room, name = found
    return c.Register(room=room, display_name=name)


def _leader(args: str, ctx: ParseContext) -> c.Command:
    return c.AppointLeader(demote=args.strip().lower() in {"取消", "撤销", "off", "remove", "demote"})


def _bought(args: str, ctx: ParseContext) -> c.Command:
    request_id = _one_id(args, "bought")
    rest = args.strip().split(" ", 1)[1].strip() if " " in args.strip() else ""
    cost = None
    if rest:
        found = find_money(rest)  # 45块, 共花了45块, 花了45.5元, 45.5 yuan; else a bare 86.5
        try:
            cost = found[0].fen if found else parse_money(rest).fen
        except ValueError:
            raise ParseError("bought", "bad cost") from None
    return c.MedBought(request_id=request_id, cost_fen=cost)


def _paid(args: str, ctx: ParseContext) -> c.Command:
    parts = args.split(None, 1)
    if len(parts) != 2:
        raise ParseError("paid")
    return c.MarkPaid(buy_id=_int(parts[0], "paid"), room=_room(parts[1], "paid"))


def _care(args: str, ctx: ParseContext) -> c.Command:
    room, rest = _leading_room(args)
    if room is None:
        raise ParseError("care")
    return c.CareAdd(room=room, needs=rest[:100])


def _room_command(command: type[c.CarePair] | type[c.CareSafe]) -> Reader:
    def parse_args(args: str, ctx: ParseContext) -> c.Command:
        room, _ = _leading_room(args)
        if room is None:
            raise ParseError(command.name)
        return command(room=room)

    return parse_args


_FIELD = re.compile(r"^(?P<key>关键词|关键字|keywords?|来源|出处|source)\s*[:]\s*(?P<value>.*)$", re.I | re.S)


def _rumor(args: str, ctx: ParseContext) -> c.Command:
    parts = [part.strip() for part in re.split(r"\s*\|\s*", args) if part.strip()]
    if len(parts) < 3:
        raise ParseError("rumor")
    title, keywords, content, source = parts[0], [], [], None
    for part in parts[1:]:
        field = _FIELD.match(part)
        if field and field["key"].lower() in {"关键词", "关键字", "keyword", "keywords"}:
            keywords = [k for k in re.split(rf"[\s{SEPARATORS}]+", field["value"]) if k]
        elif field:
            source = field["value"].strip() or None
        else:
            content.append(part)
    if not keywords or not content:
        raise ParseError("rumor")
    return c.Rumor(title=title[:60], keywords=keywords[:10], content="\n".join(content)[:2000], source=source)


_DAILY = re.compile(r"^(?:每天|每日|daily|every\s*day)\s*(?P<time>\S+?(?:\s*(?:am|pm))?)\s+(?P<text>.+)$", re.I | re.S)


def _notice(args: str, ctx: ParseContext) -> c.Command:
    if not args.strip():
        raise ParseError("notice")
    daily = _DAILY.match(args)
    if daily:
        try:
            at = parse_clock(daily["time"])
        except ValueError:
            raise ParseError("notice", "bad time") from None
        return c.Notice(text=daily["text"].strip()[:3500], daily_at=at)
    return c.Notice(text=args.strip()[:3500])


def _export(args: str, ctx: ParseContext) -> c.Command:
    """``/export`` or ``/export 2026-04-01 2026-04-10`` (local dates, inclusive)."""
    words = args.split()
    if len(words) not in (0, 2):
        raise ParseError("export")
    try:
        dates = [date.fromisoformat(word) for word in words]
    except ValueError:
        raise ParseError("export", "bad date") from None
    if dates and dates[0] > dates[1]:
        raise ParseError("export", "range reversed")
    return c.Export(start=dates[0], end=dates[1]) if dates else c.Export()


# --------------------------------------------------------------------------- the commands
_MED, _GB = Topic("med", ("help.medicine",)), Topic("gb", ("help.groupbuy",))
_VOL, _CARE = Topic("vol", ("help.volunteers",)), Topic("care", ("help.care",))
_NOTICES = Topic("notice", ("help.bulletins", "help.reports"))
_V, _L, _C, _A = Menu.VOLUNTEERS, Menu.LEADERS, Menu.COMMITTEE, Menu.ADMIN

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", _start, menu=Menu.NONE),
    CommandSpec("help", _no_args(c.Help), ("帮助",)),
    CommandSpec("bind", _bind, ("绑定",), who="bind", menu=_A),
    CommandSpec("register", _register, ("登记",)),
    CommandSpec("leader", _leader, ("楼组长",), who="leader", menu=_A),
    CommandSpec("me", _no_args(c.Me), ("我的",)),
    CommandSpec("lang", _lang, ("语言",)),
    CommandSpec("purge", _no_args(c.Purge), ("清除数据",), who="purge", menu=_A),
    CommandSpec(
        "med", lambda args, ctx: parse_med(args), ("配药",), ("medicine",), who="med", topic=_MED, list_first=True
    ),
    CommandSpec("claim", _id_command(c.MedClaim, "request_id"), ("认领",), who="med.claim", menu=_V, topic=_MED),
    CommandSpec("bought", _bought, ("已购", "已买"), who="med.bought", menu=_V, topic=_MED),
    CommandSpec("delivered", _id_command(c.MedDelivered, "request_id"), ("已送达", "送达"), who="med.delivered", menu=_V, topic=_MED),
    CommandSpec("cancel", _id_command(c.MedCancel, "request_id"), ("取消",), who="med.cancel", topic=_MED),
    CommandSpec("medlist", _no_args(c.MedList), ("配药清单",), who="med.list", menu=_V, topic=_MED),
    CommandSpec("groupbuy", parse_groupbuy, ("开团",), who="gb.open", menu=_L, topic=_GB),
    CommandSpec("order", parse_order, ("接龙",), who="gb.order", topic=_GB),
    CommandSpec("close", _id_command(c.CloseBuy, "buy_id"), ("截单",), who=Who.LEADER, menu=_L, topic=_GB),
    CommandSpec("paid", _paid, ("已付",), who=Who.LEADER, menu=_L, topic=_GB),
    CommandSpec("orders", _id_command(c.BuySummary, "buy_id"), ("团购汇总",), who=Who.LEADER, menu=_L, topic=_GB),
    CommandSpec("editbuy", parse_buy_change, ("改团",), who="gb.change", menu=_L, topic=_GB),
    CommandSpec("reopen", _id_command(c.Reopen, "buy_id"), ("再开团",), who="gb.reopen", menu=_L, topic=_GB),
    CommandSpec("relaytext", _id_command(c.RelayText, "buy_id"), ("接龙文本",), who="gb.relaytext", menu=_L, topic=_GB),
    CommandSpec("volunteer", parse_volunteer, ("报到",), who="volunteer.apply", topic=_VOL),
    CommandSpec("checkin", parse_checkin, ("签到",), who="checkin", menu=_V, topic=_VOL),
    CommandSpec("checkout", _no_args(c.CheckOut), ("签退",), who="checkout", menu=_V, topic=_VOL),
    CommandSpec("onduty", _no_args(c.OnDuty), ("在岗",), topic=_VOL),
    CommandSpec("hours", _no_args(c.WorkHours), ("工时",), topic=_VOL),
    CommandSpec("volunteers", _no_args(c.VolunteerRoster), ("志愿者名单",), who="volunteer.roster", menu=_C, topic=_VOL),
    CommandSpec("approve", _no_args(c.Approve), ("通过", "批准"), who="volunteer.approve", menu=_L, topic=_VOL),
    CommandSpec("shift", parse_shift, ("排班",), who="shift.open", menu=_L, topic=_VOL),
    CommandSpec("takeshift", _id_command(c.ShiftTake, "slot_id"), ("认领班",), who="shift.take", menu=_V, topic=_VOL),
    CommandSpec("vacancies", _no_args(c.Vacancies), ("空缺",), topic=_VOL),
    CommandSpec("care", _care, ("关爱",), who="care.add", menu=_L, topic=_CARE),
    CommandSpec("pair", _room_command(c.CarePair), ("结对",), who="care.pair", menu=_L, topic=_CARE),
    CommandSpec("safe", _room_command(c.CareSafe), ("平安", "报平安"), who="care.safe", menu=_V, topic=_CARE),
    CommandSpec("rumor", _rumor, ("辟谣",), who="rumor", menu=_C, topic=_NOTICES),
    CommandSpec("rumors", _no_args(c.Rumors), who="rumor", menu=_C, topic=_NOTICES),
    CommandSpec("rumor_off", _id_command(c.RumorOff, "rumor_id"), who="rumor_off", menu=_C, topic=_NOTICES),
    CommandSpec("notice", _notice, ("通知",), who="notice", menu=_C, topic=_NOTICES),
    CommandSpec("notices", _no_args(c.Notices), who="notices", menu=_C, topic=_NOTICES),
    CommandSpec("notice_off", _id_command(c.NoticeOff, "notice_id"), who="notice_off", menu=_C, topic=_NOTICES),
    CommandSpec("digest", _no_args(c.Digest), ("日报",), who="digest", menu=_C, topic=_NOTICES),
    CommandSpec("export", _export, ("导出",), who="export", menu=_A, topic=_NOTICES),
)  # fmt: skip
BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}
TOPICS: tuple[Topic, ...] = tuple(dict.fromkeys(spec.topic for spec in COMMANDS if spec.topic))


def tags() -> dict[str, str]:
    """Chinese tag → command name."""
    return {tag: spec.name for spec in COMMANDS for tag in spec.tags}


def slash_words() -> dict[str, str]:
    """Slash word (ASCII: Telegram's rule) → command name."""
    return {word: spec.name for spec in COMMANDS for word in spec.slash}


def lists_first() -> frozenset[str]:
    """The commands whose list may be written before their tag."""
    return frozenset(spec.name for spec in COMMANDS if spec.list_first)


def readers() -> dict[str, Reader]:
    """Command name → its argument reader (``unknown``: a slash word that is no command)."""
    return {**{spec.name: spec.read for spec in COMMANDS}, "unknown": _unknown}


def menu_commands(*menus: Menu) -> list[CommandSpec]:
    """The commands the "/" menus ``menus`` list, in declaration order."""
    return [spec for spec in COMMANDS if spec.menu in menus]


# --------------------------------------------------------------------------- the README's reference
_WHO_WORDS = {
    Who.COMMITTEE: "committee",
    Who.LEADER: "floor leader",
    Who.VOLUNTEER: "volunteer",
    Who.RESIDENT: "registered resident",
    Who.REQUESTER: "requester, leader",
}


def markdown(describe: Callable[[str], str]) -> str:
    """The README's command reference: one row per command (form · slash · who · meaning);
    ``describe(key)`` gives a text of the catalogue in English."""
    rows = ["| form | slash | who | meaning |", "| --- | --- | --- | --- |"]
    for spec in COMMANDS:
        if spec.menu is Menu.NONE:
            continue
        form = " · ".join(f"`#{tag}`" for tag in spec.tags) or "—"
        slash = " · ".join(f"`/{word}`" for word in spec.slash)
        who = _WHO_WORDS[spec.role] if spec.role else "anyone"
        rows.append(f"| {form} | {slash} | {who} | {describe(spec.menu_key)} |")
    return "\n".join(rows)
