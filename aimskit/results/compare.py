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
from aimskit.engagement import Engagement
from aimskit.results.run import COMPARE_SCHEMA, SCHEMA_KEY, Run, RunFolderError

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
            SCHEMA_KEY: COMPARE_SCHEMA,
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
        "folder": str(run.folder),
        "organisation": run.organisation,
        "assessment_date": run.assessment_date,
        "aimskit_version": m.aimskit_version,
        "catalog_version": m.catalog_version,
        "started": m.started,
    }


_GAP_LISTS = ("requirements", "by_clause", "by_objective", "maturity_by_clause", "maturity_by_objective")


def _load(out: str | Path, which: str) -> Run:
    """The run in ``out`` with every results JSON read and checked (``which``: old, new, baseline)."""
    try:
        run = Run.open(out)
        run.all_results()
        gap = run.require("gap/organisation", _GAP_LISTS)
    except RunFolderError as exc:
        raise exc.labelled(f"{which} run") from None
    if gap is None:
        raise CompareError(
            f"{which} run: {out}: the organisation gap report (gap/organisation.json) is missing or failed"
        )
    return run


def _org(run: Run, step: str) -> dict[str, Any]:
    """The results JSON of a step's organisation-wide report (empty when the run has none)."""
    return run.results(f"{step}/organisation") or {}


def _ids(run: Run) -> tuple[set[str], set[str]]:
    reqs = {r["id"] for r in _org(run, "gap").get("requirements", [])}
    soa = {r["control_id"] for r in _org(run, "risk").get("soa", []) if r.get("origin") == "Annex A"}
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
    og, ng = old.step_results("gap"), new.step_results("gap")
    for name in sorted(set(og) & set(ng), key=lambda n: (n != "gap/organisation", n)):
        o = {r["id"]: r for r in og[name].get("requirements", [])}
        n = {r["id"]: r for r in ng[name].get("requirements", [])}
        scope = ng[name].get("system_id") or "organisation"
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
        for res in run.step_results("security").values():
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
    ro, rn = old.all_results(), new.all_results()
    for name in sorted(set(ro) & set(rn)):
        if not name.endswith("/organisation"):
            continue
        a, b = ro[name].get("headline", {}), rn[name].get("headline", {})
        for key in b:
            if key in a and _num(a[key]) is not None and _num(b[key]) is not None and a[key] != b[key]:
                rows.append(
                    {"report": name, "figure": key, "old": a[key], "new": b[key], "change": _delta(a[key], b[key])}
                )
    return rows


def _inputs(old: Run, new: Run) -> list[dict[str, Any]]:
    a = old.manifest.engagement.inputs_sha256
    b = new.manifest.engagement.inputs_sha256
    rows = []
    for f in sorted(set(a) | set(b)):
        if f not in a:
            rows.append({"file": f, "change": "added"})
        elif f not in b:
            rows.append({"file": f, "change": "removed"})
        elif a[f] != b[f]:
            rows.append({"file": f, "change": "changed"})
    ca, cb = old.manifest.catalog_files_sha256, new.manifest.catalog_files_sha256
    for f in sorted(set(ca) | set(cb)):
        if ca.get(f) != cb.get(f):
            rows.append({"file": f"catalog: {f}", "change": "changed" if f in ca and f in cb else "added or removed"})
    return rows


def compare(old_out: str | Path, new_out: str | Path) -> Comparison:
    """Compare the run in ``old_out`` with the run in ``new_out`` (both output folders of ``aimskit run``).

    Raises :class:`~aimskit.results.run.RunFolderError` (positioned problems) for a folder that is
    not a readable run, and :class:`CompareError` for two runs that cannot be compared."""
    old, new = _load(old_out, "old"), _load(new_out, "new")
    _check_comparable(old, new, old_out, new_out)
    c = Comparison(_identity(old), _identity(new))
    c.warnings = _warnings(old, new)
    c.inputs = _inputs(old, new)
    c.headline = _headline(old, new)
    go, gn = _org(old, "gap"), _org(new, "gap")
    c.by_clause = _groups(go["by_clause"], gn["by_clause"], go["maturity_by_clause"], gn["maturity_by_clause"])
    c.by_objective = _groups(
        go["by_objective"], gn["by_objective"], go["maturity_by_objective"], gn["maturity_by_objective"]
    )
    c.systems = _systems(old, new)
    c.requirements = _requirements(old, new)
    if _org(old, "risk") and _org(new, "risk"):
        c.risks, c.residual_above = _risks(_org(old, "risk"), _org(new, "risk"))
        c.soa = _soa(_org(old, "risk"), _org(new, "risk"))
    if _org(old, "audit") and _org(new, "audit"):
        c.findings = _findings(_org(old, "audit"), _org(new, "audit"))
    if _org(old, "impact") and _org(new, "impact"):
        c.tiers = _tiers(_org(old, "impact"), _org(new, "impact"))
    c.has_security = bool(old.step_results("security")) and bool(new.step_results("security"))
    if c.has_security:
        c.security = _security(old, new)
    return c


