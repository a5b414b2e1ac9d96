"""Internal audit and management review files: ``audits.yaml``, ``findings.csv``, ``reviews.yaml``.

``audits.yaml`` is the audit programme (ISO/IEC 42001 9.2): its audits with period, scope,
criteria, lead auditor and team, and status (planned / done). ``findings.csv`` holds every
finding of those audits with its corrective-action trail (10.2). ``reviews.yaml`` records the
management reviews held (9.3): attendees, decisions, actions, and the figures each review saw
(used to show the change in performance at the next review).

All three are optional. The part returns an :class:`AuditData`; every problem is reported with
its ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from aimskit import catalog
from aimskit.base.ids import natural_key
from aimskit.base.problems import one_of, suggest, suggest_id
from aimskit.engagement.parts import templates
from aimskit.engagement.parts.base import Part, ReadContext
from aimskit.engagement.parts.core import unknown_requirement
from aimskit.formats.csvschema import (
    Column,
    Record,
    TableSchema,
    check_duplicates,
    template_csv,
    to_frame,
    validate_table,
)
from aimskit.formats.yamlio import load_yaml
from aimskit.formats.yamlmodel import (
    ID_PATTERN,
    Choice,
    Date,
    Entries,
    Id,
    Number,
    Percent,
    PositionedTextList,
    Positions,
    RequiredDate,
    RequiredText,
    RequiredTextList,
    Strict,
    Text,
    TextList,
    read_model,
)

AUDITS_FILE = "audits.yaml"
FINDINGS_FILE = "findings.csv"
REVIEWS_FILE = "reviews.yaml"
FILES = (AUDITS_FILE, FINDINGS_FILE, REVIEWS_FILE)

AUDIT_STATUSES = ("planned", "done")
GRADES = (
    "major_nonconformity",
    "minor_nonconformity",
    "observation",
    "opportunity_for_improvement",
    "good_practice",
)
NONCONFORMITIES = ("major_nonconformity", "minor_nonconformity")
FINDING_STATUSES = ("open", "in_progress", "closed")
EFFECTIVENESS = ("effective", "not_effective")
ACTION_KINDS = ("improvement", "aims_change", "resources", "other")
ACTION_STATUSES = ("open", "in_progress", "done")
PERFORMANCE_KEYS = ("gap_conformity", "gap_conformity_clauses", "gap_conformity_controls", "open_nonconformities")

FINDINGS_SCHEMA = TableSchema(
    file=FINDINGS_FILE,
    key=("finding_id",),
    description="One row per audit finding, with its correction, corrective action and effectiveness check.",
    columns=(
        Column(
            "finding_id", "unique finding identifier", kind="id", mandatory=True, pattern=ID_PATTERN, example="F-01"
        ),
        Column("audit_id", "the audit (an id in audits.yaml)", mandatory=True, example="IA-2026-01"),
        Column("requirement_id", "clause sub-clause or Annex A control", mandatory=True, example="9.1"),
        Column("system_id", "an id from systems.csv when the finding concerns one AI system", example="llm-assist"),
        Column("grade", "finding grade", kind="enum", choices=GRADES, mandatory=True, example="minor_nonconformity"),
        Column(
            "statement",
            "what was found, against which requirement",
            mandatory=True,
            example="No metrics measure the effectiveness of the AIMS",
        ),
        Column("evidence", "objective evidence, separated by ';'", kind="list", example="Interview AI Governance Lead"),
        Column(
            "raised_on",
            "date the finding was raised (empty: the audit's end date)",
            kind="date",
            required=False,
            example="2026-10-16",
        ),
        Column("root_cause", "root cause found by the auditee", example="No owner for AIMS metrics"),
        Column("correction", "immediate correction", example="Interim KPI list agreed at the AIGC"),
        Column("corrective_action", "action that removes the cause", example="Define AIMS KPIs and reporting"),
        Column("owner", "who owns the corrective action", example="AI Governance Lead (R. Byrne)"),
        Column("due_date", "date the corrective action is due, YYYY-MM-DD", kind="date", example="2027-01-31"),
        Column("status", "state of the finding", kind="enum", choices=FINDING_STATUSES, mandatory=True, example="open"),
        Column("verified_by", "who checked the effectiveness of the corrective action", example=""),
        Column("verified_on", "date of the effectiveness check", kind="date", example=""),
        Column("effectiveness", "result of the effectiveness check", kind="enum", choices=EFFECTIVENESS, example=""),
        Column("closure_date", "date the finding was closed", kind="date", example=""),
        Column("recurrence_of", "finding_id of an earlier finding this one repeats", example=""),
    ),
)


@dataclass
class AuditData:
    """The parsed audit programme, findings and management reviews (empty frames when absent)."""

    programme: dict[str, Any] = field(default_factory=dict)
    audits: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    reviews: pd.DataFrame = field(default_factory=pd.DataFrame)
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    next_review: dict[str, Any] = field(default_factory=dict)
    present: dict[str, bool] = field(default_factory=dict)

    @property
    def audit_ids(self) -> list[str]:
        return list(self.audits["id"]) if not self.audits.empty else []

    @property
    def review_ids(self) -> list[str]:
        return list(self.reviews["id"]) if not self.reviews.empty else []


AUDIT_COLUMNS = [
    "line",
    "id",
    "title",
    "start",
    "end",
    "status",
    "lead_auditor",
    "team",
    "criteria",
    "clauses",
    "controls",
    "systems",
    "requirements",
    "notes",
]
REVIEW_COLUMNS = [
    "line",
    "id",
    "date",
    "title",
    "chair",
    "attendees",
    "decisions",
    "performance",
    "issues",
    "notes",
]
ACTION_COLUMNS = ["line", "review_id", "id", "kind", "description", "owner", "due", "status", "completed_on"]


# ---------------------------------------------------------------------------------------------
# scope vocabulary


def scope_ids() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Valid scope entries -> the assessable requirements they cover: (clauses, Annex A).

    An entry is an assessable requirement, a clause heading (``9``, ``6.1``) covering its
    sub-clauses, or an Annex A objective / sub-group (``A.6``, ``A.6.2``) covering its controls.
    """
    reqs = catalog.load("iso42001")
    clause_heads = catalog.load("iso42001-clauses")["id"].tolist()
    annex = catalog.load("iso42001-annex-a")
    annex_heads = sorted(set(annex["id"]) | set(annex["objective_id"]) | set(annex["group_id"]), key=natural_key)
    ids = reqs["id"].tolist()

    def expand(entry: str) -> list[str]:
        return [i for i in ids if i == entry or i.startswith(entry + ".")]

    clauses = {c: expand(c) for c in clause_heads}
    controls = {c: expand(c) for c in annex_heads}
    return {k: v for k, v in clauses.items() if v}, {k: v for k, v in controls.items() if v}


