"""Golden cases for extract.deadlines: one JSON file per case in tests/golden/deadlines/.

Each case has ``text`` (a clean simplified body), ``ctx`` (ExtractContext
fields), ``expected`` (records, each a subset of Deadline fields: a field
given must be equal; ``action_contains``/``sentence_contains`` must be inside
the field; ``text`` must equal ``text[start:end]``) and ``exact`` (no other
record may be found).

Cases named 000_… and 004_… are the gold deadlines of the seeds (and the
dates of those seeds that must not count), on simplified sentences.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykb.extract.deadlines import dates, find_deadlines
from policykb.records import Deadline, ExtractContext

from tests.helpers import record_matches

GOLDEN = Path(__file__).parent / "golden" / "deadlines"
CASES = sorted(GOLDEN.glob("*.json"))




@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    text = case["text"]
    found = find_deadlines(text, ExtractContext(**case["ctx"]))
    unmatched = list(found)
    for want in case["expected"]:
        hit = next((r for r in unmatched if record_matches(r, want, text)), None)
        assert hit is not None, f"{case['note']}: missing {want} in {found}"
        unmatched.remove(hit)
    if case["exact"]:
        assert not unmatched, f"{case['note']}: unexpected {unmatched}"
    for d in found:
        assert d.sentence in text


def test_golden_folder_covers_the_gold() -> None:
    names = {p.stem for p in CASES}
    assert len(names) >= 20
    assert {"000_pair_split_by_fenbie", "004_registration_from", "004_annual_performance_data"} <= names


def test_docstring_example() -> None:
    (d,) = find_deadlines("自2023年起,每年12月15日前,各单位要填报绩效数据。", ExtractContext())
    assert (d.kind, d.recurrence, d.date, d.month_day, d.from_year) == ("due", "annual", None, "12-15", 2023)
    assert d.sentence == "自2023年起,每年12月15日前,各单位要填报绩效数据。"


def test_dates_are_read_in_every_form() -> None:
    text = "2023年7月30日 2024-05-15 二〇二三年七月七日 8月1日 2025年底 7月底"
    got = [(d.year, d.month, d.day, d.end_of) for d in dates(text)]
    assert got == [(2023, 7, 30, None), (2024, 5, 15, None), (2023, 7, 7, None), (None, 8, 1, None),
                   (2025, None, None, "year"), (None, 7, None, "month")]


def test_impossible_dates_are_dropped() -> None:
    assert find_deadlines("请于2023年2月30日前报送。请于2023年13月1日前报送。", ExtractContext()) == []


def test_validity_falls_back_on_publication() -> None:
    (d,) = find_deadlines("本办法有效期为3年。", ExtractContext(published_date="2024-02-29"))
    assert (d.kind, d.date) == ("expiry", "2027-02-28")


# --- robustness ----------------------------------------------------------------

HOSTILE = [
    "1" * 10_000,
    "到" * 100_000,
    "2023年" * 20_000,
    "每年1月1日、" * 20_000 + "前",
    "2023年1月1日至" * 10_000,
    "请于2023年1月1日、2月2日前分别报送A、B," * 3000,
    "本通知有效期5年," * 10_000,
    "本通知自发布之日起施行," * 8000,
    "a" * 50_000 + "@" + "1" * 10_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_fast(text: str) -> None:
    started = time.perf_counter()
    find_deadlines(text, ExtractContext(published_date="2024-01-01"))
    assert time.perf_counter() - started < 3.0


TOKENS = list("0123456789〇一二三四五六七八九十年月日号底末前起至到止-—～、,，。;；\n()（）〔〕:：每请于自") + [
    "2023年", "12月31日", "每年", "之日起施行", "本通知", "有效期", "5年", "发布时间:", "以来", "已", "分别", "报我部",
    "即日起至", "废止", "截至", "截止时间为",
]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)),
       st.sampled_from([ExtractContext(), ExtractContext(published_date="2024-05-01", written_date="2024-04-30")]))
def test_never_raises_and_offsets_in_bounds(text: str, ctx: ExtractContext) -> None:
    for d in find_deadlines(text, ctx):
        assert 0 <= d.start < d.end <= len(text)
        assert d.sentence in text
        assert d.recurrence in ("once", "annual")
        assert d.kind in ("due", "from", "window_start", "window_end", "effective", "expiry")
        if d.recurrence == "annual":
            assert d.month_day is not None and d.date is None
        if d.date is not None:
            assert len(d.date) == 10
