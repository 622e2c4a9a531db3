"""Small cleaning stages: pinyin glosses, spam phrases, script conversion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.convert import find_conversions
from ingest.pinyin import find_glosses
from ingest.spam import find_spam

GOLDEN = Path(__file__).parent / "golden" / "stages"


def apply(text, proposals):
    out, pos = [], 0
    for a, b, r in proposals:
        out += [text[pos:a], r]
        pos = b
    return "".join(out) + text[pos:]


def cases(name):
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", cases("pinyin"), ids=lambda c: c["input"][:12])
def test_pinyin_glosses(case):
    assert apply(case["input"], find_glosses(case["input"])) == case["output"]


@pytest.mark.parametrize("case", cases("spam"), ids=lambda c: c["input"][:12])
def test_spam_phrases(case):
    proposals, spammed = find_spam(case["input"], case.get("spammed", False))
    assert apply(case["input"], proposals) == case["output"]


@pytest.mark.parametrize("case", cases("convert"), ids=lambda c: c["input"][:12])
def test_conversion(case):
    assert apply(case["input"], find_conversions(case["input"])) == case["output"]
