"""Regions: golden cases in tests/golden/agencies/{region_of,province_of}.tsv."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from policykb.extract import regions
from policykb.extract.regions import province_of, region_of

GOLDEN = Path(__file__).parent / "golden" / "agencies"


def cases(name: str) -> list[tuple[str | None, ...]]:
    """Rows of a golden TSV after its header; "-" stands for None."""
    lines = [line for line in (GOLDEN / name).read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    return [tuple(None if c == "-" else c for c in line.split("\t")) for line in lines[1:]]


@pytest.mark.parametrize("issuer, region", cases("region_of.tsv"))
def test_region_of(issuer, region):
    assert region_of(issuer) == region


@pytest.mark.parametrize("region, province", cases("province_of.tsv"))
def test_province_of(region, province):
    assert province_of(region) == province


def test_division_table_is_complete():
    """34 provincial-level divisions and 333 prefecture-level ones (NBS 2023)."""
    table = regions._table()
    divisions = {d for ds in table.by_name.values() for d in ds}
    levels = [d.level for d in divisions]
    assert levels.count("province") == 34
    assert levels.count("prefecture") == 333
    assert levels.count("county") > 2800
    for short, full in (("盘锦", "盘锦市"), ("辽宁", "辽宁省"), ("内蒙古", "内蒙古自治区"), ("延边", "延边朝鲜族自治州")):
        assert [d.name for d in regions.divisions_named(short)] == [full]
    # Every prefecture's parent is a province, every county's a province or prefecture.
    names = {d.name: d for d in divisions}
    for d in divisions:
        if d.level == "prefecture":
            assert names[d.parent].level == "province", d
        if d.level == "county":
            assert names[d.parent].level in ("province", "prefecture"), d


def test_city_and_level():
    assert regions.city_of("长乐区") == "福州市"
    assert regions.city_of("西城区") == "北京市"
    assert regions.level_of("盘锦市") == "municipal"
    assert regions.level_of("全国") == "central"


@pytest.mark.parametrize("issuer", ["市" * 100_000, "、" * 100_000, "北京市" * 30_000, "国" * 100_000])
def test_hostile_issuer_is_fast(issuer):
    t = time.perf_counter()
    region_of(issuer)
    province_of(issuer)
    assert time.perf_counter() - t < 2


@pytest.mark.parametrize("number, region", cases("region_of_number.tsv"))
def test_region_of_number(number, region):
    """A 机关代字 shared by two places (青政: 青海 and 青岛) names neither."""
    assert regions.region_of_number(number) == region
