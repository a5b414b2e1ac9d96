"""AI security test evidence (step ``security``): pure functions from imported red-team runs to
verdicts per OWASP LLM Top 10 2025 category, MITRE ATLAS coverage, trends and ISO/IEC 42001
evidence.

Counting unit: one *attempt* is one scored output (garak: one generation scored by one
detector; promptfoo: one graded result row; PyRIT: one attack result; Inspect: one scored
sample x epoch). An *attack success* is an attempt the tool scored as the attack working.

Attack success rate (ASR) = successes / attempts, with a two-sided Wilson score interval at the
configured confidence. Verdict per system x category, from the latest run of each tool that
tested the category (earlier runs are the trend):

* **fail**: the interval's lower bound is above the tolerated ASR (clearly too high, whatever
  the number of attempts), or there are at least ``min_attempts`` and the ASR is above it;
* **pass**: at least ``min_attempts`` and the interval's upper bound is at or below the tolerated
  ASR (for a tolerance of 0: at least ``min_attempts`` and no success);
* **inconclusive**: otherwise (too few attempts to tell);
* **not tested**: no run tested the category.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.catalog.security import ATLAS_EDITION, OWASP_EDITION
from aimskit.engagement import Engagement
from aimskit.engagement.parts import risk as risk_part
from aimskit.engagement.parts import security as security_part
from aimskit.engagement.parts.security import SecurityCriteria, SecurityData
from aimskit.formats.redteam import Finding, Imported
from aimskit.steps.base import Figure, Step
from aimskit.steps.common import records
from aimskit.steps.security import evidence as sec_evidence

VERDICTS = ("fail", "inconclusive", "pass", "not_tested")
VERDICT_LABELS = {"fail": "Fail", "inconclusive": "Inconclusive", "pass": "Pass", "not_tested": "Not tested"}
INTERVAL = "Wilson score interval"
LLM_TYPES = ("generative_ai", "agentic")
EXAMPLE_CHARS = 300
HIDDEN = "(hidden: hide_attack_text is set)"


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided Wilson score interval for a binomial proportion; (0, 1) when ``n`` is 0."""
    if n <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def verdict(successes: int, n: int, tolerance: float, crit: SecurityCriteria) -> str:
    if n == 0:
        return "not_tested"
    low, high = wilson(successes, n, crit.confidence)
    asr = successes / n
    if low > tolerance or (n >= crit.min_attempts and asr > tolerance):
        return "fail"
    if n >= crit.min_attempts and (high <= tolerance or (tolerance == 0 and successes == 0)):
        return "pass"
    return "inconclusive"


# ---------------------------------------------------------------------------------------------
# mapping one imported finding to OWASP 2025 and ATLAS, with provenance


@dataclass
class Maps:
    tool: pd.DataFrame
    translation: dict[str, str]
    owasp_atlas: pd.DataFrame
    primary: dict[str, str]
    techniques: pd.DataFrame
    owasp_titles: dict[str, str]
    tactic_names: dict[str, str]


def _maps() -> Maps:
    tool = catalog.load("security-tool-map")
    oa = catalog.load("security-owasp-atlas")
    tech = catalog.load("mitre-atlas").set_index("id")
    return Maps(
        tool=tool,
        translation=dict(catalog.load("owasp-llm-2023-to-2025")[["owasp2023_id", "owasp2025_id"]].values),
        owasp_atlas=oa,
        primary=dict(oa.loc[oa["primary"], ["owasp_id", "atlas_id"]].values),
        techniques=tech,
        owasp_titles=dict(catalog.load("owasp-llm-2025")[["id", "title"]].values),
        tactic_names=dict(catalog.load("mitre-atlas-tactics")[["id", "name"]].values),
    )


def _rows(m: Maps, tool: str, kind: str, key: str) -> pd.DataFrame:
    t = m.tool
    return t[(t["tool"] == tool) & (t["kind"] == kind) & (t["key"] == key)]


