"""A medicine list as residents write it: ``parse_med(args)`` reads the text after ``#配药`` / ``/med``.

What is not a drug is sorted out of the list: the urgent word (anywhere), the room (leading, on a
line of its own, or next to a name), phone and card numbers, remarks and health conditions
(private ``note``), names and street addresses, and the words around a request asked of the
neighbours (``谁家还有多的布洛芬，想买一盒``). What is left is read by ``read_quantities``.
"""

from __future__ import annotations

import re

from bot.domain.rooms import Room
from bot.language.commands import MedRequest, ParseError
from bot.language.normalize import SEPARATORS
from bot.language.numbers import CN_CHARS
from bot.language.personal import CARD_LABEL, scrub
from bot.language.quantities import UNIT, Item, add_reading, read_quantities
from bot.language.rooms import find_room, match_room, parse_room

MAX_ITEMS = 50  # one household's list; more is a paste gone wrong
_MAX_NOTE = 500

_URGENT = re.compile(
    r"(?=[(（【\[十加紧特很非比急着uUaAeE])"  # what every form starts with: other characters are passed over at once
    r"(?:[(（【\[]\s*(?:急|加急|紧急|urgent)\s*[)）】\]]"
    r"|十万火急|加急|紧急|特急|很急|非常急|比较急|急急|急需|急用|着急"
    r"|(?<![^\s,，、;；:(（])急(?!支|性|诊|救)[!！]*"
    r"|急(?=[\s!！,，、;；。?？)）]|$)[!！]*"
    r"|(?<![A-Za-z])(?:urgent(?:ly)?|asap|emergency)(?![A-Za-z])[!！]*)",
    re.I | re.M,
)
# Numbering and bullets: 1. 1、 ① 一、 (1) 1) - • at the start of a line or after a space.
_NUMBERING = re.compile(
    r"(?:^|(?<=\s))(?:\d{1,2}\s*[.、)）](?!\d)(?=\s*\S)|[一二三四五六七八九十]{1,3}\s*、"
    r"|[(（]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]|[-*•·●○◆◇▪■□►>]+)\s*"
    rf"|^\d{{1,2}}\s+(?=[\u4e00-\u9fff])(?!{UNIT}|号|栋|幢|楼)",  # ① is 1 once normalised: "1 布洛芬 2盒"
    re.M,
)
_PIECES = re.compile(rf"[{SEPARATORS}。！？!?+]+|\s+(?:and|&)\s+", re.I)
# Where a room address may start: a building number, then 号楼/栋/-/…, then a digit.
_ROOM_START = re.compile(rf"(?:^|(?<=[\s{SEPARATORS}:]))(?=(?:\d{{1,4}}|[{CN_CHARS}]{{1,5}})\s*(?:号|栋|幢|楼|#|-))")
# The word that leads in to a room goes with it: 2 bottles of X for 6-702.
_ROOM_LEAD_IN = re.compile(r"(?<![A-Za-z])(?i:for|to|at|in|room|rm|flat|apt)\s*:?\s*$")
_ROOM_END = re.compile(rf"$|[\s{SEPARATORS}:。?？!！]")
_STREET = re.compile(r"路|弄|街|巷|大道|村|小区|公寓|大厦|花园|新苑")
# A line that is a remark as a whole: 备注：…, 诊断:…, 姓名:…
_NOTE_LINE = re.compile(
    r"^(?:备注|注意|注|说明|诊断|病情|病史|症状|情况|过敏史?|姓名|名字|联系人|收件人|notes?|remarks?|diagnosis|name)\s*[:]",
    re.I,
)
_ADDRESS_LINE = re.compile(
    r"^(?:地址|住址|门牌号?|房号|房间号?|楼号|楼栋号?|(?i:address|room|rm|flat|apt)(?![A-Za-z]))\s*[:]?\s*"
)
# A sentence's full stop (``Room 12-1103. Thanks!``), not a decimal point.
_FULL_STOP = re.compile(r"\.(?=\s|$)")
# A remark in brackets: (安眠药，医生开过的), (for my kid, 6 years old), （3-1502）; not a brand (芬必得).
_BRACKETED = re.compile(r"[(（]([^()（）]*)[)）]")
# What a phone, card or room number leaves behind once taken out.
_BARE_LABEL = re.compile(
    rf"(?:电话|手机号?|联系电话|联系方式|联系|座机|身份证号?|房号|门牌|住|{CARD_LABEL}"
    r"|(?i:tel|phone|mobile|id(?: card)?|room|rm|flat|apt|for|to|at|in))(?:号码|号)?\s*[:]?",
)
# The words around a request asked of the neighbours; what is left is the drug (or a remark).
_ASKING_ZH = re.compile(
    r"^(?:求助|求购|急求|求|请问|问一下|问下)?\s*[:]?\s*"
    r"(?:(?:各位)?邻居们?|大家)?\s*"
    r"(?:(?:谁|哪位|哪家|有没有|有无)(?:邻居|人)?(?:家里|家)?还?有?)?\s*"
    r"(?:多余的|多余|多的|富余的)?\s*"
    r"(?:(?:我家|我们|我)?(?:想买|想要|想借|需要|要|买|借))?\s*"
)
_ASKING_FIRST = frozenset("求急请问各邻大谁哪有多富我想需要买借:")  # what _ASKING_ZH can start with
_ASKING_EN = re.compile(
    r"^(?:please\s+|pls\s+)?(?:(?:i|we)\s+(?:need|want|would like)|need|does anyone have|anyone (?:has|have)"
    r"|(?:can|could|would|will)\s+(?:someone|somebody|anyone|anybody|you)\s+(?:please\s+)?(?:help\s+(?:me\s+)?)?(?:buy|get|bring))?\s*(?:some\s+|spare\s+|extra\s+)?",
    re.I,
)
_ASKING_LAST = frozenset("?？吗呢啊呀吧")
_ASKING_END = re.compile(r"(?:\s*(?:[?？吗呢啊呀吧]|please|pls|thanks|thank you))+$", re.I)
# A name ending like this is a drug whatever else it holds (抗病毒口服液, 小儿感冒颗粒).
_DRUG_END = re.compile(
    r"(?:片|胶囊|颗粒|丸|散|膏|液|浆|剂|针|贴|栓|霜|喷雾|药|素|灵|芬|酸|钠|钾|钙|酮|唑|胺|汀|定|星|林|平|尔"
    r"|沙坦|普利|双胍|清瘟|花|草|参|芪|根|茶|酊|露|油|粉|嗪|康|宁|通|舒|\d)$",
    re.I,
)
_REMARK = re.compile(
    r"谢|麻烦|辛苦|拜托|帮忙|劳驾|费心|病|症|血压|血糖|血脂|哮喘|发烧|发热|咳嗽|头疼|头痛|肚子|腹泻|过敏|炎|癌|瘤"
    r"|透析|化疗|怀孕|孕妇|独居|老人|老年|行动不便|卧床|瘫痪|孩子|小孩|宝宝|儿子|女儿|老伴|妈|爸|母亲|父亲"
    r"|家里|家中|卡|医保|社保|门口|楼下|送到|放在|备注|诊断|住院|手术|医生|医院|处方|吃完|没有了|没了|快没|断药"
    r"|每天|每日|饭后|饭前|谁|吗|呢|吧|了$|我|你|他|她|咱|怎么|如何|什么|哪|多少|知道|请问"
    r"|的|(?i:\b(?:thanks?|please|pls|help|hi|hello|dear|neighbou?rs?|diabetes|diabetic|hypertension|blood|fever|pregnant|alone|elderly|allerg\w*"
    r"|note|my|i|i'm|he|she|kid|child|baby|years?|old|call|address|door|deliver\w*)\b)"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_NAME = re.compile(
    rf"^(?:[老小][{_SURNAMES}]|[{_SURNAMES}][\u4e00-\u9fff]{{0,2}}"
    r"(?:阿姨|叔叔|伯伯|奶奶|爷爷|外婆|外公|老师|先生|女士|小姐|阿婆|阿公|老伯|师傅|大爷|大妈|大姐|大哥|家)"
    rf"|[{_SURNAMES}][\u4e00-\u9fff]{{1,2}})$"
)
# What leads in to the drug: 降压药: / 我家老人需要 / 心脏不好 要 / 帮忙配一下 / for my mother:
_LEAD_IN = re.compile(
    r"^(?P<lead>[^:]*:|.*?(?:需要|想买|想要|想借|要买|要(?=\s)|求购|(?:帮忙|帮我)?配一下|帮忙配|帮我配|帮忙买|帮我买|(?i:\bneeds?\b|for\s+(?:my|our)\s+\w+)))\s*(?=\S)"
)
_LEAD_IN_HINT = re.compile(r"[:需想要求配帮]|need|for ", re.I)
_LONG_DIGITS = re.compile(r"\d{7,}")


def parse_med(args: str) -> MedRequest:
    """The medicine list in ``args`` (normalised text after the tag, many lines maybe)."""
    text, phones, cards = scrub(args, mark="\n")
    text, urgent_words = _URGENT.subn(" ", _NUMBERING.sub("", text))
    rooms: set[Room] = set()
    items: list[Item] = []
    notes: list[str] = []
    for line in _FULL_STOP.sub(" ", text).split("\n"):
        line = line.strip()
        if _NOTE_LINE.match(line):
            notes.append(line)
            continue
        line = _take_brackets(line, rooms, notes)
        address = _ADDRESS_LINE.match(line)
        if address or _STREET.search(line):
            line = _take_address(line[address.end() if address else 0 :], rooms, notes)
        line = _take_rooms(line, rooms)
        for piece in _PIECES.split(line):
            items = _read_piece(piece.strip(), items, notes)
    if len(rooms) > 1:
        raise ParseError("med", "two rooms")
    if not items:
        raise ParseError("med", "no items")
    if len(items) > MAX_ITEMS:
        raise ParseError("med", "too many items")
    if any(_LONG_DIGITS.search(item.name) for item in items):
        raise ParseError("med", "unreadable number")
    return MedRequest(
        room=next(iter(rooms), None),
        items=items,
        urgent=urgent_words > 0,
        note="；".join(notes)[:_MAX_NOTE] or None,
        phone=phones[0] if phones else None,
        card=cards[0] if cards else None,
    )


def _take_brackets(line: str, rooms: set[Room], notes: list[str]) -> str:
    """``line`` without the brackets that hold a room (into ``rooms``) or a remark (into ``notes``)."""

    def take(bracket: re.Match[str]) -> str:
        inside = bracket[1].strip()
        room = parse_room(_ADDRESS_LINE.sub("", inside, count=1))
        if room is not None:
            rooms.add(room)
        elif _REMARK.search(inside) or _PIECES.search(inside):
            notes.append(inside)
        else:
            return bracket[0]
        return " "

    return _BRACKETED.sub(take, line) if "(" in line or "（" in line else line


def _take_address(line: str, rooms: set[Room], notes: list[str]) -> str:
    """``长宁路100弄7号1101 布洛芬 2盒``: the room into ``rooms``, the street address before it into
    ``notes`` (privately), the rest returned; a street address without a room is all note."""
    found = find_room(line)
    if found is None:
        notes.append(line.strip())
        return ""
    room, start, end = found
    rooms.add(room)
    if line[:start].strip():
        notes.append(line[:end].strip())
    return line[end:]


def _take_rooms(line: str, rooms: set[Room]) -> str:
    """``line`` without the room addresses standing in it as words, which go into ``rooms``."""
    for start in reversed([m.start() for m in _ROOM_START.finditer(line)]):
        found = match_room(line, start)
        if found and _ROOM_END.match(line, found[1]):
            rooms.add(found[0])
            lead_in = _ROOM_LEAD_IN.search(line, max(0, start - 6), start)
            line = f"{line[: lead_in.start() if lead_in else start]} {line[found[1] :]}"
    return line


def _read_piece(piece: str, items: list[Item], notes: list[str]) -> list[Item]:
    """``items`` with what ``piece`` adds; remarks and names go into ``notes``."""
    asked = piece
    if piece[:1] in _ASKING_FIRST:
        asked = _ASKING_ZH.sub("", asked, count=1)
    if piece[:1].isascii():
        asked = _ASKING_EN.sub("", asked, count=1)
    if asked[-1:] in _ASKING_LAST or asked[-1:].isascii():
        asked = _ASKING_END.sub("", asked)
    if not asked or _BARE_LABEL.fullmatch(asked):
        return items
    try:
        readings = read_quantities(asked)
    except ValueError:
        raise ParseError("med", "bad quantity") from None
    for reading in readings:
        if reading.quantity is None and _BARE_LABEL.fullmatch(reading.name):
            continue
        if reading.quantity is None and not _is_drug(reading.name):
            notes.append(piece if len(readings) == 1 else reading.name)
            continue
        if reading.name:
            reading = reading._replace(name=_drop_lead_in(reading.name, notes))
        try:
            items = add_reading(items, reading)
        except ValueError:
            raise ParseError("med", "quantity without a drug") from None
    return items


def _drop_lead_in(name: str, notes: list[str]) -> str:
    """The drug of ``我家老人需要降压药``, ``降压药:氨氯地平``, ``张三 布洛芬``; what leads in goes
    into ``notes`` when it says something (老人, a name)."""
    lead_in = _LEAD_IN.match(name) if _LEAD_IN_HINT.search(name) else None
    if lead_in:
        lead = lead_in["lead"].strip(" :")
        if _REMARK.search(lead) or _is_person(lead):
            notes.append(lead)
        name = name[lead_in.end() :]
    first, _, rest = name.partition(" ")
    # a word before a strength is the drug, whatever it holds (倍他乐克 47.5mg, 阿卡波糖 50mg×30片)
    while (
        rest
        and not rest[0].isdigit()
        and (_is_person(first) or (_REMARK.search(first) and not _DRUG_END.search(first)))
    ):
        notes.append(first)  # 独居老人 降压药吃完了 苯磺酸氨氯地平
        name = rest.lstrip()  # 王建国 3-702 布洛芬: the room taken out left its spaces
        first, _, rest = name.partition(" ")
    return name


def _is_person(word: str) -> bool:
    return bool(_NAME.match(word)) and not _DRUG_END.search(word)


def _is_drug(name: str) -> bool:
    """A name given without a quantity: a drug, unless it reads as a remark or a person's name."""
    if "的" in name:  # 精神科的药: a description, not a name
        return False
    if _DRUG_END.search(name):
        return True
    return not (_REMARK.search(name) or _NAME.match(name) or len(name) > 16)
