"""`policykb eval`: score a base against gold files read from pages.

Every measure is counted over rows (micro-averaged), because analysts sum
rows: a found row that matches no gold item is a false positive, a gold item
that no row matches a miss.  An item marked ``optional`` is neither: found,
it is set aside; missed, it costs nothing.  Texts compare after NFKC
normalisation with whitespace removed (as ../shared/eval/score.py does), and
titles without 《》.

The gold format is described in tests/devset/README.md; the same files are
read by ../shared/eval/score.py.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

DOCUMENT_FIELDS = ("doc_number", "title", "issuer", "doc_type", "written_date", "published_date", "region")
FACT_MEASURES = ("citations", "citation_links", "targets", "deadlines", "periods", "responsibilities",
                 "responsibility_roles")
BODY_MEASURES = ("body_keep", "body_lose", "mojibake_repairs")
MEASURES = DOCUMENT_FIELDS + ("is_document",) + FACT_MEASURES + BODY_MEASURES

# As the outside scorer: a vague agency is no one's responsibility.
VAGUE_AGENCIES = {"相关部门", "有关部门", "各有关部门", "各相关部门"}
PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")
REQUIRED_KEYS = ("file",)


class GoldError(Exception):
    """A gold file that cannot be read; the message names the file and what is wrong."""


def norm(text) -> str:
    """Text as gold compares it.

    >>> norm(" 教职成厅函[2023] 15号 ")
    '教职成厅函[2023]15号'
    """
    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def norm_title(text) -> str:
    return norm(text).strip("《》<>")


# --- counting -------------------------------------------------------------


@dataclass
class Count:
    """True positives, false positives and misses of one measure."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Count") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None and r is None:
            return None
        p, r = p or 0.0, r or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        rounded = lambda v: None if v is None else round(v, 4)
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": rounded(self.precision),
                "recall": rounded(self.recall), "f1": rounded(self.f1)}


@dataclass
class FileScore:
    """One gold file's counts and, for the report, what differs."""

    file: str
    counts: dict[str, Count] = field(default_factory=dict)
    diffs: list[str] = field(default_factory=list)
    # (measure, found row, whether it matched a gold item): what calibrates
    # the confidence of each rule path (scripts/calibrate_confidence.py).
    judged: list[tuple[str, dict, bool]] = field(default_factory=list)

    def count(self, measure: str) -> Count:
        return self.counts.setdefault(measure, Count())

    @property
    def errors(self) -> int:
        return sum(c.fp + c.fn for m, c in self.counts.items() if m not in ("body_keep", "body_lose"))


# --- gold -----------------------------------------------------------------

ITEM_KEYS = {
    "citations": ("doc_number", "title"),
    "targets": ("year", "quantity", "unit", "qualifier", "object_contains"),
    "deadlines": ("recurrence", "action_contains"),
    "periods": ("kind", "start", "end"),
}


def check_gold(gold: object, name: str) -> dict:
    """The gold dict, or GoldError naming the first thing wrong with it."""
    if not isinstance(gold, dict):
        raise GoldError(f"{name}: the top level is {type(gold).__name__}, not an object")
    for key in REQUIRED_KEYS:
        if not isinstance(gold.get(key), str):
            raise GoldError(f"{name}: '{key}' must be a file name")
    if gold.get("is_document", True) and not isinstance(gold.get("document", {}), dict):
        raise GoldError(f"{name}: 'document' must be an object")
    for measure, keys in ITEM_KEYS.items():
        items = gold.get(measure, [])
        if not isinstance(items, list):
            raise GoldError(f"{name}: '{measure}' must be a list")
        for i, item in enumerate(items):
            missing = [k for k in keys if not isinstance(item, dict) or k not in item]
            if missing and not (measure == "periods" and isinstance(item, dict)):
                raise GoldError(f"{name}: {measure}[{i}] lacks {', '.join(missing)}")
    for key in ("responsibilities", "responsibilities_optional"):
        for i, row in enumerate(gold.get(key, []) or []):
            if not (isinstance(row, list) and len(row) >= 4 and isinstance(row[3], list)):
                raise GoldError(f"{name}: {key}[{i}] must be [row, task, content, [agencies], [roles]]")
    return gold


def load_gold(folder: Path) -> tuple[list[dict], list[str]]:
    """Every gold file of a folder, and one line per file that could not be read."""
    golds, errors = [], []
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        raise GoldError(f"{folder}: no gold files (*.json)")
    for path in files:
        try:
            gold = json.loads(path.read_text(encoding="utf-8"))
            golds.append(check_gold(gold, path.name))
        except json.JSONDecodeError as e:
            errors.append(f"{path.name}: not JSON (line {e.lineno}: {e.msg})")
        except (GoldError, UnicodeDecodeError, OSError) as e:
            errors.append(str(e) if isinstance(e, GoldError) else f"{path.name}: {e}")
    return golds, errors


