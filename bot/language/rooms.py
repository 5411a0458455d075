"""Room addresses: 3号楼502, 3-502, 3#502, 3栋502, 3幢502室, 3号楼2单元502, 5栋1单元502, 3-2-502, 18号-301,
三号楼502, 三号楼五零二, ３－５０２, after an address (长宁路100弄7号1101); and #登记's room and name."""

from __future__ import annotations

import re

from bot.domain.rooms import LocalRoom, Room
from bot.language.normalize import EMOJI, SEPARATORS
from bot.language.numbers import CN_CHARS, parse_int

_BUILDING = rf"(?P<b>\d{{1,4}}|[{CN_CHARS}]{{1,5}})"
# A room read digit by digit in Chinese numerals: 五零二, 一二零一.
_CN_ROOM_DIGITS = "零〇一二三四五六七八九幺"
_ROOM_PATTERN = re.compile(
    # not inside a longer number, nor a street number (长宁路1000号)
    rf"(?<![\d路街])(?<![路街] ){_BUILDING}\s*(?:(?:号楼|号|栋|幢|楼|#)\s*-?|-)\s*"
    r"(?:(?P<u>\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:单元\s*-?|-)\s*)?"
    rf"(?P<r>\d{{2,5}}|[{_CN_ROOM_DIGITS}]{{3,5}})(?:\s*(?:室|号))?"
    # not part of a longer number, a decimal, a time (8-10点), a date or a price
    rf"(?![\d.{_CN_ROOM_DIGITS}点月日元%])"
)
# "3号楼" or "3" alone: a building.
BUILDING_PATTERN = re.compile(rf"^{_BUILDING}\s*(?:号楼|号|栋|幢|楼)?$")
# A room alone at the start, no building: 502, 502室, 2单元502 (3 or 4 digits: not a phone number).
_LOCAL_ROOM = re.compile(
    r"^(?:(?P<u>\d{1,2}|[一二三四五六七八九十]{1,3})\s*单元\s*-?\s*)?(?P<r>\d{3,4})(?:\s*(?:室|号))?(?![\d.])"
)
# Words of an address before the room (长宁路100弄, XX小区), which are not a name.
_ADDRESS = re.compile(r"\d|路|弄|巷|街|小区|新村|花园|公寓|大厦|苑")
# A remark in brackets after a name (王小明（租户）) is not part of it; a name alone in brackets is (803室（王）).
_BRACKETED = re.compile(r"[(（【\[「<《]([^)）】\]」>》]*)[)）】\]」>》]")
_WORD = re.compile(r"[^\W_]")
_DIGIT = re.compile(r"\d")
_NAME_EDGES = f" :.,。!！?？~-+()（）【】[]「」<>《》{SEPARATORS}"
# How a name is introduced: 姓郑, 我姓王, 免贵姓李, 我叫张三, 我是李四, 名字:王五, 姓名是赵六.
_INTRODUCTION = re.compile(r"^(?:(?:我|本人)(?:免贵)?[是叫姓]|免贵姓|姓名|名字|名叫|[姓叫])\s*(?:是|叫)?\s*:?\s*(?=\S)")


def match_room(text: str, pos: int = 0) -> tuple[Room, int] | None:
    """A room address at ``pos`` of normalised text: (room, end position), or None."""
    match = _ROOM_PATTERN.match(text, pos)
    room = _room(match) if match else None
    return (room, match.end()) if match and room else None


def find_room(text: str, pos: int = 0) -> tuple[Room, int, int] | None:
    """The first room address at or after ``pos`` of normalised text (after an address prefix such
    as 长宁路100弄 or a name): (room, start, end), or None."""
    while (match := _ROOM_PATTERN.search(text, pos)) is not None:
        room = _room(match)
        if room is not None:
            return room, match.start(), match.end()
        pos = match.start() + 1
    return None


def _room(match: re.Match[str]) -> Room | None:
    try:
        return Room(
            building=parse_int(match["b"]),
            unit=parse_int(match["u"]) if match["u"] else None,
            room=parse_int(match["r"]),
        )
    except ValueError:
        return None


def parse_room(text: str) -> Room | None:
    """The whole (normalised) text as a room, or None."""
    found = match_room(text.strip())
    if found and found[1] == len(text.strip()):
        return found[0]
    return None


def parse_registration(args: str) -> tuple[Room, str | None] | None:
    """``5号楼803室（王）``, ``3-702张大妈``, ``张三 3-502``, ``长宁路100弄7号1101 李四`` → the room and the
    display name (the words after the room, else those before it that are not an address); None
    without a room. A word with digits is never part of a name (a phone number stays out of the
    group)."""
    found = find_room(args)
    if found is None:
        return None
    room, start, end = found
    name = _name(args[end:]) or _name(" ".join(w for w in args[:start].split() if not _ADDRESS.search(w)))
    return room, name


def parse_local_registration(args: str) -> tuple[LocalRoom, str | None] | None:
    """``502 张三``, ``2单元502室``: a room written without its building, and the name after it; None
    otherwise."""
    local = _LOCAL_ROOM.match(args.strip())
    if local is None:
        return None
    try:
        unit = parse_int(local["u"]) if local["u"] else None
        return LocalRoom(unit=unit, room=int(local["r"])), _name(args.strip()[local.end() :])
    except ValueError:
        return None


def _name(text: str) -> str | None:
    text = EMOJI.sub(" ", text)
    outside = _BRACKETED.sub(" ", text)
    if not _WORD.search(outside):
        outside = " ".join(_BRACKETED.findall(text))
    name = " ".join(word for word in outside.split() if not _DIGIT.search(word)).strip(_NAME_EDGES)
    name = name.removeprefix("的").strip(_NAME_EDGES)
    return _INTRODUCTION.sub("", name, count=1)[:40] or None


def parse_building(text: str) -> int | None:
    """``3``, ``3号楼``, ``三号楼``, ``3栋`` → 3; None otherwise."""
    match = BUILDING_PATTERN.match(text.strip())
    if not match:
        return None
    try:
        number = parse_int(match["b"])
    except ValueError:
        return None
    return number if 1 <= number <= 9999 else None
