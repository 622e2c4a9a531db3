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


# Issue 16: the scraper's blank after a gloss, and one inside it, go with it.
@pytest.mark.parametrize("text, want", [
    ("市域产(chǎn) 教联合体于(yú) 2023年", "市域产教联合体于2023年"),
    ("加快(kuài) 建设，体会(huì ) 深刻", "加快建设，体会深刻"),
    ("發(fā)展", "发展".replace("发", "發")),
    ("(AHK) 项目 (GIZ)", "(AHK) 项目 (GIZ)"),
])
def test_gloss_takes_the_scrapers_blanks_with_it(text, want):
    assert apply_proposals(text, find_glosses(text)) == want
