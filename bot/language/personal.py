"""Personal numbers in free text: phone numbers, resident ID numbers and medical-insurance cards.

Used by the medicine list (the numbers go to the private details, never to the drug list) and by
anything that must not keep them (logs, exports): ``scrub`` takes them out.

Numbers are looked for in a copy of the text of the same length in which full-width and Chinese
digits are ASCII digits and the separators people put in phone numbers (dots, slashes, soft
hyphens, ideographic spaces) are spaces, so every span found is a span of the original text.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

Span = tuple[int, int]

_DIGIT_CHARS = "零〇一幺二三四五六七八九"
_DIGIT_VALUES = "001123456789"
_SEPARATOR_CHARS = "./\u00ad\u3000\xa0·．／－‐‑–—"
_DIGIT_LIKE = re.compile(rf"[0-9０-９{_DIGIT_CHARS}]")
_CARD_HINT = re.compile(r"医保|社保|卡号|card", re.I)
_TRANSLATE = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **dict(zip(_DIGIT_CHARS, _DIGIT_VALUES, strict=True)),
        **{ch: " " for ch in _SEPARATOR_CHARS},
        "（": "(",
        "）": ")",
        "＋": "+",
    }
)
# Seven digits or more, maybe spaced: the only texts worth handing to the (slow) phone matcher.
_MAY_HOLD_PHONE = re.compile(r"\d(?:[\s()+\-]{0,3}\d){6,}")

# A mainland mobile number as most people write it (13912345678, +86 139 1234 5678, 139-1234-5678):
# read without the (slow) matcher.
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)\s?86[\s-]?|86-)?(?P<n>1[3-9]\d[ -]?\d{4}[ -]?\d{4})(?![\d-])")
_NOT_DIGIT = re.compile(r"\D")
_PHONE_LABEL = r"(?:电话|手机号?|联系电话|联系方式|联系人?|座机|tel|phone|mobile|call)"
# A landline without its area code counts only right after a phone label.
_LABELLED_LOCAL = re.compile(
    rf"(?=[电手联座tTpPmMcC])(?i:{_PHONE_LABEL})\s*(?:(?:号码|号)\s*)?(?:[:：]\s*)?(?P<n>\d{{4}} ?\d{{4}}|\d{{3}} ?\d{{4}})(?!\d)"
)
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(?P<n>\d{17}[\dXx])(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
CARD_LABEL = r"(?:医保卡号?|社保卡号?|医保号|社保号|卡号|(?i:card(?:\s*(?:no\.?|number|#))?))"
_LABELLED_CARD = re.compile(
    rf"(?=[医社卡cC]){CARD_LABEL}\s*(?:(?:是|为)\s*)?(?:[:：]\s*)?(?P<n>[0-9A-Za-z]{{8,20}}|\d{{4}}(?:[ -]\d{{2,4}}){{1,4}})(?![0-9A-Za-z])"
)


def _phone_label(number: phonenumbers.PhoneNumber) -> str | None:
    """``13912345678`` for a mobile, ``021-62345678`` for a landline, ``+14155550123`` abroad;
    None for a Chinese number of no known use (a service line, a pager)."""
    if number.country_code != 86:
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(number)
    national = str(number.national_number)
    if kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE) and len(national) == 11:
        return national
    if kind == PhoneNumberType.FIXED_LINE:
        area = phonenumbers.length_of_geographical_area_code(number)
        if area:
            return f"0{national[:area]}-{national[area:]}"
    return None


def find_phones(text: str) -> list[tuple[str, Span]]:
    """Every phone number in ``text``: (``13912345678`` or ``021-62345678``, its span), in order."""
    return _phones(text.translate(_TRANSLATE))


def _phones(copy: str) -> list[tuple[str, Span]]:
    if not _MAY_HOLD_PHONE.search(copy):
        return []
    found = [("".join(_NOT_DIGIT.split(m["n"])), m.span()) for m in _MOBILE.finditer(copy)]
    if found:  # the matcher only looks at what the plain mobile numbers leave
        copy = _MOBILE.sub(lambda m: " " * len(m[0]), copy)
    if _MAY_HOLD_PHONE.search(copy):
        for phone in PhoneNumberMatcher(copy, "CN"):
            label = _phone_label(phone.number)
            if label:
                found.append((label, (phone.start, phone.end)))
    for match in _LABELLED_LOCAL.finditer(copy):
        start, end = match.span("n")
        if not any(s <= start < e for _, (s, e) in found):
            found.append((match["n"].replace(" ", ""), (start, end)))
    return sorted(found, key=lambda item: item[1])


def _valid_resident_id(number: str) -> bool:
    total = sum(int(digit) * weight for digit, weight in zip(number, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11] == number[17].upper()


def find_cards(text: str) -> list[tuple[str, Span]]:
    """Resident ID numbers (checksum verified) anywhere, and card numbers after a card label
    (医保卡/社保卡/卡号/card): (the number without spaces, upper case; its span), in order."""
    return _cards(text.translate(_TRANSLATE))


def _cards(copy: str) -> list[tuple[str, Span]]:
    found = [
        (match["n"].upper(), match.span("n")) for match in _RESIDENT_ID.finditer(copy) if _valid_resident_id(match["n"])
    ]
    for match in _LABELLED_CARD.finditer(copy):
        number = re.sub(r"[ -]", "", match["n"]).upper()
        start, end = match.span("n")
        if sum(ch.isdigit() for ch in number) >= 4 and not any(s <= start < e for _, (s, e) in found):
            found.append((number, (start, end)))
    return sorted(found, key=lambda item: item[1])


def find_card(text: str) -> tuple[str, Span] | None:
    """The first card or resident ID number in ``text``, or None."""
    cards = find_cards(text)
    return cards[0] if cards else None


def scrub(text: str, mark: str = "") -> tuple[str, list[str], list[str]]:
    """``text`` with every phone, card and ID number replaced by ``mark`` (taken out by default),
    and those numbers (phones, cards)."""
    if len(_DIGIT_LIKE.findall(text)) < 7 and not _CARD_HINT.search(text):
        return text, [], []  # no number long enough to be personal
    copy = text.translate(_TRANSLATE)
    cards = _cards(copy)
    for _, (start, end) in cards:  # an ID number is not looked at again as a phone number
        copy = f"{copy[:start]}{' ' * (end - start)}{copy[end:]}"
    phones = _phones(copy)
    spans = sorted([span for _, span in cards] + [span for _, span in phones])
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], mark]
        last = max(last, end)
    pieces.append(text[last:])
    return "".join(pieces), [number for number, _ in phones], [number for number, _ in cards]
