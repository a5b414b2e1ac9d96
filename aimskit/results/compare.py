"""What changed between two runs of the same engagement, from their results JSON and manifests.

:func:`compare` reads two output folders of ``aimskit run`` and returns a :class:`Comparison`: the
inputs that changed (manifest hashes), conformity and maturity by clause and Annex A objective,
requirements whose status changed (organisation and per AI system), risks added, removed, closed and
re-rated, residual risk above appetite, Statement of Applicability changes, new and closed audit
findings and nonconformities, EU AI Act tier changes and red-team verdict changes (when both runs have
security results). :func:`write` renders it as ``compare.html`` (dumbbell charts, plotly offline)
and ``compare.json``.

Two runs of different organisations are refused, and so are runs whose requirement or Annex A
control sets differ (incompatible catalog versions); a different catalog version with the same IDs
is compared, with a warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aimskit.base.fileio import atomic_write_text
from aimskit.base.ids import natural_key
from aimskit.base.problems import AimskitError
from aimskit.results.oscal import OscalError, Run, read_run

STATUS_WORDS = {
    "compliant": "compliant",
    "partially_compliant": "partially compliant",
    "non_compliant": "non-compliant",
    "not_applicable": "not applicable",
    "not_assessed": "not assessed",
}
NCS = "nonconformities"
STATUS_RANK = {"non_compliant": 0, "partially_compliant": 1, "compliant": 2}


class CompareError(AimskitError):
    """The two runs cannot be compared (different engagements, incompatible catalogs, missing results)."""


@dataclass
class Comparison:
    old: dict[str, Any]  # identity of each run: organisation, assessment date, versions, folder
    new: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)  # file, change (added/removed/changed)
    headline: list[dict[str, Any]] = field(default_factory=list)  # report, figure, old, new, change
    by_clause: list[dict[str, Any]] = field(default_factory=list)
    by_objective: list[dict[str, Any]] = field(default_factory=list)
    systems: list[dict[str, Any]] = field(default_factory=list)  # per AI system: conformity old/new
    requirements: list[dict[str, Any]] = field(default_factory=list)  # scope, id, title, old, new, direction
    risks: list[dict[str, Any]] = field(default_factory=list)  # risk_id, change, details
    residual_above: list[dict[str, Any]] = field(default_factory=list)
    soa: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    tiers: list[dict[str, Any]] = field(default_factory=list)
    security: list[dict[str, Any]] = field(default_factory=list)
    has_security: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "warnings": self.warnings,
            "summary": summary(self),
            "inputs_changed": self.inputs,
            "headline": self.headline,
            "conformity_by_clause": self.by_clause,
            "conformity_by_objective": self.by_objective,
            "systems": self.systems,
            "requirements_changed": self.requirements,
            "risks_changed": self.risks,
            "residual_above_appetite": self.residual_above,
            "soa_changed": self.soa,
            "findings_changed": self.findings,
            "eu_ai_act_tiers_changed": self.tiers,
            "security_verdicts_changed": self.security if self.has_security else None,
        }

    def count(self, table: str, change: str) -> int:
        return sum(1 for r in getattr(self, table) if r.get("change") == change)


def _identity(run: Run) -> dict[str, Any]:
    m = run.manifest
    return {
        "folder": str(run.out),
        "organisation": run.organisation,
        "assessment_date": run.assessment_date,
        "aimskit_version": m.get("aimskit_version"),
        "catalog_version": m.get("catalog_version"),
        "started": m.get("started"),
    }


def _load(out: str | Path, which: str) -> Run:
    try:
        return read_run(out)
    except OscalError as exc:
        raise CompareError(f"{which} run: {exc}") from exc


def _ids(run: Run) -> tuple[set[str], set[str]]:
    gap = run.get("gap/organisation") or {}
    reqs = {r["id"] for r in gap.get("requirements", [])}
    soa = {r["control_id"] for r in (run.get("risk/organisation") or {}).get("soa", []) if r.get("origin") == "Annex A"}
    return reqs, soa


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _delta(a: Any, b: Any) -> float | None:
    x, y = _num(a), _num(b)
    return round(y - x, 2) if x is not None and y is not None else None


def _groups(old: list[dict], new: list[dict], mold: list[dict], mnew: list[dict]) -> list[dict[str, Any]]:
    o = {g["group_id"]: g for g in old}
    n = {g["group_id"]: g for g in new}
    mo = {g["group_id"]: g for g in mold}
    mn = {g["group_id"]: g for g in mnew}
    rows = []
    for gid in sorted(set(o) | set(n), key=natural_key):
        g = n.get(gid) or o[gid]
        rows.append(
            {
                "group_id": gid,
                "group_title": g.get("group_title"),
                "conformity_old": (o.get(gid) or {}).get("conformity"),
                "conformity_new": (n.get(gid) or {}).get("conformity"),
                "conformity_change": _delta((o.get(gid) or {}).get("conformity"), (n.get(gid) or {}).get("conformity")),
                "maturity_old": (mo.get(gid) or {}).get("mean_maturity"),
                "maturity_new": (mn.get(gid) or {}).get("mean_maturity"),
                "maturity_change": _delta(
                    (mo.get(gid) or {}).get("mean_maturity"), (mn.get(gid) or {}).get("mean_maturity")
                ),
            }
        )
    return rows


def _direction(a: str | None, b: str | None) -> str:
    if a in STATUS_RANK and b in STATUS_RANK:
        return "improved" if STATUS_RANK[b] > STATUS_RANK[a] else "worsened"
    if b in STATUS_RANK and a not in STATUS_RANK:
        return "newly assessed"
    if a in STATUS_RANK and b not in STATUS_RANK:
        return "no longer assessed" if b == "not_assessed" else "now not applicable"
    return "changed"


def _requirements(old: Run, new: Run) -> list[dict[str, Any]]:
    rows = []
    scopes = sorted(
        {n for n in old.step("gap")} & {n for n in new.step("gap")}, key=lambda n: (n != "gap/organisation", n)
    )
    for name in scopes:
        o = {r["id"]: r for r in old.results[name].get("requirements", [])}
        n = {r["id"]: r for r in new.results[name].get("requirements", [])}
        scope = new.results[name].get("system_id") or "organisation"
        for rid in sorted(set(o) & set(n), key=natural_key):
            a, b = o[rid], n[rid]
            if a.get("status") == b.get("status") and a.get("maturity") == b.get("maturity"):
                continue
            status_changed = a.get("status") != b.get("status")
            rows.append(
                {
                    "scope": scope,
                    "id": rid,
                    "title": b.get("title"),
                    "status_old": a.get("status"),
                    "status_new": b.get("status"),
                    "maturity_old": a.get("maturity"),
                    "maturity_new": b.get("maturity"),
                    "change": _direction(a.get("status"), b.get("status")) if status_changed else "maturity only",
                }
            )
    return rows


def _risks(old: dict, new: dict) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    o = {r["risk_id"]: r for r in old.get("risks", [])}
    n = {r["risk_id"]: r for r in new.get("risks", [])}
    rows = []
    for rid in sorted(set(o) | set(n), key=natural_key):
        a, b = o.get(rid), n.get(rid)
        base = {"risk_id": rid, "system_id": (b or a or {}).get("system_id"), "title": (b or a or {}).get("title")}
        if a is None:
            assert b is not None
            rows.append({**base, "change": "added", "details": f"new risk, inherent score {b.get('inherent_score')}"})
            continue
        if b is None:
            rows.append({**base, "change": "removed", "details": "no longer in the register"})
            continue
        if a.get("status") != "closed" and b.get("status") == "closed":
            rows.append({**base, "change": "closed", "details": f"status {a.get('status')} -> closed"})
        elif a.get("status") == "closed" and b.get("status") != "closed":
            rows.append({**base, "change": "reopened", "details": f"status closed -> {b.get('status')}"})
        parts = []
        for key, label in (("inherent_score", "inherent"), ("residual_score", "residual")):
            if a.get(key) != b.get(key):
                parts.append(f"{label} {_fmt(a.get(key))} -> {_fmt(b.get(key))}")
        if parts:
            rows.append(
                {
                    **base,
                    "change": "re-rated",
                    "details": "; ".join(parts),
                    "inherent_old": a.get("inherent_score"),
                    "inherent_new": b.get("inherent_score"),
                    "residual_old": a.get("residual_score"),
                    "residual_new": b.get("residual_score"),
                }
            )
    above = []
    for rid in sorted(set(o) | set(n), key=natural_key):
        a = bool((o.get(rid) or {}).get("residual_above_appetite"))
        b = bool((n.get(rid) or {}).get("residual_above_appetite"))
        if not a and not b:
            continue
        r = n.get(rid) or o[rid]
        change = "still above" if a and b else ("newly above" if b else "no longer above")
        above.append(
            {
                "risk_id": rid,
                "system_id": r.get("system_id"),
                "title": r.get("title"),
                "residual_new": (n.get(rid) or {}).get("residual_score"),
                "change": change,
            }
        )
    return rows, above


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "-" if v is None else str(v)


def _soa(old: dict, new: dict) -> list[dict[str, Any]]:
    o = {r["control_id"]: r for r in old.get("soa", [])}
    n = {r["control_id"]: r for r in new.get("soa", [])}
    rows = []
    for cid in sorted(set(o) | set(n), key=natural_key):
        a, b = o.get(cid) or {}, n.get(cid) or {}
        changes = []
        for key, label in (
            ("in_soa", "in the SoA"),
            ("applicable", "applicable"),
            ("implementation", "implementation"),
        ):
            if a.get(key) != b.get(key):
                changes.append(f"{label}: {_word(a.get(key))} -> {_word(b.get(key))}")
        if changes:
            rows.append(
                {
                    "control_id": cid,
                    "title": b.get("title") or a.get("title"),
                    "change": "included" if b.get("in_soa") and not a.get("in_soa") else "changed",
                    "details": "; ".join(changes),
                }
            )
    return rows


def _word(v: Any) -> str:
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if v is None or v == "":
        return "none"
    return str(v).replace("_", " ")


def _findings(old: dict, new: dict) -> list[dict[str, Any]]:
    o = {f["finding_id"]: f for f in old.get("findings", [])}
    n = {f["finding_id"]: f for f in new.get("findings", [])}
    rows = []
    for fid in sorted(set(o) | set(n), key=natural_key):
        a, b = o.get(fid), n.get(fid)
        f = b or a or {}
        base = {
            "finding_id": fid,
            "requirement_id": f.get("requirement_id"),
            "grade": f.get("grade"),
            "nonconformity": bool(f.get("nonconformity")),
            "statement": f.get("statement"),
        }
        if a is None:
            assert b is not None
            rows.append({**base, "change": "new", "status_old": None, "status_new": b.get("status")})
        elif b is None:
            rows.append({**base, "change": "removed", "status_old": a.get("status"), "status_new": None})
        elif a.get("open") and not b.get("open"):
            rows.append({**base, "change": "closed", "status_old": a.get("status"), "status_new": b.get("status")})
        elif not a.get("open") and b.get("open"):
            rows.append({**base, "change": "reopened", "status_old": a.get("status"), "status_new": b.get("status")})
        elif a.get("status") != b.get("status") or a.get("grade") != b.get("grade"):
            rows.append({**base, "change": "changed", "status_old": a.get("status"), "status_new": b.get("status")})
    return rows


def _tiers(old: dict, new: dict) -> list[dict[str, Any]]:
    o = {r["system_id"]: r for r in old.get("overview", [])}
    n = {r["system_id"]: r for r in new.get("overview", [])}
    rows = []
    for sid in sorted(set(o) | set(n), key=natural_key):
        a, b = (o.get(sid) or {}).get("tier"), (n.get(sid) or {}).get("tier")
        if a != b:
            rows.append(
                {"system_id": sid, "name": (n.get(sid) or o.get(sid) or {}).get("name"), "tier_old": a, "tier_new": b}
            )
    return rows


def _security(old: Run, new: Run) -> list[dict[str, Any]]:
    def verdicts(run: Run) -> dict[tuple[str, str], str]:
        out = {}
        for res in run.step("security").values():
            for c in res.get("categories", []) or []:
                if c.get("system_id") and c.get("category"):
                    out[(c["system_id"], c["category"])] = c.get("verdict")
        return out

    o, n = verdicts(old), verdicts(new)
    rows = []
    for key in sorted(set(o) | set(n)):
        if o.get(key) != n.get(key):
            rows.append({"system_id": key[0], "category": key[1], "verdict_old": o.get(key), "verdict_new": n.get(key)})
    return rows


def _headline(old: Run, new: Run) -> list[dict[str, Any]]:
    rows = []
    for name in sorted(set(old.results) & set(new.results)):
        if not name.endswith("/organisation"):
            continue
        a, b = old.results[name].get("headline", {}), new.results[name].get("headline", {})
        for key in b:
            if key in a and _num(a[key]) is not None and _num(b[key]) is not None and a[key] != b[key]:
                rows.append(
                    {"report": name, "figure": key, "old": a[key], "new": b[key], "change": _delta(a[key], b[key])}
                )
    return rows


def _inputs(old: Run, new: Run) -> list[dict[str, Any]]:
    a = old.manifest.get("engagement", {}).get("inputs_sha256", {})
    b = new.manifest.get("engagement", {}).get("inputs_sha256", {})
    rows = []
    for f in sorted(set(a) | set(b)):
        if f not in a:
            rows.append({"file": f, "change": "added"})
        elif f not in b:
            rows.append({"file": f, "change": "removed"})
        elif a[f] != b[f]:
            rows.append({"file": f, "change": "changed"})
    ca, cb = old.manifest.get("catalog_files_sha256", {}), new.manifest.get("catalog_files_sha256", {})
    for f in sorted(set(ca) | set(cb)):
        if ca.get(f) != cb.get(f):
            rows.append({"file": f"catalog: {f}", "change": "changed" if f in ca and f in cb else "added or removed"})
    return rows


def compare(old_out: str | Path, new_out: str | Path) -> Comparison:
    """Compare the run in ``old_out`` with the run in ``new_out`` (both output folders of ``aimskit run``)."""
    old, new = _load(old_out, "old"), _load(new_out, "new")
    if old.organisation != new.organisation:
        raise CompareError(
            f"the runs are of different engagements: '{old.organisation}' ({old_out}) and "
            f"'{new.organisation}' ({new_out}); compare two runs of the same organisation"
        )
    (ro, so), (rn, sn) = _ids(old), _ids(new)
    if ro != rn or (so and sn and so != sn):
        diff = sorted((ro ^ rn) | (so ^ sn), key=natural_key)
        raise CompareError(
            f"incompatible catalog versions: {old.manifest.get('catalog_version')} and "
            f"{new.manifest.get('catalog_version')} assess different requirements "
            f"({', '.join(diff[:8])}{' ...' if len(diff) > 8 else ''}); run both with the same aimskit catalog"
        )
    c = Comparison(_identity(old), _identity(new))
    if old.manifest.get("catalog_version") != new.manifest.get("catalog_version"):
        c.warnings.append(
            f"The catalog version changed ({old.manifest.get('catalog_version')} -> "
            f"{new.manifest.get('catalog_version')}); the requirement IDs are the same, so the runs are compared by ID."
        )
    if old.assessment_date > new.assessment_date:
        c.warnings.append(
            f"The 'old' run has the later assessment date ({old.assessment_date} after {new.assessment_date}): "
            "are the arguments the wrong way round?"
        )
    c.inputs = _inputs(old, new)
    c.headline = _headline(old, new)
    go, gn = old.results["gap/organisation"], new.results["gap/organisation"]
    c.by_clause = _groups(go["by_clause"], gn["by_clause"], go["maturity_by_clause"], gn["maturity_by_clause"])
    c.by_objective = _groups(
        go["by_objective"], gn["by_objective"], go["maturity_by_objective"], gn["maturity_by_objective"]
    )
    for name in sorted(set(old.step("gap")) & set(new.step("gap"))):
        if name == "gap/organisation":
            continue
        a, b = old.results[name]["headline"], new.results[name]["headline"]
        c.systems.append(
            {
                "system_id": new.results[name].get("system_id"),
                "conformity_old": a.get("conformity"),
                "conformity_new": b.get("conformity"),
                "conformity_change": _delta(a.get("conformity"), b.get("conformity")),
                "maturity_old": a.get("mean_maturity"),
                "maturity_new": b.get("mean_maturity"),
            }
        )
    c.requirements = _requirements(old, new)
    if old.get("risk/organisation") and new.get("risk/organisation"):
        c.risks, c.residual_above = _risks(old.results["risk/organisation"], new.results["risk/organisation"])
        c.soa = _soa(old.results["risk/organisation"], new.results["risk/organisation"])
    if old.get("audit/organisation") and new.get("audit/organisation"):
        c.findings = _findings(old.results["audit/organisation"], new.results["audit/organisation"])
    if old.get("impact/organisation") and new.get("impact/organisation"):
        c.tiers = _tiers(old.results["impact/organisation"], new.results["impact/organisation"])
    c.has_security = bool(old.step("security")) and bool(new.step("security"))
    if c.has_security:
        c.security = _security(old, new)
    return c


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def summary(c: Comparison) -> list[str]:
    """The executive summary: one sentence per area, in words."""
    out = []
    head = {(h["report"], h["figure"]): h for h in c.headline}
    conf = head.get(("gap/organisation", "conformity"))
    if conf:
        out.append(f"Overall conformity moved from {conf['old']}% to {conf['new']}% ({conf['change']:+g} points).")
    else:
        out.append("Overall conformity is unchanged.")
    org = [r for r in c.requirements if r["scope"] == "organisation" and r["change"] != "maturity only"]
    counts = {k: sum(1 for r in org if r["change"] == k) for k in ("improved", "worsened", "newly assessed")}
    rest = len(org) - sum(counts.values())
    detail = ", ".join(f"{n} {k}" for k, n in counts.items() if n) + (f", {rest} otherwise" if rest else "")
    out.append(
        f"{_plural(len(org), 'organisation-wide requirement')} changed status" + (f": {detail}." if org else ".")
    )
    if c.risks or c.residual_above:
        newly = sum(1 for r in c.residual_above if r["change"] == "newly above")
        still = sum(1 for r in c.residual_above if r["change"] != "no longer above")
        out.append(
            f"Risks: {c.count('risks', 'added')} added, {c.count('risks', 'closed')} closed, "
            f"{c.count('risks', 're-rated')} re-rated, {c.count('risks', 'removed')} removed; "
            f"{_plural(still, 'risk')} above appetite after treatment ({newly} newly)."
        )
    if c.soa:
        out.append(
            f"{_plural(len(c.soa), 'Statement of Applicability entry', 'Statement of Applicability entries')} changed."
        )
    if c.findings:
        new_nc = sum(1 for f in c.findings if f["change"] == "new" and f["nonconformity"])
        closed_nc = sum(1 for f in c.findings if f["change"] == "closed" and f["nonconformity"])
        out.append(
            f"Audit findings: {c.count('findings', 'new')} new ({_plural(new_nc, 'nonconformity', NCS)}), "
            f"{c.count('findings', 'closed')} closed ({_plural(closed_nc, 'nonconformity', NCS)})."
        )
    if c.tiers:
        out.append(f"The EU AI Act tier changed for {_plural(len(c.tiers), 'AI system')}.")
    if c.has_security:
        out.append(f"{_plural(len(c.security), 'red-team verdict')} changed.")
    changed = [i["file"] for i in c.inputs]
    out.append(f"Inputs changed: {', '.join(changed)}." if changed else "No input file changed.")
    return out


# ---------------------------------------------------------------------------------------------- rendering


def _dumbbell(rows: list[dict[str, Any]], key: str, title: str, unit: str, rng: list[float]) -> Any:
    import plotly.graph_objects as go

    rows = [r for r in rows if r.get(f"{key}_old") is not None or r.get(f"{key}_new") is not None]
    labels = [f"{r['group_id']} {str(r.get('group_title') or '')[:34]}" for r in rows]
    fig = go.Figure()
    for label, r in zip(labels, rows, strict=True):
        a, b = r.get(f"{key}_old"), r.get(f"{key}_new")
        colour = "#2E7D32" if (b or 0) > (a or 0) else ("#C62828" if (b or 0) < (a or 0) else "#9E9E9E")
        fig.add_scatter(
            x=[a, b],
            y=[label, label],
            mode="lines",
            line={"color": colour, "width": 4},
            showlegend=False,
            hoverinfo="skip",
        )
    for side, name, colour in (("old", "Before", "#90A4AE"), ("new", "After", "#1565C0")):
        fig.add_scatter(
            x=[r.get(f"{key}_{side}") for r in rows],
            y=labels,
            mode="markers",
            name=name,
            marker={"color": colour, "size": 11},
            hovertemplate="%{y}<br>" + name.lower() + ": %{x}" + unit + "<extra></extra>",
        )
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        height=120 + 34 * len(rows),
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        font={"family": "Segoe UI, Helvetica Neue, Arial, sans-serif", "size": 12},
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(range=rng, gridcolor="#ECEFF1", ticksuffix=unit)
    return fig


def _fig_html(fig: Any, n: int) -> str:
    import plotly.io as pio

    return pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        default_width="100%",
        default_height=fig.layout.height,
        validate=False,
        div_id=f"ak-compare-{n}",
        config={"displaylogo": False, "responsive": True},
    )


def _words(v: Any) -> str:
    if isinstance(v, str):
        return STATUS_WORDS.get(v, _word(v))
    return _word(v) if v is None else _fmt(v)


def html_sections(c: Comparison, plotly_src: str | None = None) -> str:
    """The comparison's body (summary, charts, tables, method): for compare.html and the run index."""
    import pandas as pd

    from aimskit.present.report import esc, table

    def tab(rows: list[dict[str, Any]], cols: dict[str, Any], empty: str) -> str:
        df = pd.DataFrame(rows)
        for col in list(cols):
            if col not in df.columns:
                df[col] = None
        for col in df.columns:
            if col.startswith(("status_", "tier_", "verdict_")):
                df[col] = [_words(v) for v in df[col]]
        return table(df, cols, empty=empty).data

    figs = [
        _dumbbell(c.by_clause, "conformity", "Conformity by clause, before and after", "%", [0, 105]),
        _dumbbell(c.by_objective, "conformity", "Conformity by Annex A objective, before and after", "%", [0, 105]),
        _dumbbell(c.by_clause, "maturity", "Mean maturity by clause, before and after", "", [0, 5.2]),
        _dumbbell(c.by_objective, "maturity", "Mean maturity by Annex A objective, before and after", "", [0, 5.2]),
    ]
    charts = "".join(_fig_html(f, i) for i, f in enumerate(figs))
    parts = [
        f"<h2>What changed</h2><ul class='ak-points'>{''.join(f'<li>{esc(s)}</li>' for s in summary(c))}</ul>",
    ]
    if c.warnings:
        parts.append("".join(f'<div class="ak-callout">{esc(w)}</div>' for w in c.warnings))
    parts.append("<h2>Conformity and maturity</h2>" + charts)
    parts.append(
        tab(
            c.by_clause + c.by_objective,
            {
                "group_id": ("Area", "nowrap"),
                "group_title": "Title",
                "conformity_old": ("Conformity before", "pct"),
                "conformity_new": ("after", "pct"),
                "conformity_change": ("change (points)", "num"),
                "maturity_old": ("Maturity before", "num"),
                "maturity_new": ("after", "num"),
                "maturity_change": ("change", "num"),
            },
            "No conformity figures.",
        )
    )
    if c.systems:
        parts.append("<h3>Per AI system</h3>")
        parts.append(
            tab(
                c.systems,
                {
                    "system_id": ("AI system", "nowrap"),
                    "conformity_old": ("Conformity before", "pct"),
                    "conformity_new": ("after", "pct"),
                    "conformity_change": ("change (points)", "num"),
                    "maturity_old": ("Maturity before", "num"),
                    "maturity_new": ("after", "num"),
                },
                "",
            )
        )
    parts.append("<h2>Requirements that changed</h2>")
    parts.append(
        tab(
            [r for r in c.requirements if r["scope"] == "organisation"],
            {
                "id": ("Requirement", "nowrap"),
                "title": "Title",
                "status_old": "Before",
                "status_new": "After",
                "maturity_old": ("Maturity before", "num"),
                "maturity_new": ("after", "num"),
                "change": "Change",
            },
            "No organisation-wide requirement changed status or maturity.",
        )
    )
    sys_rows = [r for r in c.requirements if r["scope"] != "organisation" and r["change"] != "maturity only"]
    if sys_rows:
        parts.append("<h3>Per AI system (status changes)</h3>")
        parts.append(
            tab(
                sys_rows,
                {
                    "scope": ("AI system", "nowrap"),
                    "id": ("Requirement", "nowrap"),
                    "title": "Title",
                    "status_old": "Before",
                    "status_new": "After",
                    "change": "Change",
                },
                "",
            )
        )
    parts.append("<h2>Risks</h2>")
    parts.append(
        tab(
            c.risks,
            {
                "risk_id": ("Risk", "nowrap"),
                "system_id": ("AI system", "nowrap"),
                "title": "Title",
                "change": "Change",
                "details": "Details",
            },
            "No risk was added, closed or re-rated.",
        )
    )
    parts.append("<h3>Residual risk above appetite</h3>")
    parts.append(
        tab(
            c.residual_above,
            {
                "risk_id": ("Risk", "nowrap"),
                "system_id": ("AI system", "nowrap"),
                "title": "Title",
                "residual_new": ("Residual score now", "num"),
                "change": "Change",
            },
            "No risk is above appetite after treatment in either run.",
        )
    )
    parts.append("<h2>Statement of Applicability</h2>")
    parts.append(
        tab(
            c.soa,
            {"control_id": ("Control", "nowrap"), "title": "Title", "details": "Change"},
            "The Statement of Applicability is unchanged.",
        )
    )
    parts.append("<h2>Audit findings and nonconformities</h2>")
    parts.append(
        tab(
            c.findings,
            {
                "finding_id": ("Finding", "nowrap"),
                "requirement_id": ("Requirement", "nowrap"),
                "grade": ("Grade", "badge"),
                "statement": "Statement",
                "status_old": "Before",
                "status_new": "After",
                "change": "Change",
            },
            "No audit finding was raised or closed.",
        )
    )
    parts.append("<h2>EU AI Act tiers</h2>")
    parts.append(
        tab(
            c.tiers,
            {"system_id": ("AI system", "nowrap"), "name": "Name", "tier_old": "Before", "tier_new": "After"},
            "No AI system changed EU AI Act tier.",
        )
    )
    if c.has_security:
        parts.append("<h2>Red-team verdicts</h2>")
        parts.append(
            tab(
                c.security,
                {
                    "system_id": ("AI system", "nowrap"),
                    "category": "OWASP category",
                    "verdict_old": "Before",
                    "verdict_new": "After",
                },
                "No verdict changed.",
            )
        )
    parts.append("<h2>Inputs that changed</h2>")
    parts.append(tab(c.inputs, {"file": "File", "change": "Change"}, "No input file changed (same SHA-256 hashes)."))
    parts.append(
        "<h2>Method</h2><dl class='ak-method'>"
        "<dt>Sources</dt><dd>Both runs' manifest.json and the results JSON of their reports; "
        "nothing is recomputed.</dd>"
        "<dt>Conformity</dt><dd>As in the gap report: compliant counts 1, partially compliant 0.5, non-compliant 0, "
        "over the applicable assessed requirements of the area; change in percentage points.</dd>"
        "<dt>Re-rated risk</dt><dd>Inherent or residual score differs between the runs.</dd>"
        "<dt>Closed finding</dt><dd>Open in the old run, not open in the new one.</dd>"
        "<dt>Inputs</dt><dd>Files whose SHA-256 in the manifests differs.</dd></dl>"
    )
    return "".join(parts)


