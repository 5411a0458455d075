"""Normalisation first, so every parser sees clean text."""

from __future__ import annotations

import re
import unicodedata

import opencc

# Traditional characters to simplified (號樓登記 → 号楼登记); simplified text passes unchanged.
_T2S = opencc.OpenCC("t2s")

# Dashes and minus signs people type for "3-502".
_DASHES = {c: "-" for c in "‐‑‒–—―−﹣－"}
# Invisible characters: zero-width spaces and joiners, BOM, variation selectors, lone surrogates.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\ufe0e\ufe0f\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
# Chinese prose punctuation survives NFKC, so notices and rebuttals read as they were written.
_KEEP = "，；！？（）…"
# List numbers copied from WeChat (①, ⑴, ❶, ➀, ➊, 🔟, and 1️⃣ below) become "1." so a list reads as
# numbered: NFKC alone would glue ①3-502 into 13-502.
_LIST_NUMBERS = {
    chr(first + i): f"{i + 1}."
    for first, count in ((0x2460, 20), (0x2474, 20), (0x2776, 10), (0x2780, 10), (0x278A, 10))
    for i in range(count)
} | {"🔟": "10."}
_KEYCAP = re.compile("(\\d)\ufe0f?\u20e3")
# One pass before NFKC: protect the prose punctuation, one kind of dash, list numbers.
_PROTECT = str.maketrans({ch: chr(0xE000 + i) for i, ch in enumerate(_KEEP)} | _DASHES | _LIST_NUMBERS)
_RESTORE = str.maketrans({chr(0xE000 + i): ch for i, ch in enumerate(_KEEP)})
_PRIVATE = re.compile("[\ue000-\ue00f]")
# What separates the items of a list, in either width.
SEPARATORS = ",，、;；"
# Emoji and pictographs residents put around their lines (🌷, ✅, 🙏).
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width, except the prose punctuation ，；！？（）…), simplified
    characters, one kind of dash, no invisible or control characters, single spaces, trimmed lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _PRIVATE.sub("", text).translate(_PROTECT)
    if "\u20e3" in text:
        text = _KEYCAP.sub(r"\1.", text)
    text = unicodedata.normalize("NFKC", text)
    if _PRIVATE.search(text):
        text = text.translate(_RESTORE)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    if not text.isascii():  # traditional characters never are
        text = _T2S.convert(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()
