"""Golden cases for extract.targets: one JSON file per case in tests/golden/targets/.

Each case has ``text`` (a clean simplified body), ``ctx`` (ExtractContext
fields), ``expected`` (records, each a subset of Target fields: a field given
must be equal; ``object_contains``/``sentence_contains`` must be inside the
field; ``text`` must equal ``text[start:end]``) and ``exact`` (no other
record may be found: precision counts as much as recall).

Cases named 001_… and 004_… are the gold targets of the seeds, on simplified
(001) and de-spun (004) sentences.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykb.extract.numbers import mask_non_quantities, parse_chinese, parse_number
from policykb.extract.targets import find_targets
from policykb.records import ExtractContext, Target

from tests.helpers import record_matches

GOLDEN = Path(__file__).parent / "golden" / "targets"
CASES = sorted(GOLDEN.glob("*.json"))




def check_case(found: list, case: dict, text: str) -> None:
    unmatched = list(found)
    for want in case["expected"]:
        hit = next((r for r in unmatched if record_matches(r, want, text)), None)
        assert hit is not None, f"{case['note']}: missing {want} in {found}"
        unmatched.remove(hit)
    if case["exact"]:
        assert not unmatched, f"{case['note']}: unexpected {unmatched}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    found = find_targets(case["text"], ExtractContext(**case["ctx"]))
    check_case(found, case, case["text"])
    for t in found:
        assert t.sentence in case["text"]
        assert t.start < t.end and t.sentence.find(case["text"][t.start:t.end]) >= 0


def test_golden_folder_covers_the_gold() -> None:
    names = {p.stem for p in CASES}
    assert len(names) >= 20
    assert sum(n.startswith("004_") for n in names) >= 9
    assert sum(n.startswith("001_") for n in names) >= 4


def test_docstring_example() -> None:
    (t,) = find_targets("到2025年,建成300个左右全国性实践中心。", ExtractContext())
    assert (t.year, t.quantity, t.unit, t.qualifier, t.object) == (2025, 300, "个", "左右", "全国性实践中心")
    assert t.sentence == "到2025年,建成300个左右全国性实践中心。"


def test_year_reaches_across_the_paragraph_not_beyond() -> None:
    text = "到2025年,建成实训基地30个以上。培育企业30家以上。\n培育龙头企业10家以上。"
    years = [t.year for t in find_targets(text, ExtractContext())]
    assert years == [2025, 2025, None]  # the next paragraph has no year


def test_past_year_against_document_date() -> None:
    text = "2022年,全市新建保障性住房5000套。"
    assert find_targets(text, ExtractContext(published_date="2024-01-05")) == []
    assert find_targets("2025年,全市新建保障性住房5000套。", ExtractContext(published_date="2024-01-05"))[0].year == 2025


# --- numbers ------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("三百", 300), ("两千", 2000), ("一百二十", 120), ("十一", 11), ("二〇二三", 2023),
    ("一万零五百", 10500), ("两千五", 2500), ("一亿二千万", 120_000_000), ("1,000", 1000),
    ("0.5", 0.5), ("1.5万", 15000), ("３００", 300),
    ("两三", None), ("十几", None), ("三四十", None), ("百", None), ("万", None), ("", None),
    ("1" * 40, None),
])
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=10**12))
def test_chinese_numerals_agree_with_cn2an(n: int) -> None:
    assert parse_chinese(cn2an.an2cn(n)) == n


def test_masking_keeps_offsets() -> None:
    text = "(教职成厅函〔2023〕15号) 电话:010-66096232 时间15:42:53 邮箱a.b@moe.edu.cn"
    masked = mask_non_quantities(text)
    assert len(masked) == len(text)
    assert "2023" not in masked and "66096232" not in masked and "15:42" not in masked


# --- robustness ----------------------------------------------------------------

HOSTILE = [
    "1" * 10_000 + "个",
    "到" * 100_000,
    "2023年" * 20_000,
    "1个" * 20_000,
    "一二三" * 30_000,
    "建成" + "的" * 100_000 + "300个",
    "“" * 50_000 + "1个",
    "《" * 50_000 + "》" * 50_000,
    "到2025年,建成300个左右中心," * 4000,
    "a" * 50_000 + "@" + "1" * 10_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_fast(text: str) -> None:
    started = time.perf_counter()
    find_targets(text, ExtractContext(published_date="2024-01-01"))
    assert time.perf_counter() - started < 3.0


TOKENS = list("0123456789一二两三十百千万亿个家所门种%％年月日前起至到以上左右不少于的,，。;；、\n()（）〔〕《》“”每第约达") + [
    "到2025年", "建成", "培育", "不少于", "左右", "以上", "个月", "万元", "十四五", "百分之", "(含)", "已", "了", "的",
]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)),
       st.sampled_from([ExtractContext(), ExtractContext(published_date="2024-05-01", written_date="2024-04-30")]))
def test_never_raises_and_offsets_in_bounds(text: str, ctx: ExtractContext) -> None:
    for t in find_targets(text, ctx):
        assert 0 <= t.start < t.end <= len(text)
        assert t.sentence in text
        assert t.quantity == t.quantity  # not NaN
        assert t.object
