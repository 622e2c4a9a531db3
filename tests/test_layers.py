"""The layers import one way: records, then ingest and extract, then db, then policykb's top.

Each module of a layer is imported alone in a fresh interpreter; what it
pulls in must come from its own layer or the ones below it.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import policykb.db
import policykb.extract
import policykb.ingest

# What each layer may import of the project (besides the package itself).
ALLOWED = {
    "policykb.records": ("policykb.records",),
    "policykb.ingest": ("policykb.records", "policykb.ingest"),
    "policykb.extract": ("policykb.records", "policykb.extract"),
    "policykb.db": ("policykb.records", "policykb.db"),
}


def modules(package) -> list[str]:
    return sorted(name for _, name, _ in pkgutil.walk_packages(package.__path__, package.__name__ + "."))


CASES = [("policykb.records", "policykb.records")] + [
    (layer, name) for layer, package in (("policykb.ingest", policykb.ingest), ("policykb.extract", policykb.extract),
                                         ("policykb.db", policykb.db)) for name in modules(package)]


def imported_by(module: str) -> list[str]:
    code = (f"import sys, json, importlib; importlib.import_module({module!r}); "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('policykb'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("layer,module", CASES)
def test_a_layer_imports_nothing_above_it(layer, module):
    above = [m for m in imported_by(module) if m != "policykb" and not m.startswith(ALLOWED[layer])]
    assert not above, f"{module} imports {above}"


def test_records_import_nothing_of_the_project():
    assert imported_by("policykb.records") == ["policykb", "policykb.records"]
