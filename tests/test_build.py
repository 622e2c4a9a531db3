"""Building the bundled corpus: contract tables, idempotence, atomic swap, lock."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from policykb.build import BuildError, build, build_lock
from policykb.process import NO_NOTICE
from tests.helpers import rows as query
from tests.conftest import CORPUS

CONTRACT = {
    "sources": {"path", "sha256", "document_id", "encoding", "status"},
    "documents": {"id", "doc_number", "title", "issuer", "doc_type", "written_date", "published_date", "region",
                  "body", "raw_text"},
    "citations": {"document_id", "cited_doc_number", "cited_title", "cited_document_id", "sentence"},
    "targets": {"document_id", "year", "quantity", "unit", "qualifier", "object", "sentence"},
    "deadlines": {"document_id", "recurrence", "date", "month_day", "from_year", "action", "sentence"},
    "responsibilities": {"document_id", "task", "content", "agency", "role", "sentence"},
    "cleaning_edits": {"document_id", "kind", "original", "replacement", "char_start", "char_end"},
}


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contract_table_has_its_columns(corpus_db, table):
    columns = {row[1] for row in query(corpus_db, f"PRAGMA table_info([{table}])")}
    assert CONTRACT[table] <= columns


def test_every_corpus_file_is_a_source(corpus_db):
    files = [p for p in CORPUS.rglob("*") if p.is_file() and not p.name.endswith(".metadata.json")]
    assert query(corpus_db, "select count(*) from sources")[0][0] == len(files) == 225


def test_files_that_are_not_notices_fail_with_a_reason(corpus_db):
    failed = dict(query(corpus_db, "select path, status from sources where status != 'ok'"))
    assert failed.pop("gov_html/49ba2977b966b11079b4b6dde13f21cfbe6bd2d6b2383ad3c6acb99806e01aa1.pdf") == \
        "unsupported file type .pdf"
    # A Word file saved under an .html name by the scraper.
    assert failed.pop("gov_html/a7f5f906e1eeef600127efeb5a1ed010b26e5b783d26b81ad4dc63249f26f6eb.html") == \
        "binary data, not text"
    # The rest are listing and index pages of the sites (栏目, 网站地图, 政策汇编),
    # a 404 page served as 200 and a consultation page whose text is a script's.
    assert set(failed.values()) <= {NO_NOTICE}
    assert len(failed) <= 46
    assert failed["gov_html/91c5a8028892d77452a5327dfed0c71162e018b3af060bf67bbedcfc1a22c06b.html"] == NO_NOTICE


def test_a_listing_page_is_not_a_document(corpus_db):
    [(status,)] = query(corpus_db, "select status from sources where path like ?", "gov_html/5460e34587b30ee6%")
    assert status == NO_NOTICE


def test_sidecar_url_and_fetch_time_are_stored(corpus_db):
    url, fetched = query(corpus_db, "select url, fetched_at from sources where path = ?",
                         "gov_html/421fe481680f42adbe60e3643c6dcc39b93f3068dd70561dba1857c17243855c.html")[0]
    assert url == "https://fcj.shenyang.gov.cn/zwgkzdgz/fdzdgknr/zcjd/202512/t20251210_4952217.html"
    assert fetched.startswith("2026-07-22T10:49:42")


def test_ok_sources_point_at_a_document(corpus_db):
    assert query(corpus_db, "select count(*) from sources where status = 'ok' and document_id is null")[0][0] == 0
    assert query(corpus_db, "select count(*) from sources s left join documents d on d.id = s.document_id "
                            "where s.document_id is not null and d.id is null")[0][0] == 0


def test_no_empty_strings_only_nulls(corpus_db):
    for column in ("doc_number", "title", "issuer", "doc_type", "written_date", "published_date", "region"):
        assert query(corpus_db, f"select count(*) from documents where {column} = ''")[0][0] == 0, column


def test_dates_are_iso(corpus_db):
    bad = query(corpus_db, "select written_date, published_date from documents where "
                           "(written_date is not null and written_date not glob '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]') or "
                           "(published_date is not null and published_date not glob '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]')")
    assert bad == []


def test_rebuild_unchanged_processes_nothing_and_touches_nothing(tmp_path):
    # How fast that is, is benchmarks/bench_build.py's business ("rebuild s").
    db = tmp_path / "p.db"
    build([CORPUS / "seeds"], db, workers=1)
    before = db.stat().st_mtime_ns, query(db, "select id, title from documents order by id")
    summary = build([CORPUS / "seeds"], db, workers=1)
    assert summary.unchanged and summary.processed == 0
    assert (db.stat().st_mtime_ns, query(db, "select id, title from documents order by id")) == before


def test_rebuild_from_scratch_gives_the_same_ids_and_rows(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    build([CORPUS / "seeds"], a, workers=1)
    build([CORPUS / "seeds"], b, workers=1)
    for table in ("documents", "citations", "targets", "deadlines", "responsibilities", "cleaning_edits"):
        assert query(a, f"select * from {table} order by 1, 2") == query(b, f"select * from {table} order by 1, 2")


def test_changed_file_is_reprocessed_and_others_reused(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / "seeds", corpus)
    db = tmp_path / "p.db"
    build([corpus], db, workers=1)
    (corpus / "extra.txt").write_text("关于开展测试工作的通知\n各单位:\n请于2030年1月1日前完成。\n", encoding="utf-8")
    summary = build([corpus], db, workers=1)
    assert (summary.sources, summary.processed) == (6, 1)


def test_no_temporary_file_is_left_behind(tmp_path):
    db = tmp_path / "p.db"
    build([CORPUS / "seeds"], db, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.db", "p.db.lock"]


def test_second_concurrent_build_is_refused_with_a_clear_message(tmp_path):
    db = tmp_path / "p.db"
    with build_lock(db):
        with pytest.raises(BuildError, match="another build is writing"):
            build([CORPUS / "seeds"], db, workers=1)


def test_missing_input_path_is_a_build_error(tmp_path):
    with pytest.raises(BuildError, match="no such file or folder"):
        build([tmp_path / "nope"], tmp_path / "p.db")


def test_a_pool_build_with_recycled_workers_equals_an_in_process_build(tmp_path, monkeypatch):
    # The build streams each result into staging tables as it arrives (in
    # completion order) and assembles documents at the end; mirrors arrive
    # from different workers.  Whatever the order, the rows are the same.
    import policykb.build as build_module

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / "seeds", corpus)
    for i, seed in enumerate(sorted((CORPUS / "seeds").glob("*.txt"))[:4]):
        shutil.copy(seed, corpus / f"mirror_{i}.txt")  # same number, same text: one document, two sources
    import policykb.workers as workers_module

    # Every worker outgrows a 0 MB allowance: replaced after each 2 jobs.
    monkeypatch.setattr(build_module, "WORKER_MAX_PRIVATE_MB", 0)
    monkeypatch.setattr(workers_module, "MEASURE_EVERY", 2)
    pooled = tmp_path / "pooled.db"
    build([corpus], pooled, workers=2)
    monkeypatch.setattr(build_module, "POOL_THRESHOLD", 10**9)
    single = tmp_path / "single.db"
    build([corpus], single, workers=1)
    assert query(pooled, "select count(*), sum(source_count) from documents") == [(5, 9)]
    for table in ("documents", "sources", "citations", "targets", "deadlines", "responsibilities", "duties",
                  "cleaning_edits", "document_issuers", "agencies"):
        columns = "*" if table != "sources" else "path, sha256, document_id, is_primary, status"
        assert query(pooled, f"select {columns} from {table} order by rowid") == \
            query(single, f"select {columns} from {table} order by rowid"), table
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "pooled.db", "pooled.db.lock", "single.db",
                                                          "single.db.lock"]


def _searchable(db: Path, word: str) -> int:
    from policykb.db.search import fts_query

    return query(db, "select count(*) from documents_fts where documents_fts match ?", fts_query(word))[0][0]


@pytest.mark.parametrize("downgrade", ["update schema_version set version = version - 1",
                                       "drop table build_info"])
def test_a_base_of_an_older_schema_is_rebuilt_from_its_cache(tmp_path, downgrade):
    # A pull that changes the schema (the search index of characters became
    # one of pairs) changes no file and no pipeline code: the build used to
    # call the base unchanged, and serve then refused it.
    from policykb.datasette_plugin import stale_base

    db = tmp_path / "p.db"
    build([CORPUS / "seeds"], db, workers=1)
    found = _searchable(db, "人民政府")
    assert found > 0
    conn = sqlite3.connect(db)
    conn.execute(downgrade)
    conn.commit()
    conn.close()
    summary = build([CORPUS / "seeds"], db, workers=1)
    assert not summary.unchanged and summary.processed == 0  # the cached results are still the pipeline's
    assert stale_base(db) is None
    assert _searchable(db, "人民政府") == found
    assert build([CORPUS / "seeds"], db, workers=1).unchanged


def test_a_base_written_by_other_db_code_is_rewritten_without_reprocessing(tmp_path, monkeypatch):
    from policykb.db import store

    db = tmp_path / "p.db"
    build([CORPUS / "seeds"], db, workers=1)
    monkeypatch.setattr(store, "writer_version", lambda: "changed")
    summary = build([CORPUS / "seeds"], db, workers=1)
    assert not summary.unchanged and summary.processed == 0
    assert query(db, "select value from build_info where key = 'writer'") == [("changed",)]
