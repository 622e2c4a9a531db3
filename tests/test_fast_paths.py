"""Each shortcut taken for speed (issue 7) gives what the plain code gives.

The plain versions are written out here as the reference: a regex tried only
where a match can start, windows around anchors, runs counted in arrays,
zone deletions made in one pass, prefilters in front of regexes.
"""

import re
import unicodedata

from hypothesis import example, given, settings, strategies as st

from policykb.extract import citations, deadlines, docinfo, docnumber, numbers, responsibilities, targets
from policykb.extract.scan import finditer_from, sub_from
from policykb.ingest import clean, convert, decode, spam, text_page
from policykb.ingest.edits import EditLog, runs_of_changes
from policykb.records import Page, PageLine

# Characters the finders' patterns care about, so random text hits them.
TRIGGERS = ("0123456789０１２９〇零一二三四五六七八九十百千万两半点年月日号號底末前起至到自从本发布公印下颁签"
            "之施行即有效期试暂个“\"截力争计划预目标〔〕[]［］()（）【】﹝﹞令第告现予给你们《》〈〉教育部厅市"
            "人民政府办公室委局 \u3000\n,，。:：;；-/.wh@a")
texts = st.text(alphabet=st.sampled_from(TRIGGERS), max_size=120)

FIRST_CHAR_PATTERNS = [
    (numbers.MASK_RE, numbers.MASK_FIRST),
    (numbers.ARABIC_NUMBER, targets._DIGIT),
    (targets._YEAR_CUE, targets._YEAR_CUE_FIRST),
    (targets._OPENING_YEAR, targets._OPENING_YEAR_FIRST),
    (deadlines._DATE, deadlines._DATE_FIRST),
    (deadlines._RELATIVE_EFFECT, deadlines._RELATIVE_EFFECT_FIRST),
    (deadlines._VALIDITY, deadlines._VALIDITY_FIRST),
    (citations._ISSUE_VERB, citations._ISSUE_VERB_FIRST),
]


def spans(matches):
    return [(m.span(), m.groups()) for m in matches]


@settings(max_examples=400, deadline=None)
@given(texts)
def test_patterns_tried_only_where_a_match_can_start_find_the_same_matches(text):
    for pattern, first in FIRST_CHAR_PATTERNS:
        assert spans(finditer_from(pattern, first, text)) == spans(pattern.finditer(text)), pattern.pattern
    masked = numbers.MASK_RE.sub(lambda m: "#" * (m.end() - m.start()), text)
    assert numbers.mask_non_quantities(text) == masked
    assert sub_from(re.compile("[0-9]+"), re.compile("[0-9]"), lambda m: "#", text) == re.sub("[0-9]+", "#", text)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_document_numbers_searched_near_their_anchors_only(text):
    for pattern, anchor in ((docnumber.DOC_NUMBER_RE, docnumber._DOC_NUMBER_ANCHOR),
                            (docnumber._ORDER_RE, docnumber._ORDER_ANCHOR),
                            (docnumber._ORDER_AFTER_RE, docnumber._ORDER_AFTER_ANCHOR),
                            (docnumber._NOTICE_RE, docnumber._NOTICE_ANCHOR)):
        assert spans(docnumber._finditer_near(pattern, anchor, text)) == spans(pattern.finditer(text))


def test_document_numbers_far_apart_and_close_together():
    text = "根据国发〔2019〕3号和" + "。" * 200 + "国务院令第699号、国家税务总局公告2018年第31号及国土资源部第39号令"
    assert [n for _, _, n in docnumber.find_doc_numbers(text)] == [
        "国发〔2019〕3号", "国务院令第699号", "国家税务总局公告2018年第31号", "国土资源部第39号令"]


def plain_title_spans(text):
    out, stack, pending = [], [], []
    for pos, ch in enumerate(text):
        if stack and (ch == "\n" or pos - stack[0] > citations.MAX_TITLE):
            out += [s for children in pending for s in children]
            stack.clear()
            pending.clear()
        if ch == "《":
            stack.append(pos)
            pending.append([])
        elif ch == "》" and stack:
            start = stack.pop()
            pending.pop()
            (pending[-1] if pending else out).append((start, pos + 1))
    out += [s for children in pending for s in children]
    return sorted(out)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("《》\nx"), max_size=600))