def _loop(start: str, links: dict[str, str]) -> list[str]:
    path, node = [start], links.get(start)
    while node and node != start:
        path.append(node)
        node = links.get(node)
    return [*path, start]


# ---------------------------------------------------------------------------------------------
# the YAML models (types and messages: aimskit.formats.yamlmodel)


class Programme(Strict):
    where: ClassVar[str] = "programme"
    name: Text = ""
    start: Date = None
    end: Date = None
    objectives: TextList


class Scope(Strict):
    where: ClassVar[str] = "scope"
    clauses: PositionedTextList
    controls: PositionedTextList
    systems: PositionedTextList


class Audit(Strict):
    where: ClassVar[str] = "audit #{n}"
    id: Id
    start: RequiredDate
    end: RequiredDate
    status: Choice(AUDIT_STATUSES)  # type: ignore[valid-type]
    title: Text = ""
    lead_auditor: RequiredText
    team: TextList
    criteria: TextList
    notes: Text = ""
    scope: Scope | None = None


class AuditsFile(Strict):
    where: ClassVar[str] = "the file"
    programme: Programme | None = None
    audits: Entries(Audit)  # type: ignore[valid-type]


class Performance(Strict):
    where: ClassVar[str] = "performance"
    gap_conformity: Percent | None = None
    gap_conformity_clauses: Percent | None = None
    gap_conformity_controls: Percent | None = None
    open_nonconformities: Number | None = None


class Issues(Strict):
    where: ClassVar[str] = "issues"
    external: TextList
    internal: TextList


class Action(Strict):
    where: ClassVar[str] = "an action"
    id: Id
    due: RequiredDate
    completed_on: Date = None
    status: Choice(ACTION_STATUSES)  # type: ignore[valid-type]
    kind: Choice(ACTION_KINDS)  # type: ignore[valid-type]
    description: RequiredText
    owner: RequiredText


class Review(Strict):
    where: ClassVar[str] = "review #{n}"
    id: Id
    date: RequiredDate
    performance: Performance | None = None
    issues: Issues | None = None
    title: Text = ""
    chair: Text = ""
    attendees: RequiredTextList
    decisions: TextList
    notes: Text = ""
    actions: Entries(Action)  # type: ignore[valid-type]