# --- matching -------------------------------------------------------------


def match_items(gold: list, found: list[dict], matches: Callable[[object, dict], bool],
                optional: Callable[[object], bool] = lambda g: bool(isinstance(g, dict) and g.get("optional"))):
    """Pair gold items with found rows, required items first.

    Returns (tp, fp, fn, pairs, missed gold, unmatched rows); a row matched
    to an optional item counts neither way.
    """
    used: set[int] = set()
    pairs, missed = [], []
    tp = optional_hits = 0
    for g in sorted(gold, key=optional):
        for i, row in enumerate(found):
            if i not in used and matches(g, row):
                used.add(i)
                pairs.append((g, row))
                if optional(g):
                    optional_hits += 1
                else:
                    tp += 1
                break
        else:
            if not optional(g):
                missed.append(g)
    extra = [row for i, row in enumerate(found) if i not in used]
    return tp, len(extra), len(missed), pairs, missed, extra


def citation_matches(g: dict, row: dict) -> bool:
    if g.get("doc_number"):
        return norm(row.get("cited_doc_number")) == norm(g["doc_number"])
    return not row.get("cited_doc_number") and norm_title(row.get("cited_title")) == norm_title(g.get("title"))


def year_matches(found, want) -> bool:
    wants = want if isinstance(want, list) else [want]
    for w in wants:
        if w is None and found in (None, ""):
            return True
        if w is not None and found not in (None, "") and int(found) == int(w):
            return True
    return False


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def target_matches(g: dict, row: dict) -> bool:
    quantity = _number(row.get("quantity"))
    return (quantity is not None and quantity == _number(g["quantity"])
            and norm(row.get("unit")) == norm(g["unit"])
            and norm(row.get("qualifier")) == norm(g["qualifier"])
            and year_matches(row.get("year"), g["year"])
            and norm(g["object_contains"]) in norm(row.get("object")))


def deadline_matches(g: dict, row: dict) -> bool:
    if norm(row.get("recurrence")) != norm(g["recurrence"]):
        return False
    key = "date" if g["recurrence"] == "once" else "month_day"
    if norm(row.get(key)) != norm(g.get(key)):
        return False
    if "from_year" in g and not year_matches(row.get("from_year"), g["from_year"]):
        return False
    return norm(g["action_contains"]) in norm(row.get("action")) + norm(row.get("sentence"))


def period_matches(g: dict, row: dict) -> bool:
    if norm(row.get("kind")) != norm(g.get("kind")):
        return False
    if norm(row.get("start")) != norm(g.get("start")) or norm(row.get("end")) != norm(g.get("end")):
        return False
    subject = g.get("subject_contains")
    return not subject or norm(subject) in norm(row.get("subject")) + norm(row.get("sentence"))


def agency_matches(found, want) -> bool:
    f, w = norm(found), norm(want)
    return f == w or (len(w) >= 3 and f.endswith(w))


def responsibility_pairs(gold: dict) -> list[dict]:
    """One item per (row, agency), with its role where the gold gives one."""
    items = []
    for key, optional in (("responsibilities", False), ("responsibilities_optional", True)):
        for row in gold.get(key) or []:
            roles = row[4] if len(row) > 4 and isinstance(row[4], list) else []
            for i, agency in enumerate(row[3]):
                if norm(agency) in VAGUE_AGENCIES:
                    continue
                items.append({"content": row[2], "agency": agency, "optional": optional,
                              "role": roles[i] if i < len(roles) else None})
    return items


def responsibility_matches(g: dict, row: dict) -> bool:
    return norm(g["content"]) in norm(row.get("content")) and agency_matches(row.get("agency"), g["agency"])


# --- describing rows for the report -----------------------------------------


def describe(measure: str, item: dict) -> str:
    get = item.get
    if measure == "citations":
        return f"{get('doc_number') or get('cited_doc_number') or '-'} 《{get('title') or get('cited_title') or ''}》"
    if measure == "targets":
        obj = get("object_contains") or get("object") or ""
        return f"{get('year')} {get('qualifier') or ''}{get('quantity')}{get('unit') or ''} {obj[:30]}"
    if measure == "deadlines":
        when = get("date") or get("month_day")
        return f"{get('recurrence')} {when} {(get('action_contains') or get('action') or '')[:30]}"
    if measure == "periods":
        what = get("subject_contains") or get("subject") or ""
        return f"{get('kind')} {get('start')}→{get('end')} {what[:30]}"
    if measure == "responsibilities":
        return f"{get('agency')}: {(get('content') or '')[:30]}"
    return json.dumps(item, ensure_ascii=False)[:80]


