"""Fuzzing: no exception escapes ingest, cleaning or extraction, for any bytes
or text.

Hypothesis drives it, with Chinese-heavy strategies (the shapes the finders
look for: 《》〔〕()（）, digits, 年月日号, newlines, pinyin glosses, agency
words) mixed with arbitrary Unicode, so the regexes meet near-misses rather
than only random noise.  Example counts are kept moderate (the file runs in
well under a minute); a failing example is shrunk and printed by Hypothesis.

atheris is not used: it needs a clang-built CPython or a wheel for this
interpreter, its coverage guidance pays off on branchy byte parsers, while
our code is regex tables over text, where structured Hypothesis strategies
reach the interesting near-misses faster; and it would need its own
long-running job rather than fitting the CI budget.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykb.ingest.clean import clean_page
from policykb.ingest.decode import DecodeError, decode
from policykb.ingest.page import page_from_html, page_from_text
from policykb.records import ExtractContext

# POLICYKB_FUZZ_EXAMPLES=4000 for a longer local run (4000 found nothing either).
FUZZ = settings(max_examples=int(os.environ.get("POLICYKB_FUZZ_EXAMPLES", 400)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow], database=None)

PIECES = [
    "《", "》", "〔", "〕", "(", ")", "（", "）", "[", "]", "【", "】", "〈", "〉", "<", ">",
    "年", "月", "日", "号", "第", "条", "令", "公告", "到", "前", "底", "以上", "不低于", "%", "％", "万", "亿",
    "、", "，", "。", "：", ":", "；", "\n", "\n\n", " ", "\u3000", "\xa0", "\u200b", "|", "?", "〓",
    "关于", "印发", "通知", "意见", "办法", "的", "市", "省", "县", "教育局", "人民政府", "办公厅",
    "国发", "国办发", "教职成厅函", "京建发", "盘政办发", "牵头", "配合", "负责", "责任单位",
    "附件", "附件：", "签发人：", "各有关单位：", "特此通知。", "2024", "2025", "12", "31", "0", "１２",
    "一", "二", "十", "百", "千", "两", "〇", "发(fā)", "展(zhǎn)", "(fā)", "锟斤拷", "烫烫", "鍙戝竷",
    "<p>", "</p>", "<br>", "&nbsp;", "&#8203;", "&amp;", "<script>alert(1)</script>", "<td>", "</td>",
    "點擊", "發展", "ā", "ǎ", "こんにちは", "abc", "\ufffd", "\ud7ff", "𠀀",
]

chinese_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(min_size=1, max_size=3),
              st.integers(min_value=0, max_value=10**12).map(str)),
    max_size=60,
).map("".join)

contexts = st.builds(
    ExtractContext,
    region=st.sampled_from([None, "全国", "辽宁省", "盘锦市"]),
    issuer=st.sampled_from([None, "教育部", "盘锦市人民政府"]),
    written_date=st.sampled_from([None, "2024-01-01", "1999-12-31"]),
    doc_number=st.sampled_from([None, "国发〔2024〕1号"]),
)


def _encode_all(text: str) -> list[bytes]:
    out = [text.encode("utf-8", "surrogatepass")]
    for name in ("gb18030", "big5", "utf-16"):
        try:
            out.append(text.encode(name))
        except UnicodeEncodeError:
            pass
    return out


@FUZZ
@given(st.one_of(st.binary(max_size=400), chinese_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                 chinese_text.flatmap(lambda t: st.sampled_from(_encode_all(t))),
                 st.tuples(chinese_text, st.integers(0, 50)).map(
                     lambda p: p[0].encode("gb18030", "replace")[: p[1]])))  # cut mid-character
def test_decode_either_decodes_or_raises_decode_error(data):
    try:
        decoded = decode(data)
    except DecodeError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(decoded.text, str)


@FUZZ
@given(chinese_text)
def test_page_from_text_and_clean_page_never_raise(text):
    page = page_from_text(text)
    clean = clean_page(page)
    assert isinstance(clean.body, str)


html_text = st.lists(
    st.one_of(chinese_text, st.sampled_from([
        "<div>", "</div>", "<p>", "</p>", "<table><tr><td>", "</td><td rowspan=3>", "<td colspan=0>",
        "<td colspan=99999>", "</tr></table>", "<title>", "</title>", '<meta name="发文字号" content="',
        '">', "<script>", "</script>", "<style>", "<!--", "-->", "<a href='javascript:alert(1)'>", "</a>",
        "<img src=x onerror=alert(1)>", "<br/>", "<![CDATA[", "]]>", "<?xml ?>", "<!DOCTYPE html>", "&",
        "<span style='display:none'>", "</span>", "<h1>", "</h1>", "<li>", "<svg><text>",
    ])),
    max_size=40,
).map("".join)


@FUZZ
@given(html_text)
def test_page_from_html_and_clean_page_never_raise(html):
    page = page_from_html(html)
    clean = clean_page(page)
    assert isinstance(clean.body, str)


@settings(FUZZ, max_examples=FUZZ.max_examples // 2)
@given(chinese_text, st.dictionaries(st.sampled_from(["发文字号", "成文日期", "发布日期", "发文机关", "标题", "来源"]),
                                     chinese_text, max_size=3),
       st.one_of(st.none(), chinese_text))
def test_the_extract_pipeline_never_raises(body, meta, html_title):
    from policykb.extract.pipeline import extract
    from policykb.records import PageInfo

    extract(body, PageInfo({}))
    extract(body, PageInfo(meta, html_title, (html_title or "",), ((("序号", "责任单位"), ("1", body[:20])),)))


@settings(FUZZ, max_examples=FUZZ.max_examples // 2)
@given(chinese_text, contexts)
def test_every_finder_never_raises(text, ctx):
    from policykb.extract.citations import find_citations
    from policykb.extract.deadlines import find_deadlines
    from policykb.extract.docnumber import find_doc_numbers, leading_doc_number, normalise_doc_number
    from policykb.extract.responsibilities import find_responsibilities
    from policykb.extract.targets import find_targets
    from policykb.ingest.despin import despin
    from policykb.ingest.mojibake import find_mojibake_repairs
    from policykb.ingest.pinyin import find_glosses
    from policykb.ingest.spam import find_spam

    find_doc_numbers(text)
    leading_doc_number(text)
    normalise_doc_number(text)
    find_citations(text, ctx.doc_number, text[:20] or None)
    find_targets(text, ctx)
    find_deadlines(text, ctx)
    find_responsibilities(text, ctx, sentences="always")
    find_mojibake_repairs(text)
    despin(text)
    find_glosses(text)
    find_spam(text, True)


@settings(FUZZ, max_examples=FUZZ.max_examples // 4)
@given(st.binary(max_size=300) | chinese_text.map(lambda t: t.encode("gb18030", "replace")),
       st.sampled_from([".txt", ".html", ".htm", ".pdf", ""]))
def test_process_bytes_only_raises_source_error(data, suffix):
    from policykb.process import SourceError, process_bytes

    try:
        process_bytes(data, suffix)
    except SourceError as e:
        assert str(e) and "\n" not in str(e)
