"""Text → command. The hashtag forms (``#配药``, ``＃配药``, ``【配药】``, no space needed, anywhere in
the first line) and the slash forms (``/med``, ``/med@botname``) lead to the same argument parsers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.language import commands as c
from bot.language.announcement import parse_groupbuy
from bot.language.medlist import parse_med
from bot.language.money import find_money, parse_money
from bot.language.normalize import SEPARATORS, normalize
from bot.language.numbers import parse_int
from bot.language.relay import parse_order, parse_reply
from bot.language.rooms import (
    find_room,
    match_room,
    parse_building,
    parse_local_registration,
    parse_registration,
    parse_room,
)
from bot.language.times import parse_clock
from bot.language.volunteering import parse_checkin, parse_shift, parse_volunteer

MAX_TEXT = 4096
MAX_ITEMS = 50  # one household's medicine list; more is a paste gone wrong


@dataclass(frozen=True)
class ParseContext:
    now: datetime
    tz: ZoneInfo
    bot_username: str = ""
    reply_to_bot: bool = False


Parser = Callable[[str, ParseContext], c.Command]

# --------------------------------------------------------------------------- the words
# Chinese tag → command name. Longer tags win (配药清单 before 配药, 认领班 before 认领).
TAGS: dict[str, str] = {
    "帮助": "help", "绑定": "bind", "登记": "register", "楼组长": "leader", "我的": "me",
    "语言": "lang", "清除数据": "purge",
    "配药": "med", "认领": "claim", "已购": "bought", "已买": "bought", "已送达": "delivered",
    "送达": "delivered", "取消": "cancel", "配药清单": "medlist",
    "开团": "groupbuy", "接龙": "order", "截单": "close", "已付": "paid", "团购汇总": "orders",
    "报到": "volunteer", "签到": "checkin", "签退": "checkout", "在岗": "onduty", "工时": "hours",
    "志愿者名单": "volunteers", "通过": "approve", "批准": "approve",
    "排班": "shift", "认领班": "takeshift", "空缺": "vacancies",
    "关爱": "care", "结对": "pair", "平安": "safe", "报平安": "safe",
    "辟谣": "rumor", "通知": "notice", "日报": "digest", "导出": "export",
}  # fmt: skip
# Slash command → command name (ASCII only: Telegram's rule).
SLASH: dict[str, str] = {
    "start": "start", "help": "help", "bind": "bind", "register": "register", "leader": "leader",
    "me": "me", "lang": "lang", "purge": "purge",
    "med": "med", "medicine": "med", "claim": "claim", "bought": "bought", "delivered": "delivered",
    "cancel": "cancel", "medlist": "medlist",
    "groupbuy": "groupbuy", "order": "order", "close": "close", "paid": "paid", "orders": "orders",
    "volunteer": "volunteer", "checkin": "checkin", "checkout": "checkout", "onduty": "onduty",
    "hours": "hours", "volunteers": "volunteers", "approve": "approve",
    "shift": "shift", "takeshift": "takeshift", "vacancies": "vacancies",
    "care": "care", "pair": "pair", "safe": "safe",
    "rumor": "rumor", "rumors": "rumors", "rumor_off": "rumor_off",
    "notice": "notice", "notices": "notices", "notice_off": "notice_off",
    "digest": "digest", "export": "export",
}  # fmt: skip

# English words work as tags too (``#med``, ``#order``): every slash word, ASCII, whole word.
_TAG_WORDS = "|".join(sorted(TAGS, key=len, reverse=True))
_EN_TAG_WORDS = "|".join(sorted(SLASH, key=len, reverse=True))
_HASH_TAG = re.compile(rf"#\s*(?:(?P<tag>{_TAG_WORDS})|(?P<en>{_EN_TAG_WORDS})(?![A-Za-z0-9_]))", re.I)
_BRACKET_TAG = re.compile(rf"【\s*(?P<tag>{_TAG_WORDS})\s*】")
_SLASH = re.compile(r"/(?P<word>[A-Za-z0-9_]{1,32})(?:@(?P<bot>[A-Za-z0-9_]+))?(?=\s|$)")
# What may stand before a command on its line: numbering, bullets, emoji, brackets, punctuation.
_DECORATION = re.compile(
    r"^(?:\s|\d{1,3}\s*[.、)）:](?!\d)|[(（]\d{1,3}[)）]|[\[\]【】*\-•·>~!！,，。]"
    r"|[\u2460-\u24ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff])*"
)
# A few words before a tag are still a command (请帮忙 #配药 …, 王阿姨 #接龙 …); words that talk
# *about* the tag make it chatter (谁知道#配药 要怎么写？).
_PREFIX_MAX = 10
_ABOUT_TAG = re.compile(
    r"[?？]|谁|怎么|怎样|如何|什么|啥|吗|呢|是不是|能不能|为什么|知道|用|发|写|打|输入|试|说|看|这个|那个|你们|大家|以前|之前"
    r"|请问|(?<!好)的$"
)
# A tag followed by 的 is a noun in a sentence (#配药 的单子我已经填好了): chatter too.
_ABOUT_AFTER = re.compile(r"^的")
# Words right after a tag that ask how it works: answered with the command's usage.
_HOW_TO = re.compile(r"^(?:要?怎么|怎样|如何|是什么|是啥|什么意思|啥意思|没反应|不管用|不好用|how\b|what\b)", re.I)
_URGENT = re.compile(r"^(?:急|加急|紧急|urgent|URGENT|!+)(?:\s+|(?=[^\sA-Za-z])|$)", re.I)
_ID = re.compile(r"^(?:#|No\.?\s*|第)?\s*(?P<id>\d{1,9})\s*(?:号|单)?$", re.I)


def parse(text: str, ctx: ParseContext) -> c.Command | None:
    """The command in ``text``; None for ordinary chatter; ``ParseError`` for a malformed command."""
    text = normalize(text[: MAX_TEXT * 2])[:MAX_TEXT]
    if not text:
        return None
    first_line = text.split("\n", 1)[0]
    typo = _near_miss(first_line, close=False)
    if typo is not None:
        return typo
    found = _find_command(text, ctx)
    if found is None:
        return _near_miss(first_line, close=True) or (parse_reply(text) if ctx.reply_to_bot else None)
    name, args = found
    parser = PARSERS[name]
    try:
        return parser(args, ctx)
    except ParseError:
        raise
    except (ValueError, ValidationError) as exc:
        raise ParseError(name, exc.__class__.__name__) from None


ParseError = c.ParseError


def _find_command(text: str, ctx: ParseContext) -> tuple[str, str] | None:
    """The command a message gives: a slash command or tag at the start of a line (after numbering,
    an emoji, a bracket, a room or a few polite words); its arguments are the rest of that line and
    every line below. A tag inside a sentence that talks about it is chatter (None)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        found = _command_on_line(line, ctx)
        if found is None:
            continue
        name, args, prefix_room = found
        rest = "\n".join(lines[index + 1 :]).strip()
        if rest:
            args = f"{args}\n{rest}" if args else rest
        if _HOW_TO.match(args) and name not in ("unknown", "notice", "rumor", "start"):
            raise ParseError(name, "asks how the command works")
        if prefix_room and name in ("med", "register", "care"):
            args = f"{prefix_room} {args}"
        elif prefix_room and name == "order":  # 3-502 #接龙 3 2: the room goes after the buy's number
            first, _, below = args.partition("\n")
            args = f"{first} {prefix_room}\n{below}".strip()
        return name, args.strip()
    return None


