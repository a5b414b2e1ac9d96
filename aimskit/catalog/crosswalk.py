"""Framework crosswalks: map requirement IDs from one framework to another, with provenance.

The kit ships three crosswalk tables, each between ISO/IEC 42001 and one other framework
(NIST AI RMF, the EU AI Act, ISO/IEC 27001:2022). Every row carries an OLIR set-theory
relationship (``equivalent``, ``subset``, ``superset``, ``intersects``; read as "the
ISO 42001 element is <relationship> of the other element"), its source (a published crosswalk
or aimskit's analysis with a one-line rationale) and the editions of both frameworks.

:func:`map_ids` maps IDs in either direction. Between two frameworks that are not ISO 42001 no
table exists, so the mapping goes through ISO 42001 in two hops; such rows are labelled
``two hops via ISO/IEC 42001`` and carry both hops' relationships and sources. No relationship
is inferred across two hops: ``relationship`` says ``not inferred (two hops)``.

>>> from aimskit import crosswalk
>>> m = crosswalk.map_ids(["GOVERN 1.1"], "nist-ai-rmf", "iso42001")
>>> sorted(m["to_id"])
['4.1', '6.2', 'A.2.2', 'A.2.4']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from aimskit import catalog
from aimskit.base.ids import natural_key
from aimskit.base.problems import UsageError

RELATIONSHIPS = ("equivalent", "subset", "superset", "intersects")
_INVERSE = {"equivalent": "equivalent", "subset": "superset", "superset": "subset", "intersects": "intersects"}
PIVOT = "iso42001"
TWO_HOPS = "two hops via ISO/IEC 42001 (inferred, not published as such)"


@dataclass(frozen=True)
class Framework:
    key: str
    title: str
    catalog: str  # the catalog whose ``id`` column holds the framework's IDs
    table: str | None  # the crosswalk catalog to ISO 42001 (None for ISO 42001 itself)


FRAMEWORKS: dict[str, Framework] = {
    "iso42001": Framework("iso42001", "ISO/IEC 42001:2023", "iso42001", None),
    "nist-ai-rmf": Framework("nist-ai-rmf", "NIST AI RMF 1.0", "nist-ai-rmf", "crosswalk-iso42001-nist-ai-rmf"),
    "eu-ai-act": Framework(
        "eu-ai-act", "EU AI Act (Regulation (EU) 2024/1689)", "eu-ai-act-articles", "crosswalk-iso42001-eu-ai-act"
    ),
    "iso27001": Framework("iso27001", "ISO/IEC 27001:2022", "iso27001-2022", "crosswalk-iso42001-iso27001"),
}
ALIASES = {
    "iso42001-2023": "iso42001",
    "iso-42001": "iso42001",
    "nist": "nist-ai-rmf",
    "ai-rmf": "nist-ai-rmf",
    "eu-ai-act-2024": "eu-ai-act",
    "ai-act": "eu-ai-act",
    "iso27001-2022": "iso27001",
    "iso-27001": "iso27001",
}

COLUMNS = [
    "from_framework",
    "from_id",
    "to_framework",
    "to_id",
    "detail",
    "hops",
    "path",
    "via",
    "chain",
    "relationship",
    "hop1_relationship",
    "hop1_source_kind",
    "hop1_source",
    "hop1_rationale",
    "hop2_relationship",
    "hop2_source_kind",
    "hop2_source",
    "hop2_rationale",
    "editions",
]


class CrosswalkError(ValueError, UsageError):
    """An unknown framework, an unknown ID, or a mapping that cannot be made."""


def framework(name: str) -> Framework:
    """The framework called ``name`` (or one of its aliases)."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in FRAMEWORKS:
        from aimskit.base.problems import suggest

        raise CrosswalkError(
            f"unknown framework '{name}'{suggest(name, list(FRAMEWORKS))} (available: {', '.join(FRAMEWORKS)})"
        )
    return FRAMEWORKS[key]