# --- scoring one file ---------------------------------------------------------


def score_fields(score: FileScore, gold: dict, doc: dict | None) -> None:
    fields = gold.get("document") or {}
    optional = set(gold.get("document_optional") or [])
    alternatives = gold.get("document_alternatives") or {}
    for name in DOCUMENT_FIELDS:
        if name not in fields or name in optional:
            continue
        want = fields[name]
        got = doc.get(name) if doc else None
        accepted = {norm(v) for v in [want] + list(alternatives.get(name) or []) if v is not None}
        count = score.count(name)
        if want is None and not alternatives.get(name):
            if got not in (None, ""):
                count.fp += 1
                score.diffs.append(f"{name}: want none, got {got}")
        elif norm(got) in accepted:
            count.tp += 1
        elif got in (None, ""):
            count.fn += 1
            score.diffs.append(f"{name}: want {want}, got none")
        else:
            count.fp += 1
            count.fn += 1
            score.diffs.append(f"{name}: want {want}, got {got}")


def score_items(score: FileScore, measure: str, gold: list, found: list[dict], matches) -> list:
    tp, fp, fn, pairs, missed, extra = match_items(gold, found, matches)
    count = score.count(measure)
    count.tp += tp
    count.fp += fp
    count.fn += fn
    score.diffs += [f"{measure} missed: {describe(measure, g)}" for g in missed]
    score.diffs += [f"{measure} extra: {describe(measure, r)}" for r in extra]
    score.judged += [(measure, row, True) for _, row in pairs] + [(measure, row, False) for row in extra]
    return pairs


def expected_link(g: dict, documents_by_number: dict, documents_by_title: dict) -> set[str]:
    """The ids a citation should link to: the cited document's, when the base holds it."""
    if g.get("doc_number"):
        return set(documents_by_number.get(norm(g["doc_number"]), ()))
    return set(documents_by_title.get(norm_title(g.get("title")), ()))


def score_links(score: FileScore, pairs: list, documents_by_number: dict, documents_by_title: dict) -> None:
    count = score.count("citation_links")
    for g, row in pairs:
        want = expected_link(g, documents_by_number, documents_by_title)
        got = row.get("cited_document_id")
        if want and got in want:
            count.tp += 1
        elif want:
            count.fn += 1
            count.fp += 1 if got else 0
            score.diffs.append(f"citation_links missed: {describe('citations', g)}")
        elif got:
            # Linked, though no document of the base carries that number or title
            # as the gold reads it: the link points elsewhere.
            count.fp += 1
            score.diffs.append(f"citation_links extra: {describe('citations', g)} → {got}")


def score_kept(score: FileScore, measure: str, wanted: list | None, text: str, missing: str) -> None:
    """Each string the body must hold: held, or a miss named ``missing``."""
    count = score.count(measure)
    for s in wanted or []:
        if norm(s) in text:
            count.tp += 1
        else:
            count.fn += 1
            score.diffs.append(f"{missing}: {s[:40]}")


def score_body(score: FileScore, gold: dict, body: str | None) -> None:
    text = norm(body)
    score_kept(score, "body_keep", gold.get("body_contains"), text, "body lost")
    lose = score.count("body_lose")
    for s in gold.get("body_excludes") or []:
        if norm(s) and norm(s) in text:
            lose.fn += 1
            score.diffs.append(f"body kept: {s[:40]}")
        else:
            lose.tp += 1
    gloss = PINYIN_GLOSS.search(text)
    if gloss:
        lose.fn += 1
        score.diffs.append(f"body kept a pinyin gloss: {gloss.group()}")
    score_kept(score, "mojibake_repairs", gold.get("mojibake_repairs"), text, "mojibake not repaired")


def score_file(gold: dict, view, documents_by_number: dict, documents_by_title: dict) -> FileScore:
    score = FileScore(gold["file"])
    doc_id = view.by_file.get(gold["file"])
    doc = view.documents.get(doc_id) if doc_id else None
    presence = score.count("is_document")
    if gold["file"] not in view.status:
        score.diffs.append("the page is not in the base")
    if not gold.get("is_document", True):
        if doc:
            presence.fp += 1
            score.diffs.append(f"a page with no notice became a document: {doc.get('title')}")
        return score
    if doc:
        presence.tp += 1
    else:
        presence.fn += 1
        score.diffs.append(f"no document ({view.status.get(gold['file'], 'not in the base')})")
    score_fields(score, gold, doc)
    facts = lambda table: view.facts.get(table, {}).get(doc_id, []) if doc_id else []
    pairs = score_items(score, "citations", gold.get("citations") or [], facts("citations"), citation_matches)
    score_links(score, pairs, documents_by_number, documents_by_title)
    score_items(score, "targets", gold.get("targets") or [], facts("targets"), target_matches)
    score_items(score, "deadlines", gold.get("deadlines") or [], facts("deadlines"), deadline_matches)
    score_items(score, "periods", gold.get("periods") or [], facts("periods"), period_matches)
    found = [r for r in facts("responsibilities") if norm(r.get("agency")) not in VAGUE_AGENCIES]
    pairs = score_items(score, "responsibilities", responsibility_pairs(gold), found, responsibility_matches)
    roles = score.count("responsibility_roles")
    for g, row in pairs:
        if g.get("role") and not g.get("optional"):
            if norm(row.get("role")) == norm(g["role"]):
                roles.tp += 1
            else:
                roles.fp += 1
                roles.fn += 1
                score.diffs.append(f"role: {g['agency']} want {g['role']}, got {row.get('role')}")
    score_body(score, gold, doc.get("body") if doc else None)
    return score


