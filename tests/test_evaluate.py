"""policykb eval: how rows are counted, what a bad input says."""

from __future__ import annotations

import json

from click.testing import CliRunner

from policykb.db.evaluation import BaseView
from policykb.cli import cli
from policykb.evaluate import Count, below_floors, evaluate, load_gold, score_file
from tests.conftest import SHARED

GOLD = {
    "file": "a.txt",
    "document": {"doc_number": "京政发〔2024〕3号", "title": "关于做好某事的通知", "issuer": "北京市人民政府",
                 "doc_type": "通知", "written_date": None, "published_date": "2024-02-01", "region": "北京市"},
    "document_alternatives": {"issuer": ["市政府"]},
    "citations": [{"doc_number": "国发〔2023〕1号", "title": "甲"}, {"doc_number": None, "title": "乙条例"},
                  {"doc_number": None, "title": "丙目录", "optional": True}],
    "targets": [{"year": 2025, "quantity": 30, "unit": "个", "qualifier": "以上", "object_contains": "基地"},
                {"year": None, "quantity": 5, "unit": "%", "qualifier": None, "object_contains": "比例",
                 "optional": True}],
    "deadlines": [{"recurrence": "once", "date": "2024-03-01", "action_contains": "报送"}],
    "periods": [{"kind": "effective", "start": "2024-02-01", "end": None, "subject_contains": None}],
    "responsibilities": [[1, "任务", "建设基地", ["市教育局", "相关部门"], ["lead", "support"]]],
    "body_contains": ["现将有关事项通知如下"], "body_excludes": ["浏览次数"],
}


def view(document: dict | None, **facts) -> BaseView:
    v = BaseView(by_file={"a.txt": "d1" if document else None}, status={"a.txt": "ok"})
    if document:
        v.documents["d1"] = {"id": "d1", **document}
    v.facts = {t: {"d1": rows} for t, rows in facts.items()}
    return v


DOC = {"doc_number": "京政发〔2024〕3号", "title": "关于做好某事的通知", "issuer": "市政府", "doc_type": "意见",
       "written_date": "2024-01-30", "published_date": "2024-02-01", "region": None,
       "body": "现将有关事项通知如下：…"}


def test_a_wrong_value_is_a_false_positive_and_a_miss_an_alternative_is_right():
    score = score_file(GOLD, view(DOC), {}, {})
    assert (score.counts["issuer"].tp, score.counts["issuer"].fp) == (1, 0)
    assert (score.counts["doc_type"].fp, score.counts["doc_type"].fn) == (1, 1)
    assert (score.counts["written_date"].fp, score.counts["written_date"].fn) == (1, 0)
    assert (score.counts["region"].fp, score.counts["region"].fn) == (0, 1)


def test_an_optional_item_found_is_set_aside_missed_costs_nothing():
    found = [{"cited_doc_number": "国发〔2023〕1号", "cited_title": "甲"},
             {"cited_doc_number": None, "cited_title": "《丙目录》"},
             {"cited_doc_number": None, "cited_title": "申请表"}]
    score = score_file(GOLD, view(DOC, citations=found), {}, {})
    c = score.counts["citations"]
    assert (c.tp, c.fp, c.fn) == (1, 1, 1)  # 乙条例 missed, 申请表 extra, 丙目录 neither
    assert "citations extra: - 《申请表》" in score.diffs


def test_targets_must_agree_in_every_attribute():
    found = [{"year": 2025, "quantity": 30.0, "unit": "个", "qualifier": "以上", "object": "实训基地"},
             {"year": 2025, "quantity": 30.0, "unit": "个", "qualifier": "左右", "object": "实训基地"}]
    c = score_file(GOLD, view(DOC, targets=found), {}, {}).counts["targets"]
    assert (c.tp, c.fp, c.fn) == (1, 1, 0)


def test_a_deadline_that_is_a_period_is_a_false_positive_and_the_period_a_miss():
    deadline = [{"recurrence": "once", "date": "2024-02-01", "action": "施行", "sentence": "自2024年2月1日起施行"}]
    score = score_file(GOLD, view(DOC, deadlines=deadline), {}, {})
    assert (score.counts["deadlines"].fp, score.counts["deadlines"].fn) == (1, 1)
    assert score.counts["periods"].fn == 1


