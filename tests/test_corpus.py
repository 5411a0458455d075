"""The corpus of residents' messages (tests/corpus/messages.toml): each read as a floor leader would.

A case marked ``known_miss`` is an expected failure (strict: the day it passes, remove the mark).
The held-out corpus (tests/corpus/holdout.toml, ids ``holdout-…``) is written the same way but was
never tuned against: its misses stay marked, and its expectations are not changed to suit the parser.
Accuracy per kind, both corpora: ``.venv/bin/python bench/corpus_accuracy.py [-v]``.
"""

from collections import Counter

import pytest

from tests.corpus.check import check, load

CASES = load()
HOLDOUT = load(name="holdout.toml")
MAIN_KINDS = ("med", "groupbuy", "order", "relay", "register", "chatter")


def _param(case: dict) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case["known_miss"])] if "known_miss" in case else []
    return pytest.param(case, id=case["id"], marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_message_is_read_as_expected(case: dict) -> None:
    ok, diff = check(case)
    assert ok, f"{case['text']!r}\n{diff}"


@pytest.mark.parametrize("case", [_param(case) for case in HOLDOUT])
def test_held_out_message_is_read_as_expected(case: dict) -> None:
    ok, diff = check(case)
    assert ok, f"{case['text']!r}\n{diff}"


def test_corpus_is_large_and_covers_every_main_kind() -> None:
    kinds = Counter(case["kind"] for case in CASES)
    assert len(CASES) >= 300
    assert all(kinds[kind] >= 25 for kind in MAIN_KINDS), kinds
    assert kinds["checkin"] + kinds["shift"] >= 25, kinds


def test_held_out_corpus_covers_every_main_kind_and_shares_no_message() -> None:
    kinds = Counter(case["kind"] for case in HOLDOUT)
    assert len(HOLDOUT) >= 150
    assert all(kinds[kind] >= 10 for kind in MAIN_KINDS), kinds
    assert kinds["checkin"] + kinds["shift"] >= 10 and kinds["reply"] >= 5, kinds
    assert all(case["id"].startswith("holdout-") for case in HOLDOUT)
    main_texts = {case["text"].strip() for case in CASES}
    assert not [case["text"] for case in HOLDOUT if case["text"].strip() in main_texts]