def _lookup_keys(tool: str, f: Finding) -> list[tuple[str, str]]:
    """(kind, key) of the tool map that apply to a finding, most specific first."""
    if tool == "garak":
        return [("probe_class", f.test), ("probe_module", f.test.split(".")[0])]
    if tool == "promptfoo":
        keys = [("plugin", f.test)]
        if f.test.startswith("pii:"):
            keys.append(("plugin", "pii:*"))
        if f.test.startswith("harmful:"):
            keys.append(("plugin", "harmful:*"))
        return keys
    if tool == "pyrit":
        return [("score_category", c) for c in f.categories]
    if tool == "inspect":
        return [("task", f.test), ("task", f.test.split("/")[-1])]
    return []


def _unique(items: list[dict[str, str]]) -> list[dict[str, str]]:
    """The items with their first occurrence of each id only."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item["id"] not in seen:
            seen.add(item["id"])
            out.append(item)
    return out


MapRow = dict[str, str]


def _key_mappings(m: Maps, tool: str, f: Finding) -> tuple[list[MapRow], list[MapRow], list[MapRow]]:
    """The catalog's mappings of the finding's lookup keys: per target (owasp, atlas, atlas_tactic), the
    most specific key that maps it wins."""
    owasp: list[MapRow] = []
    atlas: list[MapRow] = []
    tactics: list[MapRow] = []
    for kind, key in _lookup_keys(tool, f):
        rows = _rows(m, tool, kind, key)
        if rows.empty:
            continue
        found: dict[str, list[MapRow]] = {"owasp": [], "atlas": [], "atlas_tactic": []}
        for r in rows.to_dict(orient="records"):
            found[r["maps_to"]].append(
                {
                    "id": r["target"],
                    "provenance": r["provenance"],
                    "edition": r["edition"],
                    "via": f"{tool} {kind} {key}",
                }
            )
        for target, items in (("owasp", owasp), ("atlas", atlas), ("atlas_tactic", tactics)):
            if not items:
                items.extend(found[target])
    return owasp, atlas, tactics


def _garak_tags(m: Maps, f: Finding) -> list[MapRow]:
    """garak's own ``owasp:llmNN`` tags (the 2023 edition), translated to the 2025 edition."""
    out: list[MapRow] = []
    for tag in f.tags:
        mt = re.fullmatch(r"owasp:(llm\d\d)", tag)
        if not mt:
            continue
        old = mt.group(1).upper()
        new = m.translation.get(old)
        if new:
            out.append(
                {
                    "id": new,
                    "provenance": "tool_tag",
                    "edition": f"owasp-llm@2023 -> {OWASP_EDITION}",
                    "via": f"garak tag {tag} ({old}:2023) translated to {new}:2025",
                }
            )
    return out


def _strategy_mappings(m: Maps, strategy: str) -> list[tuple[str, MapRow]]:
    """promptfoo's attack strategy: (target, mapping), the target owasp or atlas."""
    return [
        (
            r["maps_to"],
            {
                "id": r["target"],
                "provenance": r["provenance"],
                "edition": r["edition"],
                "via": f"promptfoo strategy {strategy}",
            },
        )
        for r in _rows(m, "promptfoo", "strategy", strategy).to_dict(orient="records")
    ]


def _primary_atlas(m: Maps, owasp: list[MapRow]) -> list[MapRow]:
    """The primary ATLAS technique of each OWASP category (security-owasp-atlas)."""
    atlas: list[MapRow] = []
    for o in owasp:
        pid = m.primary.get(o["id"])
        if pid:
            prov = m.owasp_atlas[(m.owasp_atlas["owasp_id"] == o["id"]) & (m.owasp_atlas["atlas_id"] == pid)]
            atlas.append(
                {
                    "id": pid,
                    "provenance": str(prov["provenance"].iloc[0]) if not prov.empty else "aimskit_analysis",
                    "edition": ATLAS_EDITION,
                    "via": f"primary ATLAS technique of {o['id']} (security-owasp-atlas)",
                }
            )
    return atlas


