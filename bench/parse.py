"""Parse the corpus of residents' messages (tests/corpus/messages.toml, as residents write them:
pasted relays, announcements, medicine lists with remarks, chatter) and print messages per second
on one core.

Run: .venv/bin/python bench/parse.py [messages]   (or make bench)
"""

from __future__ import annotations

import itertools
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.language import ParseContext, ParseError, parse
from tests.corpus.check import load


def main(size: int = 20_000) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    ctx = ParseContext(now=datetime(2026, 4, 10, 14, 0, tzinfo=tz), tz=tz, bot_username="building_bot")
    texts = [case["text"] for case in load()]
    messages = list(itertools.islice(itertools.cycle(texts), size))
    average = sum(map(len, texts)) / len(texts)
    commands = errors = 0
    start = time.perf_counter()
    for text in messages:
        try:
            commands += parse(text, ctx) is not None
        except ParseError:
            errors += 1
    elapsed = time.perf_counter() - start
    print(f"parse: {size} messages ({len(texts)} distinct, {average:.0f} characters on average)")
    print(f"parse: {elapsed:.3f} s = {size / elapsed:,.0f} messages/s on one core")
    print(f"parse: {commands} commands, {size - commands - errors} chatter, {errors} parse errors")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