def html_page(c: Comparison, plotly_tag: str) -> str:
    from aimskit.present.report import STYLE, esc

    title = f"What changed: {c.old['assessment_date']} to {c.new['assessment_date']}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(c.new["organisation"])}: {esc(title)}</title>
{STYLE}{plotly_tag}
<style>body{{margin:0;padding:24px;font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif}}
.wrap{{max-width:1200px;margin:0 auto}}</style></head>
<body><div class="wrap ak-report"><div class="ak-title"><h1>{esc(c.new["organisation"])}</h1>
<div class="ak-sub">{esc(title)} (aimskit {esc(c.old["aimskit_version"])} / {esc(c.new["aimskit_version"])},
catalog {esc(c.old["catalog_version"])} / {esc(c.new["catalog_version"])})</div></div>
{html_sections(c)}
</div></body></html>
"""


def write(c: Comparison, dest: str | Path, *, self_contained: bool = False) -> tuple[Path, Path]:
    """Write ``compare.html`` and ``compare.json`` into ``dest``; return their paths."""
    from aimskit.present import render

    dest = Path(dest)
    if self_contained:
        tag = f"<script>{render.plotly_js_path().read_text(encoding='utf-8')}</script>"
    else:
        render.install_plotly_asset(dest)
        tag = '<script src="assets/plotly.min.js"></script>'
    html_path, json_path = dest / "compare.html", dest / "compare.json"
    atomic_write_text(html_path, html_page(c, tag))
    atomic_write_text(json_path, json.dumps(c.to_json(), indent=2, ensure_ascii=False, default=str) + "\n")
    return html_path, json_path


# ---------------------------------------------------------------------------------------------- baseline


def check_baseline(baseline: str | Path, organisation: str) -> None:
    """Refuse, before a run starts, a baseline that is not a run of the same organisation."""
    old = _load(baseline, "baseline")
    if old.organisation != organisation:
        raise CompareError(
            f"the baseline {baseline} is a run of '{old.organisation}', not of '{organisation}'; "
            "give the output folder of an earlier run of this engagement"
        )


def index_section(c: Comparison) -> str:
    """The index's section on the baseline: the summary and a link to compare.html."""
    return _index_section(str(c.old["assessment_date"]), c.warnings, summary(c))


