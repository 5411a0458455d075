"""Text → command. The hashtag forms (``#配药``, ``＃配药``, ``【配药】``, no space needed, anywhere in
the first line) and the slash forms (``/med``, ``/med@botname``) lead to the same argument parsers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.language import commands as c
from bot.language.normalize import normalize
from bot.language.quantities import has_quantity
from bot.language.registry import lists_first, readers, slash_words, tags
from bot.language.relay import parse_reply
from bot.language.rooms import (
    find_room,
)

MAX_TEXT = 4096
MAX_ITEMS = 50  # one household's medicine list; more is a paste gone wrong


@dataclass(frozen=True)
class ParseContext:
    now: datetime
    tz: ZoneInfo
    bot_username: str = ""
    reply_to_bot: bool = False


# --------------------------------------------------------------------------- the words
# Every command is declared once, in ``bot.language.registry``; these tables are read from it.
TAGS, SLASH, PARSERS, LIST_FIRST = tags(), slash_words(), readers(), lists_first()

# English words work as tags too (``#med``, ``#order``): every slash word, ASCII, whole word.
_TAG_WORDS = "|".join(sorted(TAGS, key=len, reverse=True))
_EN_TAG_WORDS = "|".join(sorted(SLASH, key=len, reverse=True))
_HASH_TAG = re.compile(rf"#\s*(?:(?P<tag>{_TAG_WORDS})|(?P<en>{_EN_TAG_WORDS})(?![A-Za-z0-9_]))", re.I)
_BRACKET_TAG = re.compile(rf"【\s*(?P<tag>{_TAG_WORDS})\s*】")
_SLASH = re.compile(r"/(?P<word>[A-Za-z0-9_]{1,32})(?:@(?P<bot>[A-Za-z0-9_]+))?(?=\s|$)")
# What may stand before a command on its line: numbering, bullets, emoji, brackets, punctuation.
_DECORATION = re.compile(
    r"^(?:\s|\d{1,3}\s*[.、)）:](?!\d)|[(（]\d{1,3}[)）]|[\[\]【】*\-•·>~!！,，。]"
    r"|[\u2460-\u24ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff])*"
)
# A few words before a tag are still a command (请帮忙 #配药 …, 王阿姨 #接龙 …); words that talk
# *about* the tag make it chatter (谁知道#配药 要怎么写？).
_PREFIX_MAX = 10
_ABOUT_TAG = re.compile(
    r"[?？]|谁|怎么|怎样|如何|什么|啥|吗|呢|是不是|能不能|为什么|知道|用|发|写|打|输入|试|说|看|这个|那个|你们|大家|以前|之前"
    r"|请问|(?<!好)的$"
)
# A tag followed by 的 is a noun in a sentence (#配药 的单子我已经填好了): chatter too.
_ABOUT_AFTER = re.compile(r"^的")
# Words right after a tag that ask how it works: answered with the command's usage.
_HOW_TO = re.compile(r"^(?:要?怎么|怎样|如何|是什么|是啥|什么意思|啥意思|没反应|不管用|不好用|how\b|what\b)", re.I)
# What may follow a tag that ends a list written before it (布洛芬 2盒 #配药 急!, … #配药 谢谢).
_ONLY_URGENT = re.compile(
    r"(?:急|加急|紧急|特急|urgent|谢谢|多谢|感谢|麻烦了?|拜托了?|辛苦了?|thanks|[!！。.，,~]|\s)*", re.I
)


def parse(text: str, ctx: ParseContext) -> c.Command | None:
    """The command in ``text``; None for ordinary chatter; ``ParseError`` for a malformed command."""
    text = normalize(text[: MAX_TEXT * 2])[:MAX_TEXT]
    if not text:
        return None
    first_line = text.split("\n", 1)[0]
    typo = _near_miss(first_line, close=False)
    if typo is not None:
        return typo
    found = _find_command(text, ctx)
    if found is None:
        return _near_miss(first_line, close=True) or (parse_reply(text) if ctx.reply_to_bot else None)
    name, args = found
    parser = PARSERS[name]
    try:
        return parser(args, ctx)
    except ParseError:
        raise
    except (ValueError, ValidationError) as exc:
        raise ParseError(name, exc.__class__.__name__) from None


ParseError = c.ParseError


def _find_command(text: str, ctx: ParseContext) -> tuple[str, str] | None:
    """The command a message gives: a slash command or tag at the start of a line (after numbering,
    an emoji, a bracket, a room or a few polite words); its arguments are the rest of that line and
    every line below. A tag inside a sentence that talks about it is chatter (None). A list written
    first, the tag last (``布洛芬 2盒 #配药``, or the list's lines and then ``#配药`` alone), is the
    command's list when the command allows it (``list_first`` in the registry)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        rest = "\n".join(lines[index + 1 :]).strip()
        found = _command_on_line(line, ctx, last=not rest)
        if found is None:
            continue
        name, args, prefix_room = found
        if rest:
            args = f"{args}\n{rest}" if args else rest
        elif name in LIST_FIRST and not has_quantity(args) and has_quantity(above := _block_above(lines, index)):
            args = f"{above}\n{args}"
        if _HOW_TO.match(args) and name not in ("unknown", "notice", "rumor", "start"):
            raise ParseError(name, "asks how the command works")
        if prefix_room and name in ("med", "register", "care"):
            args = f"{prefix_room} {args}"
        elif prefix_room and name == "order":  # 3-502 #接龙 3 2: the room goes after the buy's number
            first, _, below = args.partition("\n")
            args = f"{first} {prefix_room}\n{below}".strip()
        return name, args.strip()
    return None


def _decoration_end(line: str) -> int:
    """Where ``line``'s numbering, bullets and emoji end (0: it has none)."""
    decoration = _DECORATION.match(line)
    return decoration.end() if decoration else 0


def _block_above(lines: list[str], index: int) -> str:
    """The lines right above line ``index`` that give quantities (a list's lines), up to the first
    that does not (a greeting, an empty line): nothing else is taken for a drug."""
    block: list[str] = []
    for line in reversed(lines[:index]):
        if not has_quantity(line):
            break
        block.insert(0, line)
    return "\n".join(block)


def _command_on_line(line: str, ctx: ParseContext, *, last: bool) -> tuple[str, str, str] | None:
    """(command name, arguments on this line, a room written before the tag) or None. ``last``:
    nothing follows this line."""
    start = _decoration_end(line)
    slash = _SLASH.match(line, start)
    if slash:
        if slash["bot"] and ctx.bot_username and slash["bot"].lower() != ctx.bot_username.lower():
            return None  # addressed to another bot
        word = slash["word"].lower()
        name = SLASH.get(word)
        if name is None:
            return ("unknown", word, "") if start == 0 else None
        return name, line[slash.end() :].strip(), ""
    candidates = [m for m in (_HASH_TAG.search(line), _BRACKET_TAG.search(line)) if m]
    if not candidates:
        return None
    match = min(candidates, key=lambda m: m.start())
    prefix = line[min(start, match.start()) : match.start()].strip()
    args = line[match.end() :].strip()
    name = TAGS[match["tag"]] if match["tag"] else SLASH[match["en"].lower()]
    if last and name in LIST_FIRST and _ONLY_URGENT.fullmatch(args) and _is_list(prefix):
        return name, f"{prefix} {args}".strip(), ""
    prefix_room = ""
    if prefix:
        found = find_room(prefix)
        if found is not None:  # 3-502 #配药 …, 王建国 3-702 #配药 …
            _, room_start, room_end = found
            prefix_room = prefix[room_start:room_end]
            prefix = f"{prefix[:room_start]} {prefix[room_end:]}".strip()
        if len(prefix) > _PREFIX_MAX or _ABOUT_TAG.search(prefix):
            return None
    if _ABOUT_AFTER.match(args):
        return None
    return name, args, prefix_room


def _is_list(prefix: str) -> bool:
    """Is the text before a tag a list (quantities, not a question about the tag)?"""
    found = find_room(prefix)
    words = f"{prefix[: found[1]]} {prefix[found[2] :]}" if found else prefix
    return has_quantity(words) and not _ABOUT_TAG.search(words)


# --------------------------------------------------------------------------- near misses
# Tags mistyped so that they begin with a real one (#开团购 would open a buy titled 购…), or too far
# from any tag for one edit.
TYPOS: dict[str, str] = {"开团购": "开团", "开个团": "开团", "配个药": "配药", "登陆": "登记", "登录": "登记"}
_NEAR_TAG = re.compile(r"#\s*(?P<word>[\u4e00-\u9fff]{2,6}|[A-Za-z][A-Za-z0-9]{3,15}(?![A-Za-z0-9_]))")
_FIRST_TAG = {name: tag for tag, name in reversed(TAGS.items())}  # a command's first (usual) tag


def _near_miss(line: str, *, close: bool) -> c.NearMiss | None:
    """A mistyped tag at the start of ``line``: one of :data:`TYPOS`, or (``close``) a word one edit
    away from a tag (``#配要``, ``#接隆``) or from an English tag of four letters or more (``#med1cine``)."""
    match = _NEAR_TAG.match(line, _decoration_end(line))
    if match is None:
        return None
    word = match["word"]
    for typo, tag in TYPOS.items():
        if word.startswith(typo):
            return c.NearMiss(word=typo, tag=tag, command=TAGS[tag])
    if not close:
        return None
    if word.isascii():
        lowered = word.lower()
        for english, name in SLASH.items():
            if len(english) >= 4 and _one_edit(lowered, english):
                return c.NearMiss(word=word, tag=_FIRST_TAG.get(name, english), command=name)
        return None
    for tag, name in TAGS.items():
        for size in (len(tag), len(tag) + 1, len(tag) - 1):
            # a two-character tag: only its second character mistyped (配要, 接隆), not 团购 for 已购
            if size >= 2 and _one_edit(word[:size], tag) and (len(tag) > 2 or word[0] == tag[0]):
                return c.NearMiss(word=word[:size], tag=tag, command=name)
    return None


def _one_edit(word: str, target: str) -> bool:
    """``word`` differs from ``target`` by exactly one substitution, insertion or deletion."""
    if word == target or abs(len(word) - len(target)) > 1:
        return False
    if len(word) == len(target):
        return sum(a != b for a, b in zip(word, target, strict=True)) == 1
    short, long = sorted((word, target), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