def test_title_spans_visit_only_marks_and_line_breaks(text):
    assert citations.title_spans(text) == plain_title_spans(text)


def plain_runs(before, after):
    out, i = [], 0
    while i < len(before):
        if before[i] == after[i]:
            i += 1
            continue
        j = i + 1
        while j < len(before) and before[j] != after[j]:
            j += 1
        out.append((i, j, after[i:j]))
        i = j
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab發发\u3400\ud800\U00020000"), st.booleans()), max_size=40))
def test_runs_of_changes_and_traditional_share_in_arrays(pairs):
    before = "".join(c for c, _ in pairs)
    after = "".join("x" if changed else c for c, changed in pairs)
    assert runs_of_changes(before, after) == plain_runs(before, after)
    cjk = sum("\u3400" <= ch <= "\u9fff" for ch in before)
    share = sum(a != b for a, b in zip(before, after)) / cjk if cjk else 0.0
    assert convert.traditional_share(before, after) == share


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.text(max_size=60))
def test_decode_counts_in_c(data, text):
    head = data.replace(b"\x00", b"")
    assert decode.looks_binary(head) == (sum(b < 9 or 13 < b < 32 for b in head) > len(head) * 0.05)
    cjk = re.findall("[\u3400-\u9fff\uf900-\ufaff]", text)
    common = decode._common_chars()
    assert decode.common_share(text) == (sum(c in common for c in cjk) / len(cjk) if cjk else 1.0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(
    [chr(c) for c in range(0xFF00, 0xFF70)] + list("\u3000\u0301\u0300 Aa\u03a3\u0391\u3099\u304b\uff76\u2460文\t\xa0\x85")),
    max_size=12), min_size=1, max_size=5))
def test_keys_of_all_lines_at_once(softs):
    assert text_page.make_keys(softs) == [text_page.make_key(s) for s in softs]


def test_every_full_width_character_narrowed_is_its_nfkd_form():
    for cp in range(text_page._FULLWIDTH_FIRST, text_page._FULLWIDTH_LAST + 1):
        assert unicodedata.normalize("NFKD", chr(cp)) == chr(cp - text_page._FULLWIDTH_OFFSET)
    assert unicodedata.normalize("NFKD", "\u3000") == " "


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("教育部办公厅人民政府局委2023年1月日0123456789〇一二十()·-./\n٣"), max_size=14))
def test_signature_or_date_line(key):
    assert text_page.signature_or_date(key) == bool(text_page.SIGNATURE.match(key) or text_page.DATE_LINE.match(key))


def test_quick_rule_prefilter_split_in_three_says_what_the_one_alternation_said():
    rules = text_page.default_rules()
    markers = [f"(?:{r.marker})" if r.kind == "regex" else re.escape(r.marker)
               for r in rules.line_rules if r.kind in ("regex", "contains")]
    one = re.compile("|".join(markers))
    keys = ["微信扫码", "首页>新闻", "(12)", "围观12次", "字号:大中小", "本页pdf下载", "正文第一条",
            "2024-01-02星期一", "政策解读:关于", "打印本页关闭"]
    for key in keys + [k[1:] for k in keys] + ["x" + k for k in keys]:
        split = bool(rules.quick.search(key) or rules.quick_regex and rules.quick_regex.search(key)
                     or rules.quick_start and rules.quick_start.match(key))
        assert split == bool(one.search(key)), key
    assert not text_page._anchored("^a|b") and text_page._anchored("^(a|b)[|]")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="ab\u3000", max_size=4), st.sampled_from(
    ["content", "chrome", "meta", "spam"])), min_size=1, max_size=10))
def test_zone_deletions_in_one_pass(lines):
    page = Page(tuple(PageLine(t, z) for t, z in lines))
    raw = "\n".join(t for t, _ in lines)
    one_by_one, at_once = EditLog(raw), EditLog(raw)
    deletions = clean.zone_deletions(page)
    for start, end, replacement, kind in reversed(deletions):
        one_by_one.apply([(start, end, replacement)], kind)
    at_once.delete_raw((start, end, kind) for start, end, _, kind in deletions)
    assert at_once.text == one_by_one.text and at_once.edits() == one_by_one.edits()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x1c\x85\u2028\u3000\xa0a中"), max_size=16))