def _command_on_line(line: str, ctx: ParseContext) -> tuple[str, str, str] | None:
    """(command name, arguments on this line, a room written before the tag) or None."""
    start = _DECORATION.match(line).end()
    slash = _SLASH.match(line, start)
    if slash:
        if slash["bot"] and ctx.bot_username and slash["bot"].lower() != ctx.bot_username.lower():
            return None  # addressed to another bot
        word = slash["word"].lower()
        name = SLASH.get(word)
        if name is None:
            return ("unknown", word, "") if start == 0 else None
        return name, line[slash.end() :].strip(), ""
    candidates = [m for m in (_HASH_TAG.search(line), _BRACKET_TAG.search(line)) if m]
    if not candidates:
        return None
    match = min(candidates, key=lambda m: m.start())
    prefix = line[min(start, match.start()) : match.start()].strip()
    prefix_room = ""
    if prefix:
        found = find_room(prefix)
        if found is not None:  # 3-502 #配药 …, 王建国 3-702 #配药 …
            _, room_start, room_end = found
            prefix_room = prefix[room_start:room_end]
            prefix = f"{prefix[:room_start]} {prefix[room_end:]}".strip()
        if len(prefix) > _PREFIX_MAX or _ABOUT_TAG.search(prefix):
            return None
    args = line[match.end() :].strip()
    if _ABOUT_AFTER.match(args):
        return None
    name = TAGS[match["tag"]] if match["tag"] else SLASH[match["en"].lower()]
    return name, args, prefix_room


