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


def test_a_taiwanese_law_takes_its_term_from_its_history():
    from policykb.extract.pipeline import extract
    from policykb.records import PageInfo

    body = ("某分署编制表\n法规类别：行政＞农业部＞组织目\n"
            "1.中华民国一百十二年七月三十一日行政院农业委员会农人字第 1120112870B 号令订定发布；并自一百十二年八月一日生效\n"
            "2.中华民国一百十三年九月十八日农业部农人字第 1130113697B 号令修正发布；并自一百十二年八月一日生效\n"
            "第 1 条 本编制表依据组织准则订定之。")
    periods = [(p.kind, p.date_from, p.date_to, p.evidence) for p in extract(body, PageInfo({})).periods]
    assert periods == [("effective", "2023-08-01", None, "law_history")]
    repealed = "某办法\n1.中华民国五十年七月二十七日内政部公布\n2.中华民国九十二年八月二十六日内政部函发布停止适用\n第 1 条 …"
    periods = [(p.kind, p.date_from, p.date_to) for p in extract(repealed, PageInfo({})).periods]
    assert periods == [("effective", "1961-07-27", None), ("expiry", None, "2003-08-26")]