def test_blank_lines_found_by_regex(text):
    out = [(m.start(), m.end(), "") for m in clean.EDGE_SPACE.finditer(text)]
    pos, lines = 0, text.split("\n")
    for i, line in enumerate(lines):
        if not line.strip() and i < len(lines) - 1:
            out.append((pos + len(line), pos + len(line) + 1, ""))
        pos += len(line) + 1
    if text.endswith("\n"):
        out.append((len(text) - 1, len(text), ""))
    assert clean.find_blank_space(text) == clean._disjoint(out)


def test_spam_rules_need_a_word_each_of_their_matches_holds():
    samples = ["某某在线观看", "某某qvod", "名字Qvod播放", "某某免费观看。", "高清观看", "正文在线播放"]
    for rule in spam.spam_rules():
        for text in samples:
            for m in rule.pattern.finditer(text):
                assert not rule.needs or any(w in m.group() for w in rule.needs), (rule.pattern.pattern, text)


def test_signature_prefilter_keeps_the_signature_and_date():
    body = "一、总则\n" + "第一条 为了规范管理,制定本办法。\n" * 3 + "教育部办公厅\n2023年9月28日"
    assert docinfo.issuers(body) == ("教育部办公厅",)
    assert docinfo.written_date(body) == "2023-09-28"


def test_duty_clauses_split_on_every_clause_end():
    from policykb.records import ExtractContext

    found = responsibilities.find_duty_sentences(
        "教育部负责统筹。\n各地要加强组织领导;市教育局将制定方案!", ExtractContext(region="南京市"))
    assert [(r.agency, r.start, r.end) for r in found] == [("教育部", 0, 7), ("市教育局", 19, 28)]


# --- mojibake: the pre-filter's pattern and the check before the search ------

def plain_suspect_re():
    """The pre-filter as first written: a lookbehind opens its last branch."""
    from policykb.ingest import mojibake

    pinyin = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
    rare = mojibake.char_class(mojibake._rare_chars())
    return re.compile(rf"[{mojibake._STRONG}]|[{pinyin}]|[{rare}]|\?(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\?")


# Clean hanzi, hanzi the pre-filter finds rare (觇 鸮 邕), private-use and
# non-GBK characters, the bytes that end an out-of-step read (? @ a ~) and
# the ASCII that does not (space, digits, punctuation).
MOJIBAKE_ALPHABET = list("的标河和测量。、觇鸮邕溧潟鳯\ue5f9\U00020000?@a~ 1(<>|\n\u3000！ǎ") + ["(dǎo)"]
mojibake_texts = st.lists(st.sampled_from(MOJIBAKE_ALPHABET), max_size=40).map("".join)


@st.composite
def misaligned_texts(draw):
    """Clean text read one byte out of step, the way the farm damaged seed 001."""
    from policykb.ingest.mojibake import farm_decode

    clean = draw(st.text(alphabet=st.sampled_from("关于印发住房公积金管理办法的通知测量标志觇鸮（一）指导思想"),
                         min_size=4, max_size=24))
    data = bytearray(clean.encode("gbk"))
    cut = draw(st.integers(0, len(data) - 1))
    if draw(st.booleans()):
        del data[cut]
    else:
        data.insert(cut, draw(st.sampled_from(b"!#,.;=")))
    return draw(st.sampled_from(["", "中文", "abc "])) + farm_decode(bytes(data)) + draw(
        st.sampled_from(["", "\n", "。 ", "<p>", "\ue5f9"]))


@settings(max_examples=300, deadline=None)
@given(st.one_of(mojibake_texts, misaligned_texts()))
def test_suspect_pattern_opening_with_classes_finds_what_the_lookbehind_one_found(text):
    from policykb.ingest import mojibake

    fast, plain = mojibake._suspect_re(), plain_suspect_re()
    assert spans(fast.finditer(text)) == spans(plain.finditer(text))
    for lo in range(0, len(text), 7):
        assert spans(fast.finditer(text, lo, lo + 9)) == spans(plain.finditer(text, lo, lo + 9))


