"""Obligations and periods: golden cases in tests/golden/periods/, one JSON file each.

Each case gives a text, the document's dates (``ctx``) and every deadline
and period it must yield, exactly: an extra row fails the case.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykb.extract.deadlines import find_deadlines
from policykb.extract.periods import split_dates
from policykb.records import ExtractContext

GOLDEN = Path(__file__).parent / "golden" / "periods"


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_golden(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    text = case["text"]
    due, periods = split_dates(find_deadlines(text, ExtractContext(**case["ctx"])), text)
    got_due = [{"date": d.date} if d.recurrence == "once" else {"month_day": d.month_day} for d in due]
    assert got_due == case["deadlines"], case["note"]
    got = [{"kind": p.kind, "start": p.date_from, "end": p.date_to} for p in periods]
    want = [{"kind": p["kind"], "start": p["start"], "end": p["end"]} for p in case["periods"]]
    assert got == want, case["note"]


def test_every_deadline_is_an_obligation():
    text = "本办法自2024年1月1日起施行，有效期至2028年12月31日。请于2024年3月1日前报送。"
    due, periods = split_dates(find_deadlines(text, ExtractContext()), text)
    assert [d.kind for d in due] == ["due"]
    assert {p.kind for p in periods} == {"effective"}
