"""Golden cases for extract.citations: one JSON file per body in tests/golden/citations/.

``expected`` is the full set of citations (doc_number, title, relation): a
missing one and an extra one both fail.  The seed files carry the gold
citations of ../shared/gold with relation ``cites``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykb.extract.citations import find_citations, title_spans
from policykb.records import Citation

GOLDEN = Path(__file__).parent / "golden" / "citations"
CASES = sorted(GOLDEN.glob("*.json"))


def _key(c: dict) -> tuple:
    return (c["doc_number"], c["title"], c["relation"])


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    found = find_citations(case["body"], case["own_doc_number"])
    got = sorted(((c.cited_doc_number, c.cited_title, c.relation) for c in found), key=str)
    want = sorted((_key(c) for c in case["expected"]), key=str)
    assert got == want, case["note"]


def test_golden_folder_is_not_empty() -> None:
    assert len(CASES) >= 10


def test_sentence_and_offsets() -> None:
    body = "一、总体要求\n根据《A办法》（京建发〔2023〕1号），制定本细则。其他。"
    (c,) = find_citations(body, None)
    assert c.sentence == "根据《A办法》（京建发〔2023〕1号），制定本细则。"
    assert body[c.start:c.end] == "《A办法》（京建发〔2023〕1号"


def test_first_mention_keeps_its_sentence() -> None:
    body = "按照《X条例》执行。\n再次强调《X条例》。"
    (c,) = find_citations(body, None)
    assert c.sentence == "按照《X条例》执行。"


def test_unclosed_guillemet_does_not_hide_later_titles() -> None:
    assert title_spans("《未闭合的 按《A》执行") == [(7, 10)]


@pytest.mark.parametrize("text", [
    "《" * 100_000,
    "》" * 100_000,
    "〔" * 100_000,
    "《" * 50_000 + "》" * 50_000,
    "京建发〔2023〕" + "1" * 10_000 + "号",
    "《A》（" * 30_000,
    "根据《关于" + "很长" * 50_000 + "的通知》（京建发〔2023〕1号）",
])
def test_hostile_input_is_fast(text: str) -> None:
    started = time.perf_counter()
    find_citations(text, None)
    assert time.perf_counter() - started < 2.0


TEXT = st.text(alphabet=st.sampled_from(list("《》〈〉<>（）()〔〕[]关于通知号京建发20191根据废止修改简称印发现将，。；\n 、")), max_size=300)


@settings(max_examples=300, deadline=None)
@given(body=TEXT, own=st.one_of(st.none(), TEXT))
def test_never_raises(body: str, own: str | None) -> None:
    for c in find_citations(body, own):
        assert isinstance(c, Citation)
        assert c.relation in ("cites", "repeals", "amends")
        assert c.cited_doc_number or c.cited_title
        assert 0 <= c.start < c.end <= len(body)


@settings(max_examples=100, deadline=None)
@given(body=st.text(max_size=500))
def test_never_raises_on_any_unicode(body: str) -> None:
    find_citations(body, body[:10])
