"""The examples in the stage packages' docstrings, run under their installed names.

pytest's --doctest-modules would import ingest/clean.py as a top-level
``ingest.clean`` beside ``policykb.ingest.clean`` (two copies of one module);
here each module is imported once, as the project imports it.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import policykb.db
import policykb.extract
import policykb.ingest

MODULES = sorted(name for package in (policykb.ingest, policykb.extract, policykb.db)
                 for _, name, _ in pkgutil.walk_packages(package.__path__, package.__name__ + "."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
