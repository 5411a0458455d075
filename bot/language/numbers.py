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
