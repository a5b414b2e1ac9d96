"""OSCAL export of a finished run: catalog, profile, assessment plan, assessment results, POA&M.

Everything is read from an output folder (``manifest.json`` and the results JSON of each report), so the
OSCAL documents say exactly what the reports say. Documents are built as OSCAL JSON and validated by
compliance-trestle's pydantic models (the optional extra ``aimskit[oscal]``) before they are written;
:func:`check_references` then checks what the validators do not: that every control ID, objective ID,
UUID reference and ``#uuid`` / ``file.json#uuid`` link resolves across the five documents.

UUIDs are uuid5 values derived from the organisation and the IDs of what they name, and the dates come
from the engagement (not the clock), so exporting the same run twice gives byte-identical files.
ISO/IEC 42001 is copyrighted: the catalog holds IDs, short titles and aimskit's own guidance only.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aimskit import catalog
from aimskit.base.dependencies import require
from aimskit.base.fileio import atomic_write_text
from aimskit.base.problems import AimskitError
from aimskit.results.run import Run

NS = "https://aimskit.org/ns/oscal"
PREFIX = "iso42001-"
FILES = {
    "catalog": "iso42001-catalog.json",
    "profile": "iso42001-profile.json",
    "assessment-plan": "iso42001-assessment-plan.json",
    "assessment-results": "iso42001-assessment-results.json",
    "plan-of-action-and-milestones": "iso42001-poam.json",
}
TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9._\-]*$")  # OSCAL token (ASCII subset)
DISCLAIMER = (
    "Outline of ISO/IEC 42001:2023 for assessment: clause and Annex A identifiers, short titles and aimskit's "
    "own paraphrased guidance. It does not reproduce the text of the standard; obtain ISO/IEC 42001:2023 from "
    "ISO or a national standards body for the normative requirements."
)


class OscalError(AimskitError):
    """The output folder cannot be exported (missing or unreadable results, trestle not installed)."""


def control_id(requirement_id: str) -> str:
    """The OSCAL control ID of an ISO/IEC 42001 clause or Annex A ID: ``6.1.3`` -> ``iso42001-6.1.3``.

    Bare clause numbers are not valid OSCAL tokens (a token cannot start with a digit)."""
    cid = PREFIX + str(requirement_id)
    if not TOKEN.match(cid):
        raise OscalError(f"'{requirement_id}' cannot be made into an OSCAL token")
    return cid


def objective_id(requirement_id: str) -> str:
    return control_id(requirement_id) + "_obj"


def _dt(date: Any) -> str:
    """An OSCAL date-time with time zone from a date (or date-time) string."""
    s = str(date)
    return s if "T" in s else f"{s}T00:00:00+00:00"


# ---------------------------------------------------------------------------------------------- reading


def read_run(out: str | Path) -> Run:
    """The finished run in ``out`` with every results JSON read and checked
    (:class:`~aimskit.results.run.RunFolderError` otherwise); it must have the organisation gap report."""
    run = Run.open(out)
    run.all_results()
    if run.require("gap/organisation", ("requirements",)) is None:
        raise OscalError(f"{out}: the organisation gap report (gap/organisation.json) is missing or failed")
    return run


# ---------------------------------------------------------------------------------------------- building


class _Ids:
    """Deterministic UUIDs: uuid5 in a namespace derived from the organisation's name."""

    def __init__(self, organisation: str) -> None:
        self.ns = uuid.uuid5(uuid.NAMESPACE_URL, f"{NS}/engagement/{organisation}")

    def __call__(self, *parts: Any) -> str:
        return str(uuid.uuid5(self.ns, "/".join(str(p) for p in parts)))


def _props(**values: Any) -> list[dict[str, Any]]:
    """aimskit properties (namespaced), skipping empty values."""
    out = []
    for name, value in values.items():
        if value is None or value == "" or value == []:
            continue
        out.append({"name": name.replace("_", "-"), "ns": NS, "value": str(value)})
    return out


def _metadata(title: str, version: str, run: Run, **extra: Any) -> dict[str, Any]:
    oscal_version = require("trestle.oscal", "The OSCAL export").OSCAL_VERSION
    md = {
        "title": title,
        "last-modified": _dt(run.assessment_date),
        "version": version,
        "oscal-version": oscal_version,
    }
    md.update({k: v for k, v in extra.items() if v})
    return md


def _requirements() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    clauses = catalog.to_records(catalog.load("iso42001-clauses"))
    annex = catalog.to_records(catalog.load("iso42001-annex-a"))
    objectives = catalog.to_records(catalog.load("iso42001-annex-a-objectives"))
    return clauses, annex, objectives