class NextReview(Strict):
    where: ClassVar[str] = "next_review"
    date: Date = None
    title: Text = ""


class ReviewsFile(Strict):
    where: ClassVar[str] = "the file"
    reviews: Entries(Review)  # type: ignore[valid-type]
    next_review: NextReview | None = None


# ---------------------------------------------------------------------------------------------
# audits.yaml


def _read_audits(ctx: ReadContext, path: Any) -> tuple[dict[str, Any], pd.DataFrame]:
    file = ctx.name(AUDITS_FILE)
    doc = load_yaml(path, file, ctx.problems)
    empty = pd.DataFrame(columns=AUDIT_COLUMNS)
    if doc is None:
        return {}, empty
    y = Positions(doc, file, ctx.problems)
    data: AuditsFile | None = read_model(AuditsFile, doc.data, doc, file, ctx.problems)
    if data is None:
        return {}, empty
    programme: dict[str, Any] = {}
    prog = data.programme
    if prog is not None:
        programme = {
            "name": prog.name or "",
            "start": prog.start,
            "end": prog.end,
            "objectives": list(prog.objectives or []),
        }
        if programme["start"] and programme["end"] and programme["end"] < programme["start"]:
            y.error(("programme", "end"), "programme end is before its start", code="AK501")
    if "audits" not in doc.data:
        y.error((), "missing required key 'audits' (a list of audits; write 'audits: []' for none yet)", code="AK106")
    clause_scope, control_scope = scope_ids()
    as_of = ctx.meta.assessment_date if ctx.meta is not None else None
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(data.audits or []):
        if item is None:
            continue
        p = ("audits", i)
        aid = item.id or ""
        start, end, status = item.start, item.end, item.status or ""
        row = {
            "line": y.line(p),
            "id": aid,
            "title": item.title or "",
            "start": start,
            "end": end,
            "status": status,
            "lead_auditor": item.lead_auditor or "",
            "team": list(item.team or []),
            "criteria": list(item.criteria or []),
            "notes": item.notes or "",
        }
        if start and end and end < start:
            y.error((*p, "end"), f"audit '{aid}' ends ({end}) before it starts ({start})", code="AK502")
        if status == "done" and end and as_of and end > as_of:
            y.error(
                (*p, "end"),
                f"audit '{aid}' is done but ends after the assessment date {as_of}; set status: planned",
                code="AK503",
            )
        if status == "planned" and end and as_of and end < as_of:
            y.warning(
                (*p, "end"),
                f"audit '{aid}' is still planned but was due to end on {end}, before the assessment date {as_of}: "
                "record it as done or move its dates",
                code="AK504",
            )
        scope = item.scope
        raw_scope = doc.data["audits"][i].get("scope")
        clauses: list[str] = []
        controls: list[str] = []
        systems: list[str] = []
        if scope is None:
            y.error(p, f"audit '{aid}' has no scope: add scope with clauses, controls and/or systems", code="AK505")
        else:
            sp = (*p, "scope")
            for key, vocab, other, what in (
                ("clauses", clause_scope, control_scope, "clause"),
                ("controls", control_scope, clause_scope, "Annex A control or objective"),
            ):
                for j, entry in enumerate(getattr(scope, key) or []):
                    if not entry:
                        continue
                    if entry in vocab:
                        (clauses if key == "clauses" else controls).append(entry)
                    elif entry in other:
                        y.error(
                            (*sp, key, j),
                            f"'{entry}' belongs under {'controls' if key == 'clauses' else 'clauses'}",
                            code="AK507",
                        )
                    else:
                        y.error(
                            (*sp, key, j),
                            f"unknown {what} '{entry}' in the audit scope{suggest_id(entry, vocab)}",
                            code="AK508",
                        )
            for j, entry in enumerate(scope.systems or []):
                if not entry:
                    continue
                if entry not in ctx.systems:
                    y.error(
                        (*sp, "systems", j),
                        f"unknown system '{entry}': not an id in systems.csv{suggest(entry, ctx.systems)}",
                        code="AK125",
                    )
                else:
                    systems.append(entry)
            if not clauses and not controls and "clauses" not in raw_scope and "controls" not in raw_scope:
                y.error(sp, f"audit '{aid}' scope names no clause or control", code="AK506")
        requirements: list[str] = []
        for entry in clauses:
            requirements.extend(clause_scope[entry])
        for entry in controls:
            requirements.extend(control_scope[entry])
        row.update(
            clauses=clauses,
            controls=controls,
            systems=systems,
            requirements=sorted(dict.fromkeys(requirements), key=natural_key),
        )
        if aid:
            if aid in seen:
                y.error((*p, "id"), f"duplicate audit id '{aid}' (first on line {seen[aid]})", code="AK113")
                continue
            seen[aid] = row["line"]
            rows.append(row)
    return programme, pd.DataFrame(rows, columns=AUDIT_COLUMNS)