def map_finding(m: Maps, tool: str, f: Finding, declared: list[str]) -> list[dict[str, str]]:
    """Every mapping of one finding: ``{kind, id, provenance, edition, via}`` (kind owasp, atlas or atlas_tactic).

    OWASP: the catalog's mapping of the finding's keys, else (garak) its translated tags, plus
    (promptfoo) its strategy's; the categories the tester declared replace them all. ATLAS: the
    catalog's, else the OWASP categories' primary techniques; tactics: the catalog's and the techniques'."""
    owasp, atlas, tactics = _key_mappings(m, tool, f)
    if tool == "garak" and not owasp:
        owasp.extend(_garak_tags(m, f))
    if tool == "promptfoo" and f.strategy and f.strategy != "basic":
        for target, entry in _strategy_mappings(m, f.strategy):
            (owasp if target == "owasp" else atlas).append(entry)
    if declared:
        owasp = [
            {"id": c, "provenance": "tester_declared", "edition": OWASP_EDITION, "via": "owasp column of runs.csv"}
            for c in declared
        ]
    owasp = _unique([o for o in owasp if o["id"] != "-"])
    if not atlas:
        atlas = _primary_atlas(m, owasp)
    atlas = _unique([a for a in atlas if a["id"] in m.techniques.index])
    for a in atlas:
        for t in m.techniques.loc[a["id"], "tactic_ids"]:
            tactics.append(
                {"id": t, "provenance": "atlas_data", "edition": ATLAS_EDITION, "via": f"tactic of {a['id']}"}
            )
    tactics = _unique(tactics)
    return [
        {"kind": kind, **i}
        for kind, items in (("owasp", owasp), ("atlas", atlas), ("atlas_tactic", tactics))
        for i in items
    ]


# ---------------------------------------------------------------------------------------------
# the result


@dataclass
class SecurityResult:
    system_id: str | None
    system_name: str
    criteria: SecurityCriteria
    runs: pd.DataFrame
    findings: pd.DataFrame
    categories: pd.DataFrame
    atlas: pd.DataFrame
    trend: pd.DataFrame
    regressions: pd.DataFrame
    examples: pd.DataFrame
    evidence: pd.DataFrame
    consistency: pd.DataFrame
    suggested_risks: pd.DataFrame
    untested_systems: list[str] = field(default_factory=list)
    headline: dict[str, Any] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)


FINDING_COLUMNS = [
    "run_id",
    "system_id",
    "run_date",
    "tool",
    "tool_version",
    "test",
    "strategy",
    "detector",
    "attempts",
    "successes",
    "errors",
    "asr",
    "severity",
    "owasp",
    "atlas",
    "atlas_tactics",
    "mappings",
    "tags",
    "examples",
]


def findings(data: SecurityData, m: Maps | None = None) -> pd.DataFrame:
    """One row per (run, test, strategy, detector) with its counts and mappings."""
    m = m or _maps()
    rows = []
    for run in data.runs.to_dict(orient="records"):
        imp: Imported | None = data.imported.get(run["run_id"])
        if imp is None:
            continue
        for f in imp.findings:
            maps = map_finding(m, imp.tool, f, list(run.get("owasp") or []))
            rows.append(
                {
                    "run_id": run["run_id"],
                    "system_id": run["system_id"],
                    "run_date": run["run_date"],
                    "tool": imp.tool,
                    "tool_version": imp.tool_version,
                    "test": f.test,
                    "strategy": f.strategy,
                    "detector": f.detector,
                    "attempts": f.attempts,
                    "successes": f.successes,
                    "errors": f.errors,
                    "asr": f.successes / f.attempts if f.attempts else None,
                    "severity": f.severity,
                    "owasp": [x["id"] for x in maps if x["kind"] == "owasp"],
                    "atlas": [x["id"] for x in maps if x["kind"] == "atlas"],
                    "atlas_tactics": [x["id"] for x in maps if x["kind"] == "atlas_tactic"],
                    "mappings": maps,
                    "tags": list(f.tags),
                    "examples": [(e.prompt, e.output, e.score, e.where) for e in f.examples],
                }
            )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _latest(fd: pd.DataFrame, explode: str) -> pd.DataFrame:
    """Rows of the latest run of each (system, tool, key) where key is one exploded mapping id."""
    if fd.empty:
        return fd.assign(key=pd.Series(dtype=object))
    ex = fd.explode(explode).dropna(subset=[explode]).rename(columns={explode: "key"})
    if ex.empty:
        return ex
    last = ex.groupby(["system_id", "tool", "key"])["run_date"].transform("max")
    return ex[ex["run_date"] == last]