def _control(row: dict[str, Any], *, kind: str) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if row.get("summary"):
        parts.append(
            {
                "id": objective_id(row["id"]),
                "name": "assessment-objective",
                "prose": f"{row['summary']} (aimskit paraphrase, not the text of the standard)",
            }
        )
    if row.get("questions"):
        parts.append(
            {
                "id": control_id(row["id"]) + "_gdn",
                "name": "guidance",
                "prose": "Questions an assessor asks (aimskit):\n\n" + "\n".join(f"- {q}" for q in row["questions"]),
            }
        )
    if row.get("evidence"):
        parts.append(
            {
                "id": control_id(row["id"]) + "_evd",
                "name": "assessment-method",
                "props": [{"name": "method", "value": "EXAMINE"}],
                "prose": "Evidence to look for (aimskit):\n\n" + "\n".join(f"- {e}" for e in row["evidence"]),
            }
        )
    ctrl: dict[str, Any] = {
        "id": control_id(row["id"]),
        "class": kind,
        "title": row["title"],
        "props": [
            {"name": "label", "value": row["id"]},
            *_props(documented_information=row.get("documented_information")),
        ],
    }
    if parts:
        ctrl["parts"] = parts
    return ctrl


def _group_objective(gid: str, text: str) -> list[dict[str, Any]]:
    if not text:
        return []
    return [{"id": objective_id(gid), "name": "assessment-objective", "prose": text}]


def build_catalog(run: Run) -> dict[str, Any]:
    """The ISO/IEC 42001 outline: clause groups 4-10 (sub-clauses as controls) and Annex A objectives."""
    ids = _Ids(run.organisation)
    version = catalog.version()
    clauses, annex, objectives = _requirements()
    groups: list[dict[str, Any]] = []
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for c in clauses:
        by_parent.setdefault(c["parent"] or "", []).append(c)

    def clause_node(c: dict[str, Any]) -> dict[str, Any]:
        children = by_parent.get(c["id"], [])
        if c["assessable"]:
            node = _control(c, kind="clause")
            if children:
                node["controls"] = [clause_node(x) for x in children]
            return node
        group: dict[str, Any] = {
            "id": control_id(c["id"]),
            "class": "clause",
            "title": c["title"],
            "props": [{"name": "label", "value": c["id"]}],
        }
        parts = _group_objective(c["id"], c.get("summary", ""))
        if parts:
            group["parts"] = parts
        # OSCAL 1.2 lets a group hold controls or groups, not both: the assessable sub-clauses of a
        # heading that is not itself assessable (6.1, 7.5, 9.2, 9.3) join their clause's controls.
        ctrls: list[dict[str, Any]] = []
        for x in children:
            if x["assessable"]:
                ctrls.append(clause_node(x))
            else:
                for y in by_parent.get(x["id"], []):
                    node = clause_node(y)
                    node["props"] += _props(heading=f"{x['id']} {x['title']}")
                    ctrls.append(node)
        if ctrls:
            group["controls"] = ctrls
        return group

    for c in by_parent.get("", []):
        groups.append(clause_node(c))
    annex_groups = []
    for obj in objectives:
        ctrls = [_control(a, kind="annex-a-control") for a in annex if a["objective_id"] == obj["id"]]
        g: dict[str, Any] = {
            "id": control_id(obj["id"]),
            "class": "annex-a-objective",
            "title": obj["title"],
            "props": [{"name": "label", "value": obj["id"]}],
            "controls": ctrls,
        }
        g["parts"] = _group_objective(obj["id"], f"{obj['gist']}")
        annex_groups.append(g)
    groups.append(
        {
            "id": PREFIX + "annex-a",
            "class": "annex",
            "title": "Annex A: Reference control objectives and controls",
            "props": [{"name": "label", "value": "Annex A"}],
            "groups": annex_groups,
        }
    )
    return {
        "uuid": ids("catalog", version),
        "metadata": _metadata(
            f"ISO/IEC 42001:2023 outline for assessment (aimskit catalog {version})",
            version,
            run,
            props=_props(catalog_version=version, edition="ISO/IEC 42001:2023"),
            remarks=DISCLAIMER,
        ),
        "groups": groups,
        "back-matter": {
            "resources": [
                {
                    "uuid": ids("resource", "iso42001-2023"),
                    "title": "ISO/IEC 42001:2023 Information technology - Artificial intelligence - Management system",
                    "citation": {"text": "ISO/IEC 42001:2023, first edition, 2023-12 (not reproduced here)"},
                }
            ]
        },
    }


