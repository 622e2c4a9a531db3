"""Write the development set's law pages and its list of files (run once; the output is committed).

    python scripts/make_devset_pages.py

The development set (tests/devset/) is labelled by reading pages.  Its pages:
- every page of ../shared/corpora/web_pages/ (read in place, never copied);
- 70 pages of corpus/gov_html/ drawn at random (seed 13), listings included:
  a page that holds no notice is gold too (it must not become a document);
- 15 laws of ../shared/corpora/lawref/ and 15 of ../shared/corpora/tw_laws/,
  drawn at random among the short ones (lawref under 6 KB, tw_laws under
  4 KB of JSON) so each can be read whole, written as the build reads them
  (lawref unchanged, tw_laws as benchmarks/make_corpus.py renders them) to
  tests/devset/pages/.

Prints tests/devset/files.txt: one path per line, relative to the repository.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from make_corpus import CORPORA, LAWREF, TW_LAWS, tw_text  # noqa: E402

DEVSET = ROOT / "tests" / "devset"
SEED = 13


def main() -> None:
    rng = random.Random(SEED)
    web = sorted((CORPORA / "web_pages").glob("*.txt"))
    gov = sorted((ROOT / "corpus" / "gov_html").glob("*.html"))
    gov_pick = sorted(rng.sample(gov, 70))
    laws = sorted(p for p in LAWREF.rglob("*.md") if p.stat().st_size < 6000 and "模版" not in p.name)
    law_pick = sorted(rng.sample(laws, 15))
    tws = sorted(p for p in TW_LAWS.glob("*.json") if p.stat().st_size < 4000)
    tw_pick = sorted(rng.sample(tws, 15))
    pages = DEVSET / "pages"
    shutil.rmtree(pages, ignore_errors=True)
    out: list[Path] = []
    for src in law_pick:
        dest = pages / "lawref" / (src.stem + ".txt")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        out.append(dest)
    for src in tw_pick:
        dest = pages / "tw_laws" / (src.stem + ".txt")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(tw_text(src), encoding="utf-8")
        out.append(dest)
    rel = [p.resolve().relative_to(ROOT.parent).as_posix() for p in web]
    rel = ["../" + r for r in rel]
    rel += [p.relative_to(ROOT).as_posix() for p in gov_pick + out]
    (DEVSET / "files.txt").write_text("\n".join(rel) + "\n", encoding="utf-8")
    print(f"{len(rel)} files: {len(web)} web pages, {len(gov_pick)} gov pages, "
          f"{len(law_pick)} lawref, {len(tw_pick)} tw_laws")


if __name__ == "__main__":
    main()
