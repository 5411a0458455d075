"""开团 announcements, one line or a pasted WeChat notice: ``鸡蛋 30枚/盒 35元 后天上午10点截团 满30份发车``.

Each term found (spec, price, deadline, minimum, limit, case size, pickup) is cut out of the text;
the product words left over are the title. A deadline is never defaulted: words that cannot be read
are kept in ``deadline_text``, and a moment read with a guess is marked ``unsure``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.language import commands as c
from bot.language.money import find_money
from bot.language.numbers import CN_CHARS, parse_int
from bot.language.quantities import UNIT
from bot.language.times import TimeReading, find_times

if TYPE_CHECKING:
    from bot.language.parser import ParseContext

_CUT = "\x00"  # what a term cut out of the text leaves: it ends a clause
_CLAUSE_END = f"\n{_CUT},，;；。!！?？|"  # characters, in a regex class or one by one
_COUNT = rf"(?P<v>(?<![\d.])(?<!\d:)\d{{1,5}}(?![\d.])|[{CN_CHARS}]{{1,5}})"
# What a minimum counts: the buy's units, or orders and households (满20单成团, 满30户).
_COUNTED = rf"(?:{UNIT}|单|户)"
_NOT_MONEY = r"(?!\s*(?:元|块|yuan|r\b|\.\d))"
_OPTIONS = {
    "minimum": [
        rf"(?:满|够|凑够|凑满)\s*{_COUNT}\s*{_COUNTED}?\s*(?:就)?(?:发车|成团|开团|起送|发货|发)",
        rf"(?<![\d.:])(?P<v>\d{{1,5}}){_NOT_MONEY}\s*{_COUNTED}?\s*(?:起订|起团|成团|发车|起(?![订团]))(?![\s:：]*\d)",
        rf"(?:起订量?|最少|最低|至少|成团|起团|minimum|min|at\s+least)\s*[:：]?\s*{_COUNT}{_NOT_MONEY}\s*{_COUNTED}?",
    ],
    "limit": [
        rf"(?:每户|每家|每人|每单)?\s*(?:限购|限|最多|至多|不超过)\s*[:：]?\s*{_COUNT}(?![号栋楼])\s*{UNIT}?(?:\s*/\s*(?:户|家|人))?",
        rf"(?:limit|max(?:imum)?)\s*[:：]?\s*{_COUNT}\s*{UNIT}?(?:\s*(?:per|/|a)\s*(?:household|family|home|flat))?",
    ],
    "case_size": [rf"(?:整箱|每箱|一箱|case(?:\s+of)?)\s*[:：]?\s*{_COUNT}{_NOT_MONEY}\s*{UNIT}?"],
}
_OPTION_PATTERNS = {key: [re.compile(p, re.I) for p in patterns] for key, patterns in _OPTIONS.items()}
# A word each option's patterns need: most announcements skip most patterns (parsing speed).
_OPTION_HINTS = {
    "minimum": re.compile(r"满|够|起|最少|最低|至少|成团|发车|min|least", re.I),
    "limit": re.compile(r"限|最多|至多|不超过|limit|max", re.I),
    "case_size": re.compile(r"箱|case", re.I),
}
_SPEC_UNIT = r"(?:枚|个|只|颗|粒|片|瓶|袋|包|盒|支|根|条|斤|公斤|千克|克|kg|g|ml|毫升|l|升|听|罐|卷|提|板)"
_SPEC_NUMBER = rf"(?:(?<![\d.])\d{{1,5}}(?:\.\d{{1,2}})?|[{CN_CHARS}]{{1,3}})"
_PIECES = r"(?<![\d.])\d{1,4}\s*(?:枚|个|只|颗|粒|片)(?![\dA-Za-z])"
# A spec: a pack (30枚/盒, 330ml*24听, 5斤装), pieces in a container (一盒30个: unit 盒), a weight
# standing apart (冷冻鸡腿 10斤, fresh milk 1L: glued to the name, 大米10斤, it names the product), or a
# count of pieces anywhere (鸡蛋30枚, 35元/盒（30枚）).
_SPEC = re.compile(
    rf"{_SPEC_NUMBER}\s*{_SPEC_UNIT}\s*(?:/\s*(?P<container>{UNIT})|[*×xX]\s*\d{{1,3}}\s*{UNIT}?|装)"
    rf"|[一每]\s*(?P<box>{UNIT})\s*(?P<pieces>{_PIECES})"
    rf"|(?<![^\s{_CUT}（(【\[])约?{_SPEC_NUMBER}\s*(?:斤|公斤|千克|kg|g|克|ml|毫升|升|l)(?![a-z])(?:左右)?"
    rf"|{_PIECES}",
    re.I,
)
_DEADLINE_WORD = r"截止时间|截团时间|截单时间|接龙截止|截止|截单|截团|截至|\b(?:deadline|closes|closing|close|ends?)\b"
_DEADLINE_BEFORE = re.compile(
    rf"(?:{_DEADLINE_WORD}|\b(?:until|till|by)\b) ?(?:at|on)? ?[:：]? ?(?:到|于|在)? ?$", re.I
)
_DEADLINE_AFTER = re.compile(r" ?(?:之前|以前|前)? ?(?:截止|截单|截团|截|结束)| ?(?:之前|以前|前)")
_DEADLINE_ANYWHERE = re.compile(rf"(?:{_DEADLINE_WORD}|截)", re.I)
# An arrival time (明天下午到货); not a time before a label (截止明天12:00 自提点：3号楼门口).
_ARRIVAL_AFTER = re.compile(
    r" ?(?:之前|以前|前|左右|后|以后)? ?(?:到货|送达|送到|发货|配送|发放|自提|取货)(?!点|地点|时间|地址|[:：])"
)
# A place before the pickup word, ending a clause: 3号楼东门自提, 到货后在小区东门自提 (the whole word
# is the note).
_PLACE_PICKUP = re.compile(
    rf"(?:门口?|楼下|大堂|大厅|广场|车库|停车场|驿站|物业|快递柜)(?:统一|集中)?(?:自提|取货|提货|领取)(?=[\s{_CLAUSE_END}]|$)"
)
_WORD_END = f" {_CLAUSE_END}"
# A pickup note after its label: 自提点：3号楼门口, pick up at north gate.
_PICKUP = re.compile(
    r"(?:自提点|自提地点|自提时间|提货点|提货地点|提货时间|取货点|取货地点|取货时间|到货时间|发货时间|配送时间|"
    r"自提|取货|提货|pick\s*up(?:\s+(?:at|from|point))?|collect(?:ion)?\s+(?:at|from)|delivery\s+(?:at|on))"
    rf"\s*[:：]?\s*(?P<v>[^{_CLAUSE_END}]+)",
    re.I,
)
_LABEL = re.compile(
    r"^(?:今日团购|本期团购|团购商品|团购|开团啦?|接龙|商品名称|商品|品名|名称|产品|规格|价格|单价|售价|title|item)\s*[:：]?\s*",
    re.I,
)
_DECOR = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff【】\\[\\]()（）~～*#]+")
_FILLER = re.compile(r"(?:开团|团购|接龙)(?:啦|了|喽|咯)?$|啦$")
_CHATTER = re.compile(r"大家好|各位|邻居|欢迎|请|谢谢|感谢|需要的|有需要|开始|通知|接龙|hello|\bhi\b|dear", re.I)
_CLAUSES = re.compile(rf"[{_CLAUSE_END}]+")


def parse_groupbuy(args: str, ctx: ParseContext) -> c.GroupBuyOpen:
    """The terms of a buy from the text after ``#开团`` / ``/groupbuy``; ParseError without a price
    or a title, or with a deadline already past."""
    text, values = _options(args, "groupbuy")
    specs = list(_SPEC.finditer(text))
    for match in specs:
        text = _cut(text, match.span())
    found = find_money(text)
    if found is None:
        raise c.ParseError("groupbuy", "no price")
    money, span = found
    text = _cut(text, span)
    text, pickups = _deadline(text, ctx, values)
    for match in list(_PLACE_PICKUP.finditer(text)):
        start = max(text.rfind(ch, 0, match.start()) for ch in _WORD_END) + 1
        pickups.append((start, text[start : match.end()]))
        text = _cut(text, (start, match.end()))
    for match in list(_PICKUP.finditer(text)):
        pickups.append((match.start(), match["v"].strip()))
        text = _cut(text, match.span())
    title = _title(text)
    if not title:
        raise c.ParseError("groupbuy", "no title")
    container = next((m["container"] or m["box"] for m in specs if m["container"] or m["box"]), None)
    return c.GroupBuyOpen.model_validate(  # the values found are checked by the model
        {
            "title": title,
            "price_fen": money.fen,
            "unit": money.unit or container or "份",
            "spec": " ".join((m["pieces"] or m[0]).strip() for m in specs)[:40] or None,
            "pickup": "；".join(text for _, text in sorted(pickups))[:100] or None,
            **values,
        }
    )


def parse_buy_change(args: str, ctx: ParseContext) -> c.BuyChange:
    """``3 截团 明晚8点 价格 30元`` after ``#改团`` / ``/editbuy``: the buy's number, then any of its
    price, deadline, minimum and limit, read as in an announcement; ParseError without a number or
    without a term."""
    number = _BUY_ID.match(args)
    if number is None:
        raise c.ParseError("editbuy", "missing id")
    text, values = _options(args[number.end() :], "editbuy")
    values.pop("case_size", None)  # not changed: the supplier's case is the buy's
    found = find_money(text)
    if found is not None:
        values["price_fen"] = found[0].fen
        text = _cut(text, found[1])
    _deadline(text, ctx, values, "editbuy")
    if not values:
        raise c.ParseError("editbuy", "nothing to change")
    return c.BuyChange.model_validate({"buy_id": int(number["id"]), **values})


_BUY_ID = re.compile(r"\s*(?:#|No\.?\s*|第)?\s*(?P<id>\d{1,9})\s*(?:号|单)?(?=\s|$)", re.I)


def _options(text: str, command: str) -> tuple[str, dict[str, object]]:
    """The minimum, limit and case size found (cut out of the text)."""
    values: dict[str, object] = {}
    for key, patterns in _OPTION_PATTERNS.items():
        if not _OPTION_HINTS[key].search(text):
            continue
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                values[key] = _count(match["v"], command)
                text = _cut(text, match.span())
                break
    return text, values


def _deadline(
    text: str, ctx: ParseContext, values: dict[str, object], command: str = "groupbuy"
) -> tuple[str, list[tuple[int, str]]]:
    """Find the deadline (into ``values``) and the arrival times (``明天下午到货``, returned as pickup
    notes); both are cut out of the text."""
    keyed: tuple[int, int, TimeReading] | None = None
    unkeyed: TimeReading | None = None
    arrivals: list[tuple[int, int]] = []
    for reading in find_times(text, ctx.now, ctx.tz, keyed=_DEADLINE_BEFORE):
        start, end = reading.span
        arrival = _ARRIVAL_AFTER.match(text, end)
        if arrival:
            arrivals.append((start, arrival.end()))
            continue
        before = _DEADLINE_BEFORE.search(text, 0, start)
        after = _DEADLINE_AFTER.match(text, end)
        if keyed is None and (before or after):
            keyed = (before.start() if before else start, after.end() if after else end, reading)
        elif unkeyed is None and reading.has_clock:
            unkeyed = reading
    pickups = [(start, text[start:end].strip()) for start, end in arrivals]
    for span in arrivals:
        text = _cut(text, span)
    if keyed is not None:
        start, end, reading = keyed
    elif unkeyed is not None and not _DEADLINE_ANYWHERE.search(text):
        start, end, reading = *unkeyed.span, unkeyed
    else:
        word = _DEADLINE_ANYWHERE.search(text)
        if word:  # deadline words without a readable time: the bot asks
            clause = _clause_around(text, word.start())
            values["deadline_text"] = _plain(text[clause[0] : clause[1]])
            text = _cut(text, clause)
        return text, pickups
    if reading.moment is None:
        values["deadline_text"] = _plain(text[start:end])
    elif reading.moment <= ctx.now:
        raise c.ParseError(command, "deadline in the past")
    else:
        values["deadline"] = reading.moment
        if reading.guessed:
            values["unsure"] = ("deadline",)
    return _cut(text, (start, end)), pickups


def _clause_around(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(ch, 0, pos) for ch in _CLAUSE_END) + 1
    ends = [i for i in (text.find(ch, pos) for ch in _CLAUSE_END) if i >= 0]
    return start, min(ends, default=len(text))


def _title(text: str) -> str:
    """The product words: the first clause that is not chatter, without labels and decoration."""
    clauses = []
    for clause in _CLAUSES.split(text):
        clause = " ".join(_DECOR.sub(" ", clause).split())
        clause = _FILLER.sub("", _LABEL.sub("", clause)).strip()
        if clause:
            clauses.append(clause)
    title = next((clause for clause in clauses if not _CHATTER.search(clause)), clauses[0] if clauses else "")
    return title[:60]


def _count(text: str, command: str) -> int:
    value = parse_int(text)
    if not 1 <= value <= 9999:
        raise c.ParseError(command, "count out of range")
    return value


def _cut(text: str, span: tuple[int, int]) -> str:
    """The text with a term blanked out; positions in it stay where they were."""
    return f"{text[: span[0]]}{_CUT * (span[1] - span[0])}{text[span[1] :]}"


def _plain(text: str) -> str:
    return " ".join(text.replace(_CUT, " ").split())[:40]
