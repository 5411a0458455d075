"""How much of the corpora of residents' messages is read as expected, per kind: the main corpus
(tests/corpus/messages.toml, which the parser was tuned on) and the held-out one
(tests/corpus/holdout.toml, never tuned against: the honest figure).

Run: .venv/bin/python bench/corpus_accuracy.py [-v]   (-v lists every miss with what differs)
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.corpus.check import CORPORA, check, load

TITLES = {"messages.toml": "main (tuned on)", "holdout.toml": "held-out"}


def accuracy(name: str) -> tuple[dict[str, list[int]], list[tuple[dict, str]]]:
    """Per kind (and "all"): [read right, cases]; and every miss with what differs."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for case in load(name=name):
        ok, diff = check(case)
        for kind in (case["kind"], "all"):
            totals[kind][0] += ok
            totals[kind][1] += 1
        if not ok:
            misses.append((case, diff))
    return totals, misses


def main(verbose: bool = False) -> None:
    results = {name: accuracy(name) for name in CORPORA}
    if verbose:
        for _, misses in results.values():
            for case, diff in misses:
                known = f"  [known miss: {case['known_miss']}]" if "known_miss" in case else ""
                print(f"--- {case['id']}{known}\n{case['text']}\n  {diff.replace(chr(10), chr(10) + '  ')}")
        print()
    kinds = sorted({kind for totals, _ in results.values() for kind in totals}, key=lambda k: (k == "all", k))
    print(f"{'':9} " + " ".join(f"{TITLES.get(name, name):>18}" for name in CORPORA))
    for kind in kinds:
        cells = []
        for name in CORPORA:
            good, count = results[name][0].get(kind, [0, 0])
            cells.append(f"{good:3}/{count:<3} {100 * good / count:5.1f}%" if count else "-")
        print(f"{kind:9} " + " ".join(f"{cell:>18}" for cell in cells))


if __name__ == "__main__":
    main(verbose="-v" in sys.argv[1:])