def frameworks() -> pd.DataFrame:
    """The frameworks the crosswalks connect, with their ID counts and crosswalk tables."""
    rows = []
    for fw in FRAMEWORKS.values():
        rows.append(
            {
                "framework": fw.key,
                "title": fw.title,
                "ids": len(catalog.load(fw.catalog)),
                "catalog": fw.catalog,
                "crosswalk_to_iso42001": fw.table or "",
                "rows": len(catalog.load(fw.table)) if fw.table else 0,
            }
        )
    return pd.DataFrame(rows)


def ids(name: str) -> list[str]:
    """Every ID of a framework, in catalog order."""
    return list(catalog.load(framework(name).catalog)["id"])


_NIST_FUNCTIONS = {"GOVERN": "GV", "MAP": "MP", "MEASURE": "MS", "MANAGE": "MG"}


def normalise(name: str, raw: str) -> list[str]:
    """The catalog ID(s) a user wrote for framework ``name``.

    NIST AI RMF accepts the machine form (``GV-1.1``), the display form (``GOVERN 1.1``), a
    category (``GV-1``, ``GOVERN 1``) or a function (``GV``, ``GOVERN``), expanded to their
    subcategories. EU AI Act accepts ``Art. 9``, ``Article 9`` or ``9``. Raises
    :class:`CrosswalkError` for an ID that is not in the framework's catalog.
    """
    fw = framework(name)
    text = re.sub(r"\s+", " ", str(raw)).strip()
    known = ids(fw.key)
    if fw.key == "nist-ai-rmf":
        m = re.fullmatch(r"(?i)(GOVERN|MAP|MEASURE|MANAGE|GV|MP|MS|MG)(?:[ -]?(\d+(?:\.\d+)?))?", text)
        if m:
            prefix = _NIST_FUNCTIONS.get(m.group(1).upper(), m.group(1).upper())
            if m.group(2) is None:
                return [i for i in known if i.startswith(prefix + "-")]
            cid = f"{prefix}-{m.group(2)}"
            if cid in known:
                return [cid]
            if "." not in m.group(2):
                found = [i for i in known if i.startswith(cid + ".")]
                if found:
                    return found
    elif fw.key == "eu-ai-act":
        m = re.fullmatch(r"(?i)(?:art(?:icle)?\.? ?)?(\d+)(?:\(.*\))?", text)
        if m and f"Art. {int(m.group(1))}" in known:
            return [f"Art. {int(m.group(1))}"]
    elif text in known:
        return [text]
    from aimskit.base.problems import suggest

    raise CrosswalkError(f"'{raw}' is not an ID of {fw.title}{suggest(text, known)}")


def table(source: str, target: str) -> pd.DataFrame:
    """The crosswalk between ISO 42001 and another framework, oriented from ``source`` to
    ``target`` (relationship inverted when read backwards: subset <-> superset)."""
    src, dst = framework(source), framework(target)
    if PIVOT not in (src.key, dst.key) or src.key == dst.key:
        raise CrosswalkError(
            f"no crosswalk table between {src.title} and {dst.title}: every table has ISO/IEC 42001 on one side "
            "(use map_ids for a two-hop mapping through ISO/IEC 42001)"
        )
    other = dst if src.key == PIVOT else src
    assert other.table is not None
    df = catalog.load(other.table)
    forward = src.key == PIVOT
    out = pd.DataFrame(
        {
            "from_id": df["iso42001_id"] if forward else df["target_id"],
            "to_id": df["target_id"] if forward else df["iso42001_id"],
            "detail": df["target_detail"],
            "relationship": df["relationship"] if forward else df["relationship"].map(_INVERSE),
            "relationship_basis": df["relationship_basis"],
            "source_kind": df["source_kind"],
            "source": df["source"],
            "rationale": df["rationale"],
            "from_edition": df["iso42001_edition"] if forward else df["target_edition"],
            "to_edition": df["target_edition"] if forward else df["iso42001_edition"],
            "published_ref": df["published_ref"],
            "note": df["note"],
        }
    )
    return out