def _check_comparable(old: Run, new: Run, old_out: str | Path, new_out: str | Path) -> None:
    """Refuse runs of different organisations, and runs whose catalogs assess different requirements."""
    if old.organisation != new.organisation:
        raise CompareError(
            f"the runs are of different engagements: '{old.organisation}' ({old_out}) and "
            f"'{new.organisation}' ({new_out}); compare two runs of the same organisation"
        )
    (ro, so), (rn, sn) = _ids(old), _ids(new)
    if ro != rn or (so and sn and so != sn):
        diff = sorted((ro ^ rn) | (so ^ sn), key=natural_key)
        raise CompareError(
            f"incompatible catalog versions: {old.manifest.catalog_version} and "
            f"{new.manifest.catalog_version} assess different requirements "
            f"({', '.join(diff[:8])}{' ...' if len(diff) > 8 else ''}); run both with the same aimskit catalog"
        )


def _warnings(old: Run, new: Run) -> list[str]:
    out = []
    if old.manifest.catalog_version != new.manifest.catalog_version:
        out.append(
            f"The catalog version changed ({old.manifest.catalog_version} -> "
            f"{new.manifest.catalog_version}); the requirement IDs are the same, so the runs are compared by ID."
        )
    if old.assessment_date > new.assessment_date:
        out.append(
            f"The 'old' run has the later assessment date ({old.assessment_date} after {new.assessment_date}): "
            "are the arguments the wrong way round?"
        )
    return out


def _systems(old: Run, new: Run) -> list[dict[str, Any]]:
    """Conformity and maturity of each AI system both runs have a gap report of."""
    og, ng = old.step_results("gap"), new.step_results("gap")
    rows = []
    for name in sorted(set(og) & set(ng)):
        if name == "gap/organisation":
            continue
        a, b = og[name].get("headline", {}), ng[name].get("headline", {})
        rows.append(
            {
                "system_id": ng[name].get("system_id"),
                "conformity_old": a.get("conformity"),
                "conformity_new": b.get("conformity"),
                "conformity_change": _delta(a.get("conformity"), b.get("conformity")),
                "maturity_old": a.get("mean_maturity"),
                "maturity_new": b.get("mean_maturity"),
            }
        )
    return rows


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


def _tab(rows: list[dict[str, Any]], cols: dict[str, Any], empty: str) -> str:
    """A report table of ``rows`` (status, tier and verdict codes in words)."""
    import pandas as pd

    from aimskit.present.report import table

    df = pd.DataFrame(rows)
    for col in list(cols):
        if col not in df.columns:
            df[col] = None
    for col in df.columns:
        if col.startswith(("status_", "tier_", "verdict_")):
            df[col] = [_words(v) for v in df[col]]
    return table(df, cols, empty=empty).data


_MATURITY_COLS = {"maturity_old": ("Maturity before", "num"), "maturity_new": ("after", "num")}
_CONFORMITY_COLS = {
    "conformity_old": ("Conformity before", "pct"),
    "conformity_new": ("after", "pct"),
    "conformity_change": ("change (points)", "num"),
}
_GROUP_COLS = {
    "group_id": ("Area", "nowrap"),
    "group_title": "Title",
    **_CONFORMITY_COLS,
    **_MATURITY_COLS,
    "maturity_change": ("change", "num"),
}
_SYSTEM_COLS = {"system_id": ("AI system", "nowrap"), **_CONFORMITY_COLS, **_MATURITY_COLS}
_REQUIREMENT_COLS = {
    "id": ("Requirement", "nowrap"),
    "title": "Title",
    "status_old": "Before",
    "status_new": "After",
    **_MATURITY_COLS,
    "change": "Change",
}
_SYSTEM_REQUIREMENT_COLS = {
    "scope": ("AI system", "nowrap"),
    "id": ("Requirement", "nowrap"),
    "title": "Title",
    "status_old": "Before",
    "status_new": "After",
    "change": "Change",
}
_RISK_COLS = {
    "risk_id": ("Risk", "nowrap"),
    "system_id": ("AI system", "nowrap"),
    "title": "Title",
    "change": "Change",
    "details": "Details",
}
_ABOVE_COLS = {
    "risk_id": ("Risk", "nowrap"),
    "system_id": ("AI system", "nowrap"),
    "title": "Title",
    "residual_new": ("Residual score now", "num"),
    "change": "Change",
}
_SOA_COLS = {"control_id": ("Control", "nowrap"), "title": "Title", "details": "Change"}
_FINDING_COLS = {
    "finding_id": ("Finding", "nowrap"),
    "requirement_id": ("Requirement", "nowrap"),
    "grade": ("Grade", "badge"),
    "statement": "Statement",
    "status_old": "Before",
    "status_new": "After",
    "change": "Change",
}
_TIER_COLS = {"system_id": ("AI system", "nowrap"), "name": "Name", "tier_old": "Before", "tier_new": "After"}
_SECURITY_COLS = {
    "system_id": ("AI system", "nowrap"),
    "category": "OWASP category",
    "verdict_old": "Before",
    "verdict_new": "After",
}
_METHOD = (
    "<h2>Method</h2><dl class='ak-method'>"
    "<dt>Sources</dt><dd>Both runs' manifest.json and the results JSON of their reports; "
    "nothing is recomputed.</dd>"
    "<dt>Conformity</dt><dd>As in the gap report: compliant counts 1, partially compliant 0.5, non-compliant 0, "
    "over the applicable assessed requirements of the area; change in percentage points.</dd>"
    "<dt>Re-rated risk</dt><dd>Inherent or residual score differs between the runs.</dd>"
    "<dt>Closed finding</dt><dd>Open in the old run, not open in the new one.</dd>"
    "<dt>Inputs</dt><dd>Files whose SHA-256 in the manifests differs.</dd></dl>"
)