# --------------------------------------------------------------------------- near misses
# Tags mistyped so that they begin with a real one (#开团购 would open a buy titled 购…), or too far
# from any tag for one edit.
TYPOS: dict[str, str] = {"开团购": "开团", "开个团": "开团", "配个药": "配药", "登陆": "登记", "登录": "登记"}
_NEAR_TAG = re.compile(r"#\s*(?P<word>[\u4e00-\u9fff]{2,6}|[A-Za-z][A-Za-z0-9]{3,15}(?![A-Za-z0-9_]))")
_FIRST_TAG = {name: tag for tag, name in reversed(TAGS.items())}  # a command's first (usual) tag


def _near_miss(line: str, *, close: bool) -> c.NearMiss | None:
    """A mistyped tag at the start of ``line``: one of :data:`TYPOS`, or (``close``) a word one edit
    away from a tag (``#配要``, ``#接隆``) or from an English tag of four letters or more (``#med1cine``)."""
    match = _NEAR_TAG.match(line, _DECORATION.match(line).end())
    if match is None:
        return None
    word = match["word"]
    for typo, tag in TYPOS.items():
        if word.startswith(typo):
            return c.NearMiss(word=typo, tag=tag, command=TAGS[tag])
    if not close:
        return None
    if word.isascii():
        lowered = word.lower()
        for english, name in SLASH.items():
            if len(english) >= 4 and _one_edit(lowered, english):
                return c.NearMiss(word=word, tag=_FIRST_TAG.get(name, english), command=name)
        return None
    for tag, name in TAGS.items():
        for size in (len(tag), len(tag) + 1, len(tag) - 1):
            # a two-character tag: only its second character mistyped (配要, 接隆), not 团购 for 已购
            if size >= 2 and _one_edit(word[:size], tag) and (len(tag) > 2 or word[0] == tag[0]):
                return c.NearMiss(word=word[:size], tag=tag, command=name)
    return None


def _one_edit(word: str, target: str) -> bool:
    """``word`` differs from ``target`` by exactly one substitution, insertion or deletion."""
    if word == target or abs(len(word) - len(target)) > 1:
        return False
    if len(word) == len(target):
        return sum(a != b for a, b in zip(word, target, strict=True)) == 1
    short, long = sorted((word, target), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


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


def _room(text: str, command: str) -> c.Room:
    room = parse_room(text)
    if room is None:
        raise ParseError(command, "not a room")
    return room


def _leading_room(args: str) -> tuple[c.Room | None, str]:
    found = match_room(args)
    if found is None:
        return None, args
    room, end = found
    if end < len(args) and not args[end].isspace() and args[end] not in SEPARATORS:
        return None, args  # "3-502盒" is not an address followed by something
    return room, args[end:].strip(f" {SEPARATORS}")


def _no_args(command: type[c.Command]) -> Parser:
    return lambda args, ctx: command()


def _id_command(command: type[c.Command], field: str) -> Parser:
    return lambda args, ctx: command(**{field: _one_id(args, command.name)})


# --------------------------------------------------------------------------- argument parsers
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


def _room_command(command: type[c.CarePair] | type[c.CareSafe]) -> Parser:
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


PARSERS: dict[str, Parser] = {
    "start": _start,
    "help": _no_args(c.Help),
    "lang": _lang,
    "unknown": _unknown,
    "bind": _bind,
    "register": _register,
    "leader": _leader,
    "me": _no_args(c.Me),
    "purge": _no_args(c.Purge),
    "med": lambda args, ctx: parse_med(args),
    "claim": _id_command(c.MedClaim, "request_id"),
    "bought": _bought,
    "delivered": _id_command(c.MedDelivered, "request_id"),
    "cancel": _id_command(c.MedCancel, "request_id"),
    "medlist": _no_args(c.MedList),
    "groupbuy": parse_groupbuy,
    "order": parse_order,
    "close": _id_command(c.CloseBuy, "buy_id"),
    "paid": _paid,
    "orders": _id_command(c.BuySummary, "buy_id"),
    "volunteer": parse_volunteer,
    "checkin": parse_checkin,
    "checkout": _no_args(c.CheckOut),
    "onduty": _no_args(c.OnDuty),
    "hours": _no_args(c.WorkHours),
    "volunteers": _no_args(c.VolunteerRoster),
    "approve": _no_args(c.Approve),
    "shift": parse_shift,
    "takeshift": _id_command(c.ShiftTake, "slot_id"),
    "vacancies": _no_args(c.Vacancies),
    "care": _care,
    "pair": _room_command(c.CarePair),
    "safe": _room_command(c.CareSafe),
    "rumor": _rumor,
    "rumors": _no_args(c.Rumors),
    "rumor_off": _id_command(c.RumorOff, "rumor_id"),
    "notice": _notice,
    "notices": _no_args(c.Notices),
    "notice_off": _id_command(c.NoticeOff, "notice_id"),
    "digest": _no_args(c.Digest),
    "export": _export,
}
