"""Quantities and units (2盒, 两盒, 二十盒, x2, ×2, *2, 盒×2, 2 boxes, two boxes) and item lists.

A strength or pack size (``5mg*28片``, ``0.5g×24粒``, ``10ml``, ``28片/盒``) belongs to the name
and is never read as the quantity.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from bot.language.normalize import SEPARATORS
from bot.language.numbers import CN_CHARS, CN_UNITS, NUMBER, parse_int

_ZH_UNIT_CHARS = "盒支片瓶袋包粒板贴份箱罐个只斤克桶提件颗枚条根套听把卷块管剂张对双针杯"
ZH_UNITS = f"公斤|毫升|[{_ZH_UNIT_CHARS}]"
EN_UNITS = (
    r"box(?:es)?|bottles?|packs?|packets?|tablets?|pills?|capsules?|strips?|tubes?|bags?|pieces?|pcs"
    r"|cans?|cases?|cartons?|cups?|kg|g|ml|portions?|sets?|vials?|pens?|boxs|sachets?"
)
UNIT = rf"(?:{ZH_UNITS}|(?i:{EN_UNITS})\b)"
_TIMES = r"[x×*X]"
ITEM_SEPARATORS = re.compile(rf"[{SEPARATORS}\n]+")
_MAX_QUANTITY = 9999
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")

_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_EN_NUMBER = r"(?i:\b(?:" + "|".join(_EN_NUMBERS) + r")\b)"

# Strengths and pack sizes, masked before quantities are looked for.
_DOSE_UNIT = r"(?:mg|mcg|μg|ug|g|ml|iu|毫克|微克|克|毫升|万?单位|%)"
_PACK_UNIT = r"(?:片|粒|袋|支|丸|贴|包|板|ml|g|mg|s|t)"  # not 盒 or 瓶: *2盒 is the quantity
_STRENGTH = re.compile(
    rf"(?<![A-Za-z])\d+(?:\.\d+)?\s*{_DOSE_UNIT}(?![A-Za-z])(?:[*×xX/:]\s*\d+(?:\.\d+)?\s*{_PACK_UNIT}(?![A-Za-z]))*"
    rf"|\d+\s*(?:片|粒|袋|支|丸|贴|包)\s*(?:/\s*(?:盒|瓶|板)|装)",
    re.I,
)
_MASK = "\ue000"
# 各 / 每样 before a quantity, each / apiece after it: the quantity is for every item before it too.
_EACH_BEFORE = ("各", "每样", "每种")
_EACH_AFTER = re.compile(r"(?i:each|apiece)\b\s*")
# A unit set apart from its number is not one when it starts a word (x1 板蓝根, 2 片仔癀), unless the
# quantity comes first (两 盒布洛芬).
_NOT_A_WORD = r"(?![\u4e00-\u9fff])"
# One quantity, in any of the ways it is written.
_QUANTITY = re.compile(
    # what every form below starts with, so that other characters are passed over at once
    rf"(?=[x×*X\d{CN_CHARS}{_ZH_UNIT_CHARS}公毫A-Za-z])"
    rf"(?:(?<![A-Za-z0-9.]){_TIMES}\s*(?P<q1>\d+|[{CN_CHARS}]+)(?:(?P<s1>\s+)?(?P<u1>{UNIT})(?(s1){_NOT_A_WORD}))?"
    rf"|(?<![^\s])(?P<u2>{UNIT})\s*{_TIMES}\s*(?P<q2>{NUMBER})"
    rf"|(?<![A-Za-z0-9.])(?P<a3>\A)?(?P<q3>{NUMBER}|{_EN_NUMBER})(?P<s3>\s+)?(?P<u3>{UNIT})(?(s3)(?(a3)|{_NOT_A_WORD}))"
    r"(?:\s+of\b)?"
    r"|(?<![^\s])(?P<q4>\d+)(?![^\s]))"
)


class Item(BaseModel):
    """One line of a list: a name, a quantity (1 when none is given) and an optional unit."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=_MAX_QUANTITY)
    unit: str | None = None

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}{self.unit or ''}"


class Reading(NamedTuple):
    """A name with the quantity written next to it, if any (``name`` empty: a quantity alone);
    ``each`` when the quantity is also for the items before it given none (``A、B各两盒``)."""

    name: str
    quantity: int | None = None
    unit: str | None = None
    each: bool = False


