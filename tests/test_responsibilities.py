"""Responsibilities: golden cases in tests/golden/responsibilities/*.json.

Each case gives ``text`` (and optionally ``tables``, ``region``, ``issuer``,
``sentences``) and what must come out: ``expect`` (every field given must
match one row), ``count`` (how many rows in all), ``pairs`` with
``exact_pairs`` (the gold's rule for seed 001: each (content, agency) pair
found with the content inside the row's and the agency ending the row's,
and no other row but vague ones).
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykb.extract.responsibilities import find_responsibilities, split_agencies
from policykb.records import ExtractContext

GOLDEN = Path(__file__).parent / "golden" / "responsibilities"
CASES = sorted(GOLDEN.glob("*.json"))
SHARED = Path(__file__).resolve().parents[2] / "shared"
# The scorer's own list (../shared/eval/score.py): rows with these agencies
# are neither hits nor false positives.
VAGUE = {"相关部门", "有关部门", "各有关部门"}
PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")


def norm(s):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


def agency_matches(found, wanted):
    f, w = norm(found), norm(wanted)
    return f == w or (len(w) >= 3 and f.endswith(w))


def pair_f1(rows, pairs):
    """F1 of (content, agency) pairs by the gold's matching rule."""
    found = [r for r in rows if norm(r.agency) not in VAGUE]
    used, tp = set(), 0
    for content, agency in pairs:
        for i, r in enumerate(found):
            if i not in used and norm(content) in norm(r.content) and agency_matches(r.agency, agency):
                used.add(i)
                tp += 1
                break
    p = tp / len(found) if found else 0.0
    rec = tp / len(pairs) if pairs else 0.0
    return 2 * p * rec / (p + rec) if p + rec else 0.0, [r for i, r in enumerate(found) if i not in used]


def run(case):
    ctx = ExtractContext(region=case.get("region"), issuer=case.get("issuer"))
    tables = tuple(tuple(tuple(row) for row in t) for t in case.get("tables", ()))
    return find_responsibilities(case["text"], ctx, tables, sentences=case.get("sentences", "never"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    rows = run(case)
    for want in case.get("expect", []):
        hits = [r for r in rows if all(
            (norm(v) in norm(getattr(r, k)) if k == "content" and v is not None else getattr(r, k) == v)
            for k, v in want.items())]
        assert hits, f"no row matches {want}; rows: {[(r.row, r.task, r.content, r.agency, r.role) for r in rows]}"
    if "count" in case:
        assert len(rows) == case["count"], [(r.agency, r.role, r.content) for r in rows]
    if "pairs" in case:
        f1, extra = pair_f1(rows, case["pairs"])
        assert f1 == 1.0 if case.get("exact_pairs") else f1 > 0, extra
    for s in case.get("content_contains_all", []):
        assert any(s in (r.content or "") for r in rows), s
    for s in case.get("content_excludes", []):
        assert not any(s in (r.content or "") for r in rows), s
    for r in rows:
        assert 0 <= r.start <= r.end <= len(case["text"])
        assert r.role in ("lead", "support")


def test_seed001_from_shared_files():
    """The whole simplified seed 001, body text and all, scores 1.0 on the
    gold: the prose (财政、税务部门要落实…) adds no row."""
    seed = SHARED / "seeds" / "001_e9cd305580c4bbfd.txt"
    gold = SHARED / "gold" / "001_e9cd305580c4bbfd.json"
    if not (seed.exists() and gold.exists()):
        pytest.skip("shared/ is not beside the repository")
    import opencc

    text = PINYIN_GLOSS.sub("", opencc.OpenCC("t2s").convert(seed.read_text(encoding="utf-8")))
    rows = find_responsibilities(text, ExtractContext(region="盘锦市", issuer="盘锦市人民政府办公室"))
    pairs = [(c, a) for _, _, c, ags in json.loads(gold.read_text(encoding="utf-8"))["responsibilities"] for a in ags]
    f1, extra = pair_f1(rows, pairs)
    assert f1 == 1.0, extra
    assert {r.row for r in rows} == set(range(1, 25))


def test_comma_group_keeps_lead_and_helpers_support():
    found = [(m.agency, m.role) for m in split_agencies("市发改委、市教育局会同相关部门,各县区政府")]
    assert found == [("市发改委", "lead"), ("市教育局", "lead"), ("相关部门", "support"), ("各县区政府", "lead")]


def test_conjunction_splits_only_between_bodies():
    assert [m.agency for m in split_agencies("市教育局和市人社局")] == ["市教育局", "市人社局"]
    assert [m.agency for m in split_agencies("市发展和改革委员会")] == ["市发展和改革委员会"]


def test_unknown_sentence_mode_is_an_error():
    with pytest.raises(ValueError, match="sentences"):
        find_responsibilities("", ExtractContext(), sentences="sometimes")


@pytest.mark.parametrize("text", [
    "、" * 100_000, "市" * 100_000, "|\n" * 50_000, "（责任单位：" * 20_000, "责任单位：市" * 20_000,
    " | " * 50_000, "1 |\n" * 50_000, "（" * 100_000, "市教育局会同" * 20_000,
    "x。（责任单位：市局）" * 10_000, "（责任单位：市局和市局" + "和市局" * 30_000 + "）",
    "一、\n" * 50_000 + "（责任单位：市局）", "责任单位 |\n主要内容 |\n" + "市局 |\n" * 50_000,
])
def test_hostile_input_is_fast(text):
    t = time.perf_counter()
    for mode in ("never", "always"):
        find_responsibilities(text, ExtractContext(region="盘锦市"), sentences=mode)
    assert time.perf_counter() - t < 10


PIECES = ["市教育局", "会同", "相关部门", "、", "，", ",", "|", " | ", "\n", "（", "）", "(", ")", "责任单位",
          "牵头单位", "配合单位", "：", "1", "2 |", "序号 |", "主要内容 |", "责任单位 |", "一、", "（一）",
          "要", "负责", "市", "局", "各县区政府", "。", "等", "省教育厅", "教育部将", "1.", "我部"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=60),
       st.sampled_from([None, "盘锦市", "全国", "鼓楼区"]),
       st.sampled_from(["never", "fallback", "always"]))
def test_never_raises_and_offsets_in_bounds(parts, region, mode):
    text = "".join(parts)
    tables = ((("序号", "任务", "责任单位"), ("1", text[:20], text[20:40])),)
    for r in find_responsibilities(text, ExtractContext(region=region, issuer="教育部办公厅"), tables,
                                   sentences=mode):
        assert 0 <= r.start <= r.end <= len(text)
        assert r.role in ("lead", "support") and r.agency
