"""The gate on pages nobody tuned on: the development set and the damage benchmark.

Floors are pinned in tests/devset/floors.json and benchmarks/damage_floors.json
at or just under the numbers measured when they were set (the README's table
says when).  Raise a floor when a change lifts its measure; never lower one
to let a change pass.  A missing input fails the gate: a skipped gate passes
every change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from policykb.evaluate import below_floors, evaluate
from tests.conftest import ROOT, SHARED

DEVSET = ROOT / "tests" / "devset"
DEV_PAGES = [ROOT / "corpus" / "gov_html", SHARED / "corpora" / "web_pages", DEVSET / "pages"]


def _floors(path: Path) -> dict:
    return {k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if not k.startswith("_")}


@pytest.fixture(scope="module")
def devset_db(tmp_path_factory) -> Path:
    from policykb.build import build

    missing = [str(p) for p in DEV_PAGES if not p.is_dir()]
    assert not missing, f"development set pages missing: {missing}"
    path = tmp_path_factory.mktemp("devset") / "dev.db"
    build(DEV_PAGES, path)
    return path


def test_every_listed_page_has_gold_and_every_gold_a_page():
    listed = [line for line in (DEVSET / "files.txt").read_text(encoding="utf-8").splitlines() if line]
    stems = {Path(p).stem for p in listed}
    gold = {p.stem for p in (DEVSET / "gold").glob("*.json")}
    assert stems == gold
    for line in listed:
        assert (ROOT / line).is_file(), f"{line}: listed in files.txt, not on disk"


def test_development_set_stays_above_its_floors(devset_db):
    result = evaluate(devset_db, DEVSET / "gold")
    assert not result.gold_errors
    failures = below_floors(result, _floors(DEVSET / "floors.json"))
    assert not failures, failures


def test_damage_benchmark_stays_above_its_floors():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import damage

    floors = json.loads((ROOT / "benchmarks" / "damage_floors.json").read_text(encoding="utf-8"))
    result = damage.run(floors["_n"], floors["_seed"])
    below = [f"{kind} exact {result['kinds'][kind]['exact']:.3f} < {floor}"
             for kind, floor in floors.items() if not kind.startswith("_")
             and result["kinds"][kind]["exact"] < floor]
    assert not below, below