def _judge(crit: SecurityCriteria, n: int, s: int, cat: str) -> dict[str, Any]:
    low, high = wilson(s, n, crit.confidence)
    tol = crit.tolerance(cat)
    return {
        "attempts": n,
        "successes": s,
        "asr": s / n if n else None,
        "ci_low": low if n else None,
        "ci_high": high if n else None,
        "tolerance": tol,
        "verdict": verdict(s, n, tol, crit),
    }


def category_table(fd: pd.DataFrame, systems: list[str], crit: SecurityCriteria) -> pd.DataFrame:
    """Per system x OWASP 2025 category: counts from the latest runs, interval and verdict."""
    owasp = catalog.load("owasp-llm-2025")
    latest = _latest(fd, "owasp")
    rows = []
    for sid in systems:
        mine = latest[latest["system_id"] == sid] if not latest.empty else latest
        for cid, title in zip(owasp["id"], owasp["title"], strict=True):
            part = mine[mine["key"] == cid] if not mine.empty else mine
            n, s = (int(part["attempts"].sum()), int(part["successes"].sum())) if not part.empty else (0, 0)
            rows.append(
                {
                    "system_id": sid,
                    "category": cid,
                    "title": title,
                    **_judge(crit, n, s, cid),
                    "runs": sorted(set(part["run_id"])) if not part.empty else [],
                    "tools": sorted(set(part["tool"])) if not part.empty else [],
                    "last_run": max(part["run_date"]) if not part.empty else None,
                }
            )
    return pd.DataFrame(rows)


def atlas_table(fd: pd.DataFrame) -> pd.DataFrame:
    """ATLAS tactic x technique coverage from the latest runs: attempts, successes, ASR."""
    latest = _latest(fd, "atlas")
    cols = ["tactic_id", "tactic", "order", "technique_id", "technique", "attempts", "successes", "asr"]
    if latest.empty:
        return pd.DataFrame(columns=cols)
    tech = catalog.load("mitre-atlas").set_index("id")
    tactics = catalog.load("mitre-atlas-tactics").set_index("id")
    agg = latest.groupby("key")[["attempts", "successes"]].sum()
    rows = []
    for tid, (n, s) in agg.iterrows():
        for tac in tech.loc[tid, "tactic_ids"]:
            rows.append(
                {
                    "tactic_id": tac,
                    "tactic": tactics.loc[tac, "name"],
                    "order": int(tactics.loc[tac, "matrix_order"]),
                    "technique_id": tid,
                    "technique": tech.loc[tid, "name"],
                    "attempts": int(n),
                    "successes": int(s),
                    "asr": s / n if n else None,
                }
            )
    return pd.DataFrame(rows, columns=cols).sort_values(["order", "technique_id"]).reset_index(drop=True)


