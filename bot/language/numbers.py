"""Numbers written in digits or Chinese numerals (两, 十二, 一百零五, 三千零八十)."""

from __future__ import annotations

import re

CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "两": 2, "俩": 2, "贰": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000}
CN_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS)

# A number as it may stand in a message: digits (with an optional decimal part) or Chinese numerals.
NUMBER = rf"(?:\d+(?:\.\d+)?|[{CN_CHARS}]+)"
_DIGITS = re.compile(r"\d+")
_CN = re.compile(rf"[{CN_CHARS}]+")


def chinese_to_int(text: str) -> int:
    """``一百零五`` → 105; a run of digits without units (``五零二``) reads digit by digit."""
    if not text or not _CN.fullmatch(text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if not any(ch in CN_UNITS for ch in text):
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total = section = number = 0
    for ch in text:
        if ch in CN_DIGITS:
            number = CN_DIGITS[ch]
        elif CN_UNITS[ch] == 10000:
            total += (section + number) * 10000
            section = number = 0
        else:
            unit = CN_UNITS[ch]
            section += (number or (1 if unit == 10 else 0)) * unit
            if number == 0 and unit != 10:
                raise ValueError(f"unit without a digit in {text!r}")
            number = 0
    return total + section + number


def parse_int(text: str) -> int:
    """Digits or Chinese numerals to a non-negative int; ValueError otherwise."""
    text = text.strip()
    if _DIGITS.fullmatch(text):
        return int(text)
    return chinese_to_int(text)


_CN_NAMES = "零一二三四五六七八九"


def int_to_chinese(value: int) -> str:
    """0 → 零, 12 → 十二, 105 → 一百零五, 20000 → 二万 (for 0 ≤ value < 100,000,000)."""
    if not 0 <= value < 100_000_000:
        raise ValueError(value)
    if value == 0:
        return "零"
    high, low = divmod(value, 10000)
    if high:
        rest = _below_10000(low, leading=False) if low else ""
        joiner = "零" if 0 < low < 1000 else ""
        return _below_10000(high, leading=True) + "万" + joiner + rest
    return _below_10000(low, leading=True)


def _below_10000(value: int, *, leading: bool) -> str:
    out = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit)
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        if not (unit == 10 and digit == 1 and not out and leading):
            out.append(_CN_NAMES[digit])
        out.append(name)
    return "".join(out)
