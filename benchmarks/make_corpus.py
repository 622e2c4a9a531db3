"""Materialise benchmark corpora as .txt files (the build ingests .txt/.html only).

Usage:
    python benchmarks/make_corpus.py lawref OUT [--limit N]
    python benchmarks/make_corpus.py tw_laws OUT [--limit N]
    python benchmarks/make_corpus.py generated OUT --count 100000 [--seed 1]

- lawref: each Markdown law of ../shared/corpora/lawref/ written unchanged as
  ``<same path>.txt``;
- tw_laws: each JSON law of ../shared/corpora/tw_laws/FalVMingLing/ as text:
  title, category, date, history, then chapters and articles, one per line;
- generated: COUNT notices made from the real text: a title, a new document
  number (``X政发〔2031〕123号``, unique per document), a new date, then
  paragraphs drawn at random from lawref and the bundled HTML pages with
  their numbers replaced.  Every document has its own number and its own mix
  of paragraphs, so no two merge as mirrors.  Deterministic for a seed.
  Written 500 to a folder (``g000/d00/00000123.txt``).

Prints what it wrote (files, MB).  Existing OUT is reused only with --reuse.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
LAWREF = CORPORA / "lawref"
TW_LAWS = CORPORA / "tw_laws" / "FalVMingLing"
GOV_HTML = CORPORA / "gov_html"

PER_FOLDER = 500


def lawref_files(limit: int | None = None) -> list[Path]:
    files = sorted(LAWREF.rglob("*.md"))
    return files[:limit] if limit else files


def tw_files(limit: int | None = None) -> list[Path]:
    files = sorted(TW_LAWS.glob("*.json"))
    return files[:limit] if limit else files


def tw_text(path: Path) -> str:
    """One Taiwan law as plain text: title, header lines, then the articles."""
    law = json.loads(path.read_text(encoding="utf-8"))
    lines = [law.get("法規名稱", "")]
    for key in ("法規類別", "最新異動日期"):
        if law.get(key):
            lines.append(f"{key}：{law[key]}")
    for key in ("沿革內容", "前言"):
        if law.get(key):
            lines.append(law[key].replace("\r\n", "\n"))
    for item in law.get("法規內容") or []:
        if "編章節" in item:
            lines.append(item["編章節"])
        else:
            lines.append(f"{item.get('條號', '')} {item.get('條文內容', '')}".replace("\r\n", "\n"))
    return "\n".join(line for line in lines if line) + "\n"


def write_lawref(out: Path, limit: int | None = None) -> list[Path]:
    written = []
    for src in lawref_files(limit):
        dest = out / src.relative_to(LAWREF).with_suffix(".txt")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        written.append(dest)
    return written


def write_tw_laws(out: Path, limit: int | None = None) -> list[Path]:
    written = []
    for i, src in enumerate(tw_files(limit)):
        dest = out / f"d{i // PER_FOLDER:03d}" / (src.stem + ".txt")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(tw_text(src), encoding="utf-8")
        written.append(dest)
    return written


# --- generated corpus ------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
TAG = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S | re.I)
DIGITS = re.compile(r"\d+")
CN_DIGITS = "〇一二三四五六七八九"
PLACES = ["江宁", "滨海", "临川", "清河", "东阳", "西平", "南湖", "北山", "安宁", "长丰", "永新", "青阳",
          "兴华", "平江", "昌乐", "泰和", "云溪", "石城", "凤台", "金沙"]
LEVELS = [("市人民政府", "政发"), ("市人民政府办公室", "政办发"), ("县人民政府", "政发"),
          ("省人民政府", "政发"), ("市住房和城乡建设局", "建发"), ("市教育局", "教发"),
          ("市财政局", "财发"), ("市人力资源和社会保障局", "人社发"), ("市发展和改革委员会", "发改")]
TOPICS = ["住房公积金管理", "职业教育产教融合", "城市更新", "人才引进", "农村人居环境整治", "数字政府建设",
          "营商环境优化", "就业创业扶持", "养老服务体系建设", "科技创新券", "安全生产责任制", "生态环境保护",
          "医疗保障", "義務教育均衡發展", "中小企业融资", "老旧小区改造", "乡村振兴", "公共文化服务"]
KINDS = ["关于印发{t}实施办法的通知", "关于进一步加强{t}工作的意见", "关于{t}的若干措施",
         "关于做好{t}工作的通知", "{t}管理办法", "关于推进{t}三年行动计划（2031—2033年）的通知"]


def paragraph_pool(max_paragraphs: int = 200_000) -> list[str]:
    """Paragraphs of real text (≥ 15 Chinese characters) from lawref and the HTML pages."""
    pool: list[str] = []
    for path in lawref_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        text = text.split("<!-- INFO END -->", 1)[-1]
        for line in text.split("\n"):
            line = line.strip().lstrip("#").strip()
            if len(CJK.findall(line)) >= 15 and "<!--" not in line:
                pool.append(line)
    for path in sorted(GOV_HTML.glob("*.html")):
        raw = path.read_bytes()
        for enc in ("utf-8", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            continue
        text = html.unescape(TAG.sub("\n", text))
        for line in text.split("\n"):
            line = line.strip()
            if len(CJK.findall(line)) >= 15 and len(line) < 2000:
                pool.append(line)
    rng = random.Random(0)
    rng.shuffle(pool)
    return pool[:max_paragraphs]


def _renumber(rng: random.Random, text: str) -> str:
    return DIGITS.sub(lambda m: str(rng.randint(1, 10 ** min(len(m.group()), 4) - 1)), text)


def generated_text(i: int, pool: list[str], rng: random.Random) -> str:
    """Notice number ``i``: its own doc number, date and mix of paragraphs."""
    place = PLACES[i % len(PLACES)]
    level, code = LEVELS[(i // len(PLACES)) % len(LEVELS)]
    year = 2026 + rng.randint(0, 8)
    issuer = place + level
    # Unique number per document: the serial carries i.
    number = f"{place[0]}{code}〔{year}〕{i + 1}号"
    title = rng.choice(KINDS).format(t=rng.choice(TOPICS))
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    n = rng.randint(6, 28)
    body = [_renumber(rng, p) for p in rng.sample(pool, n)]
    cn_year = "".join(CN_DIGITS[int(c)] for c in str(year))
    lines = [f"{issuer}{title}", number, "", "各有关单位：", *body, "", issuer,
             f"{year}年{month}月{day}日", f"（此件公开发布，{cn_year}年印发）"]
    return "\n".join(lines) + "\n"


def write_generated(out: Path, count: int, seed: int = 1, log=print) -> list[Path]:
    started = time.perf_counter()
    pool = paragraph_pool()
    log(f"paragraph pool: {len(pool)} paragraphs in {time.perf_counter() - started:.1f} s")
    written = []
    for i in range(count):
        rng = random.Random(seed * 1_000_003 + i)
        dest = out / f"g{i // (PER_FOLDER * 20):03d}" / f"d{(i // PER_FOLDER) % 20:02d}" / f"{i:08d}.txt"
        if i % PER_FOLDER == 0:
            dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(generated_text(i, pool, rng), encoding="utf-8")
        written.append(dest)
    return written


def materialise(corpus: str, out: Path, limit: int | None = None, seed: int = 1, reuse: bool = False,
                log=print) -> list[Path]:
    """Write ``corpus`` as .txt files under ``out``; returns the files."""
    if out.exists() and reuse and any(out.rglob("*.txt")):
        files = sorted(out.rglob("*.txt"))
        if not limit or len(files) == limit:
            log(f"reusing {len(files)} files in {out}")
            return files
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if corpus == "lawref":
        return write_lawref(out, limit)
    if corpus == "tw_laws":
        return write_tw_laws(out, limit)
    if corpus == "generated":
        return write_generated(out, limit or 100_000, seed, log)
    raise ValueError(f"unknown corpus {corpus!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", choices=["lawref", "tw_laws", "generated"])
    ap.add_argument("out", type=Path)
    ap.add_argument("--limit", type=int, help="at most N files (lawref, tw_laws)")
    ap.add_argument("--count", type=int, default=100_000, help="documents to generate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="keep OUT if it already holds the files")
    args = ap.parse_args()
    if not str(args.out.resolve()).startswith("/tmp/"):
        sys.exit("make_corpus: OUT must be a scratch folder under /tmp (it is emptied first)")
    started = time.perf_counter()
    limit = args.count if args.corpus == "generated" else args.limit
    files = materialise(args.corpus, args.out, limit, args.seed, args.reuse)
    size = sum(f.stat().st_size for f in files)
    print(f"{len(files)} files, {size / 1e6:.1f} MB in {args.out} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
