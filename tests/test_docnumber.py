"""policykb.extract.docnumber: the variants real pages write, and hostile input."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykb.extract.docnumber import find_doc_numbers, leading_doc_number, normalise_doc_number

# (as written, normalised) — every variant seen in the seeds and gov_html pages.
VARIANTS = [
    ("教职成厅函[2023]20号", "教职成厅函〔2023〕20号"),
    ("教职成厅函〔2023〕20号上门服务", "教职成厅函〔2023〕20号"),
    ("京建发〔2023〕1号", "京建发〔2023〕1号"),
    ("沈政办发［2013］12号", "沈政办发〔2013〕12号"),
    ("国办发(2013)3号", "国办发〔2013〕3号"),
    ("国办发（2013）3号", "国办发〔2013〕3号"),
    ("合自然资规公告[2021]11号", "合自然资规公告〔2021〕11号"),
    ("沈房发［２０２３］１２号", "沈房发〔2023〕12号"),
    ("穗公积金中心规字〔\n2024\n〕1\n号", "穗公积金中心规字〔2024〕1号"),
    ("\u200b京建发〔2023〕1号", "京建发〔2023〕1号"),
    ("京建发\u200b〔2023〕01号", "京建发〔2023〕1号"),
    ("京建发 〔 2023 〕 1 号", "京建发〔2023〕1号"),
    ("的规定 京建发〔2023〕1号", "京建发〔2023〕1号"),
    ("京建发【2023】1號", "京建发〔2023〕1号"),
    ("京建法﹝2017﹞16号", "京建法〔2017〕16号"),
    ("京建发〔2023〕第5号", "京建发〔2023〕5号"),
    ("根据京建发〔2023〕1号", "京建发〔2023〕1号"),
    ("贯彻落实国发〔2019〕3号", "国发〔2019〕3号"),
    ("2023年3月1日京建发〔2023〕1号", "京建发〔2023〕1号"),
    ("国务院令第699号", "国务院令第699号"),
    ("沈阳市人民政府令 第41号", "沈阳市人民政府令第41号"),
    ("国家税务总局公告2018年第31号", "国家税务总局公告2018年第31号"),
    # joint announcements name their issuers apart (a00ab9bb, beijing)
    ("财政部 税务总局公告2025年第17号", "财政部 税务总局公告2025年第17号"),
    ("根据财政部　税务总局 海关总署公告2019年第39号", "财政部 税务总局 海关总署公告2019年第39号"),
    ("市政办发〔2022〕167号.pdf", "市政办发〔2022〕167号"),
]


@pytest.mark.parametrize("raw, normalised", VARIANTS, ids=[v[1] + "<-" + repr(v[0])[:20] for v in VARIANTS])
def test_normalise(raw: str, normalised: str) -> None:
    assert normalise_doc_number(raw) == normalised


@pytest.mark.parametrize("raw", ["", None, "（2013）", "〔2023〕1号", "2023年1号", "第5号", "京建发〔23〕1号",
                                 "京建发〔2023〕1234567号", "根据〔2023〕1号"])
def test_not_a_number(raw) -> None:
    assert normalise_doc_number(raw) is None


def test_find_gives_spans_in_text_order() -> None:
    text = "根据《A》(教职成厅函〔2023〕15号)和《B》（国办发[2019]3号）"
    found = find_doc_numbers(text)
    assert [n for _, _, n in found] == ["教职成厅函〔2023〕15号", "国办发〔2019〕3号"]
    for start, end, _ in found:
        assert text[start:end].startswith(("教", "国")) and text[end - 1] == "号"


def test_leading_number_is_the_own_one() -> None:
    body = "教育部办公厅关于…的通知\n发布时间:2023年10月11日\n教职成厅函〔2023〕23号\n各省教育厅:\n根据《X》(教职成厅函〔2023〕15号)"
    assert leading_doc_number(body)[2] == "教职成厅函〔2023〕23号"


def test_cited_number_in_first_paragraph_is_not_leading() -> None:
    body = "关于…的通知\n各有关单位：\n根据《X》（建房〔2021〕55号），现通知如下。"
    assert leading_doc_number(body) is None


def test_number_line_followed_by_title() -> None:
    body = "盘政办发〔2019〕9号 盘锦市人民政府办公室关于深化产教融合的实施意见\n各县、区人民政府:"
    assert leading_doc_number(body)[2] == "盘政办发〔2019〕9号"


@pytest.mark.parametrize("text, own", [
    ("河南省人民政府关于政府系统文件清理情况的通报\n(1992年7月22日 豫政办〔1992〕31号)\n各省辖市人民政府:\n清理。", "豫政办〔1992〕31号"),
    ("2003年11月8日  财建〔2003〕512号\n各省、自治区财政厅:\n为…。", "财建〔2003〕512号"),
    ("赣府厅字[2018]87号2018年9月18日各市、县(区)人民政府,省政府各部门:一年来,全省各地按照部署,认真落实。", "赣府厅字〔2018〕87号"),
])
def test_date_and_number_on_one_line_is_the_own_number(text: str, own: str) -> None:
    """Issue 17: a date of writing beside the number made it a citation of the document itself."""
    hit = leading_doc_number(text)
    assert hit is not None and hit[2] == own


def test_dated_citation_in_running_text_is_not_own() -> None:
    assert leading_doc_number("各省:\n根据2003年11月8日财建〔2003〕512号文件精神,现通知如下。") is None


@pytest.mark.parametrize("text", [
    "《" * 100_000,
    "〔" * 100_000,
    "〔〔〔2023〕" * 20_000,
    "1" * 10_000,
    "京建发〔2023〕" + "1" * 10_000 + "号",
    "京" * 100_000 + "〔2023〕1号",
    "令第" * 50_000,
    "公告2018年第" * 20_000,
    "\u200b" * 100_000 + "〔2023〕1号",
    "京建发〔" + " " * 100_000 + "2023〕1号",
])
def test_hostile_input_is_fast(text: str) -> None:
    started = time.perf_counter()
    find_doc_numbers(text)
    leading_doc_number(text)
    assert time.perf_counter() - started < 2.0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("京建发国办令第公告年号號〔〕[]［］()（）【】0123456789０１ \n\u200b根据")), max_size=200))
def test_found_numbers_normalise_to_themselves(text: str) -> None:
    for start, end, number in find_doc_numbers(text):
        assert 0 <= start < end <= len(text)
        assert normalise_doc_number(number) == number
