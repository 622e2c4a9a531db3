"""Undoing spun copies: golden cases in tests/golden/despin/, genuine text untouched."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from policykb.ingest.edits import apply_proposals
from policykb.ingest.despin import (
    MIN_DISTINCT,
    Despin,
    SpinTableError,
    as_edits,
    despin,
    load_table,
    parse_table,
)

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "despin"
SEEDS = HERE.parent / "corpus" / "seeds"
SHARED = HERE.parent.parent / "shared"
SPUN_SEED = SEEDS / "004_adde8a28fb3f8192.txt"
TABLE = load_table()


def _norm(text: str) -> str:
    """As the scorer compares: NFKC, whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _check_edits(text: str, result: Despin) -> None:
    last = 0
    for start, end, replacement in result.edits:
        assert last <= start < end <= len(text)
        assert isinstance(replacement, str) and replacement
        last = end


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_golden_case(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    result = despin(case["input"])
    assert result.spun is case["spun"], case["note"]
    assert apply_proposals(case["input"], result.edits) == case["expected"], case["note"]
    if not case["spun"]:
        assert result.edits == ()


def test_seed_004_body_strings_after_reversal():
    gold = json.loads((SHARED / "gold" / "004_adde8a28fb3f8192.json").read_text(encoding="utf-8"))
    text = SPUN_SEED.read_text(encoding="utf-8")
    result = despin(text)
    body = _norm(apply_proposals(text, result.edits))
    assert result.spun and result.confidence > 0.99
    for wanted in gold["body_contains"]:
        assert _norm(wanted) in body, wanted
    for title in (c["title"] for c in gold["citations"]):
        assert _norm(title) in body, title
    # The spam phrases in body_excludes belong to the spam stage, not to this one.
    for unwanted in ("东说念主", "熟悉部", "傍边", "质料", "连系体", "和会"):
        assert unwanted not in body, unwanted


def test_reversed_seed_004_has_no_telltales_left():
    text = SPUN_SEED.read_text(encoding="utf-8")
    again = despin(apply_proposals(text, despin(text).edits))
    assert again.telltales == 0 and not again.spun


def test_a_heading_alone_is_too_short_to_judge():
    # Detection is per document: call despin on the whole body.
    assert despin("(一)打造市域产教连系体").edits == ()


@pytest.mark.parametrize("name", ["000_0568674437f7200b", "001_e9cd305580c4bbfd",
                                  "002_4a35c4355438b207", "003_5fa97908b6c77483"])
def test_genuine_seeds_untouched(name):
    opencc = pytest.importorskip("opencc")
    text = opencc.OpenCC("t2s").convert((SEEDS / f"{name}.txt").read_text(encoding="utf-8", errors="replace"))
    result = despin(text)
    assert (result.spun, result.telltales, result.edits) == (False, 0, ())


_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]+>", re.S | re.I)


def test_gov_html_pages_untouched():
    from policykb.ingest.decode import DecodeError, decode

    opencc = pytest.importorskip("opencc")
    pages = sorted((SHARED / "corpora" / "gov_html").glob("*.html"))
    if not pages:
        pytest.skip("shared/corpora/gov_html not present")
    t2s = opencc.OpenCC("t2s")
    for page in pages:
        try:
            raw = decode(page.read_bytes()).text
        except DecodeError:
            continue  # one file in the folder is binary
        result = despin(t2s.convert(html.unescape(_TAGS.sub("\n", raw))))
        assert not result.edits and result.distinct < MIN_DISTINCT, page.name


def test_lawref_sample_untouched():
    files = sorted((SHARED / "corpora" / "lawref").rglob("*.md"))
    if not files:
        pytest.skip("shared/corpora/lawref not present")
    for path in files[::10]:  # about 350 laws and regulations
        result = despin(path.read_text(encoding="utf-8", errors="replace"))
        assert not result.edits and result.distinct <= 1, path.name


def test_every_row_claiming_004_evidence_occurs_in_004():
    text = SPUN_SEED.read_text(encoding="utf-8")
    missing = [rule.spun for rule in TABLE if rule.evidence.startswith("004") and rule.spun not in text]
    assert missing == []


def test_table_shape():
    assert len({rule.spun for rule in TABLE}) == len(TABLE)
    telltales = [rule for rule in TABLE if rule.telltale]
    assert all(rule.confidence != "low" for rule in telltales)
    for must in ("东说念主", "熟悉部", "傍边", "质料", "连系体", "和会", "技俩", "念念"):
        assert any(rule.spun == must for rule in telltales), must


def test_low_confidence_rows_are_not_applied():
    text = "熟悉部东说念主才质料擢升,省级党委熟悉责任指导小组,审核推选。"
    body = apply_proposals(text, despin(text).edits)
    assert "指导小组" in body and "推选" in body


def test_bad_table_row_names_the_row():
    header = "spun\toriginal\tpriority\tleft_not\tright_not\ttelltale\tconfidence\tevidence\n"
    with pytest.raises(SpinTableError, match="傍边"):
        parse_table(header + "傍边\t左右\t1\t\t\tyes\thigh\tx\n")
    with pytest.raises(SpinTableError, match="duplicate"):
        parse_table(header + "傍边\t左右\t1\t\t\t1\thigh\tx\n傍边\t左\t1\t\t\t1\thigh\tx\n")
    with pytest.raises(SpinTableError, match="header"):
        parse_table("傍边\t左右\n")


def test_as_edits_records_original_text_and_confidence():
    text = "熟悉部要求东说念主才培养质料擢升。"
    result = despin(text)
    edits = as_edits(text, result, offset=10)
    assert [e.original for e in edits] == ["熟悉部", "东说念主", "质料", "擢升"]
    assert all(e.kind == "despin" and e.note.startswith("confidence") for e in edits)
    assert edits[0].start == 10


# Text built from the table's own forms (so swaps, contexts and chains occur)
# mixed with ordinary characters.
_PIECES = sorted({rule.spun for rule in TABLE} | set("的区人道,。、要在") | {"开发区", "公开", "会议", "左右"})
_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(_PIECES), max_size=80).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_despin_never_raises_and_edits_are_well_formed(text):
    result = despin(text)
    assert 0.0 <= result.confidence <= 1.0
    _check_edits(text, result)
    if not result.spun:
        assert result.edits == ()
    spun_forms = {rule.spun: rule.original for rule in TABLE}
    for start, end, replacement in result.edits:
        assert spun_forms[text[start:end]] == replacement


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="开发区工作责任左右当代时候世界和解处分程序措施决策单元的了是在有,。", max_size=400))
def test_genuine_vocabulary_alone_is_never_spun(text):
    # Every word here is also a spun form, but none is a telltale.
    result = despin(text)
    assert (result.spun, result.edits) == (False, ())
