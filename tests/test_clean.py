"""The cleaner as a whole: properties that hold for any input, and golden pages."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from policykb.ingest.clean import clean_page
from policykb.ingest.decode import decode
from policykb.ingest.edits import replay
from policykb.ingest.page import page_from_html, page_from_text
from policykb.records import Page, PageLine

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "clean"

SIMPLIFIED = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
PUNCT = "，。、；：（）《》〔〕“”\n0123456789"


def content_page(text: str) -> Page:
    return Page(tuple(PageLine(line, "content") for line in text.split("\n")))


def normalised(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


clean_lines = st.lists(st.text(alphabet=SIMPLIFIED + "，。、；：（）《》〔〕“”0123456789", min_size=1, max_size=40),
                       min_size=1, max_size=6).map("\n".join)
any_text = st.text(alphabet=SIMPLIFIED + PUNCT + "發展產業聯合體(fā)(chǎn)?。ㄒ唬 \u3000\t<>/p上门服务qvod", max_size=300)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(clean_lines)
def test_clean_simplified_text_passes_through_unchanged(text):
    assert clean_page(content_page(text)).body == text


@FAST
@given(any_text)
def test_edits_replayed_on_raw_text_give_the_body(text):
    result = clean_page(page_from_text(text))
    assert replay(result.raw_text, result.edits) == result.body
    assert result.raw_text == text


@FAST
@given(any_text)
def test_cleaning_is_idempotent(text):
    once = clean_page(content_page(text)).body
    assert clean_page(content_page(once)).body == once


@FAST
@given(st.text(max_size=200))
def test_no_input_raises(text):
    clean_page(page_from_text(text))
    clean_page(page_from_html(text))


CASES = sorted(GOLDEN.glob("*.json"))


@pytest.mark.parametrize("case_path", CASES, ids=lambda p: p.stem)
def test_golden_page_body(case_path):
    case = json.loads(case_path.read_text(encoding="utf-8"))
    source = ROOT / case["file"]
    text = decode(source.read_bytes()).text
    page = page_from_html(text) if source.suffix == ".html" else page_from_text(text)
    body = clean_page(page).body
    lines = [line for line in body.split("\n") if line.strip()]
    assert normalised(lines[0]).startswith(normalised(case["first_line_starts"]))
    assert normalised(lines[-1]).startswith(normalised(case["last_line_starts"]))
    for s in case.get("contains", []):
        assert normalised(s) in normalised(body)
    for s in case.get("excludes", []):
        assert normalised(s) not in normalised(body)
    assert replay(clean_page(page).raw_text, clean_page(page).edits) == body


@pytest.mark.parametrize("tag", ["[中国网 资讯] ", "【新华网 时政】", "[人民网 地方]\u3000"])
def test_site_tag_opening_the_text_is_boilerplate(tag):
    # Issue 16: a mirror's tag before the first paragraph stayed in the body,
    # and kept the zoner from seeing the first line's own chrome marker.
    text = "第五条 县级以上人民政府环境保护行政主管部门对机动车排气污染防治工作实施统一监督管理。\n第六条 机动车排气污染物排放执行国家规定的标准。"
    result = clean_page(page_from_text(tag + text))
    assert result.body == clean_page(page_from_text(text)).body
    assert [e.kind for e in result.edits if e.original.startswith(tag.strip())] == ["boilerplate"]
    assert replay(result.raw_text, result.edits) == result.body
    inside = "第五条 见[中国网 资讯]的报道。"
    assert "[中国网 资讯]" in clean_page(page_from_text(inside)).body