# --- the whole set --------------------------------------------------------------


@dataclass
class Evaluation:
    totals: dict[str, Count]
    files: list[FileScore]
    gold_errors: list[str]
    missing_tables: list[str]

    def as_dict(self, worst: int = 10) -> dict:
        return {"measures": {m: c.as_dict() for m, c in self.totals.items()},
                "files": len(self.files),
                "worst": [{"file": f.file, "errors": f.errors, "diffs": f.diffs} for f in self.worst(worst)],
                "gold_errors": self.gold_errors, "missing_tables": self.missing_tables}

    def worst(self, n: int) -> list[FileScore]:
        return sorted((f for f in self.files if f.errors), key=lambda f: (-f.errors, f.file))[:n]


def gold_indexes(golds: Iterable[dict], view) -> tuple[dict, dict]:
    """Document ids by the numbers and titles the gold gives, plus the base's own."""
    by_number: dict[str, set[str]] = {norm(n): set(ids) for n, ids in view.numbers.items()}
    by_title: dict[str, set[str]] = {norm_title(t): set(ids) for t, ids in view.titles.items()}
    for gold in golds:
        doc_id = view.by_file.get(gold["file"])
        fields = gold.get("document") or {}
        if not doc_id or not gold.get("is_document", True):
            continue
        if fields.get("doc_number"):
            by_number.setdefault(norm(fields["doc_number"]), set()).add(doc_id)
        if fields.get("title"):
            by_title.setdefault(norm_title(fields["title"]), set()).add(doc_id)
    return by_number, by_title


def evaluate(db_path: Path, gold_dir: Path) -> Evaluation:
    """Score the base at db_path against every gold file of gold_dir."""
    from policykb.db.evaluation import read_base

    golds, errors = load_gold(gold_dir)
    view = read_base(db_path, {g["file"] for g in golds})
    by_number, by_title = gold_indexes(golds, view)
    files = [score_file(g, view, by_number, by_title) for g in golds]
    totals = {m: Count() for m in MEASURES}
    for f in files:
        for m, c in f.counts.items():
            totals[m].add(c)
    return Evaluation(totals, files, errors, view.missing_tables)


def format_table(result: Evaluation, worst: int = 10) -> str:
    pct = lambda v: "    -" if v is None else f"{v:5.3f}"
    lines = [f"{len(result.files)} gold files", "",
             f"{'measure':<22}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for m, c in result.totals.items():
        lines.append(f"{m:<22}{pct(c.precision):>7}{pct(c.recall):>7}{pct(c.f1):>7}{c.tp:>6}{c.fp:>6}{c.fn:>6}")
    if result.missing_tables:
        lines += ["", f"the base has no {', '.join(result.missing_tables)} table: scored as found nothing"]
    if worst:
        lines += ["", f"worst {worst} files:"]
        for f in result.worst(worst):
            lines.append(f"  {f.file}: {f.errors} errors")
            lines += [f"    {d}" for d in f.diffs[:12]]
            if len(f.diffs) > 12:
                lines.append(f"    … {len(f.diffs) - 12} more")
    for e in result.gold_errors:
        lines.append(f"gold file skipped: {e}")
    return "\n".join(lines)


def below_floors(result: Evaluation, floors: dict) -> list[str]:
    """Each measure under its pinned floor, as one line: 'targets precision 0.81 < 0.85'."""
    failures = []
    for measure, wanted in floors.items():
        if measure.startswith("_"):  # a note: "_about"
            continue
        count = result.totals.get(measure)
        if count is None:
            failures.append(f"{measure}: no such measure")
            continue
        for stat, floor in wanted.items():
            value = getattr(count, stat)
            if value is None or value < floor:
                failures.append(f"{measure} {stat} {'none' if value is None else f'{value:.4f}'} < {floor}")
    return failures
