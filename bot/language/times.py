"""Times: 20:00, 晚上8点, 8点半, 明天12:00, 明早7点, 后天上午10点, 4月13日18:00, 4.13 18:00, 周五中午,
8pm, tomorrow 10am, tomorrow noon, tonight 8, yesterday 8pm → an aware datetime, and whether it was a guess.

A time of day said without 上午/下午 (``8点``) or without a day (``13:00`` said at 14:00) is read as
the next such moment, and the reading says it was guessed, so a deadline can be confirmed first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.language.numbers import CN_CHARS, parse_int

_CN_NUM = rf"[{CN_CHARS}]{{1,3}}"
_DATE = (
    rf"(?:(?P<mon>\d{{1,2}}|{_CN_NUM})\s*月\s*(?P<dom>\d{{1,2}}|{_CN_NUM})\s*[日号]?"
    r"|(?<![\d.])(?P<smon>\d{1,2})(?:/(?P<sdom>\d{1,2})(?![\d/])|\.(?P<ddom>\d{1,2})(?=\s+\d{1,2}\s*[:点])))"
)
_DAY = (
    r"(?P<day>昨天|昨晚|今天|今日|今晚|今夜|今早|明天|明日|明早|明晚|大后天|后天"
    r"|yesterday|last night|today|tonight|tomorrow|tmrw|tmr)"
)
_WEEK = (
    r"(?:(?P<wnext>下|本|这)?\s*(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"
    r"|(?P<enext>next\s+)?(?P<ewd>mon|tues|wednes|thurs|fri|satur|sun)day)"
)
_PERIOD = r"(?P<period>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|半夜|早|晚)"
_CLOCK = (
    rf"(?P<h>\d{{1,2}}|{_CN_NUM})\s*(?:[:]\s*(?P<m>\d{{2}})|(?<=\d)\.(?P<dm>\d{{2}})(?!\d)"
    rf"|[点时](?:(?P<half>半)|(?P<quarter>一刻)|(?P<cm>\d{{1,2}}(?=分)|\d{{2}}(?!\d)|{_CN_NUM}(?![人个名位份盒]))分?)?"
    r"|(?=\s*(?:am|pm)\b)|(?P<bare>(?=\s*(?:$|[-~到至前截,，;；。!！?？)）]|to\b)))"
    r")(?:\s*(?P<ampm>am|pm)\b)?"
    r"|(?P<noon>noon|midday)"
)
# Where a time can start: a date, a day, a weekday, a half-day word or a clock with its mark.
_START = (
    r"(?=(?<![\d.])\d{1,2}\s*(?:[月:点时]|[/.]\s*\d|(?:am|pm)\b|[-~到至]\s*\d|$)|[" + CN_CHARS + r"]{1,3}\s*[月点时]"
    r"|昨|今|明|大后天|后天|yesterday|last night|today|tonight|tomorrow|tmr|next\s|mon|tue|wed|thu|fri|sat|sun|下周|本周|这周"
    r"|周|星期|礼拜|凌晨|早|上午|中午|下午|傍晚|晚|夜里|半夜|noon|midday)"
)
WHEN = re.compile(
    rf"{_START}(?:(?:{_DATE}|{_DAY}|{_WEEK})\s*(?:at\s+)?)?(?:{_PERIOD}\s*)?(?:{_CLOCK})?",
    re.I,
)
RANGE_SEPARATOR = re.compile(r"\s*(?:-|~|到|至|to\b)\s*", re.I)

_DAY_SHIFT = {
    "昨天": -1, "昨晚": -1, "yesterday": -1, "last night": -1, "今天": 0, "今日": 0, "今晚": 0, "今夜": 0, "今早": 0, "today": 0, "tonight": 0,
    "明天": 1, "明日": 1, "明早": 1, "明晚": 1, "tomorrow": 1, "tmr": 1, "tmrw": 1, "后天": 2, "大后天": 3,
}  # fmt: skip
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "7": 6}
_WEEKDAY.update({str(n): n - 1 for n in range(1, 7)})
_EN_WEEKDAY = {"mon": 0, "tues": 1, "wednes": 2, "thurs": 3, "fri": 4, "satur": 5, "sun": 6}
_EVENING = {"昨晚", "last night", "下午", "傍晚", "晚上", "晚", "夜里", "今晚", "今夜", "明晚", "tonight"}
_MORNING = {"凌晨", "半夜", "早上", "早晨", "上午", "早", "今早", "明早"}


@dataclass(frozen=True)
class TimeReading:
    """A time found in a message, at ``span``. ``moment`` is None when it cannot be told: only a day
    was said (``明天``, ``周五``), or no such time exists (``25:00``, ``2月30日``). ``guessed`` when
    the half-day (``8点``) or the day (``13:00`` said at 14:00) was not said but chosen."""

    moment: datetime | None
    guessed: bool
    span: tuple[int, int]
    has_clock: bool


def parse_clock(text: str) -> time:
    """A time of day without a date (``07:00``, ``7点``, ``晚上8点``); ValueError otherwise."""
    match = WHEN.fullmatch(text.strip())
    if not match or not _has_clock(match) or _has_day(match):
        raise ValueError(f"not a time of day: {text!r}")
    hour, minute, _ = _hour_minute(match)
    return time(hour, minute)


def parse_time(text: str, now: datetime, tz: ZoneInfo, *, future: bool = True) -> datetime:
    """A moment in ``tz``. Without a day, the next such moment after ``now`` when ``future``."""
    match = WHEN.fullmatch(text.strip())
    if not match or not _has_clock(match):
        raise ValueError(f"not a time: {text!r}")
    return _moment(match, now, tz, future=future)[0]


def find_times(text: str, now: datetime, tz: ZoneInfo, keyed: re.Pattern[str] | None = None) -> list[TimeReading]:
    """Every time or day mentioned in ``text``, in order. A bare number (``tonight 8``) or an hour
    in Chinese numerals (``十点``) counts only after a day or half-day word, or where the text
    before it ends with a match of ``keyed`` (a deadline word: ``closes 8``, ``截止十点``); a bare
    number read that way is a guess (``截止20`` may be the 20th)."""
    found: list[TimeReading] = []
    pos = 0
    while (match := WHEN.search(text, pos)) is not None:
        pos = max(match.end(), match.start() + 1)
        has_clock, has_day = _has_clock(match), _has_day(match)
        keyed_only = not (has_day or match["period"]) and (match["bare"] is not None or _chinese_hour(match))
        if keyed_only and not (keyed and keyed.search(text, 0, match.start())):
            continue
        if not (has_clock or has_day):
            continue
        span = (match.start(), match.start() + len(match[0].rstrip()))
        try:
            moment, guessed = _moment(match, now, tz) if has_clock else (None, False)
        except ValueError:
            moment, guessed = None, False
        guessed = guessed or (keyed_only and match["bare"] is not None)
        found.append(TimeReading(moment=moment, guessed=guessed, span=span, has_clock=has_clock))
    return found


def find_range(text: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime, tuple[int, int]] | None:
    """The first ``start-end`` in ``text`` (``明天7:00-11:00``, ``下午2点到5点``, ``2pm-5pm``) with its
    span; ValueError for a time that does not exist. The end is on the start's day, at the first of
    its half-days after the start (``下午2点到5点`` ends at 17:00), else the next day."""
    pos = 0
    while (match := WHEN.search(text, pos)) is not None:
        pos = max(match.end(), match.start() + 1)
        separator = RANGE_SEPARATOR.match(text, match.end()) if _has_clock(match) else None
        end_match = WHEN.match(text, separator.end()) if separator else None
        if end_match is None or not _has_clock(end_match):
            continue
        start = _moment(match, now, tz)[0]
        if _has_day(end_match):
            return start, _moment(end_match, now, tz)[0], (match.start(), end_match.end())
        hour, minute, ambiguous = _hour_minute(end_match)
        end = datetime.combine(start.date(), time(hour, minute), tz)
        candidates = [end, end + timedelta(hours=12)] if ambiguous else [end]
        end = next((moment for moment in candidates if moment > start), end + timedelta(days=1))
        return start, end, (match.start(), end_match.end())
    return None


def _has_clock(match: re.Match[str]) -> bool:
    return match["h"] is not None or match["noon"] is not None or match["period"] == "中午"


def _has_day(match: re.Match[str]) -> bool:
    return bool(match["day"] or match["wd"] or match["ewd"] or match["mon"] or match["smon"])


def _chinese_hour(match: re.Match[str]) -> bool:
    return match["h"] is not None and not match["h"][0].isdigit()


def _moment(match: re.Match[str], now: datetime, tz: ZoneInfo, *, future: bool = True) -> tuple[datetime, bool]:
    """The moment a match with a clock means, and whether it was guessed; ValueError if none."""
    local_now = now.astimezone(tz)
    day = _day(match, local_now.date())
    hour, minute, ambiguous = _hour_minute(match)
    moment = datetime.combine(day or local_now.date(), time(hour, minute), tz)
    guessed = ambiguous
    if ambiguous and moment <= local_now < moment + timedelta(hours=12) and (future or day):
        moment += timedelta(hours=12)  # "8点半" said at 14:00 means 20:30
    if day is None and future and moment <= local_now:
        moment += timedelta(days=1)
        guessed = True
    elif (match["wd"] or match["ewd"]) and not (match["wnext"] or match["enext"]) and moment <= local_now:
        moment += timedelta(days=7)  # "周五" said on a Friday afternoon
        guessed = True
    return moment, guessed


def _day(match: re.Match[str], today: date) -> date | None:
    """The date said, if any; ValueError for one that does not exist."""
    if match["day"]:
        return today + timedelta(days=_DAY_SHIFT[match["day"].lower()])
    if match["wd"] or match["ewd"]:
        weekday = _WEEKDAY[match["wd"]] if match["wd"] else _EN_WEEKDAY[match["ewd"].lower()]
        if match["wnext"] == "下" or match["enext"]:
            return today + timedelta(days=7 - today.weekday() + weekday)
        if match["wnext"]:  # 本周五, 这周五: this week's, even if it has passed
            return today + timedelta(days=weekday - today.weekday())
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    if match["mon"]:
        month, dom = parse_int(match["mon"]), parse_int(match["dom"])
    elif match["smon"]:
        month, dom = int(match["smon"]), int(match["sdom"] or match["ddom"])
    else:
        return None
    said = date(today.year, month, dom)
    return said.replace(year=today.year + 1) if said < today - timedelta(days=180) else said


def _hour_minute(match: re.Match[str]) -> tuple[int, int, bool]:
    """Hour and minute, and whether the half-day was left unsaid (``8点``, ``9:00`` but not ``09:00``)."""
    period = match["period"] or ""
    if match["noon"] or (period == "中午" and match["h"] is None):
        return 12, 0, False
    hour = parse_int(match["h"])
    minute_text = match["m"] or match["dm"] or match["cm"]
    minute = 30 if match["half"] else 15 if match["quarter"] else parse_int(minute_text) if minute_text else 0
    day_word = (match["day"] or "").lower()
    ampm = (match["ampm"] or "").lower()
    ambiguous = not (period or ampm or day_word in _EVENING | _MORNING) and not match["h"].startswith("0")
    if (period in _EVENING or day_word in _EVENING or ampm == "pm") and hour < 12:
        hour += 12
    elif period == "中午" and hour < 6:
        hour += 12
    elif (ampm == "am" or period in {"凌晨", "半夜"}) and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59) and not (hour == 24 and minute == 0):
        raise ValueError("time out of range")
    return (0, 0, False) if hour == 24 else (hour, minute, ambiguous and 1 <= hour <= 11)
