"""Times: 20:00, 20：00, 晚上8点, 8点半, 明天12:00, 明早7点, 8pm, tomorrow 7:30 → an aware datetime."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.language.numbers import CN_CHARS, parse_int

_DAY = r"(?P<day>今天|今日|今晚|今早|明天|明日|明早|明晚|后天|today|tonight|tomorrow|tmr)"
_PERIOD = r"(?P<period>凌晨|早上|早晨|上午|早|中午|下午|傍晚|晚上|晚|夜里)"
_HOUR = rf"(?P<h>\d{{1,2}}|[{CN_CHARS}]{{1,3}})"
_CLOCK = (
    rf"{_HOUR}\s*(?:[:.]\s*(?P<m>\d{{2}})|点\s*(?:(?P<half>半)|(?P<quarter>一刻)|(?P<cm>\d{{1,2}}|[{CN_CHARS}]{{1,3}})\s*分?)?"
    r"|\s*(?P<ampm>am|pm)\b|(?=\s*$))"
)
_TIME = re.compile(rf"^(?:{_DAY}\s*)?(?:{_PERIOD}\s*)?{_CLOCK}\s*(?P<ampm2>am|pm)?$", re.I)
_ONLY_DAY_SHIFT = {
    "今天": 0, "今日": 0, "今晚": 0, "今早": 0, "today": 0, "tonight": 0,
    "明天": 1, "明日": 1, "明早": 1, "明晚": 1, "tomorrow": 1, "tmr": 1, "后天": 2,
}  # fmt: skip
_EVENING = {"下午", "傍晚", "晚上", "晚", "夜里", "今晚", "明晚", "tonight"}
_MORNING = {"凌晨", "早上", "早晨", "上午", "早", "今早", "明早"}


def parse_clock(text: str) -> time:
    """A time of day without a date (``07:00``, ``7点``, ``晚上8点``); ValueError otherwise."""
    match = _TIME.match(text.strip())
    if not match or match["day"]:
        raise ValueError(f"not a time of day: {text!r}")
    hour, minute = _hour_minute(match)
    return time(hour, minute)


def parse_time(text: str, now: datetime, tz: ZoneInfo, *, future: bool = True) -> datetime:
    """A moment in ``tz``. Without a day, the next such moment after ``now`` when ``future``."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"not a time: {text!r}")
    hour, minute = _hour_minute(match)
    local_now = now.astimezone(tz)
    day_word = (match["day"] or "").lower()
    explicit_half = bool(match["period"] or match["ampm"] or match["ampm2"] or day_word in _EVENING | _MORNING)
    if day_word:
        day: date = local_now.date() + timedelta(days=_ONLY_DAY_SHIFT[day_word])
        return datetime.combine(day, time(hour, minute), tz)
    moment = datetime.combine(local_now.date(), time(hour, minute), tz)
    if not future or moment > local_now:
        return moment
    if not explicit_half and hour < 12 and moment + timedelta(hours=12) > local_now:
        return moment + timedelta(hours=12)  # "8点半" said at 14:00 means 20:30
    return moment + timedelta(days=1)


def _hour_minute(match: re.Match[str]) -> tuple[int, int]:
    hour = parse_int(match["h"])
    if match["m"]:
        minute = int(match["m"])
    elif match["half"]:
        minute = 30
    elif match["quarter"]:
        minute = 15
    elif match["cm"]:
        minute = parse_int(match["cm"])
    else:
        minute = 0
    period = match["period"] or ""
    day_word = (match["day"] or "").lower()
    ampm = (match["ampm"] or match["ampm2"] or "").lower()
    if (period in _EVENING or day_word in _EVENING or ampm == "pm") and hour < 12:
        hour += 12
    elif period == "中午" and hour < 6:
        hour += 12
    elif (ampm == "am" or period == "凌晨") and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59) and not (hour == 24 and minute == 0):
        raise ValueError("time out of range")
    return (0, 0) if hour == 24 else (hour, minute)