# ---------------------------------------------------------------------------------------------
# findings.csv


def _read_findings(
    ctx: ReadContext, path: Any, audits: pd.DataFrame, audits_present: bool, audits_broken: bool = False
) -> pd.DataFrame:
    """``audits_broken``: audits.yaml could not be read (its problems are reported), so an audit a finding
    names may be one that could not be read: no "unknown audit" for it (one error, not one per finding)."""
    file = ctx.name(FINDINGS_FILE)
    problems = ctx.problems
    records = validate_table(path, FINDINGS_SCHEMA, file, problems)
    records = check_duplicates(records, FINDINGS_SCHEMA, file, problems)
    kinds = dict(zip(*[catalog.load("iso42001")[c] for c in ("id", "kind")], strict=True))
    by_audit = {r["id"]: r for r in audits.to_dict(orient="records")}
    as_of = ctx.meta.assessment_date if ctx.meta is not None else None
    ids = {r.values["finding_id"]: r for r in records if r.values.get("finding_id")}
    kept: list[Record] = []
    for rec in records:
        v, line = rec.values, rec.line
        ok = True
        aid = v.get("audit_id")
        audit = by_audit.get(aid)
        if aid and audit is None and audits_broken:
            ok = False
        elif aid and audit is None:
            where = f"not an id in {AUDITS_FILE}" if audits_present else f"{AUDITS_FILE} is missing"
            problems.error(
                file, line, "audit_id", f"unknown audit '{aid}': {where}{suggest(aid, by_audit)}", code="AK509"
            )
            ok = False
        elif audit is not None and audit["status"] == "planned":
            problems.error(
                file,
                line,
                "audit_id",
                f"audit '{aid}' is planned: findings can only be raised by a done audit",
                code="AK510",
            )
            ok = False
        rid = v.get("requirement_id")
        if rid and rid not in kinds and rid[:1] == "a" and rid.upper() in kinds:
            problems.warning(
                file,
                line,
                "requirement_id",
                f"'{rid}' was read as '{rid.upper()}'; write '{rid.upper()}'",
                code="AK105",
            )
            rid = v["requirement_id"] = rid.upper()
        if rid and rid not in kinds:
            problems.error(file, line, "requirement_id", unknown_requirement(rid, kinds), code="AK127")
            ok = False
        elif rid and audit is not None and rid not in audit["requirements"]:
            problems.warning(
                file, line, "requirement_id", f"requirement {rid} is outside the scope of audit '{aid}'", code="AK511"
            )
        sid = v.get("system_id")
        if sid and sid not in ctx.systems:
            problems.error(
                file,
                line,
                "system_id",
                f"unknown system '{sid}': not an id in systems.csv{suggest(sid, ctx.systems)}",
                code="AK125",
            )
            ok = False
        raised = v.get("raised_on") or (audit["end"] if audit is not None else None)
        v["raised"] = raised
        status = v.get("status")
        closure = v.get("closure_date")
        if status == "closed" and closure is None and rec.raw.get("closure_date", "").strip() == "":
            problems.error(file, line, "closure_date", "status is closed but closure_date is empty", code="AK512")
        if closure is not None and status in ("open", "in_progress"):
            problems.error(
                file,
                line,
                "closure_date",
                f"closure_date is set but status is {status}; set status closed",
                code="AK513",
            )
        for col in ("due_date", "verified_on", "closure_date"):
            when = v.get(col)
            if when is not None and raised is not None and when < raised:
                problems.error(
                    file, line, col, f"{col} {when} is before the finding was raised ({raised})", code="AK514"
                )
        for col in ("verified_on", "closure_date", "raised_on"):
            when = v.get(col)
            if when is not None and as_of is not None and when > as_of:
                problems.error(file, line, col, f"{col} {when} is after the assessment date {as_of}", code="AK515")
        checked = [c for c in ("verified_by", "verified_on", "effectiveness") if v.get(c) not in (None, "")]
        if checked and len(checked) < 3:
            missing = [c for c in ("verified_by", "verified_on", "effectiveness") if c not in checked]
            problems.error(
                file,
                line,
                missing[0],
                f"an effectiveness check needs verified_by, verified_on and effectiveness; {one_of(missing)} missing",
                code="AK516",
            )
        earlier = v.get("recurrence_of")
        if earlier:
            if earlier == v.get("finding_id"):
                problems.error(file, line, "recurrence_of", "a finding cannot be a recurrence of itself", code="AK517")
            elif earlier not in ids:
                problems.error(
                    file,
                    line,
                    "recurrence_of",
                    f"unknown finding '{earlier}': not a finding_id in {FINDINGS_FILE}{suggest(earlier, ids)}",
                    code="AK518",
                )
        if ok:
            kept.append(rec)
    # a recurrence must point to an earlier finding (after every row's raised date is known)
    raised_by_id = {r.values.get("finding_id"): r.values.get("raised") for r in kept}
    for rec in kept:
        earlier = rec.values.get("recurrence_of")
        mine, theirs = rec.values.get("raised"), raised_by_id.get(earlier)
        if earlier in raised_by_id and mine is not None and theirs is not None and theirs > mine:
            problems.error(
                file,
                rec.line,
                "recurrence_of",
                f"finding '{earlier}' was raised on {theirs}, after this one ({mine}); a recurrence points to an "
                "earlier finding",
                code="AK519",
            )
    links: dict[str, str] = {
        r.values["finding_id"]: r.values.get("recurrence_of") or "" for r in kept if r.values.get("finding_id")
    }
    for rec in kept:  # a chain of recurrences that comes back to its start is no history
        start = rec.values.get("finding_id") or ""
        seen, node = {start}, links.get(start)
        while node and node in links and node not in seen:
            seen.add(node)
            node = links.get(node)
        if node == start and links.get(start) != start:
            problems.error(
                file,
                rec.line,
                "recurrence_of",
                f"the recurrence links of '{start}' form a loop ({' -> '.join(_loop(start, links))}); a recurrence "
                "points to an earlier finding",
                code="AK520",
            )
    df = to_frame(kept, [*FINDINGS_SCHEMA.names, "raised"])
    return df.astype(object).where(df.notna(), None)


