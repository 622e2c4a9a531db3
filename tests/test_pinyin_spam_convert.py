"""Small cleaning stages: pinyin glosses, spam phrases, script conversion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import apply_proposals
from policykb.ingest.convert import find_conversions
from policykb.ingest.pinyin import find_glosses
from policykb.ingest.spam import find_spam

GOLDEN = Path(__file__).parent / "golden" / "stages"




def cases(name):
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", cases("pinyin"), ids=lambda c: c["input"][:12])
def test_pinyin_glosses(case):
    assert apply_proposals(case["input"], find_glosses(case["input"])) == case["output"]


@pytest.mark.parametrize("case", cases("spam"), ids=lambda c: c["input"][:12])
def test_spam_phrases(case):
    proposals, spammed = find_spam(case["input"], case.get("spammed", False))
    assert apply_proposals(case["input"], proposals) == case["output"]


@pytest.mark.parametrize("case", cases("convert"), ids=lambda c: c["input"][:12])
def test_conversion(case):
    assert apply_proposals(case["input"], find_conversions(case["input"])) == case["output"]