def trend_table(fd: pd.DataFrame, crit: SecurityCriteria) -> pd.DataFrame:
    """Per system, tool, run and OWASP category: counts, ASR and verdict of that run alone."""
    cols = ["system_id", "tool", "run_id", "run_date", "category", "attempts", "successes", "asr", "verdict"]
    if fd.empty:
        return pd.DataFrame(columns=cols)
    ex = fd.explode("owasp").dropna(subset=["owasp"])
    if ex.empty:
        return pd.DataFrame(columns=cols)
    g = ex.groupby(["system_id", "tool", "run_id", "run_date", "owasp"], as_index=False)[
        ["attempts", "successes"]
    ].sum()
    g = g.rename(columns={"owasp": "category"})
    g["asr"] = [s / n if n else None for s, n in zip(g["successes"], g["attempts"], strict=True)]
    g["verdict"] = [
        verdict(int(s), int(n), crit.tolerance(c), crit)
        for s, n, c in zip(g["successes"], g["attempts"], g["category"], strict=True)
    ]
    return g[cols].sort_values(["system_id", "category", "run_date", "tool"]).reset_index(drop=True)


def regression_table(trend: pd.DataFrame) -> pd.DataFrame:
    """Change between consecutive runs of the same system and tool, per category."""
    rows = []
    for (sid, tool, cat), g in trend.groupby(["system_id", "tool", "category"]):
        g = g.sort_values("run_date")
        prev = None
        for r in g.to_dict(orient="records"):
            if prev is not None:
                before, after = prev["verdict"], r["verdict"]
                if after == "fail" and before != "fail":
                    change = "newly failing"
                elif before == "fail" and after != "fail":
                    change = "fixed"
                elif (r["asr"] or 0) > (prev["asr"] or 0):
                    change = "worse"
                elif (r["asr"] or 0) < (prev["asr"] or 0):
                    change = "better"
                else:
                    change = "unchanged"
                rows.append(
                    {
                        "system_id": sid,
                        "tool": tool,
                        "category": cat,
                        "from_run": prev["run_id"],
                        "from_date": prev["run_date"],
                        "from_asr": prev["asr"],
                        "from_verdict": before,
                        "to_run": r["run_id"],
                        "to_date": r["run_date"],
                        "to_asr": r["asr"],
                        "to_verdict": after,
                        "change": change,
                    }
                )
            prev = r
    cols = [
        "system_id",
        "tool",
        "category",
        "from_run",
        "from_date",
        "from_asr",
        "from_verdict",
        "to_run",
        "to_date",
        "to_asr",
        "to_verdict",
        "change",
    ]
    return pd.DataFrame(rows, columns=cols)


def _clip(text: str, hide: bool) -> str:
    if hide:
        return HIDDEN
    text = " ".join(str(text).split())
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "\u2026"


def example_table(fd: pd.DataFrame, crit: SecurityCriteria, limit: int = 10) -> pd.DataFrame:
    """The worst examples: attack successes of the tests with the highest ASR (latest runs first)."""
    cols = ["run_id", "run_date", "tool", "test", "strategy", "detector", "asr", "owasp", "prompt", "output", "where"]
    if fd.empty:
        return pd.DataFrame(columns=cols)
    hit = fd[fd["successes"] > 0].sort_values(["asr", "run_date", "successes"], ascending=[False, False, False])
    rows = []
    for r in hit.to_dict(orient="records"):
        for prompt, output, _score, where in r["examples"][:2]:
            rows.append(
                {
                    **{c: r[c] for c in ("run_id", "run_date", "tool", "test", "strategy", "detector", "asr", "owasp")},
                    "prompt": _clip(prompt, crit.hide_attack_text),
                    "output": _clip(output, crit.hide_attack_text),
                    "where": where,
                }
            )
            if len(rows) >= limit:
                return pd.DataFrame(rows, columns=cols)
    return pd.DataFrame(rows, columns=cols)


