"""Agency names as written (市发改委) and what they stand for.

Documents name bodies by abbreviation and by their place in the hierarchy: in
a 盘锦市 document 市发改委 is 盘锦市发展和改革委员会 and 省教育厅 is
辽宁省教育厅.  ``canonical_agency`` resolves a mention against the document's
region with three data tables: the central bodies (``data/agency_central.tsv``),
the abbreviations of local ones (``data/agency_aliases.tsv``) and the vague or
collective mentions that name no one body (``data/agency_vague.tsv``).

>>> canonical_agency('市发改委', '盘锦市')
Agency(name='盘锦市发展和改革委员会', level='municipal', region='盘锦市')
>>> canonical_agency('省教育厅', '盘锦市').name, canonical_agency('教育部', None).level
('辽宁省教育厅', 'central')
>>> canonical_agency('相关部门', '盘锦市') is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from policykb.extract import regions
from policykb.extract.regions import NATIONWIDE, Division

# Characters that stand for "this document's own province/city/…" in front
# of a department: 市教育局, 省教育厅, 区税务局.
_SCOPE_CHARS = "省市区县州盟旗"
# Words that start with a scope character but are not scoped names.
_NOT_SCOPED = ("市场", "区域", "县域", "省份", "市县", "市区", "县区", "区县", "州县")
_ORG_PREFIXES = ("中国共产党", "中共")
_STRIP = " \t\r\n\u3000,，、;；:：。.“”\"'‘’《》<>[]【】"
# Trailing words that close a list, not a name: 市公安局、市商务局等.
_LIST_ENDS = ("等有关部门", "等相关部门", "等部门", "等单位", "等")
MAX_MENTION = 60  # a longer "mention" is a clause, not a name


@dataclass(frozen=True)
class Agency:
    name: str  # canonical full name: 盘锦市发展和改革委员会
    level: str  # central, provincial, municipal, county
    region: str | None  # 全国, 辽宁省, 盘锦市 …


@dataclass(frozen=True)
class _Aliases:
    plain: dict  # abbreviation or full form -> full form
    templates: dict  # abbreviation -> template with {region}
    max_key: int
    vague: tuple  # (pattern, kind)
    suffixes: tuple


@lru_cache(maxsize=None)
def _aliases() -> _Aliases:
    plain: dict[str, str] = {}
    templates: dict[str, str] = {}
    for short, full, *_ in regions._tsv("agency_aliases.tsv"):
        if "{region}" in full:
            templates[short] = full
        else:
            plain[short] = full
            plain.setdefault(full, full)  # a full form found stays as it is
    vague = tuple((p, k) for p, k, *_ in regions._tsv("agency_vague.tsv"))
    with open(regions.DATA / "agency_suffixes.txt", encoding="utf-8") as f:
        suffixes = tuple(s for s in (line.strip() for line in f) if s and not s.startswith("#"))
    return _Aliases(plain, templates, max(map(len, list(plain) + list(templates))), vague,
                    tuple(sorted(suffixes, key=len, reverse=True)))


def clean_mention(mention: str) -> str:
    """The mention without surrounding punctuation and list endings (等)."""
    m = (mention or "").strip(_STRIP)
    for end in _LIST_ENDS:
        if m.endswith(end) and len(m) > len(end) + 1:
            m = m[: -len(end)].strip(_STRIP)
            break
    return m


def _unscoped(m: str) -> str:
    """The mention without a leading 市/区/县/省 or 市级 …: what follows it."""
    if len(m) > 1 and m[0] in _SCOPE_CHARS and not m.startswith(_NOT_SCOPED):
        m = m[1:]
        if m.startswith("级"):
            m = m[1:]
    return m


def is_vague(mention: str) -> bool:
    """True for a mention that names no one body: 相关部门, 各县区政府,
    有关区政府, 市各有关部门, 区级相关部门, 财政、税务部门.

    >>> is_vague('相关部门'), is_vague('各县区政府'), is_vague('市教育局')
    (True, True, False)
    """
    m = clean_mention(mention)
    if not m:
        return True
    inner = _unscoped(m)
    for pattern, kind in _aliases().vague:
        if kind == "exact" and pattern in (m, inner):
            return True
        if kind == "prefix" and (m.startswith(pattern) or inner.startswith(pattern)):
            return True
        if kind == "contains" and pattern in m:
            return True
        if kind == "suffix" and m.endswith(pattern):
            return True
    return False


def looks_like_agency(mention: str) -> bool:
    """A name that ends like a government body (局, 委员会, 中心 …)."""
    m = clean_mention(mention)
    return 2 <= len(m) <= MAX_MENTION and m.endswith(_aliases().suffixes)


def expand(rest: str, region: str | None = None) -> str:
    """Abbreviations in a name written out: 发改委 → 发展和改革委员会.

    A template (税务局 → 国家税务总局{region}税务局) applies only at the
    start and only with a region; it replaces the region prefix too.

    >>> expand('政府办公室'), expand('人社局')
    ('人民政府办公室', '人力资源和社会保障局')
    """
    a = _aliases()
    out = []
    i = 0
    if region:
        for n in range(min(a.max_key, len(rest)), 0, -1):
            template = a.templates.get(rest[:n])
            # 委 is the party committee (市委宣传部), not 委员会.
            if template and not rest.startswith("委员"):
                out.append(template.format(region=region))
                i = n
                break
    head = len(out)
    # Abbreviations chain from the start (政府外办 → 人民政府外事办公室) and
    # stop at the first word that is none: inside a name they would break
    # words (轨道交通局 is not 轨道 + 交通局).
    while i < len(rest):
        for n in range(min(a.max_key, len(rest) - i), 0, -1):
            full = a.plain.get(rest[i:i + n])
            if full is not None:
                out.append(full)
                i += n
                break
        else:
            out.append(rest[i:])
            break
    if head:
        return "".join(out)
    return "".join(out) if region is None else region + "".join(out)


def _scope_target(scope: str, region: str | None) -> Division | None:
    """The division a scope character means in a document of ``region``."""
    d = regions.division_of(region)
    if d is None:
        return None
    if scope == "省":
        p = regions.province_of(region)
        return regions.division_of(p) if p else None
    if scope == "市":
        if d.level == "county" and d.name.endswith("市"):
            return d  # 市住建局 in a 慈溪市 document is 慈溪市's
        c = regions.city_of(region)
        return regions.division_of(c) if c else None
    if scope in "区县旗":
        ok = d.level == "county" and (d.name.endswith(scope) or (scope == "县" and d.name.endswith("县")))
        return d if ok else None
    if scope in "州盟":
        return d if d.level == "prefecture" and d.name.endswith(scope) else None
    return None


def _agency(name: str, region: str) -> Agency | None:
    level = regions.level_of(region)
    return Agency(name, level, region) if level else None


@lru_cache(maxsize=8192)
def canonical_agency(mention: str, region: str | None) -> Agency | None:
    """The body a mention names, resolved against the document's region.

    Central bodies resolve anywhere (教育部, 国家发展改革委 → 国家发展和改革委员会);
    a name with its place written out resolves alone (盘锦市发改委); 市X, 省X,
    区X and 县X take the place from ``region``.  Vague and collective mentions
    (相关部门, 各县区政府) and anything unsure give ``None``.

    >>> canonical_agency('市税务局', '盘锦市').name
    '国家税务总局盘锦市税务局'
    >>> canonical_agency('国家发展改革委', None).name
    '国家发展和改革委员会'
    >>> canonical_agency('区教育局', '北京市') is None  # which district?
    True
    """
    m = clean_mention(mention)
    if not m or len(m) > MAX_MENTION or is_vague(m):
        return None
    central = regions.central_at(m)
    if central:
        name, n = central
        found, _ = regions.division_chain(m, n)
        if found:  # a central body's local branch: 中国人民银行宿州市分行
            if len(found) != 1:
                return None
            region_ = regions.region_name(found[0])
            return _agency(name + m[n:], region_) if looks_like_agency(m[n:]) else None
        if m[n:] and not looks_like_agency(m[n:]):
            return None  # 教育部政府门户网站 is not a body
        return Agency(name + m[n:], "central", NATIONWIDE)
    org = next((p for p in _ORG_PREFIXES if m.startswith(p)), "")
    found, end = regions.division_chain(m, len(org))
    if found:
        if len(found) != 1:
            return None
        rest = m[end:]
        if not rest or not looks_like_agency(rest):
            return None
        region_ = regions.region_name(found[0])
        # The place as written: official names keep a short form
        # (北京住房公积金管理中心, 北京经济技术开发区管委会).
        written = m[len(org):end]
        if written == found[0].name and found[0].level != "zone":
            written = region_  # 鼓楼区 → 福州市鼓楼区 when the bare name is shared
        name = expand(rest, written)
        if org and not name.startswith(org):
            name = "中共" + name
        return _agency(name, region_)
    if m[0] in _SCOPE_CHARS and not m.startswith(_NOT_SCOPED):
        rest = m[1:]
        target = _scope_target(m[0], region)
        if target is None or not rest or not looks_like_agency(rest):
            return None
        region_ = regions.region_name(target)
        return _agency(expand(rest, region_), region_)
    return None


def agency_rows(mentions: Iterable[tuple[str, str | None]] = ()) -> list[dict]:
    """Rows for an ``agencies`` table: every central body of the data table,
    and one row per body that (mention as written, document region) pairs
    resolve to, with every spelling seen.

    Keys: ``name`` (canonical, the primary key), ``level``, ``region``,
    ``aliases`` (a sorted list of other spellings: the data table's for a
    central body, plus those seen; the loader stores it as a JSON list).
    Same input, same rows, in name order.

    >>> rows = agency_rows([('市发改委', '盘锦市'), ('盘锦市发改委', None), ('相关部门', '盘锦市')])
    >>> [r for r in rows if r['region'] == '盘锦市']
    [{'name': '盘锦市发展和改革委员会', 'level': 'municipal', 'region': '盘锦市', 'aliases': ['市发改委', '盘锦市发改委']}]
    >>> next(r for r in rows if r['name'] == '国家发展和改革委员会')['aliases']
    ['发展改革委员会', '国家发展改革委', '国家发改委']
    """
    rows: dict[str, dict] = {}
    for name, aliases, *_ in regions._tsv("agency_central.tsv"):
        rows[name] = {"name": name, "level": "central", "region": NATIONWIDE,
                      "aliases": {a for a in aliases.split(",") if a}}
    for mention, region in mentions:
        agency = canonical_agency(mention, region)
        if agency is None:
            continue
        row = rows.setdefault(agency.name, {"name": agency.name, "level": agency.level,
                                            "region": agency.region, "aliases": set()})
        written = clean_mention(mention)
        if written != agency.name:
            row["aliases"].add(written)
    return [dict(row, aliases=sorted(row["aliases"])) for _, row in sorted(rows.items())]
