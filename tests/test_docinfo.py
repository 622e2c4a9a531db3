"""Golden cases for extract.docinfo: one JSON file per page in tests/golden/docinfo/.

Each file holds the inputs of ``extract_docinfo`` (body, page_meta,
html_title, links) and the expected value of every field it names; fields it
does not name are not checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykb.records import DocInfo
from policykb.extract.docinfo import doc_type, extract_docinfo, parse_date, published_date, title

GOLDEN = Path(__file__).parent / "golden" / "docinfo"
CASES = sorted(GOLDEN.glob("*.json"))


def _expected_value(field: str, value):
    return tuple(value) if field == "issuers" else value


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    info = extract_docinfo(case["body"], case["page_meta"], case["html_title"], tuple(case["links"]))
    got = {field: getattr(info, field) for field in case["expected"]}
    want = {field: _expected_value(field, v) for field, v in case["expected"].items()}
    assert got == want, case["note"]


def test_golden_folder_is_not_empty() -> None:
    assert len(CASES) >= 10


def test_unknown_is_none_never_empty_string() -> None:
    info = extract_docinfo("  \n\n", {"发布日期": "", "标题": "   ", "发文字号": "无"}, "", ())
    for field in ("doc_number", "title", "issuer", "doc_type", "written_date", "published_date", "region", "status"):
        assert getattr(info, field) is None, field


@pytest.mark.parametrize("raw, iso", [
    ("2019-01-22", "2019-01-22"),
    ("2023年10月11日15:42:53", "2023-10-11"),
    ("2017/5/11 8:22:16", "2017-05-11"),
    ("2020—11—13 10:40", "2020-11-13"),
    ("2025-09-1800:00:00", "2025-09-18"),
    ("２０２３年９月４日", "2023-09-04"),
    ("二〇二三年九月二十八日", "2023-09-28"),
    ("二00六年三月九日", "2006-03-09"),
    ("二OO三年十二月四日", "2003-12-04"),
    ("二○○二年五月八日", "2002-05-08"),
    ("2023-02-30", None),
    ("无", None),
])
def test_parse_date(raw: str, iso: str | None) -> None:
    assert parse_date(raw) == iso


def test_meta_title_without_its_number() -> None:
    meta = {"标题": "盘政办发〔2019〕9号 盘锦市人民政府办公室关于深化产教融合的实施意见"}
    assert title("", meta, None) == "盘锦市人民政府办公室关于深化产教融合的实施意见"


def test_title_with_number_in_brackets_after_it() -> None:
    html = "合肥市国有建设用地使用权出让公告（合自然资规公告[2021]11号）_全国公共资源交易平台（安徽省·合肥市）"
    assert title("", {}, html) == "合肥市国有建设用地使用权出让公告"


def test_salutation_is_never_the_title() -> None:
    assert title("教职成厅函〔2023〕20号\n各省、自治区、直辖市教育厅(教委):\n为深入贯彻…。", {}, None) is None


def test_source_line_date_is_published_not_written() -> None:
    body = "大连金普新区入选国家首批市域产教联合体\n教育装备采购网 2023-09-13 15:40 围观2321次\n日前,教育部公示名单。"
    assert published_date(body, {}) == "2023-09-13"


def test_structured_document_is_never_news() -> None:
    body = "第一条 为规范管理，制定本办法。记者、出席、举行等词不改变它。\n第二条 本办法自发布之日起施行。"
    assert doc_type("我市物业管理办法", body) == "办法"


def test_region_tolerates_a_broken_regions_module(monkeypatch) -> None:
    import policykb.extract.regions as regions

    def boom(_):
        raise RuntimeError("table missing")

    monkeypatch.setattr(regions, "region_of", boom)
    info = extract_docinfo("…。\n教育部办公厅\n2023年9月28日", {}, None)
    assert info.issuer == "教育部办公厅" and info.region is None


TEXT = st.text(alphabet=st.sampled_from(list("关于通知意见办法教育部办公厅号〔〕[]()（）《》〈〉:：。，\n 0123456789年月日-_签发人各省市局")), max_size=300)


@settings(max_examples=300, deadline=None)
@given(body=TEXT, meta_value=TEXT, html_title=st.one_of(st.none(), TEXT),
       links=st.lists(TEXT, max_size=3))
def test_never_raises(body: str, meta_value: str, html_title: str | None, links: list[str]) -> None:
    meta = {label: meta_value for label in ("标题", "发文机关", "发文字号", "成文日期", "发布日期", "有效性")}
    info = extract_docinfo(body, meta, html_title, tuple(links))
    assert isinstance(info, DocInfo)
    for field in ("doc_number", "title", "issuer", "doc_type", "written_date", "published_date", "status"):
        assert getattr(info, field) != ""


@settings(max_examples=100, deadline=None)
@given(body=st.text(max_size=500), meta=st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.text(max_size=40), st.integers())))
def test_never_raises_on_any_unicode(body: str, meta: dict) -> None:
    extract_docinfo(body, meta, body[:50] or None, (body[:20],))