def catalog_controls(cat: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The control IDs and the part IDs (objectives, guidance) defined in a catalog document."""
    controls: set[str] = set()
    parts: set[str] = set()

    def walk(node: dict[str, Any], is_control: bool) -> None:
        if is_control:
            controls.add(node["id"])
        for p in node.get("parts", []):
            parts.add(p["id"])
        for c in node.get("controls", []):
            walk(c, True)
        for g in node.get("groups", []):
            walk(g, False)

    for g in cat.get("groups", []):
        walk(g, False)
    return controls, parts


def _selected(run: Run) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """The requirement IDs in scope: every assessable clause, and the Annex A controls the SoA includes.

    Returns (IDs, SoA rows of the included Annex A controls, own controls of the SoA not in the catalog)."""
    clauses, annex, _ = _requirements()
    ids = [c["id"] for c in clauses if c["assessable"]]
    annex_ids = {a["id"] for a in annex}
    risk = run.results("risk/organisation")
    if risk is None:  # no SoA: every Annex A control
        return ids + [a["id"] for a in annex], [], []
    rows = [r for r in risk.get("soa", []) if r.get("in_soa") and r.get("applicable")]
    included = [r for r in rows if r["control_id"] in annex_ids]
    own = [r["control_id"] for r in rows if r["control_id"] not in annex_ids]
    order = [a["id"] for a in annex]
    included.sort(key=lambda r: order.index(r["control_id"]))
    return ids + [r["control_id"] for r in included], included, own


def build_profile(run: Run) -> dict[str, Any]:
    ids = _Ids(run.organisation)
    selected, soa, own = _selected(run)
    alters = []
    for r in soa:
        adds = _props(
            soa_implementation=r.get("implementation"),
            soa_justification=r.get("justification_text"),
            soa_owner=r.get("owner"),
        )
        if adds:
            alters.append({"control-id": control_id(r["control_id"]), "adds": [{"position": "ending", "props": adds}]})
    remarks = (
        "Every ISO/IEC 42001 clause requirement (4-10) and the Annex A controls the Statement of Applicability "
        "includes as applicable."
    )
    if own:
        remarks += f" The SoA also includes the organisation's own controls {', '.join(own)}, outside this catalog."
    prof: dict[str, Any] = {
        "uuid": ids("profile", run.assessment_date),
        "metadata": _metadata(
            f"{run.organisation}: ISO/IEC 42001 controls in scope (Statement of Applicability)",
            run.assessment_date,
            run,
            remarks=remarks,
        ),
        "imports": [{"href": FILES["catalog"], "include-controls": [{"with-ids": [control_id(i) for i in selected]}]}],
        "merge": {"as-is": True},
    }
    if alters:
        prof["modify"] = {"alters": alters}
    return prof


def _parties(run: Run, ids: _Ids, owners: Iterable[str]) -> list[dict[str, Any]]:
    parties = [{"uuid": ids("party", "organisation"), "type": "organization", "name": run.organisation}]
    seen = set()
    for o in owners:
        if o and o not in seen:
            seen.add(o)
            parties.append({"uuid": ids("party", "person", o), "type": "person", "name": o})
    return parties


def _system_ids(run: Run) -> list[str]:
    out = []
    for name, r in run.step_results("gap").items():
        sid = r.get("system_id")
        if sid and name != "gap/organisation":
            out.append(sid)
    return out


def _system_names(run: Run) -> dict[str, str]:
    imp = run.results("impact/organisation") or {}
    names = {o["system_id"]: o.get("name") or o["system_id"] for o in imp.get("overview", [])}
    return {s: names.get(s, s) for s in _system_ids(run)}


def _components(run: Run, ids: _Ids) -> list[dict[str, Any]]:
    comps: list[dict[str, Any]] = [
        {
            "uuid": ids("component", "aims"),
            "type": "this-system",
            "title": f"AI management system of {run.organisation}",
            "description": "The AI management system (organisation-wide requirements).",
            "status": {"state": "operational"},
        }
    ]
    tiers = {o["system_id"]: o.get("tier") for o in (run.results("impact/organisation") or {}).get("overview", [])}
    for sid, name in _system_names(run).items():
        comps.append(
            {
                "uuid": ids("component", sid),
                "type": "software",
                "title": name,
                "description": f"AI system {sid} in the scope of the AI management system.",
                "props": [{"name": "asset-id", "value": sid}, *_props(eu_ai_act_tier=tiers.get(sid))],
                "status": {"state": "operational"},
            }
        )
    return comps


def _reviewed(selected: list[str]) -> dict[str, Any]:
    return {"control-selections": [{"include-controls": [{"control-id": control_id(i)} for i in selected]}]}


def _resources(run: Run, ids: _Ids) -> list[dict[str, Any]]:
    res = [
        {
            "uuid": ids("resource", "scope"),
            "title": f"Scope of the AI management system of {run.organisation} (engagement.yaml)",
            "description": "aimskit has no system security plan: the engagement's scope statement stands for it.",
            "rlinks": [{"href": "engagement.yaml"}],
        }
    ]
    for report in sorted(run.with_results(), key=lambda r: r.name):
        name, rel, sha = report.name, report.files["json"], report.files_sha256.get("json", "")
        rl: dict[str, Any] = {"href": rel, "media-type": "application/json"}
        if sha:
            rl["hashes"] = [{"algorithm": "SHA-256", "value": sha}]
        res.append({"uuid": ids("resource", "results", name), "title": f"aimskit results: {name}", "rlinks": [rl]})
    return res


def build_assessment_plan(run: Run) -> dict[str, Any]:
    ids = _Ids(run.organisation)
    selected, _, _ = _selected(run)
    comps = _components(run, ids)
    tasks = [
        {
            "uuid": ids("task", "gap"),
            "type": "action",
            "title": "Gap assessment against ISO/IEC 42001 (clauses 4-10 and Annex A)",
            "timing": {"on-date": {"date": _dt(run.assessment_date)}},
        }
    ]
    audit = run.results("audit/organisation") or {}
    for a in audit.get("audits", []):
        t: dict[str, Any] = {
            "uuid": ids("task", "audit", a["id"]),
            "type": "action",
            "title": f"Internal audit {a['id']}: {a.get('title', '')}".strip(),
            "props": _props(audit_status=a.get("status"), lead_auditor=a.get("lead_auditor")),
        }
        if a.get("start") and a.get("end"):
            t["timing"] = {"within-date-range": {"start": _dt(a["start"]), "end": _dt(a["end"])}}
        if not t["props"]:
            del t["props"]
        tasks.append(t)
    return {
        "uuid": ids("assessment-plan", run.assessment_date),
        "metadata": _metadata(
            f"{run.organisation}: ISO/IEC 42001 assessment plan",
            run.assessment_date,
            run,
            parties=_parties(run, ids, []),
        ),
        "import-ssp": {"href": f"#{ids('resource', 'scope')}"},
        "local-definitions": {"components": comps},
        "reviewed-controls": _reviewed(selected),
        "assessment-subjects": [
            {"type": "component", "include-subjects": [{"subject-uuid": c["uuid"], "type": "component"} for c in comps]}
        ],
        "tasks": tasks,
        "back-matter": {"resources": _resources(run, ids)},
    }


_STATE = {"compliant": "satisfied", "partially_compliant": "not-satisfied", "non_compliant": "not-satisfied"}
_IMPL = {"compliant": "implemented", "partially_compliant": "partial"}
_WORDS = {
    "compliant": "compliant",
    "partially_compliant": "partially compliant",
    "non_compliant": "non-compliant",
    "not_applicable": "not applicable",
    "not_assessed": "not assessed",
}


def _target(req_id: str, parts: set[str]) -> dict[str, Any]:
    oid = objective_id(req_id)
    if oid in parts:
        return {"type": "objective-id", "target-id": oid}
    return {"type": "statement-id", "target-id": control_id(req_id) + "_gdn"}


def _gap_result(run: Run, ids: _Ids, name: str, res: dict[str, Any], parts: set[str], selected: list[str]) -> dict:
    sid = res.get("system_id")
    scope = sid or "organisation"
    subject = ids("component", sid or "aims")
    resource = ids("resource", "results", name)
    observations, findings = [], []
    in_scope = set(selected)
    for req in res.get("requirements", []):
        rid = req["id"]
        if rid not in in_scope:
            continue
        status = req.get("status")
        ouuid = ids("observation", "gap", scope, rid)
        evidence = req.get("evidence") or []
        obs: dict[str, Any] = {
            "uuid": ouuid,
            "title": f"{rid} {req['title']}: {_WORDS.get(status, status)}",
            "description": req.get("notes") or f"Gap assessment of {rid}: {_WORDS.get(status, status)}.",
            "props": _props(
                gap_status=status,
                maturity=req.get("maturity"),
                target_maturity=req.get("target"),
                owner=req.get("owner"),
            ),
            "methods": ["EXAMINE", "INTERVIEW"],
            "subjects": [{"subject-uuid": subject, "type": "component"}],
            "collected": _dt(run.assessment_date),
        }
        if evidence:
            obs["relevant-evidence"] = [{"href": f"#{resource}", "description": str(e)} for e in evidence]
        else:
            obs["relevant-evidence"] = [{"href": f"#{resource}", "description": "No evidence recorded in gap.csv."}]
        observations.append(obs)
        if status not in _STATE:
            continue
        target = {
            **_target(rid, parts),
            "status": {"state": _STATE[status], "reason": "pass" if status == "compliant" else "fail"},
        }
        if status in _IMPL:
            target["implementation-status"] = {"state": _IMPL[status]}
        findings.append(
            {
                "uuid": ids("finding", "gap", scope, rid),
                "title": f"{rid} {req['title']}",
                "description": f"Gap assessment ({scope}): {_WORDS[status]}.",
                "props": _props(scope=scope),
                "target": target,
                "related-observations": [{"observation-uuid": ouuid}],
            }
        )
    label = f"AI system {sid}" if sid else "the organisation"
    return {
        "uuid": ids("result", "gap", scope, run.assessment_date),
        "title": f"Gap assessment: {label}",
        "description": f"ISO/IEC 42001 gap assessment of {label} on {run.assessment_date} (aimskit {name}).",
        "start": _dt(res.get("assessment_date") or run.assessment_date),
        "props": _props(scope=scope),
        "reviewed-controls": _reviewed(selected),
        "observations": observations,
        "findings": findings,
    }


_NC = {"major_nonconformity", "minor_nonconformity"}


def _audit_results(run: Run, ids: _Ids, parts: set[str], selected: list[str], catalog_ids: set[str]) -> list[dict]:
    audit = run.results("audit/organisation")
    if not audit:
        return []
    out = []
    resource = ids("resource", "results", "audit/organisation")
    for a in audit.get("audits", []):
        fs = [f for f in audit.get("findings", []) if f.get("audit_id") == a["id"]]
        if a.get("status") != "done" and not fs:
            continue
        observations, findings = [], []
        for f in fs:
            ouuid = ids("observation", "audit", f["finding_id"])
            subject = ids("component", f.get("system_id") or "aims")
            observations.append(
                {
                    "uuid": ouuid,
                    "title": f"{f['finding_id']} ({f['grade'].replace('_', ' ')})",
                    "description": f.get("statement") or f["finding_id"],
                    "props": _props(
                        grade=f.get("grade"), finding_status=f.get("status"), requirement=f.get("requirement_id")
                    ),
                    "methods": ["EXAMINE", "INTERVIEW"],
                    "subjects": [{"subject-uuid": subject, "type": "component"}],
                    "relevant-evidence": [
                        {"href": f"#{resource}", "description": str(e)}
                        for e in (f.get("evidence") or ["(none recorded)"])
                    ],
                    "collected": _dt(f.get("raised") or a.get("end") or run.assessment_date),
                }
            )
            rid = f.get("requirement_id")
            if not rid or (control_id(rid) not in catalog_ids and objective_id(rid) not in parts):
                continue
            nc = f.get("grade") in _NC
            findings.append(
                {
                    "uuid": ids("finding", "audit", f["finding_id"]),
                    "title": f"{f['finding_id']}: {f.get('statement', '')}"[:240],
                    "description": f.get("statement") or f["finding_id"],
                    "props": _props(grade=f.get("grade"), finding_status=f.get("status"), scope=f.get("system_id")),
                    "target": {
                        **_target(rid, parts),
                        "status": {"state": "not-satisfied" if nc else "satisfied", "reason": "fail" if nc else "pass"},
                    },
                    "related-observations": [{"observation-uuid": ouuid}],
                }
            )
        r: dict[str, Any] = {
            "uuid": ids("result", "audit", a["id"]),
            "title": f"Internal audit {a['id']}",
            "description": a.get("title") or a["id"],
            "start": _dt(a.get("start") or run.assessment_date),
            "props": _props(audit_status=a.get("status"), lead_auditor=a.get("lead_auditor")),
            "reviewed-controls": _reviewed(selected),
        }
        if a.get("end"):
            r["end"] = _dt(a["end"])
        if observations:
            r["observations"] = observations
        if findings:
            r["findings"] = findings
        out.append(r)
    return out


def _security_results(run: Run, ids: _Ids, parts: set[str], selected: list[str], catalog_ids: set[str]) -> list:
    out = []
    found = run.step_results("security")
    # the organisation-wide security report covers every tested system: use it alone when present
    chosen = {"security/organisation": found["security/organisation"]} if "security/organisation" in found else found
    for name, res in sorted(chosen.items()):
        # one evidence row per red-team run, with the Annex A controls it is evidence for ("controls");
        # a row per control ("control_id") is accepted too
        rows = [
            {**e, "control_id": cid}
            for e in res.get("evidence", []) or []
            for cid in (e.get("controls") or ([e["control_id"]] if e.get("control_id") else []))
        ]
        if not rows:
            continue
        resource = ids("resource", "results", name)
        observations, findings = [], []
        for e in rows:
            key = (e.get("system_id"), e.get("run_id"), e["control_id"])
            ouuid = ids("observation", "security", *key)
            verdict = e.get("verdict")
            observations.append(
                {
                    "uuid": ouuid,
                    "title": f"Red-team run {e.get('run_id')} ({e.get('tool')}): {verdict}",
                    "description": f"Verdict {verdict} for {e['control_id']} on AI system {e.get('system_id')}.",
                    "props": _props(verdict=verdict, tool=e.get("tool"), run=e.get("run_id"), sha256=e.get("sha256")),
                    "methods": ["TEST"],
                    "subjects": [{"subject-uuid": ids("component", e.get("system_id") or "aims"), "type": "component"}],
                    "relevant-evidence": [{"href": f"#{resource}", "description": f"sha256 {e.get('sha256') or ''}"}],
                    "collected": _dt(e.get("run_date") or run.assessment_date),
                }
            )
            if verdict not in ("pass", "fail") or control_id(e["control_id"]) not in catalog_ids:
                continue
            findings.append(
                {
                    "uuid": ids("finding", "security", *key),
                    "title": f"{e['control_id']}: red-team verdict {verdict} ({e.get('system_id')})",
                    "description": f"Red-team evidence for {e['control_id']}: {verdict}.",
                    "props": _props(scope=e.get("system_id"), verdict=verdict),
                    "target": _target(e["control_id"], parts)
                    | {"status": {"state": "satisfied" if verdict == "pass" else "not-satisfied"}},
                    "related-observations": [{"observation-uuid": ouuid}],
                }
            )
        r: dict[str, Any] = {
            "uuid": ids("result", "security", name),
            "title": f"Security testing: AI system {res['system_id']}" if res.get("system_id") else "Security testing",
            "description": f"Red-team verdicts from aimskit {name}.",
            "start": _dt(run.assessment_date),
            "reviewed-controls": _reviewed(selected),
            "observations": observations,
        }
        if findings:
            r["findings"] = findings
        out.append(r)
    return out


def build_assessment_results(run: Run, cat: dict[str, Any]) -> dict[str, Any]:
    ids = _Ids(run.organisation)
    selected, _, _ = _selected(run)
    catalog_ids, parts = catalog_controls(cat)
    results = []
    gaps = run.step_results("gap")
    for name in ["gap/organisation", *sorted(n for n in gaps if n != "gap/organisation")]:
        results.append(_gap_result(run, ids, name, gaps[name], parts, selected))
    results += _audit_results(run, ids, parts, selected, catalog_ids)
    results += _security_results(run, ids, parts, selected, catalog_ids)
    return {
        "uuid": ids("assessment-results", run.assessment_date),
        "metadata": _metadata(
            f"{run.organisation}: ISO/IEC 42001 assessment results",
            run.assessment_date,
            run,
            parties=_parties(run, ids, []),
        ),
        "import-ap": {"href": FILES["assessment-plan"]},
        "results": results,
        "back-matter": {"resources": _resources(run, ids)},
    }


_RISK_STATUS = {
    "open": "open",
    "in_treatment": "remediating",
    "treated": "remediating",
    "accepted": "deviation-approved",
    "pending_acceptance": "deviation-requested",
    "closed": "closed",
}


def build_poam(run: Run) -> dict[str, Any]:
    """Remediation roadmap items, risk treatment actions and open corrective actions as POA&M items."""
    ids = _Ids(run.organisation)
    gap = run.results("gap/organisation") or {}
    risk = run.results("risk/organisation") or {}
    audit = run.results("audit/organisation") or {}
    open_cas = [f for f in audit.get("findings", []) if f.get("open") and f.get("nonconformity")]
    owners = [x.get("owner") for x in gap.get("remediation", [])]
    owners += [x.get("owner") for x in risk.get("risks", [])]
    owners += [f.get("owner") for f in open_cas]
    items = [_remediation_item(ids, rem) for rem in gap.get("remediation", [])]
    risks = []
    for r in risk.get("risks", []):
        obj = _risk(ids, r)
        risks.append(obj)
        # every risk still to treat: with its actions, or flagged as having none (a retained, accepted
        # risk without actions needs no item)
        if obj["status"] != "closed" and (r.get("actions") or obj["status"] != "deviation-approved"):
            items.append(_risk_item(ids, r, obj["uuid"]))
    items += [_corrective_item(ids, f) for f in open_cas]
    doc: dict[str, Any] = {
        "uuid": ids("poam", run.assessment_date),
        "metadata": _metadata(
            f"{run.organisation}: ISO/IEC 42001 plan of action and milestones",
            run.assessment_date,
            run,
            parties=_parties(run, ids, [o for o in owners if o]),
        ),
        "system-id": {"identifier-type": NS, "id": "aims"},
        "poam-items": items,
        "back-matter": {"resources": _resources(run, ids)},
    }
    if risks:
        doc["risks"] = risks
    return doc


def _with_origin(item: dict[str, Any], ids: _Ids, owner: str | None) -> dict[str, Any]:
    """``item`` with its owner (a party) as its origin, when it has one."""
    if owner:
        item["origins"] = [{"actors": [{"type": "party", "actor-uuid": ids("party", "person", owner)}]}]
    return item


def _remediation_item(ids: _Ids, rem: dict[str, Any]) -> dict[str, Any]:
    """A gap remediation roadmap item (an organisation-wide one linked to its finding)."""
    where = rem.get("where") or "organisation"
    item: dict[str, Any] = {
        "uuid": ids("poam-item", "remediation", where, rem["id"]),
        "title": f"{rem['priority']} remediate {rem['id']} {rem['title']}",
        "description": rem.get("notes")
        or f"Bring {rem['id']} from maturity {rem.get('maturity')} to {rem.get('target')}.",
        "props": _props(
            kind="gap-remediation",
            priority=rem.get("priority"),
            owner=rem.get("owner"),
            target_date=rem.get("target_date"),
            status=rem.get("status"),
            overdue=str(bool(rem.get("overdue"))).lower(),
            scope=where,
        ),
    }
    if where == "organisation":
        finding = ids("finding", "gap", "organisation", rem["id"])
        item["links"] = [{"href": f"{FILES['assessment-results']}#{finding}", "rel": "related"}]
    return _with_origin(item, ids, rem.get("owner"))


def _risk(ids: _Ids, r: dict[str, Any]) -> dict[str, Any]:
    """A risk of the register as an OSCAL risk: scores as facets, its actions as a remediation."""
    status = _RISK_STATUS.get(str(r.get("status")), "open")
    facets = [
        {"name": "likelihood", "system": NS, "value": str(r.get("likelihood"))},
        {"name": "impact", "system": NS, "value": str(r.get("impact"))},
        {"name": "inherent-score", "system": NS, "value": str(r.get("inherent_score"))},
    ]
    if r.get("residual_score") is not None:
        facets.append({"name": "residual-score", "system": NS, "value": str(r.get("residual_score"))})
    obj: dict[str, Any] = {
        "uuid": ids("risk", r["risk_id"]),
        "title": f"{r['risk_id']} {r['title']}",
        "description": r.get("description") or r["title"],
        "statement": r.get("consequence_individuals") or r.get("consequence_organisation") or r["title"],
        "props": _props(
            system=r.get("system_id"),
            owner=r.get("owner"),
            treatment=r.get("treatment"),
            residual_above_appetite=str(bool(r.get("residual_above_appetite"))).lower(),
        ),
        "status": status,
        "characterizations": [
            {"origin": {"actors": [{"type": "party", "actor-uuid": ids("party", "organisation")}]}, "facets": facets}
        ],
    }
    if r.get("due_date"):
        obj["deadline"] = _dt(r["due_date"])
    if r.get("actions"):
        obj["remediations"] = [
            {
                "uuid": ids("response", r["risk_id"]),
                "lifecycle": "completed" if status == "closed" else "planned",
                "title": f"Treatment of {r['risk_id']}",
                "description": r["actions"],
            }
        ]
    return obj


def _risk_item(ids: _Ids, r: dict[str, Any], risk_uuid: str) -> dict[str, Any]:
    """The POA&M item of a risk still to treat."""
    item = {
        "uuid": ids("poam-item", "risk", r["risk_id"]),
        "title": f"Treat risk {r['risk_id']} {r['title']}",
        "description": r.get("actions") or "No treatment action is recorded yet for this risk.",
        "props": _props(
            kind="risk-treatment",
            owner=r.get("owner"),
            target_date=r.get("due_date"),
            status=r.get("status"),
            controls=r.get("controls"),
        ),
        "related-risks": [{"risk-uuid": risk_uuid}],
    }
    return _with_origin(item, ids, r.get("owner"))


def _corrective_item(ids: _Ids, f: dict[str, Any]) -> dict[str, Any]:
    """The corrective action of an open nonconformity, linked to its finding."""
    finding = ids("finding", "audit", f["finding_id"])
    item = {
        "uuid": ids("poam-item", "corrective-action", f["finding_id"]),
        "title": f"Corrective action for {f['finding_id']} ({f['grade'].replace('_', ' ')}, {f['requirement_id']})",
        "description": f.get("corrective_action") or f"No corrective action recorded yet for {f['finding_id']}.",
        "props": _props(
            kind="corrective-action",
            owner=f.get("owner"),
            target_date=f.get("due_date"),
            status=f.get("status"),
            overdue=str(bool(f.get("overdue"))).lower(),
        ),
        "links": [{"href": f"{FILES['assessment-results']}#{finding}", "rel": "related"}],
    }
    return _with_origin(item, ids, f.get("owner"))


# ---------------------------------------------------------------------------------------------- validating


def _models() -> dict[str, Any]:
    require("trestle", "The OSCAL export")  # raises MissingDependency (exit 1) without the extra
    from trestle.oscal.assessment_plan import AssessmentPlan
    from trestle.oscal.assessment_results import AssessmentResults
    from trestle.oscal.catalog import Catalog
    from trestle.oscal.poam import PlanOfActionAndMilestones
    from trestle.oscal.profile import Profile

    return {
        "catalog": Catalog,
        "profile": Profile,
        "assessment-plan": AssessmentPlan,
        "assessment-results": AssessmentResults,
        "plan-of-action-and-milestones": PlanOfActionAndMilestones,
    }


def validate(kind: str, doc: dict[str, Any]) -> Any:
    """Validate ``doc`` with trestle's model of ``kind``; return the model instance."""
    return _models()[kind].model_validate(doc)


def build(out: str | Path) -> dict[str, dict[str, Any]]:
    """Every OSCAL document of the run in ``out``, keyed by OSCAL model name, validated by trestle."""
    run = read_run(out)
    cat = build_catalog(run)
    docs = {
        "catalog": cat,
        "profile": build_profile(run),
        "assessment-plan": build_assessment_plan(run),
        "assessment-results": build_assessment_results(run, cat),
        "plan-of-action-and-milestones": build_poam(run),
    }
    for kind, doc in docs.items():
        validate(kind, doc)
    problems = check_references(docs)
    if problems:
        raise OscalError("the OSCAL documents have unresolved references: " + "; ".join(problems[:10]))
    return docs


def serialise(kind: str, doc: dict[str, Any]) -> str:
    """The JSON text of a document: trestle's model, dumped by alias, wrapped in its model name."""
    model = validate(kind, doc)
    data = json.loads(model.oscal_serialize_json(pretty=False, wrapped=False))
    return json.dumps({kind: data}, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def export(out: str | Path, dest: str | Path) -> list[Path]:
    """Write the five OSCAL documents of the run in ``out`` into ``dest``; return their paths."""
    _models()  # without compliance-trestle: one line naming the extra, before anything is read
    docs = build(out)
    dest = Path(dest)
    written = []
    for kind, doc in docs.items():
        path = dest / FILES[kind]
        atomic_write_text(path, serialise(kind, doc))
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------------- references


def _walk(node: Any, key: str | None = None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    else:
        yield key, node


def _uuid_counts(doc: Any) -> dict[str, int]:
    """How many times each UUID is defined in a document (objects with a ``uuid`` key)."""
    seen: dict[str, int] = {}

    def count(n: Any) -> None:
        if isinstance(n, dict):
            if isinstance(n.get("uuid"), str):
                seen[n["uuid"]] = seen.get(n["uuid"], 0) + 1
            for v in n.values():
                count(v)
        elif isinstance(n, list):
            for v in n:
                count(v)

    count(doc)
    return seen


_REF_KEYS = {"observation-uuid", "risk-uuid", "finding-uuid", "subject-uuid", "actor-uuid", "party-uuids", "task-uuid"}


def _link_problems(kind: str, href: str, defined: set[str], by_file: dict[str, set[str]]) -> list[str]:
    """A ``#uuid`` link against its own document, a ``file.json#uuid`` link against the named file."""
    file, _, frag = href.partition("#")
    if not file:
        return [] if frag in defined else [f"{kind}: link #{frag} does not resolve in the document"]
    if file not in by_file:
        return [f"{kind}: link {href} names a file that is not exported"]
    return [] if frag in by_file[file] else [f"{kind}: link {href} does not resolve in {file}"]


def check_references(docs: dict[str, dict[str, Any]]) -> list[str]:
    """Every cross-reference the OSCAL validators accept unchecked, resolved across the documents.

    Checks: profile import and control IDs against the catalog; ``reviewed-controls``, ``control-id``
    and finding targets against the catalog's controls and parts; ``import-ap`` and ``import-ssp``;
    every ``*-uuid`` reference within its document; every ``#uuid`` link against that document's
    objects (back-matter resources included) and every ``file.json#uuid`` link against the named file;
    duplicate UUIDs within a document. Returns the problems found (empty when all resolve)."""
    problems: list[str] = []
    cat = docs["catalog"]
    controls, parts = catalog_controls(cat)
    counts = {k: _uuid_counts(d) for k, d in docs.items()}  # every UUID a document defines, once per document
    by_file = {FILES[k]: set(c) for k, c in counts.items()}
    defined = {k: set(c) for k, c in counts.items()}
    # the assessment results inherit what the plan they import defines (its components, tasks, parties)
    defined["assessment-results"] |= defined["assessment-plan"]

    for kind, doc in docs.items():
        problems += [f"{kind}: uuid {u} defined {c} times" for u, c in counts[kind].items() if c > 1]
        for key, value in _walk(doc):
            if key in _REF_KEYS and value not in defined[kind]:
                problems.append(f"{kind}: {key} {value} is not defined in the document")
            if key == "control-id" and value not in controls:
                problems.append(f"{kind}: control-id {value} is not in the catalog")
            if key == "target-id" and value not in parts:
                problems.append(f"{kind}: target-id {value} is not an objective or statement of the catalog")
            if key == "href" and isinstance(value, str) and "#" in value:
                problems += _link_problems(kind, value, defined[kind], by_file)
    prof = docs.get("profile", {})
    for imp in prof.get("imports", []):
        if imp.get("href") != FILES["catalog"]:
            problems.append(f"profile: import {imp.get('href')} is not the exported catalog")
        for sel in imp.get("include-controls", []):
            problems += [
                f"profile: with-ids {i} is not in the catalog" for i in sel.get("with-ids", []) if i not in controls
            ]
    ar = docs.get("assessment-results", {})
    if ar and ar.get("import-ap", {}).get("href") != FILES["assessment-plan"]:
        problems.append("assessment-results: import-ap does not name the exported assessment plan")
    for kind in ("assessment-plan", "assessment-results"):
        d = docs.get(kind, {})
        href = d.get("import-ssp", {}).get("href") if "import-ssp" in d else None
        if href and href.startswith("#") and href[1:] not in defined[kind]:
            problems.append(f"{kind}: import-ssp {href} does not resolve")
    return problems
