"""Shared fixtures: databases built once per session from the bundled corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = CORPUS / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory) -> Path:
    """The whole bundled corpus, built once."""
    from policykb.build import build

    path = tmp_path_factory.mktemp("corpus") / "policies.db"
    build([CORPUS], path)
    return path


@pytest.fixture(scope="session")
def seeds_db(tmp_path_factory) -> Path:
    from policykb.build import build

    path = tmp_path_factory.mktemp("seeds") / "policies.db"
    build([SEEDS], path, workers=1)
    return path

