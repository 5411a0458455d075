"""Quantities and units (2盒, 两盒, 二十盒, x2, ×2, *2, 2 boxes) and item lists."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from bot.language.normalize import SEPARATORS
from bot.language.numbers import CN_CHARS, NUMBER, parse_int

ZH_UNITS = (
    "公斤|毫升|盒|支|片|瓶|袋|包|粒|板|贴|份|箱|罐|个|只|斤|克|桶|提|件|颗|枚|条|根|套|听|把|卷|块|管|剂|张|对|双"
)
EN_UNITS = (
    r"box(?:es)?|bottles?|packs?|packets?|tablets?|pills?|capsules?|strips?|tubes?|bags?|pieces?|pcs"
    r"|cans?|cases?|kg|g|ml|portions?|sets?|vials?|pens?|boxs"
)
UNIT = rf"(?:{ZH_UNITS}|(?i:{EN_UNITS})\b)"
_TIMES = r"[x×*X]"
ITEM_SEPARATORS = re.compile(rf"[{SEPARATORS}\n]+")
_MAX_QUANTITY = 9999
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")


class Item(BaseModel):
    """One line of a list: a name, a quantity (1 when none is given) and an optional unit."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=_MAX_QUANTITY)
    unit: str | None = None

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}{self.unit or ''}"


_AFTER = [
    re.compile(rf"^(?P<name>.+?)\s*{_TIMES}\s*(?P<q>{NUMBER})\s*(?P<unit>{UNIT})?$"),
    re.compile(rf"^(?P<name>.+?)\s*(?P<q>{NUMBER})\s*(?P<unit>{UNIT})$"),
    re.compile(r"^(?P<name>.+?)\s+(?P<q>\d+)$"),
]
_BEFORE = re.compile(rf"^(?P<q>{NUMBER})\s*(?P<unit>{UNIT})\s*(?P<name>.+)$")
_UNIT_ONLY = re.compile(rf"^{UNIT}$")


def parse_quantity(text: str) -> tuple[int, str | None]:
    """``2盒`` → (2, '盒'); ``两`` → (2, None); ``x2`` → (2, None). ValueError otherwise."""
    match = re.fullmatch(rf"\s*{_TIMES}?\s*(?P<q>{NUMBER})\s*(?P<unit>{UNIT})?\s*", text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    return _quantity(match["q"]), _unit(match["unit"])


def parse_item(text: str) -> Item:
    """``布洛芬缓释胶囊 2盒`` → Item(布洛芬缓释胶囊, 2, 盒); no quantity means 1."""
    text = _EMOJI.sub("", text).strip(" .。")
    if not text:
        raise ValueError("empty item")
    for pattern in _AFTER:
        match = pattern.match(text)
        if match and _plausible(match["name"], match["q"], text, match.start("q")):
            unit = match.groupdict().get("unit")
            return Item(name=match["name"].strip(), quantity=_quantity(match["q"]), unit=_unit(unit))
    match = _BEFORE.match(text)
    if match and not _UNIT_ONLY.match(match["name"]):
        return Item(name=match["name"].strip(), quantity=_quantity(match["q"]), unit=_unit(match["unit"]))
    return Item(name=text, quantity=1)


def parse_items(text: str) -> list[Item]:
    """Split on ，,、;； and new lines; every non-empty piece is one item."""
    pieces = (_EMOJI.sub("", piece).strip(" .。") for piece in ITEM_SEPARATORS.split(text))
    return [parse_item(piece) for piece in pieces if piece]


def _plausible(name: str, quantity: str, text: str, q_start: int) -> bool:
    """A Chinese-numeral quantity glued to a short name is part of the name (三七片 is a drug)."""
    if not name.strip():
        return False
    before = text[q_start - 1] if q_start > 0 else " "
    glued = not before.isspace() and before not in "x×*X"
    if quantity[0] in CN_CHARS:
        return not glued or len(name.strip()) >= 2
    return not (glued and before.isascii() and before.isalpha())  # 维生素B12 is a name


def _quantity(text: str) -> int:
    value = parse_int(text) if "." not in text else None
    if value is None or not 1 <= value <= _MAX_QUANTITY:
        raise ValueError(f"quantity out of range: {text!r}")
    return value


def _unit(text: str | None) -> str | None:
    return text.lower() if text else None