def _summary_html(c: Comparison) -> str:
    from aimskit.present.report import esc

    out = f"<h2>What changed</h2><ul class='ak-points'>{''.join(f'<li>{esc(s)}</li>' for s in summary(c))}</ul>"
    return out + "".join(f'<div class="ak-callout">{esc(w)}</div>' for w in c.warnings)


def _conformity_html(c: Comparison) -> str:
    figs = [
        _dumbbell(c.by_clause, "conformity", "Conformity by clause, before and after", "%", [0, 105]),
        _dumbbell(c.by_objective, "conformity", "Conformity by Annex A objective, before and after", "%", [0, 105]),
        _dumbbell(c.by_clause, "maturity", "Mean maturity by clause, before and after", "", [0, 5.2]),
        _dumbbell(c.by_objective, "maturity", "Mean maturity by Annex A objective, before and after", "", [0, 5.2]),
    ]
    out = "<h2>Conformity and maturity</h2>" + "".join(_fig_html(f, i) for i, f in enumerate(figs))
    out += _tab(c.by_clause + c.by_objective, _GROUP_COLS, "No conformity figures.")
    if c.systems:
        out += "<h3>Per AI system</h3>" + _tab(c.systems, _SYSTEM_COLS, "")
    return out


def _requirements_html(c: Comparison) -> str:
    org = [r for r in c.requirements if r["scope"] == "organisation"]
    out = "<h2>Requirements that changed</h2>"
    out += _tab(org, _REQUIREMENT_COLS, "No organisation-wide requirement changed status or maturity.")
    sys_rows = [r for r in c.requirements if r["scope"] != "organisation" and r["change"] != "maturity only"]
    if sys_rows:
        out += "<h3>Per AI system (status changes)</h3>" + _tab(sys_rows, _SYSTEM_REQUIREMENT_COLS, "")
    return out


def _registers_html(c: Comparison) -> str:
    """Risks, the Statement of Applicability, audit findings, EU AI Act tiers and red-team verdicts."""
    out = "<h2>Risks</h2>" + _tab(c.risks, _RISK_COLS, "No risk was added, closed or re-rated.")
    out += "<h3>Residual risk above appetite</h3>"
    out += _tab(c.residual_above, _ABOVE_COLS, "No risk is above appetite after treatment in either run.")
    out += "<h2>Statement of Applicability</h2>"
    out += _tab(c.soa, _SOA_COLS, "The Statement of Applicability is unchanged.")
    out += "<h2>Audit findings and nonconformities</h2>"
    out += _tab(c.findings, _FINDING_COLS, "No audit finding was raised or closed.")
    out += "<h2>EU AI Act tiers</h2>" + _tab(c.tiers, _TIER_COLS, "No AI system changed EU AI Act tier.")
    if c.has_security:
        out += "<h2>Red-team verdicts</h2>" + _tab(c.security, _SECURITY_COLS, "No verdict changed.")
    return out


def html_sections(c: Comparison, plotly_src: str | None = None) -> str:
    """The comparison's body (summary, charts, tables, method): for compare.html and the run index."""
    inputs = _tab(c.inputs, {"file": "File", "change": "Change"}, "No input file changed (same SHA-256 hashes).")
    return "".join(
        [
            _summary_html(c),
            _conformity_html(c),
            _requirements_html(c),
            _registers_html(c),
            "<h2>Inputs that changed</h2>" + inputs,
            _METHOD,
        ]
    )


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


def saved_index_section(run: Run) -> str:
    """The index's section on the baseline, from the ``compare.json`` that ``run`` wrote with
    ``--baseline``; empty when there is none, or when it belongs to an earlier run into the same
    folder (:meth:`~aimskit.results.run.Run.saved_comparison`). Lets the index be written again
    (after ``aimskit pdf``) without losing the section."""
    data = run.saved_comparison()
    if data is None:
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


def with_baseline(
    baseline: str | Path, eng: Engagement, out: str | Path, *, self_contained: bool = False
) -> Comparison:
    """After a run into ``out``: compare it with ``baseline``, write compare.html/.json and the index section."""
    from aimskit.results import portfolio

    c = compare(baseline, out)
    write(c, out, self_contained=self_contained)
    manifest = Run.open(out).manifest
    atomic_write_text(Path(out) / "index.html", portfolio.index_html(eng, manifest, extra=index_section(c)))
    return c
