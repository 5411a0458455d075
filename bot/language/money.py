"""Money: 68元, ¥68, 68.5/份, 每盒8.5元, 35块一盒, 单价35, 35r, 35 yuan, 30 per box, 28 yuan a case, 30 each → integer fen
plus the unit it is per. A spec (30枚/盒, 500g), a count (30份) or a time (20:00) is never a price."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field

from bot.language.quantities import UNIT

AMOUNT = r"\d{1,7}(?:\.\d{1,2})?"
# An amount that is not part of a longer number or of a time (20:00).
_AMOUNT = rf"(?<![\d.])(?<!\d:)(?P<amount>{AMOUNT})(?![\d:]|\.\d)"
_CURRENCY = r"(?:[¥$]|RMB|CNY)"
_YUAN = r"(?:元|块钱|块|yuan|rmb|r(?![a-z]))"
_PATTERNS = [
    # 每盒8.5元, 每份 68, 每份35元
    re.compile(rf"每\s*(?P<unit>{UNIT})\s*[:：]?\s*{_CURRENCY}?\s*{_AMOUNT}\s*{_YUAN}?", re.I),
    # 68元/份, 68/份, ¥68.5/份, 35块一盒, 35元一份, 8.5元每盒, 30 per box, 28 yuan a case
    re.compile(
        rf"{_CURRENCY}?\s*{_AMOUNT}\s*(?:{_YUAN}\s*(?:/|一|每|per\s+|an?\s+)|/|per\s+)\s*(?P<unit>{UNIT})", re.I
    ),
    # 单价35, 价格：35元/盒, price 30
    re.compile(
        rf"(?:单价|价格|售价|团购价|团价|现价|特价|price)\s*[:：]?\s*{_CURRENCY}?\s*{_AMOUNT}\s*{_YUAN}?"
        rf"(?:\s*/\s*(?P<unit>{UNIT}))?",
        re.I,
    ),
    # 30 each
    re.compile(rf"{_CURRENCY}?\s*{_AMOUNT}\s*{_YUAN}?\s*(?:each|apiece)\b", re.I),
    # ¥68, ￥68.5
    re.compile(rf"{_CURRENCY}\s*{_AMOUNT}", re.I),
    # 68元, 35r, 35 yuan
    re.compile(rf"{_AMOUNT}\s*{_YUAN}", re.I),
]


class Money(BaseModel):
    model_config = ConfigDict(frozen=True)

    fen: int = Field(ge=0)
    unit: str | None = None


def yuan_to_fen(text: str) -> int:
    """``86.5`` → 8650. ValueError for anything but a plain amount with at most two decimals."""
    if not re.fullmatch(AMOUNT, text.strip()):
        raise ValueError(f"not an amount: {text!r}")
    try:
        return int(Decimal(text.strip()) * 100)
    except InvalidOperation as exc:
        raise ValueError(text) from exc


def format_fen(fen: int) -> str:
    """8650 → ``86.50``."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def find_money(text: str) -> tuple[Money, tuple[int, int]] | None:
    """The first price in ``text`` with its span, or None."""
    best = None
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if match and (best is None or match.start() < best.start()):
            best = match
    if best is None:
        return None
    unit = best.groupdict().get("unit")
    money = Money(fen=yuan_to_fen(best["amount"]), unit=unit.lower() if unit else None)
    return money, best.span()


def parse_money(text: str) -> Money:
    """The whole text as a price (``68元``, ``¥68``, ``68.5/份``, ``每盒8.5元``, ``86.5``)."""
    text = text.strip()
    if re.fullmatch(AMOUNT, text):
        return Money(fen=yuan_to_fen(text))
    found = find_money(text)
    if found is None or found[1] != (0, len(text)):
        raise ValueError(f"not a price: {text!r}")
    return found[0]