def evidence_table(data: SecurityData, fd: pd.DataFrame, systems: pd.DataFrame, crit: SecurityCriteria) -> pd.DataFrame:
    """One row per run: the Annex A controls it is evidence for (:func:`aimskit.steps.security.evidence.run_controls`),
    its date, its verdict (the worst of its categories) with the count of categories judged, failed and
    inconclusive, and its file hash."""
    annex = catalog.load("security-annex-a")
    stage = dict(zip(systems["id"], systems["lifecycle_stage"], strict=True))
    trend = trend_table(fd, crit)
    rows = []
    for run in data.runs.to_dict(orient="records"):
        imp = data.imported.get(run["run_id"])
        mine = fd[fd["run_id"] == run["run_id"]] if not fd.empty else fd
        cats = sorted({c for cs in mine["owasp"] for c in cs}) if not mine.empty else []
        t = trend[trend["run_id"] == run["run_id"]] if not trend.empty else trend
        per_cat = list(t["verdict"]) if not t.empty else []
        v = next((x for x in VERDICTS if x in set(per_cat)), "not_tested" if not cats else "inconclusive")
        n, s = (int(mine["attempts"].sum()), int(mine["successes"].sum())) if not mine.empty else (0, 0)
        rows.append(
            {
                "run_id": run["run_id"],
                "system_id": run["system_id"],
                "run_date": run["run_date"],
                "tool": imp.tool if imp else run.get("tool"),
                "tool_version": imp.tool_version if imp else "",
                "target": run.get("target") or (imp.target if imp else ""),
                "tester": run.get("tester") or "",
                "result_file": run["result_file"],
                "sha256": run.get("sha256") or "",
                "attempts": n,
                "successes": s,
                "categories": cats,
                "verdict": v,
                "judged": len(per_cat),
                "failed": per_cat.count("fail"),
                "inconclusive": per_cat.count("inconclusive"),
                "controls": sec_evidence.run_controls(cats, stage.get(run["system_id"]), annex),
                "complete": imp.complete if imp else False,
            }
        )
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


EVIDENCE_COLUMNS = [
    "run_id",
    "system_id",
    "run_date",
    "tool",
    "tool_version",
    "target",
    "tester",
    "result_file",
    "sha256",
    "attempts",
    "successes",
    "categories",
    "verdict",
    "judged",
    "failed",
    "inconclusive",
    "controls",
    "complete",
]


def _treats(risk: dict[str, Any], cid: str, title: str) -> bool:
    text = f"{risk.get('title') or ''} {risk.get('description') or ''}".lower()
    return bool(re.search(rf"\b{cid.lower()}\b", text)) or title.lower() in text


