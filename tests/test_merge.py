"""Mirrors become one document; citations link within the base; titles come from citations."""

from __future__ import annotations

import shutil
import sqlite3

import opencc
import pytest

from policykb.build import build
from tests.conftest import SEEDS

CITED = """教育部办公厅关于开展市域产教联合体建设的通知
教职成厅函〔2023〕15号
各省、自治区、直辖市教育厅(教委):
为贯彻落实《关于深化现代职业教育体系建设改革的意见》,现就开展市域产教联合体建设有关事项通知如下。
请于2023年6月30日前报送推荐材料。
教育部办公厅
2023年4月25日
"""

REPEALER = """关于废止部分文件的通知
教职成厅函〔2024〕3号
各省教育厅:
《教育部办公厅关于开展市域产教联合体建设的通知》(教职成厅函〔2023〕15号)同时废止。
教育部办公厅
2024年1月5日
"""


def rows(db, sql, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("mirrors")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(next(SEEDS.glob("000_*.txt")), corpus / "a_traditional.txt")
    # The same notice mirrored by another site in simplified script, GBK-encoded.
    text = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    mirror = opencc.OpenCC("t2s").convert(text)
    (corpus / "b_mirror_gbk.txt").write_bytes(mirror.encode("gb18030"))
    shutil.copy(next(SEEDS.glob("004_*.txt")), corpus / "c_spun.txt")
    (corpus / "d_cited.txt").write_text(CITED, encoding="utf-8")
    (corpus / "e_repealer.txt").write_text(REPEALER, encoding="utf-8")
    db = root / "policies.db"
    build([corpus], db, workers=1)
    return db


def test_mirrors_become_one_document_with_two_sources(base):
    [(doc_id, count)] = rows(base, "select document_id, count(*) from sources where path like 'a_%' or path like 'b_%' "
                                   "group by document_id")
    assert count == 2
    assert rows(base, "select source_count from documents where id = ?", doc_id) == [(2,)]
    assert rows(base, "select count(*) from sources where document_id = ? and is_primary = 1", doc_id) == [(1,)]


def test_citation_of_a_document_in_the_base_is_linked(base):
    [(cited_id,)] = rows(base, "select id from documents where doc_number = '教职成厅函〔2023〕15号'")
    citing = rows(base, "select d.doc_number from citations c join documents d on d.id = c.document_id "
                        "where c.cited_document_id = ? order by 1", cited_id)
    assert ("教职成厅函〔2023〕20号",) in citing and ("教职成厅函〔2023〕23号",) in citing


def test_repealed_document_shows_it(base):
    assert rows(base, "select validity, (select doc_number from documents r where r.id = d.repealed_by) "
                      "from documents d where doc_number = '教职成厅函〔2023〕15号'") == \
        [("repealed", "教职成厅函〔2024〕3号")]
    [(reason,)] = rows(base, "select validity_reason from documents where doc_number = '教职成厅函〔2023〕15号'")
    assert reason.startswith("repealed by document ")


def test_validity_is_one_of_the_contracts_values(base):
    values = {v for (v,) in rows(base, "select distinct validity from documents")}
    assert values <= {None, "in force", "expired", "repealed", "amended", "not yet in force"}


def test_ids_are_stable_across_builds(base, tmp_path):
    corpus = base.parent / "corpus"
    again = tmp_path / "policies.db"
    build([corpus], again, workers=1)
    assert rows(base, "select id, doc_number from documents order by id") == \
        rows(again, "select id, doc_number from documents order by id")


# --- documents without a number: known by title, issuer and date ---------

NOTICE = ("各区教育局：为做好今年秋季开学工作，确保校园安全稳定，现将有关事项通知如下。"
          "一、开学前完成校舍安全排查。二、做好疫情防控物资储备。三、落实值班值守制度。")
OTHER = "各有关单位：根据工作安排，现就住房公积金缴存基数调整有关事项通知如下，请遵照执行。"


def summary(path, body, title="某市教育局关于做好秋季开学工作的通知", issuer="某市教育局", written="2024-08-20"):
    import hashlib

    from policykb.merge import normalised
    from policykb.records import SourceSummary
    return SourceSummary(path, None, hashlib.sha1(normalised(body).encode()).hexdigest(), (0,), title=title,
                         issuer=issuer, written_date=written)


def merged(*sources):
    from policykb.merge import documents_from_summaries
    bodies = {s.path: body for s, body in sources}
    return documents_from_summaries([s for s, _ in sources], bodies.__getitem__)


@pytest.mark.parametrize("a, b, documents", [
    # a mirror that kept one spam line is still the same notice
    ((NOTICE,), (NOTICE + "上门服务",), 1),
    # two versions of one title, written on different dates
    ((NOTICE,), (NOTICE, "某市教育局关于做好秋季开学工作的通知", "某市教育局", "2025-08-20"), 2),
    # one common title on two different texts
    ((NOTICE,), (OTHER,), 2),
    # a title too short to name a document: only the same text merges
    ((NOTICE, "通知"), (NOTICE + "上门服务", "通知"), 2),
    # a line taken for the title, naming no document (tw_laws orders)
    ((NOTICE, "令订定发布全文 28 条"), (NOTICE + "上门服务", "令订定发布全文 28 条"), 2),
    # the same title on a text that shares half its wording, not most of it
    ((NOTICE,), (NOTICE[:60] + OTHER,), 2),
    # no date of writing: two versions of one law, most articles alike (lawref)
    ((NOTICE, "国家科学技术奖励条例", "国务院", None), (NOTICE + "第三十条删除。", "国家科学技术奖励条例", "国务院", None), 2),
], ids=["mirror_with_spam", "other_date", "other_text", "short_title", "not_a_title", "half_shared", "undated_versions"])
def test_mirrors_without_number(a, b, documents):
    first, second = summary("a.txt", *a), summary("b.txt", *b)
    assert len(merged((first, a[0]), (second, b[0]))) == documents


def test_id_of_a_document_without_number_survives_a_change_of_its_body():
    before = merged((summary("a.txt", NOTICE), NOTICE))
    after = merged((summary("a.txt", NOTICE + "（完）"), NOTICE + "（完）"))
    assert [d.id for d in before] == [d.id for d in after]
