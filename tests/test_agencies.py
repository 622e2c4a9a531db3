"""Agencies: golden cases in tests/golden/agencies/canonical_agency.tsv."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from policykb.extract.agencies import Agency, agency_rows, canonical_agency, is_vague

GOLDEN = Path(__file__).parent / "golden" / "agencies" / "canonical_agency.tsv"


def cases():
    rows = []
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("mention\t"):
            continue
        rows.append(tuple(None if c == "-" else c for c in line.split("\t")))
    return rows


@pytest.mark.parametrize("mention, doc_region, name, level, region", cases())
def test_canonical_agency(mention, doc_region, name, level, region):
    found = canonical_agency(mention, doc_region)
    if name is None:
        assert found is None
    else:
        assert found == Agency(name, level, region)


def test_vague_mentions_are_not_agencies():
    for m in ("相关部门", "有关部门", "各有关部门", "各县区政府", "有关区政府", "区级相关部门"):
        assert is_vague(m), m
    for m in ("市教育局", "教育部", "市总工会", "国家税务总局盘锦市税务局"):
        assert not is_vague(m), m


def test_agency_rows_group_spellings():
    rows = agency_rows([("市发改委", "盘锦市"), ("盘锦市发改委", None), ("盘锦市发展和改革委员会", "辽宁省"),
                        ("相关部门", "盘锦市"), ("教育部", "盘锦市"), ("人社部", None), ("市发改委", "盘锦市")])
    by_name = {r["name"]: r for r in rows}
    assert by_name["盘锦市发展和改革委员会"] == {"name": "盘锦市发展和改革委员会", "level": "municipal",
                                          "region": "盘锦市", "aliases": ["市发改委", "盘锦市发改委"]}
    assert by_name["人力资源和社会保障部"]["aliases"] == ["人力资源社会保障部", "人社部"]
    assert by_name["教育部"]["level"] == "central"
    assert [r["name"] for r in rows] == sorted(by_name)
    assert not any(r["name"] == "相关部门" for r in rows)


def test_agency_rows_without_mentions_lists_central_bodies():
    rows = agency_rows()
    assert len(rows) > 100 and all(r["level"] == "central" and r["region"] == "全国" for r in rows)
    assert agency_rows() == rows  # idempotent


@pytest.mark.parametrize("mention", ["市" * 100_000, "、" * 100_000, "市发改委" * 20_000, "各" * 100_000])
def test_hostile_mention_is_fast(mention):
    t = time.perf_counter()
    canonical_agency(mention, "盘锦市")
    is_vague(mention)
    assert time.perf_counter() - t < 2