def test_responsibilities_count_agencies_not_vague_ones_and_check_roles():
    rows = [{"content": "建设基地", "agency": "北京市教育局", "role": "support"},
            {"content": "建设基地", "agency": "相关部门", "role": "support"}]
    score = score_file(GOLD, view(DOC, responsibilities=rows), {}, {})
    assert (score.counts["responsibilities"].tp, score.counts["responsibilities"].fp) == (1, 0)
    assert (score.counts["responsibility_roles"].fp, score.counts["responsibility_roles"].fn) == (1, 1)


def test_a_citation_links_to_the_document_the_gold_names():
    found = [{"cited_doc_number": "国发〔2023〕1号", "cited_title": "甲", "cited_document_id": None}]
    score = score_file(GOLD, view(DOC, citations=found), {"国发〔2023〕1号": {"d9"}}, {})
    assert (score.counts["citation_links"].tp, score.counts["citation_links"].fn) == (0, 1)
    found[0]["cited_document_id"] = "d9"
    score = score_file(GOLD, view(DOC, citations=found), {"国发〔2023〕1号": {"d9"}}, {})
    assert score.counts["citation_links"].tp == 1


def test_a_page_with_no_notice_must_not_become_a_document():
    gold = {"file": "a.txt", "is_document": False}
    assert score_file(gold, view(DOC), {}, {}).counts["is_document"].fp == 1
    assert score_file(gold, view(None), {}, {}).counts["is_document"].fp == 0


def test_body_keeps_and_loses_strings_and_glosses():
    doc = dict(DOC, body="现将有关事项通知如下 浏览次数：5 發(fā)展")
    score = score_file(GOLD, view(doc), {}, {})
    assert score.counts["body_keep"].tp == 1
    assert score.counts["body_lose"].fn == 2  # 浏览次数 and the gloss


def test_floors_name_the_measure_and_the_value():
    from policykb.evaluate import Evaluation

    result = Evaluation({"targets": Count(tp=8, fp=2)}, [], [], [])
    assert below_floors(result, {"targets": {"precision": 0.9}}) == ["targets precision 0.8000 < 0.9"]
    assert below_floors(result, {"targets": {"precision": 0.8}}) == []
    assert below_floors(result, {"nope": {"f1": 0.1}}) == ["nope: no such measure"]


def test_a_bad_gold_file_is_one_line_and_the_rest_still_load(tmp_path):
    (tmp_path / "good.json").write_text(json.dumps({"file": "a.txt"}), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "targets.json").write_text(json.dumps({"file": "b.txt", "targets": [{"year": 1}]}), encoding="utf-8")
    golds, errors = load_gold(tmp_path)
    assert [g["file"] for g in golds] == ["a.txt"]
    assert errors == ["broken.json: not JSON (line 1: Expecting property name enclosed in double quotes)",
                      "list.json: the top level is list, not an object",
                      "targets.json: targets[0] lacks quantity, unit, qualifier, object_contains"]


def test_eval_command_scores_the_seeds_like_the_outside_scorer(seeds_db):
    result = CliRunner().invoke(cli, ["eval", "--db", str(seeds_db), "--gold", str(SHARED / "gold"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["measures"]["targets"]["f1"] >= 0.95
    assert out["measures"]["responsibilities"]["f1"] >= 0.95
    assert evaluate(seeds_db, SHARED / "gold").totals["citations"].fp == 0


def test_eval_command_errors_are_one_line(tmp_path, seeds_db):
    runner = CliRunner()
    result = runner.invoke(cli, ["eval", "--db", str(tmp_path / "none.db"), "--gold", str(SHARED / "gold")])
    assert result.exit_code == 1 and result.output.strip() == f"Error: {tmp_path / 'none.db'}: no such database"
    text = tmp_path / "text.db"
    text.write_text("not sqlite", encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--db", str(text), "--gold", str(SHARED / "gold")])
    assert result.exit_code == 1 and "not a readable base" in result.output and "Traceback" not in result.output
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "x.json").write_text("[]", encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--db", str(seeds_db), "--gold", str(tmp_path / "gold")])
    assert result.exit_code == 1 and "x.json: the top level is list, not an object" in result.output
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"targets": {"f1": 1.01}}), encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--db", str(seeds_db), "--gold", str(SHARED / "gold"),
                                 "--floors", str(floors)])
    assert result.exit_code == 1 and "below floor: targets f1" in result.output