def _hops(source: str, target: str, from_ids: list[str]) -> list[dict]:
    rows: list[dict] = []
    direct = table(source, target)
    for fid in from_ids:
        part = direct[direct["from_id"] == fid]
        for r in part.to_dict(orient="records"):
            rows.append(
                {
                    "from_id": fid,
                    "to_id": r["to_id"],
                    "detail": r["detail"],
                    "hops": 1,
                    "path": "direct",
                    "via": "",
                    "chain": f"{fid} -> {r['to_id']}",
                    "relationship": r["relationship"],
                    "hop1_relationship": r["relationship"],
                    "hop1_source_kind": r["source_kind"],
                    "hop1_source": r["source"],
                    "hop1_rationale": r["rationale"],
                    "hop2_relationship": "",
                    "hop2_source_kind": "",
                    "hop2_source": "",
                    "hop2_rationale": "",
                    "editions": f"{r['from_edition']} -> {r['to_edition']}",
                }
            )
    return rows


def map_ids(from_ids: Iterable[str], source: str, target: str) -> pd.DataFrame:
    """Map IDs of framework ``source`` to framework ``target``: one row per (ID, target ID, chain).

    A direct mapping (one side is ISO 42001) has ``hops`` 1. Otherwise each row is a chain
    ``source ID -> ISO 42001 requirement -> target ID`` with ``hops`` 2 and ``path``
    :data:`TWO_HOPS`; both hops' relationships and sources are kept and no relationship is
    inferred. ``detail`` is the narrower reference on the non-ISO side (an EU AI Act paragraph).
    An input ID with no mapping gets one row with an empty ``to_id`` and path
    ``no mapping``. Duplicate published rows are kept once per chain.
    """
    src, dst = framework(source), framework(target)
    if src.key == dst.key:
        raise CrosswalkError("the source and target frameworks are the same")
    wanted: list[str] = []
    for raw in from_ids:
        for cid in normalise(src.key, raw):
            if cid not in wanted:
                wanted.append(cid)
    rows: list[dict] = []
    if PIVOT in (src.key, dst.key):
        rows = _hops(src.key, dst.key, wanted)
    else:
        first = _hops(src.key, PIVOT, wanted)
        second = table(PIVOT, dst.key)
        for h in first:
            for r in second[second["from_id"] == h["to_id"]].to_dict(orient="records"):
                rows.append(
                    {
                        **h,
                        "to_id": r["to_id"],
                        "detail": "; ".join(d for d in (h["detail"], r["detail"]) if d),
                        "hops": 2,
                        "path": TWO_HOPS,
                        "via": h["to_id"],
                        "chain": f"{h['from_id']} -> {h['to_id']} -> {r['to_id']}",
                        "relationship": "not inferred (two hops)",
                        "hop2_relationship": r["relationship"],
                        "hop2_source_kind": r["source_kind"],
                        "hop2_source": r["source"],
                        "hop2_rationale": r["rationale"],
                        "editions": f"{h['editions']} -> {r['to_edition']}",
                    }
                )
    mapped = {r["from_id"] for r in rows}
    for fid in wanted:
        if fid not in mapped:
            rows.append({"from_id": fid, "to_id": "", "hops": 0, "path": "no mapping", "chain": f"{fid} -> (none)"})
    df = pd.DataFrame(rows, dtype=object).reindex(columns=COLUMNS) if rows else pd.DataFrame(columns=COLUMNS)
    df = df.astype(object).where(df.notna(), "")
    df["from_framework"] = src.key
    df["to_framework"] = dst.key
    df["hops"] = df["hops"].astype(int) if not df.empty else df["hops"]
    df = df.drop_duplicates(subset=["from_id", "to_id", "detail", "chain"]).reset_index(drop=True)
    order = {fid: n for n, fid in enumerate(wanted)}
    if not df.empty:
        df["_o"] = df["from_id"].map(order)
        df["_k"] = df["to_id"].map(natural_key)
        df = df.sort_values(["_o", "hops", "_k"], kind="stable").drop(columns=["_o", "_k"]).reset_index(drop=True)
    return df


def full(source: str, target: str) -> pd.DataFrame:
    """Every ID of ``source`` mapped to ``target`` (what ``aimskit catalog crosswalk FROM TO`` prints)."""
    return map_ids(ids(source), source, target)
