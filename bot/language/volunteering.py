"""Volunteers' words: skills, check-ins (``#签到 核酸 南门``) and shifts (``#排班 核酸 明天7:00-11:00 4人``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.language import commands as c
from bot.language.normalize import SEPARATORS
from bot.language.numbers import NUMBER, parse_int
from bot.language.times import find_range

if TYPE_CHECKING:
    from bot.language.parser import ParseContext

SKILLS = {
    "核酸": "核酸", "nucleic": "核酸", "pcr": "核酸", "test": "核酸", "testing": "核酸",
    "配送": "配送", "delivery": "配送", "deliver": "配送", "送货": "配送",
    "消杀": "消杀", "disinfection": "消杀", "disinfect": "消杀",
    "配药": "配药", "medicine": "配药", "pharmacy": "配药",
    "团购": "团购", "groupbuy": "团购", "关爱": "关爱", "care": "关爱",
    "医护": "医护", "medical": "医护", "翻译": "翻译", "translation": "翻译",
    "搬运": "搬运", "carry": "搬运", "秩序": "秩序", "order": "秩序", "登记": "登记",
}  # fmt: skip
# Each canonical skill's key in the texts (``skill.pcr``), which name it in replies.
SKILL_KEYS = {
    "核酸": "pcr", "配送": "delivery", "消杀": "disinfection", "配药": "medicine", "团购": "groupbuy",
    "关爱": "care", "医护": "medical", "翻译": "translation", "搬运": "carrying", "秩序": "order",
    "登记": "registration",
}  # fmt: skip


def skill(word: str) -> str:
    """The canonical (Chinese) name of a volunteer skill or shift task typed in either language."""
    return SKILLS.get(word.lower(), word)


_WORDS = re.compile(rf"[\s{SEPARATORS}]+")
# A place: "gate 2", "gate2", "north gate", "lobby", or a word ending like one (南门, 2号门, 3号楼门口, 大堂).
_EN_PLACE = re.compile(
    r"\b(?:(?:north|south|east|west|main|back|front|side)(?:east|west)?\s+)?"
    r"(?:gate|door|entrance|exit|lobby|building|bldg|block)\b(?:\s*(?:#|no\.?)?\s*\d{1,3}\b)?",
    re.I,
)
_ZH_PLACE = re.compile(r"(?:门口?|门岗|口|楼|楼下|楼道|大堂|大厅|岗亭|岗|广场|车库|停车场|亭)$")


def parse_checkin(args: str, ctx: ParseContext) -> c.CheckIn:
    """``核酸 南门``, ``南门 核酸``, ``nucleic gate 2``, nothing at all (task and place unknown)."""
    place = None
    english = _EN_PLACE.search(args)
    if english:
        place, args = english[0], f"{args[: english.start()]} {args[english.end() :]}"
    words = [word for word in _WORDS.split(args) if word]
    if place is None:
        place = next((word for word in words if _ZH_PLACE.search(word)), None)
        if place is not None:
            words.remove(place)
        elif len(words) > 1:  # "核酸 小区北侧": the task first, then where
            place, words = " ".join(words[1:]), words[:1]
    task = (skill(words[0]) if len(words) == 1 else " ".join(words)) if words else None
    return c.CheckIn(task=task[:20] if task else None, place=place[:40] if place else None)


# 4人, 需要4个人, 2 people, or the people first: 需要志愿者4名, 人手2个.
_HEADCOUNT = re.compile(
    rf"(?:需要|要|缺|招|共)?\s*(?P<n>{NUMBER})\s*(?:个|名|位)?\s*(?:人|志愿者|(?:people|persons?|volunteers?)\b)"
    rf"|(?:需要|要|缺|招|共)?\s*(?:志愿者|人手|人员)\s*(?P<m>{NUMBER})\s*(?:个|名|位|人)",
    re.I,
)
_TRAILING_NUMBER = re.compile(r"(?:^|\s)(?P<n>\d{1,3})$")


def parse_shift(args: str, ctx: ParseContext) -> c.ShiftOpen:
    """A slot: a task, a time range and a headcount in any order (``明早7点-11点 核酸 需要4个人``,
    ``delivery tomorrow 2pm-5pm 2``). The headcount is 1 when none is said."""
    text = " ".join(args.split())
    try:
        found = find_range(text, ctx.now, ctx.tz)
    except ValueError:
        raise c.ParseError("shift", "bad time") from None
    if found is None:
        raise c.ParseError("shift", "no time range")
    start, end, (begin, finish) = found
    if start <= ctx.now:
        raise c.ParseError("shift", "in the past")
    text = f"{text[:begin]} {text[finish:]}".strip()
    count = _HEADCOUNT.search(text) or _TRAILING_NUMBER.search(text)
    headcount = 1
    if count:
        try:
            headcount = parse_int(count["n"] or count["m"])
        except ValueError:
            raise c.ParseError("shift", "bad headcount") from None
        text = f"{text[: count.start()]} {text[count.end() :]}"
    words = [word for word in _WORDS.split(text) if word]
    if not words:
        raise c.ParseError("shift", "no task")
    return c.ShiftOpen(task=skill(words[0])[:20], start=start, end=end, headcount=headcount)


def parse_volunteer(args: str, ctx: ParseContext) -> c.VolunteerRegister:
    """``李四 核酸 配送``: a name (unless the first word is a skill), then skills."""
    words = [word for word in _WORDS.split(args) if word]
    name = None
    if words and words[0].lower() not in SKILLS:
        name, words = words[0][:40], words[1:]
    return c.VolunteerRegister(display_name=name, skills=[skill(word)[:20] for word in words][:10])
