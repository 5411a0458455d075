"""How much of the corpus of residents' messages (tests/corpus/messages.toml) is read as expected.

Run: .venv/bin/python bench/corpus_accuracy.py [-v]   (-v lists every miss with what differs)
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.corpus.check import check, load


def main(verbose: bool = False) -> None:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for case in load():
        ok, diff = check(case)
        for kind in (case["kind"], "all"):
            totals[kind][0] += ok
            totals[kind][1] += 1
        if not ok:
            misses.append((case, diff))
    if verbose:
        for case, diff in misses:
            known = f"  [known miss: {case['known_miss']}]" if "known_miss" in case else ""
            print(f"--- {case['id']}{known}\n{case['text']}\n  {diff.replace(chr(10), chr(10) + '  ')}")
        print()
    for kind, (good, count) in sorted(totals.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        print(f"{kind:9} {good:3}/{count:<3} {100 * good / count:5.1f}%")


if __name__ == "__main__":
    main(verbose="-v" in sys.argv[1:])
