"""The eval gate: the seeds scored against ../shared/gold with pinned floors.

Floors sit at or just under the scores measured when they were set; raise
them as the extractors improve, never lower them to make a change pass.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import SHARED

FLOORS = {
    "document": 0.95,
    "citations": 0.95,
    "targets": 0.95,
    "deadlines": 0.95,
    "responsibilities": 0.95,
    "body": 0.98,
    "mojibake": 0.4,
}



@pytest.fixture(scope="module")
def scores(seeds_db):
    # A missing reference fails the gate: a skipped gate passes every change.
    assert (SHARED / "eval" / "score.py").exists(), "../shared/eval/score.py is not beside this checkout"
    out = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), "--db", str(seeds_db),
                          "--gold", str(SHARED / "gold"), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("measure", sorted(FLOORS))
def test_seed_scores_stay_above_their_floor(scores, measure):
    assert scores["measures"][measure] >= FLOORS[measure], scores["files"]