def saved_index_section(out: str | Path, manifest: dict[str, Any]) -> str:
    """The index's section on the baseline, from the ``compare.json`` that the run ``manifest``
    (of ``out``) wrote with ``--baseline``; empty when there is none, or when it belongs to an
    earlier run into the same folder. Lets the index be written again (after ``aimskit pdf``)
    without losing the section."""
    path = Path(out) / "compare.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return ""
    if not isinstance(data, dict) or not isinstance(data.get("new"), dict) or not isinstance(data.get("old"), dict):
        return ""
    if data["new"].get("started") != manifest.get("started"):
        return ""
    return _index_section(
        str(data["old"].get("assessment_date", "")),
        [str(w) for w in data.get("warnings") or []],
        [str(s) for s in data.get("summary") or []],
    )


def _index_section(assessment_date: str, warnings: list[str], lines: list[str]) -> str:
    from aimskit.present.report import esc

    items = "".join(f"<li>{esc(s)}</li>" for s in lines)
    warn = "".join(f'<div class="ak-callout">{esc(w)}</div>' for w in warnings)
    return (
        f"<h2>Changes since the baseline run of {esc(assessment_date)}</h2>{warn}"
        f"<ul class='ak-points'>{items}</ul>"
        '<p>Charts and every change: <a href="compare.html">compare.html</a> '
        '(data: <a href="compare.json">compare.json</a>).</p>'
    )


def with_baseline(baseline: str | Path, eng: Any, out: str | Path, *, self_contained: bool = False) -> Comparison:
    """After a run into ``out``: compare it with ``baseline``, write compare.html/.json and the index section."""
    from aimskit.results import portfolio

    c = compare(baseline, out)
    write(c, out, self_contained=self_contained)
    out = Path(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    atomic_write_text(out / "index.html", portfolio.index_html(eng, manifest, extra=index_section(c)))
    return c