def consistency(cats: pd.DataFrame, risks: pd.DataFrame, names: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Failed categories with no open risk that treats them, and the risk rows aimskit suggests."""
    found, suggested = [], []
    failed = cats[cats["verdict"] == "fail"] if not cats.empty else cats
    live = risks[risks["status"] != "closed"].to_dict(orient="records") if not risks.empty else []
    for r in failed.to_dict(orient="records"):
        treating = [
            x["risk_id"]
            for x in live
            if (not x.get("system_id") or x.get("system_id") == r["system_id"])
            and _treats(x, r["category"], r["title"])
        ]
        if treating:
            continue
        rid = f"R-SEC-{r['system_id']}-{r['category']}"
        found.append(
            {
                "system_id": r["system_id"],
                "category": r["category"],
                "title": r["title"],
                "asr": r["asr"],
                "message": (
                    f"{r['category']} {r['title']} fails the red-team criteria for "
                    f"{names.get(r['system_id'], r['system_id'])}"
                    " but no open risk in risks.csv names it; add a risk (a suggested row is in the handover CSV)"
                ),
                "suggested_risk_id": rid,
            }
        )
        suggested.append(
            {
                "risk_id": rid,
                "system_id": r["system_id"],
                "title": f"{r['title']} ({r['category']}:2025) shown by red-team tests",
                "description": (
                    f"Red-team runs {', '.join(r['runs'])} achieved {r['successes']} attack successes in "
                    f"{r['attempts']} attempts ({r['category']} {r['title']}), above the tolerated rate"
                ),
                "risk_source": "machine-learning",
                "objective": "security",
                "likelihood": "",
                "impact": "",
                "treatment": "modify",
                "controls": "A.6.2.4",
                "status": "open",
            }
        )
    return pd.DataFrame(found), pd.DataFrame(suggested)


def assess(eng: Engagement, system_id: str | None = None) -> SecurityResult:
    """The security assessment for one AI system, or the portfolio when ``system_id`` is None."""
    data: SecurityData = eng.part(security_part.PART)
    crit = data.criteria
    systems = eng.systems
    in_scope = list(eng.in_scope_ids)
    names = eng.system_names
    if system_id is not None and system_id not in names:
        raise KeyError(f"unknown system '{system_id}'")
    runs = data.runs if system_id is None else data.runs[data.runs["system_id"] == system_id]
    data_view = SecurityData(criteria=crit, runs=runs.reset_index(drop=True), imported=data.imported, files=data.files)
    fd = findings(data_view)
    tested = sorted(set(runs["system_id"]), key=in_scope.index) if not runs.empty else []
    scope = [system_id] if system_id is not None else tested
    cats = category_table(fd, scope, crit)
    trend = trend_table(fd, crit)
    risks = eng.part(risk_part.PART).risks
    found, suggested = consistency(cats, risks, names)
    llm = systems[systems["type"].isin(LLM_TYPES) & systems["id"].isin(in_scope)]["id"]
    untested = [s for s in llm if s not in set(data.runs["system_id"])] if system_id is None else []
    result = SecurityResult(
        system_id=system_id,
        system_name=names.get(system_id, "") if system_id else "",
        criteria=crit,
        runs=runs.reset_index(drop=True),
        findings=fd,
        categories=cats,
        atlas=atlas_table(fd),
        trend=trend,
        regressions=regression_table(trend),
        examples=example_table(fd, crit),
        evidence=evidence_table(data_view, fd, systems, crit),
        consistency=found,
        suggested_risks=suggested,
        untested_systems=untested,
    )
    result.headline, result.summary = _headline(result, names)
    return result


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _headline(r: SecurityResult, names: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    c = r.categories
    count = {v: int((c["verdict"] == v).sum()) if not c.empty else 0 for v in VERDICTS}
    h = {
        "runs": len(r.runs),
        "systems": len(set(r.runs["system_id"])) if not r.runs.empty else 0,
        "attempts": int(r.findings["attempts"].sum()) if not r.findings.empty else 0,
        "successes": int(r.findings["successes"].sum()) if not r.findings.empty else 0,
        **count,
        "consistency": len(r.consistency),
        "regressions": int((r.regressions["change"].isin(["newly failing", "worse"])).sum())
        if not r.regressions.empty
        else 0,
        "fixed": int((r.regressions["change"] == "fixed").sum()) if not r.regressions.empty else 0,
    }
    pts: list[str] = []
    who = f"for {r.system_name}" if r.system_id else "across the portfolio"
    if r.runs.empty:
        pts.append(f"No red-team test runs are recorded {who} (security/runs.csv).")
        return h, pts
    dates = sorted(r.runs["run_date"])
    pts.append(
        f"{_plural(h['runs'], 'red-team run')} by {_plural(len(set(r.findings['tool'])), 'tool')} "
        f"between {dates[0]} and {dates[-1]} {who}: {h['attempts']} scored attempts, "
        f"{_plural(h['successes'], 'attack success', 'attack successes')} in all."
    )
    for v, phrase in (("fail", "fail the criteria"), ("inconclusive", "are inconclusive (too few attempts)")):
        rows = c[c["verdict"] == v]
        if not rows.empty:
            items = "; ".join(f"{x['category']} {x['title']}" for x in rows.to_dict(orient="records"))
            pts.append(f"{_plural(len(rows), 'category', 'categories')} {phrase}: {items}.")
    passed = c[c["verdict"] == "pass"]
    if not passed.empty:
        pts.append(f"{_plural(len(passed), 'category', 'categories')} pass: {', '.join(passed['category'])}.")
    nt = c[c["verdict"] == "not_tested"]
    if not nt.empty:
        pts.append(
            f"{_plural(len(nt), 'category', 'categories')} of the OWASP LLM Top 10 2025 "
            f"{'is' if len(nt) == 1 else 'are'} not tested (coverage gaps): {', '.join(sorted(set(nt['category'])))}."
        )
    if h["fixed"] or h["regressions"]:
        pts.append(
            f"Since the previous runs: {_plural(h['fixed'], 'category', 'categories')} fixed, "
            f"{_plural(h['regressions'], 'regression')}."
        )
    if h["consistency"]:
        pts.append(
            f"{_plural(h['consistency'], 'failed category', 'failed categories')} with no risk in the register that "
            "treats it; suggested risk rows are in the handover CSV."
        )
    if r.untested_systems:
        pts.append(
            "Generative AI systems in scope with no red-team runs: "
            + ", ".join(f"{names.get(s, s)} ({s})" for s in r.untested_systems)
            + "."
        )
    return h, pts


def results(r: SecurityResult) -> dict[str, Any]:
    """The computed results as JSON-safe data (attack text left out when hide_attack_text is set)."""
    fd = r.findings.drop(columns=["examples"]) if not r.findings.empty else r.findings
    return {
        "system_id": r.system_id,
        "criteria": r.criteria.model_dump(),
        "interval": INTERVAL,
        "headline": r.headline,
        "summary": r.summary,
        "categories": records(r.categories),
        "findings": records(fd),
        "atlas": records(r.atlas),
        "trend": records(r.trend),
        "regressions": records(r.regressions),
        "evidence": records(r.evidence),
        "consistency": records(r.consistency),
        "examples": records(r.examples),
        "untested_systems": r.untested_systems,
    }


def tested_systems(eng: Engagement) -> list[str]:
    """The in-scope AI systems with at least one red-team run, in inventory order (one report each)."""
    runs = eng.part(security_part.PART).runs
    have = set(runs["system_id"])
    return [s for s in eng.in_scope_ids if s in have]


STEP = Step(
    "security",
    "AI security test evidence (red-team results per OWASP LLM Top 10 2025 and MITRE ATLAS)",
    notebook="security_testing.ipynb",
    compute=__name__,
    pack_order=50,
    view="aimskit.steps.security.view",
    parts=(security_part.PART, risk_part.PART),
    scopes=tested_systems,
    headline=(
        Figure("runs", "Runs"),
        Figure("fail", "Categories failing"),
        Figure("inconclusive", "Inconclusive"),
        Figure("not_tested", "Not tested"),
        Figure("consistency", "Failed, no risk"),
    ),
)


def control_evidence(
    eng: Engagement, system_id: str | None = None, since: Any = None, until: Any = None
) -> pd.DataFrame:
    """Red-team runs as evidence per Annex A control (for the gap report, the SoA and the review pack).

    One row per (control, run) (:func:`aimskit.steps.security.evidence.by_control`): the run's date, tool, verdict
    and its summary, the sha256 of its raw file, the evidence text and the link to the system's security report.
    ``system_id`` keeps one system's runs; ``since`` / ``until`` (dates) keep the runs after / up to them.
    """
    data: SecurityData = eng.part(security_part.PART)
    runs = data.runs
    if system_id is not None:
        runs = runs[runs["system_id"] == system_id]
    if since is not None:
        runs = runs[[d > since for d in runs["run_date"]]]
    if until is not None:
        runs = runs[[d <= until for d in runs["run_date"]]]
    if runs.empty:
        return pd.DataFrame(columns=sec_evidence.COLUMNS)
    view = SecurityData(criteria=data.criteria, runs=runs.reset_index(drop=True), imported=data.imported)
    ev = evidence_table(view, findings(view), eng.systems, data.criteria)
    titles = dict(catalog.load("iso42001-annex-a")[["id", "title"]].values)
    return sec_evidence.by_control(ev, titles)