def parse_quantity(text: str) -> tuple[int, str | None]:
    """``2盒`` → (2, '盒'); ``两`` → (2, None); ``x2`` → (2, None). ValueError otherwise."""
    match = re.fullmatch(rf"\s*{_TIMES}?\s*(?P<q>{NUMBER})\s*(?P<unit>{UNIT})?\s*", text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    return _quantity(match["q"]), _unit(match["unit"])


def read_quantities(text: str) -> list[Reading]:
    """The name–quantity pairs of one piece of a list, in order: ``布洛芬两盒 感冒灵颗粒一盒`` →
    two; ``两盒布洛芬`` (quantity first) → one; ``硝苯地平控释片 30mg*7片 2盒`` → one, the strength
    in the name; text after the last quantity is a name without one. ValueError for a quantity
    out of 1–9999."""
    text = _EMOJI.sub("", text).strip(" .。")
    masked = _STRENGTH.sub(lambda m: _MASK * len(m[0]), text)
    found = [m for m in _QUANTITY.finditer(masked) if _is_quantity(m, masked)]
    if not found:
        return [Reading(name=text)] if text else []
    values = [_read(m) for m in found]
    if found[0].start() == 0:  # quantity first: 两盒布洛芬, 2 boxes of metformin
        ends = [m.start() for m in found[1:]] + [len(text)]
        names = [text[m.end() : end] for m, end in zip(found, ends, strict=True)]
        if all(_clean(name) for name in names):
            return [Reading(name=_clean(n), quantity=q, unit=u) for n, (q, u) in zip(names, values, strict=True)]
    starts = [0] + [m.end() for m in found[:-1]]
    readings = [
        _each_before(_clean(text[start : m.start()]), q, u)
        for start, m, (q, u) in zip(starts, found, values, strict=True)
    ]
    rest = _clean(text[found[-1].end() :])
    each = _EACH_AFTER.match(rest) if rest else None
    if each:  # 2 boxes each
        readings[-1] = readings[-1]._replace(each=True)
        rest = rest[each.end() :]
    return [*readings, Reading(name=rest)] if rest else readings


def has_quantity(text: str) -> bool:
    """Does ``text`` give a quantity anywhere (``布洛芬 2盒``, ``两盒布洛芬``, ``metformin x3``)? A room
    (``3-502``) or a name alone does not."""
    try:
        return any(reading.quantity is not None for line in text.split("\n") for reading in read_quantities(line))
    except ValueError:  # a quantity out of range is still a quantity: the list's reader says what is wrong
        return True


def parse_items(text: str) -> list[Item]:
    """Split on ，,、;； and new lines, then into name–quantity pairs; no quantity means 1, and a
    quantity alone (``布洛芬，两盒``) belongs to the name before it."""
    items: list[Item] = []
    for piece in ITEM_SEPARATORS.split(text):
        for reading in read_quantities(piece):
            items = add_reading(items, reading)
    return items


def parse_item(text: str) -> Item:
    """``布洛芬缓释胶囊 2盒`` → Item(布洛芬缓释胶囊, 2, 盒); no quantity means 1."""
    items = parse_items(ITEM_SEPARATORS.sub(" ", text))
    if len(items) != 1:
        raise ValueError("not one item")
    return items[0]


def add_reading(items: list[Item], reading: Reading) -> list[Item]:
    """``items`` with ``reading`` added: a quantity alone goes to the last item if that was given
    none (it then counts 1, unitless); ValueError if there is no such item. A quantity said for
    each (``蒲地蓝、清开灵各两盒``) goes to every item given none right before it as well."""
    if reading.each:
        first = len(items)
        while first and items[first - 1].quantity == 1 and items[first - 1].unit is None:
            first -= 1
        if first == len(items) and not reading.name:
            raise ValueError("a quantity without a name")
        update = {"quantity": reading.quantity, "unit": reading.unit}
        items = items[:first] + [item.model_copy(update=update) for item in items[first:]]
        if not reading.name:
            return items
    if reading.name:
        return [*items, Item(name=reading.name[:100], quantity=reading.quantity or 1, unit=reading.unit)]
    if not items or items[-1].quantity != 1 or items[-1].unit is not None:
        raise ValueError("a quantity without a name")
    last = items[-1].model_copy(update={"quantity": reading.quantity, "unit": reading.unit})
    return [*items[:-1], last]


def _each_before(name: str, quantity: int, unit: str | None) -> Reading:
    """The reading of ``name`` and the quantity after it, said for each when the name ends in 各."""
    for word in _EACH_BEFORE:
        if name.endswith(word):
            return Reading(name=_clean(name[: -len(word)]), quantity=quantity, unit=unit, each=True)
    return Reading(name=name, quantity=quantity, unit=unit)


def _is_quantity(match: re.Match[str], text: str) -> bool:
    """``三七片`` and ``六一`` are names: a Chinese numeral read digit by digit is not a quantity;
    nor is one glued to a single character (王五张三) other than 各."""
    number = match["q1"] or match["q2"] or match["q3"] or match["q4"]
    if number[0] not in CN_CHARS:
        return True
    start = match.start()
    glued_to_one = (
        start >= 1
        and not text[start - 1].isspace()
        and text[start - 1] != "各"  # 各一盒: one box each
        and (start == 1 or text[start - 2].isspace())
    )
    return not glued_to_one and (len(number) == 1 or any(ch in CN_UNITS for ch in number))


def _read(match: re.Match[str]) -> tuple[int, str | None]:
    number = match["q1"] or match["q2"] or match["q3"] or match["q4"]
    return _quantity(number), _unit(match["u1"] or match["u2"] or match["u3"])


def _clean(name: str) -> str:
    return name.strip(f" .。:{SEPARATORS}")


def _quantity(text: str) -> int:
    if text.lower() in _EN_NUMBERS:
        return _EN_NUMBERS[text.lower()]
    value = parse_int(text) if "." not in text and len(text) <= 5 else None
    if value is None or not 1 <= value <= _MAX_QUANTITY:
        raise ValueError(f"quantity out of range: {text!r}")
    return value


def _unit(text: str | None) -> str | None:
    return text.lower() if text else None
