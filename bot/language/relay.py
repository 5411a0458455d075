"""Orders and relays (接龙): ``#接龙 3 2`` (one household's order for buy 3), a pasted WeChat relay
(a header, then lines with a name, emoji, room and quantity in any order), a one-line tally
(``#接龙 蔬菜包 3-502 2，3-601 1``), and ``+2`` replied to the bot's board.

Never a guess: a line whose room or quantity cannot be read is listed back as unreadable.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from bot.domain.rooms import Room
from bot.language import commands as c
from bot.language.money import find_money
from bot.language.normalize import EMOJI
from bot.language.numbers import CN_CHARS, NUMBER, parse_int
from bot.language.personal import scrub
from bot.language.quantities import UNIT
from bot.language.rooms import find_room

if TYPE_CHECKING:
    from bot.language.parser import ParseContext

_MAX_QUANTITY = 9999
# The buy's number: 3, #3, 3号团, 第3团.
_BUY_ID = re.compile(r"^(?:#|第)?\s*(?P<id>\d{1,9})\s*(?:号团|号|团)?(?:\s+|$)")
_NUMBERED = re.compile(r"^(?P<n>\d{1,4})\s*[.、)）:]\s*(?P<body>.*)$")
# A quantity: x2, *2, ×2, +1, +2份 / 2份, 两份, 一箱, 2 boxes / a lone 2 or 两 (after 要, or after a room's "-").
_QUANTITY = re.compile(
    rf"(?<![A-Za-z])[x×*X+]\s*(?P<times>{NUMBER})\s*(?:{UNIT})?"
    rf"|(?P<counted>{NUMBER})\s*(?:{UNIT})"
    rf"|(?:(?<![\w.])|(?<=要))(?P<bare>\d{{1,5}}|[{CN_CHARS}]{{1,4}})(?![\w.])"
)
# A portion unit glued to the room (3-5022份): the digits of room and quantity ran together.
_GLUED_UNIT = re.compile(r"份|盒|箱|袋|瓶|斤|个|件|桶|罐")
_PAID = re.compile(r"已付款?|已转账?|已支付|已付清|(?i:\bpaid\b)")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_CURRENCY = re.compile(r"[元¥$]|RMB|CNY|yuan", re.I)
# Lines that are not orders: examples of the format, and lines of punctuation or emoji only.
_EXAMPLE = re.compile(r"^[^\w]*(?:例|示例|举例|样例|格式|比如|e\.?g\b|example)", re.I)
_WORDS = re.compile(r"[^\W_]")
# A numbered line without a room in the header is a rule (1. 每户限2份), not an order.
_RULE = re.compile(r"截止|截单|限|起订|自提|取货|付款|转账|备注|说明|规则|价格|元|团长|注意|到货|配送|时间|每户|请")
# A header line naming the organiser or the pick-up place may hold a room: it is not an order.
_ORGANISER = re.compile(r"团长|发起|取货|提货|地点|地址|联系")
_TITLE_NOISE = re.compile(r"#|接龙|[【】\[\]()（）「」<>《》]")
# Where a title's product words end: a word with a digit or a deadline (蔬菜包 今晚8点截止).
_TITLE_END = re.compile(r"\s\S*(?:\d|截止|截单|截至)")
_BRACKETED = re.compile(r"【([^】]+)】|\[([^\]]+)\]")
_REPLY = re.compile(
    rf"^(?:\+\s*(?P<q>{NUMBER})\s*(?:{UNIT})?|(?P<portions>{NUMBER})\s*份)"
    rf"[\s,，]*(?P<paid>{_PAID.pattern})?[\s,，]*(?i:please|pls|thanks|thank you|谢谢(?:团长)?)?[\s\W]*$"
)


class _Reading(NamedTuple):
    quantity: int | None  # None when no quantity is written
    paid: bool


def parse_order(args: str, ctx: ParseContext) -> c.Order | c.RelayImport:
    """The arguments of ``#接龙`` / ``/order`` (normalised, maybe many lines): an ``Order`` when they
    start with a buy id and name at most one room, on one line (chatter on other lines is ignored),
    else a ``RelayImport``. ``ParseError`` when neither can be read."""
    lines = args.split("\n")
    buy_id = None
    numbered = _BUY_ID.match(lines[0])
    if numbered:
        buy_id = int(numbered["id"])
        if buy_id == 0:
            raise c.ParseError("order", "buy 0")
        lines[0] = lines[0][numbered.end() :]
        rooms = _rooms(lines[0])
        if len(rooms) <= 1 and not any(find_room(line) for line in lines[1:]):
            return _order(buy_id, lines[0], rooms[0] if rooms else None)
    return _relay(buy_id, lines)


def parse_reply(text: str) -> c.ReplyOrder | None:
    """A reply to the bot's board: ``+2``, ``+ 2``, ``+2份``, ``+1 已付``, ``2份`` (normalised); None
    for anything else, which stays chatter."""
    match = _REPLY.match(text.strip())
    if not match:
        return None
    quantity = _number(match["q"] or match["portions"])
    if quantity is None:
        return None
    return c.ReplyOrder(quantity=quantity, paid=bool(match["paid"]))


def _order(buy_id: int, text: str, found: tuple[Room, int, int] | None) -> c.Order:
    room = None
    if found:
        room, start, end = found
        if _GLUED_UNIT.match(text, end):
            raise c.ParseError("order", "room glued to the quantity")
        text = f"{text[:start]} {text[end:]}"
    reading = _read(text, None)
    if reading is None or reading.quantity is None:
        raise c.ParseError("order", "bad quantity")
    return c.Order(buy_id=buy_id, quantity=reading.quantity, room=room, paid=reading.paid)


def _relay(buy_id: int | None, lines: list[str]) -> c.RelayImport:
    title = ""
    read: list[c.RelayLine] = []
    unreadable: list[str] = []
    first = True
    for line in lines:
        if not _WORDS.search(line) or _EXAMPLE.match(line):
            continue
        numbered = _NUMBERED.match(line)
        body = numbered["body"] if numbered else line
        rooms = _rooms(body)
        titled, first = first and not numbered, False
        if titled:
            title = _title(body[: rooms[0][1]] if rooms else body)
        if not rooms:
            if read or unreadable or (numbered and not _RULE.search(body)):
                unreadable.append(line)
            continue
        if not (read or unreadable) and _ORGANISER.search(body):
            continue
        number = int(numbered["n"]) if numbered and len(rooms) == 1 else None
        entries = _entries(body, rooms, with_head=not titled, previous=read[-1].quantity if read else None)
        if entries is None:
            unreadable.append(line)
            continue
        for room, quantity, paid in entries:
            position = len(read) + len(unreadable) + 1
            read.append(c.RelayLine(number=number or position, room=room, quantity=quantity, paid=paid))
    if not (read or unreadable):
        own = _own_order(lines[0]) if len(lines) == 1 and buy_id is None else None
        if own is None:
            raise c.ParseError("order", "empty relay")
        return c.RelayImport(title=own[0], lines=[], mine=own[1])
    # Listed back to the group: a phone or card number in a line is never repeated.
    unreadable = [scrub(line, mark="***")[0] for line in unreadable]
    return c.RelayImport(title=title, lines=read, unreadable=unreadable, buy_id=buy_id)


def _own_order(line: str) -> tuple[str, int] | None:
    """``蔬菜包 2份`` / ``鸡蛋 两盒 已付``: a buy's item, then the sender's own quantity last."""
    text = _PAID.sub(" ", line).strip()
    found = list(_QUANTITY.finditer(text))
    if not found or text[found[-1].end() :].strip():
        return None
    title = _title(text[: found[-1].start()])
    quantity = _number(found[-1]["times"] or found[-1]["counted"] or found[-1]["bare"])
    return (title, quantity) if _LETTER.search(title) and quantity is not None else None


def _entries(
    body: str, rooms: list[tuple[Room, int, int]], *, with_head: bool, previous: int | None
) -> list[tuple[Room, int, bool]] | None:
    """Each room of a line with its quantity (1 when none is written) and paid mark, read from what
    follows it up to the next room (the first also from the words before it, unless they are the
    title); None if any quantity cannot be read or is glued to its room. A line of several rooms
    must give each its quantity."""
    entries = []
    for index, (room, start, end) in enumerate(rooms):
        if _GLUED_UNIT.match(body, end):
            return None
        stop = rooms[index + 1][1] if index + 1 < len(rooms) else len(body)
        text = body[end:stop].lstrip("-")
        if index == 0 and with_head:
            text = f"{body[:start]} {text}"
        reading = _read(text, previous)
        if reading is None or (reading.quantity is None and len(rooms) > 1):
            return None
        previous = 1 if reading.quantity is None else reading.quantity
        entries.append((room, previous, reading.paid))
    return entries


def _read(text: str, previous: int | None) -> _Reading | None:
    """The quantity and paid mark in what surrounds a room (names, emoji, 要, 同上 = ``previous``);
    None when a quantity is unreadable, ambiguous or out of range, or stray digits remain."""
    money = find_money(text) if _CURRENCY.search(text) else None
    if money and _CURRENCY.search(text, *money[1]):  # 68元, ¥68 (but 2块 may be two pieces)
        start, end = money[1]
        text = f"{text[:start]} {text[end:]}"
    paid = _PAID.search(text) is not None
    if paid:
        text = _PAID.sub(" ", text)
    quantities = list(_QUANTITY.finditer(text))
    same = "同上" in text
    if len(quantities) + same > 1:
        return None
    if same:
        return _Reading(previous, paid) if previous is not None else None
    if not quantities:
        return None if _DIGIT.search(text) else _Reading(None, paid)
    match = quantities[0]
    if _DIGIT.search(text[: match.start()] + text[match.end() :]):
        return None
    quantity = _number(match["times"] or match["counted"] or match["bare"])
    return _Reading(quantity, paid) if quantity is not None else None


def _rooms(text: str) -> list[tuple[Room, int, int]]:
    rooms = []
    pos = 0
    while (found := find_room(text, pos)) is not None:
        rooms.append(found)
        pos = found[2]
    return rooms


def _number(text: str) -> int | None:
    try:
        value = parse_int(text)
    except ValueError:
        return None
    return value if value <= _MAX_QUANTITY else None


def _title(text: str) -> str:
    """The product words of a relay's header: ``【蔬菜包接龙】68元/份`` → 蔬菜包,
    ``蔬菜包 68元/份 今晚8点截止`` → 蔬菜包."""
    bracketed = _BRACKETED.search(text)
    if bracketed and _clean(bracketed[1] or bracketed[2]):
        text = bracketed[1] or bracketed[2]
    text = _clean(text)
    end = _TITLE_END.search(text)
    return text[: end.start()] if end else text


def _clean(text: str) -> str:
    while (money := find_money(text)) is not None:
        start, end = money[1]
        text = f"{text[:start]} {text[end:]}"
    text = EMOJI.sub(" ", _TITLE_NOISE.sub(" ", text))
    return " ".join(text.split()).strip(" :.,，、;；。!！~-")[:60]
