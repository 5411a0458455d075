"""Logs carry no phone, ID or card number: a filter on the root handlers masks every run of 7 or
more digits (phones, 18-digit ID numbers, card numbers; spaces or hyphens between groups of 3 or
more digits allowed) in each record's message, arguments and traceback: ``139****5678``; and a
bot token.

The libraries' loggers are kept at INFO (httpx at WARNING: its request lines carry the token), where
they never write request parameters, unless ``BUILDING_BOT_DEBUG_LIBRARIES=1`` asks for their DEBUG
lines (masked all the same).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

DEBUG_LIBRARIES_ENV = "BUILDING_BOT_DEBUG_LIBRARIES"
LIBRARY_LEVELS = {
    "telegram": logging.INFO,
    "telegram.ext": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.INFO,
    "apscheduler": logging.INFO,
}

# Groups of 3+ digits joined by one space or hyphen (a date's 2026-04-10 is not one), with an
# optional country code; an ID number may end in X. Chinese text may touch the digits (电话139…).
_DIGITS = re.compile(
    r"(?<![A-Za-z0-9_+])(?P<country>\+\d{1,3}[ -]?)?(?P<number>\d{3,}(?:[ -]?\d{3,})*[Xx]?)(?![A-Za-z0-9_])"
)
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")  # a bot token, as in httpx's request lines


def _hide(match: re.Match[str]) -> str:
    number = re.sub(r"[ -]", "", match["number"])
    if len(number) < 7:
        return match[0]
    return f"{match['country'] or ''}{number[:3]}****{number[-4:]}"


def mask(text: str) -> str:
    return _DIGITS.sub(_hide, _TOKEN.sub("<token>", text))


class MaskDigits(logging.Filter):
    """Rewrites the record in place (message with its arguments merged, traceback), so every
    handler after this one sees the masked text too."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def install(environ: Mapping[str, str]) -> None:
    """Mask digits on every handler of the root logger; cap the libraries' loggers."""
    masking = MaskDigits()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskDigits) for f in handler.filters):
            handler.addFilter(masking)
    debug = environ.get(DEBUG_LIBRARIES_ENV) == "1"
    for name, level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(logging.DEBUG if debug else level)