@settings(max_examples=150, deadline=None)
@given(st.one_of(mojibake_texts, misaligned_texts()), st.data())
def test_windows_without_a_way_back_in_step_are_left_alone_by_the_search(text, data):
    # Within a line, exactly: no `?` and no ASCII from @ to ~, no repair.
    from policykb.ingest import mojibake

    text = text.replace("\n", " ")
    if not text:
        return
    hi = data.draw(st.integers(1, len(text)))
    if mojibake._may_change(text[:hi]):
        return
    line_hi = len(text) + 1  # the line goes on after the text
    hits = [m.start() for m in mojibake._suspect_re().finditer(text, 0, hi)]
    w = mojibake._Window(text + "。", 0, hi, 0, line_hi, hits, mojibake._Usage(text))
    best = mojibake._search(w)
    assert best is None or not mojibake._repairs_from(best, w)


@settings(max_examples=30, deadline=None)
@given(st.lists(misaligned_texts(), min_size=1, max_size=2).map("\n".join))
def test_damage_the_farm_does_is_repaired_as_without_the_check(text):
    # At a line's end too: the farm's decoder ends every out-of-step run
    # with a `?` or a letter, so no repair needs a window without one.
    from unittest import mock

    from policykb.ingest import mojibake

    fast = mojibake.find_mojibake_repairs(text)
    with mock.patch.object(mojibake, "_may_change", lambda window: True):
        assert mojibake.find_mojibake_repairs(text) == fast


def plain_word_next() -> dict:
    """Every prefix of every dictionary word indexed up front, as first written."""
    from policykb.ingest import mojibake

    index: dict = {}
    for word, f in mojibake._words()[0].items():
        for k in range(1, len(word)):
            entry = index.setdefault(word[:k], [0, {}])
            entry[0] += f
            entry[1][word[k]] = entry[1].get(word[k], 0) + f
    return index


def test_word_prefixes_looked_up_when_needed_match_the_index_built_up_front():
    from policykb.ingest import mojibake

    index = plain_word_next()
    for prefix, (total, nxt) in index.items():
        assert mojibake._word_next(prefix) == (total, nxt), prefix
    for prefix in ("", "〓", "\x02", "abc", "科研人员", "\U0010ffff", "龘龘"):
        if prefix and prefix not in index:
            assert mojibake._word_next(prefix) is None
    mojibake._word_next.cache_clear()


def test_single_symbol_counts_read_alone_are_the_models():
    from policykb.ingest import mojibake

    assert mojibake._unigrams() == mojibake._model().uni


# Pieces of target sentences and of what is not a target, so that random
# texts have both.
TARGET_PIECES = ["到2025年", "力争2030年", "十四五", "2019年", "2024年,", "建成", "培育", "达到", "已建成", "实施",
                 "300个", "30家", "三个", "五项", "20%", "百分之五十", "6个月", "1000元/人", "第十八条", "二次",
                 "左右", "以上", "不少于", "(含)", "每人", "按", "的", "、", "，", "。", "\n", "全国性实践中心",
                 "示范店", "《十条措施》", "由30%提高至40%", "即可"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TARGET_PIECES), max_size=30).map("".join),
       st.sampled_from([None, "2019-05-01", "2024-01-05"]))
@example("建成三个300个中心。", None)  # a goal verb governs the next quantity only, rejected or not
@example("建成1000元/人300个中心。", None)
def test_targets_rejected_before_their_context_is_read_are_the_ones_judge_rejects(text, published):
    # Plain: every quantity's context worked out, then judged as a whole.
    from unittest import mock

    from policykb.records import ExtractContext

    ctx = ExtractContext(published_date=published)
    fast = targets.find_targets(text, ctx)
    alone, judge = targets._rejected_alone, targets._judge

    def plain_judge(q, masked, *context):
        return not alone(q, masked) and judge(q, masked, *context)

    with mock.patch.object(targets, "_rejected_alone", lambda q, masked: False), \
            mock.patch.object(targets, "_judge", plain_judge):
        assert targets.find_targets(text, ctx) == fast