# ---------------------------------------------------------------------------------------------
# reviews.yaml


def _read_reviews(ctx: ReadContext, path: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    file = ctx.name(REVIEWS_FILE)
    doc = load_yaml(path, file, ctx.problems)
    empty: tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]] = (
        pd.DataFrame(columns=REVIEW_COLUMNS),
        pd.DataFrame(columns=ACTION_COLUMNS),
        {},
    )
    if doc is None:
        return empty
    y = Positions(doc, file, ctx.problems)
    data: ReviewsFile | None = read_model(ReviewsFile, doc.data, doc, file, ctx.problems)
    if data is None:
        return empty
    if "reviews" not in doc.data:
        y.error(
            (),
            "missing required key 'reviews' (a list of management reviews; write 'reviews: []' for none yet)",
            code="AK106",
        )
    as_of = ctx.meta.assessment_date if ctx.meta is not None else None
    nxt: dict[str, Any] = {}
    if data.next_review is not None:
        nxt = {"date": data.next_review.date, "title": data.next_review.title or ""}
        if nxt["date"] and as_of and nxt["date"] < as_of:
            y.warning(
                ("next_review", "date"),
                f"the next review date {nxt['date']} is before the assessment date",
                code="AK521",
            )
    reviews: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    seen_actions: dict[str, int] = {}
    for i, item in enumerate(data.reviews or []):
        if item is None:
            continue
        p = ("reviews", i)
        rid = item.id or ""
        when = item.date
        if when and as_of and when > as_of:
            y.error(
                (*p, "date"),
                f"review '{rid}' is dated after the assessment date {as_of}; record held reviews only",
                code="AK522",
            )
        perf: dict[str, float] = {}
        if item.performance is not None:
            perf = {k: float(v) for k in PERFORMANCE_KEYS if (v := getattr(item.performance, k, None)) is not None}
        issues: dict[str, list[str]] | None = None
        if item.issues is not None:
            issues = {k: list(getattr(item.issues, k) or []) for k in ("external", "internal")}
        row = {
            "line": y.line(p),
            "id": rid,
            "date": when,
            "title": item.title or "",
            "chair": item.chair or "",
            "attendees": list(item.attendees or []),
            "decisions": list(item.decisions or []),
            "performance": perf,
            "issues": issues,
            "notes": item.notes or "",
        }
        raw_actions = doc.data["reviews"][i].get("actions")
        for j, act in enumerate(item.actions or []):
            if act is None:
                continue
            ap = (*p, "actions", j)
            aid = act.id or ""
            due, done_on, status = act.due, act.completed_on, act.status or ""
            if status == "done" and done_on is None and raw_actions[j].get("completed_on") is None:
                y.error(ap, f"action '{aid}' is done but has no completed_on date", code="AK523")
            if done_on is not None and status in ("open", "in_progress"):
                y.error(
                    (*ap, "completed_on"),
                    f"action '{aid}' has completed_on but status {status}; set status done",
                    code="AK524",
                )
            if when and due and due < when:
                y.error(
                    (*ap, "due"),
                    f"action '{aid}' is due ({due}) before the review that decided it ({when})",
                    code="AK525",
                )
            if when and done_on and done_on < when:
                y.error(
                    (*ap, "completed_on"),
                    f"action '{aid}' completed ({done_on}) before the review ({when})",
                    code="AK526",
                )
            if done_on and as_of and done_on > as_of:
                y.error(
                    (*ap, "completed_on"), f"completed_on {done_on} is after the assessment date {as_of}", code="AK515"
                )
            if aid in seen_actions:
                y.error((*ap, "id"), f"duplicate action id '{aid}' (first on line {seen_actions[aid]})", code="AK113")
                continue
            if aid:
                seen_actions[aid] = y.line(ap)
            actions.append(
                {
                    "line": y.line(ap),
                    "review_id": rid,
                    "id": aid,
                    "kind": act.kind or "",
                    "description": act.description or "",
                    "owner": act.owner or "",
                    "due": due,
                    "status": status,
                    "completed_on": done_on,
                }
            )
        if rid:
            if rid in seen:
                y.error((*p, "id"), f"duplicate review id '{rid}' (first on line {seen[rid]})", code="AK113")
                continue
            seen[rid] = row["line"]
            reviews.append(row)
    rv = pd.DataFrame(reviews, columns=REVIEW_COLUMNS)
    if not rv.empty:
        rv = rv.sort_values("date", kind="stable").reset_index(drop=True)
    return rv, pd.DataFrame(actions, columns=ACTION_COLUMNS), nxt


