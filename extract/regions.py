"""Which area an issuer governs: 全国, a province, a city or a county.

The administrative divisions are data (``data/divisions.tsv``: every
provincial-, prefecture- and county-level division with its parent and short
forms); the central bodies are data too (``data/agency_central.tsv``).  A name
is read from its start as a chain of divisions, each inside the one before
(辽宁省盘锦市 → 盘锦市, 福州市长乐区 → 长乐区); the most specific one wins.
A name that fits more than one division (鼓楼区 is in four cities, 吉林 could
be the province or the city) gives ``None``: a wrong region is worse than
none.

>>> region_of('盘锦市人民政府办公室'), region_of('教育部办公厅'), province_of('盘锦市')
('盘锦市', '全国', '辽宁省')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
NATIONWIDE = "全国"

# Issuers longer than this are not names; only their start is read.  The
# longest real joint issuer line in gov_html is about 120 characters.
MAX_ISSUER_CHARS = 400
# Prefixes of party and mass organisations that stand before the division:
# 中共北京市委办公厅, 共青团盘锦市委.
_ORG_PREFIXES = ("中国共产党", "中共", "共青团")
# Separators between the issuers of a joint document.
_ISSUER_SPLIT = re.compile(r"[、,，;；/|｜\s]+")
# Between two divisions of one chain: 全国公共资源交易平台（安徽省·合肥市）.
_CHAIN_GLUE = "·・ "


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province, prefecture, county, zone, special
    parent: str | None


@dataclass(frozen=True)
class _Table:
    by_name: dict  # full name -> tuple[Division, ...]
    by_key: dict  # full name or short form -> tuple[Division, ...]
    max_key: int
    central: dict  # central body name or alias -> canonical name
    max_central: int


def _tsv(name: str) -> list[list[str]]:
    rows = []
    with open(DATA / name, encoding="utf-8") as f:
        header = None
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
                continue
            rows.append(cells + [""] * (len(header) - len(cells)))
    return rows


@lru_cache(maxsize=None)
def _table() -> _Table:
    by_name: dict[str, list[Division]] = {}
    by_key: dict[str, list[Division]] = {}
    for code, name, level, parent, short in _tsv("divisions.tsv"):
        d = Division(code, name, level, parent or None)
        by_name.setdefault(name, []).append(d)
        for key in [name] + [s for s in short.split(",") if s]:
            if d not in by_key.setdefault(key, []):
                by_key[key].append(d)
    central: dict[str, str] = {}
    for name, aliases, *_ in _tsv("agency_central.tsv"):
        for key in [name] + [a for a in aliases.split(",") if a]:
            central[key] = name
    return _Table(
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_key={k: tuple(v) for k, v in by_key.items()},
        max_key=max(map(len, by_key)),
        central=central,
        max_central=max(map(len, central)),
    )


def divisions_named(name: str) -> tuple[Division, ...]:
    """Every division with this full name or short form (鼓楼区 → four).

    >>> [d.parent for d in divisions_named('盘锦')]
    ['辽宁省']
    """
    return _table().by_key.get(name, ())


def _parent(d: Division) -> Division | None:
    if not d.parent:
        return None
    found = _table().by_name.get(d.parent, ())
    # Parents are provinces or prefectures, whose names are unique.
    return found[0] if len(found) == 1 else None


def lineage(d: Division) -> tuple[Division, ...]:
    """The division and those above it, province first."""
    chain = [d]
    while (p := _parent(chain[-1])) is not None and len(chain) < 4:
        chain.append(p)
    return tuple(reversed(chain))


def _keys_at(s: str, i: int) -> list[tuple[int, tuple[Division, ...]]]:
    """(length, divisions) of every division key starting at s[i], longest first."""
    t = _table()
    out = []
    for n in range(min(t.max_key, len(s) - i), 1, -1):
        found = t.by_key.get(s[i:i + n])
        if found:
            out.append((n, found))
    return out


def central_at(s: str, i: int = 0) -> tuple[str, int] | None:
    """The central body named at s[i] (canonical name, length), longest match.

    教育部门 is "education departments", not 教育部: a match ending in 部
    that runs on into 门 does not count.
    """
    t = _table()
    for n in range(min(t.max_central, len(s) - i), 1, -1):
        name = t.central.get(s[i:i + n])
        if name and not (s[i + n - 1] == "部" and s[i + n:i + n + 1] == "门"):
            return name, n
    return None


def division_chain(s: str, i: int = 0) -> tuple[tuple[Division, ...], int]:
    """The divisions named from s[i] on, each inside the one before.

    Returns the candidates for the most specific division named (more than
    one when the name is ambiguous) and where the chain ends; ``((), i)``
    when no division starts at ``i``.

    >>> ds, end = division_chain('福州市鼓楼区人民政府'); [d.parent for d in ds], end
    (['福州市'], 6)
    """
    first = _keys_at(s, i)
    if not first:
        return (), i
    n, current = first[0]
    end = i + n
    while True:
        j = end
        while j < len(s) and s[j] in _CHAIN_GLUE and j - end < 2:
            j += 1
        names = {d.name for d in current}
        for n, found in _keys_at(s, j):
            inside = tuple(d for d in found if d.parent in names)
            if inside:
                current, end = inside, j + n
                break
        else:
            return current, end


def region_name(d: Division) -> str:
    """How a division is written as a region: its name, or the name with its
    city in front when the bare name is shared (鼓楼区 → 福州市鼓楼区); a
    development zone counts as its city (it is not a division)."""
    if d.level == "zone":
        p = _parent(d)
        return region_name(p) if p else d.name
    if len(_table().by_name.get(d.name, ())) > 1 and d.parent:
        return d.parent + d.name
    return d.name


def _region_of_part(name: str) -> str | None:
    """The region of one issuer name (no separators inside)."""
    central = central_at(name)
    if central:
        # 国家税务总局北京市税务局, 中国人民银行宿州市分行: a central body's
        # local branch governs where it sits.
        found, _ = division_chain(name, central[1])
        if not found:
            return NATIONWIDE
        return region_name(found[0]) if len(found) == 1 else None
    start = 0
    for prefix in _ORG_PREFIXES:
        if name.startswith(prefix):
            start = len(prefix)
            break
    found, _ = division_chain(name, start)
    if found:
        return region_name(found[0]) if len(found) == 1 else None
    # Site names put the division later: 首都之窗_北京市人民政府门户网站.
    # Only full names count there; a short form inside a word is too loose.
    t = _table()
    seen: set[str] = set()
    i = 0
    while i < len(name):
        hits = _keys_at(name, i)
        full = [(n, ds) for n, ds in hits if name[i:i + n] in t.by_name]
        if full:
            found, end = division_chain(name, i)
            if len(found) != 1:
                return None
            seen.add(region_name(found[0]))
            i = max(end, i + 1)
        else:
            i += 1
    return seen.pop() if len(seen) == 1 else None


def region_of(issuer: str | None) -> str | None:
    """The area an issuer governs: 全国 for a central body, else the most
    specific province, city or county it names; ``None`` when it names none
    or the name is ambiguous.  Joint issuers must agree.

    >>> region_of('辽宁省教育厅'), region_of('广州住房公积金管理中心')
    ('辽宁省', '广州市')
    >>> region_of('国家税务总局上海市税务局'), region_of('市住房公积金管理中心')
    ('上海市', None)
    """
    if not issuer:
        return None
    text = issuer.strip()[:MAX_ISSUER_CHARS]
    parts = [p for p in _ISSUER_SPLIT.split(text) if p]
    # A local body named with a central one (上海市财政局 国家税务总局上海市
    # 税务局) agrees; 全国 only stands when no local region is named.
    regions = {r for r in map(_region_of_part, parts[:20]) if r}
    local = regions - {NATIONWIDE}
    if len(local) == 1:
        return local.pop()
    if not local and regions:
        return NATIONWIDE
    return None


def division_of(region: str | None) -> Division | None:
    """The one division a region string names (盘锦市, 福州市鼓楼区), or None."""
    if not region or region == NATIONWIDE:
        return None
    found, end = division_chain(region)
    if len(found) != 1 or end != len(region):
        return None
    return found[0]


def province_of(region: str) -> str | None:
    """The provincial-level division a region lies in.

    >>> province_of('盘锦市'), province_of('辽宁省'), province_of('长沙县')
    ('辽宁省', '辽宁省', '湖南省')
    >>> province_of('全国'), province_of('鼓楼区')
    (None, None)
    """
    d = division_of(region)
    if d is None:
        return None
    top = lineage(d)[0]
    return top.name if top.level in ("province", "special") else None


def city_of(region: str) -> str | None:
    """The prefecture-level city (or municipality) a region lies in:
    长乐区 → 福州市, 西城区 → 北京市, 盘锦市 → 盘锦市; None for a province.

    >>> city_of('长乐区'), city_of('西城区'), city_of('辽宁省')
    ('福州市', '北京市', None)
    """
    d = division_of(region)
    if d is None:
        return None
    for x in reversed(lineage(d)):
        if x.level == "prefecture":
            return x.name
    top = lineage(d)[0]
    # Municipalities (北京市 …) are provinces that are also cities; so are the
    # county-level cities a province runs directly (仙桃市).
    if top.name.endswith("市"):
        return top.name
    if d.level == "county" and d.name.endswith("市"):
        return d.name
    return None


def level_of(region: str | None) -> str | None:
    """central, provincial, municipal or county: the tier of government that
    governs a region.  Municipalities are provincial.

    >>> level_of('全国'), level_of('北京市'), level_of('盘锦市'), level_of('西城区')
    ('central', 'provincial', 'municipal', 'county')
    """
    if region == NATIONWIDE:
        return "central"
    d = division_of(region)
    if d is None:
        return None
    return {"province": "provincial", "special": "provincial", "prefecture": "municipal",
            "county": "county", "zone": "municipal"}[d.level]


# A division's short form opening a 机关代字 names a government when 政 or 府
# follows it (湘乡政发, 鄂州政发); anything else may be a department's word.
_GOVERNMENT_CODE_CHARS = "政府"


@lru_cache(maxsize=None)
def _number_codes() -> tuple[tuple[str, str], ...]:
    """(code prefix, region) of data/region_number_codes.tsv, longest first."""
    out = []
    with open(DATA / "region_number_codes.tsv", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                code, region = line.split("\t")[:2]
                out.append((code, region))
    return tuple(sorted(out, key=lambda r: -len(r[0])))


def region_of_number(number: str | None) -> str | None:
    """The region a document number's 机关代字 names, or None.

    >>> region_of_number('湘政办发〔2009〕24号'), region_of_number('穗府〔2011〕15号')
    ('湖南省', '广州市')
    >>> region_of_number('湘乡政发〔2020〕1号'), region_of_number('发改财金〔2018〕1806号')
    ('湘乡市', None)
    """
    code = re.split(r"[〔\[［(（【第0-9]", (number or "").strip(), maxsplit=1)[0]
    if len(code) < 2:
        return None
    for n in (3, 2):
        # Counties have no short forms in the table: 湘乡 is 湘乡市.
        found = divisions_named(code[:n]) or tuple(d for s in "市县区旗" for d in divisions_named(code[:n] + s))
        if len(found) == 1 and code[n:n + 1] in _GOVERNMENT_CODE_CHARS:
            return region_name(found[0])
    for prefix, region in _number_codes():
        if code.startswith(prefix):
            return region
    return None