# ---------------------------------------------------------------------------------------------


def empty() -> AuditData:
    """The audit part of an engagement without audits.yaml, findings.csv and reviews.yaml."""
    return AuditData(
        audits=pd.DataFrame(columns=AUDIT_COLUMNS),
        findings=pd.DataFrame(columns=["line", *FINDINGS_SCHEMA.names, "raised"]),
        reviews=pd.DataFrame(columns=REVIEW_COLUMNS),
        actions=pd.DataFrame(columns=ACTION_COLUMNS),
    )


def read(ctx: ReadContext) -> AuditData:
    out = empty()
    audits_path = ctx.optional_file(AUDITS_FILE)
    findings_path = ctx.optional_file(FINDINGS_FILE)
    reviews_path = ctx.optional_file(REVIEWS_FILE)
    out.present = {
        AUDITS_FILE: audits_path is not None,
        FINDINGS_FILE: findings_path is not None,
        REVIEWS_FILE: reviews_path is not None,
    }
    errors_before = len(ctx.problems.errors)
    if audits_path is not None:
        out.programme, out.audits = _read_audits(ctx, audits_path)
    audits_broken = len(ctx.problems.errors) > errors_before and out.audits.empty  # unreadable, not one bad entry
    if findings_path is not None:
        out.findings = _read_findings(ctx, findings_path, out.audits, audits_path is not None, audits_broken)
    if reviews_path is not None:
        out.reviews, out.actions, out.next_review = _read_reviews(ctx, reviews_path)
    return out


PART: Part[AuditData] = Part(
    "audit",
    FILES,
    read,
    empty,
    templates={
        AUDITS_FILE: lambda: templates.AUDITS_TEMPLATE,
        FINDINGS_FILE: lambda: template_csv(FINDINGS_SCHEMA, [{c.name: c.example for c in FINDINGS_SCHEMA.columns}]),
        REVIEWS_FILE: lambda: templates.REVIEWS_TEMPLATE,
    },
    schemas=(FINDINGS_SCHEMA,),
    description="The internal audit programme, its findings and corrective actions, and the management reviews.",
)
