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

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from aimskit import catalog
from aimskit.base.ids import natural_key
from aimskit.base.problems import Problems, one_of, suggest_id
from aimskit.engagement.parts import templates
from aimskit.engagement.parts.base import Part, ReadContext
from aimskit.engagement.parts.core import requirement_kinds, upper_annex_ids
from aimskit.engagement.parts.references import REQUIREMENT, SYSTEM
from aimskit.formats.csvschema import (
    Column,
    Record,
    Ref,
    TableSchema,
    Target,
    check_duplicates,
    dangling,
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

#: an audit of the programme in audits.yaml
AUDIT = Ref(AUDITS_FILE, "id", "audit", code="AK509")

FINDINGS_SCHEMA = TableSchema(
    file=FINDINGS_FILE,
    key=("finding_id",),
    description="One row per audit finding, with its correction, corrective action and effectiveness check.",
    columns=(
        Column(
            "finding_id", "unique finding identifier", kind="id", mandatory=True, pattern=ID_PATTERN, example="F-01"
        ),
        Column("audit_id", "the audit (an id in audits.yaml)", mandatory=True, example="IA-2026-01", refers_to=AUDIT),
        Column(
            "requirement_id",
            "clause sub-clause or Annex A control",
            mandatory=True,
            example="9.1",
            refers_to=REQUIREMENT,
        ),
        Column(
            "system_id",
            "an id from systems.csv when the finding concerns one AI system",
            example="llm-assist",
            refers_to=SYSTEM.to(blank="the organisation"),
        ),
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
        Column(
            "recurrence_of",
            "finding_id of an earlier finding this one repeats",
            example="",
            refers_to=Ref(FINDINGS_FILE, "finding_id", "finding", code="AK518", blank="not a recurrence"),
        ),
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


@functools.cache
def _scope_vocab() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """:func:`scope_ids`, computed once (read only)."""
    return scope_ids()


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
    programme = _programme(data, y)
    if "audits" not in doc.data:
        y.error((), "missing required key 'audits' (a list of audits; write 'audits: []' for none yet)", code="AK106")
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(data.audits or []):
        if item is None:
            continue
        row = _audit_row(ctx, y, ("audits", i), item, doc.data["audits"][i].get("scope"))
        aid = row["id"]
        if aid:
            if aid in seen:
                y.error(("audits", i, "id"), f"duplicate audit id '{aid}' (first on line {seen[aid]})", code="AK113")
                continue
            seen[aid] = row["line"]
            rows.append(row)
    return programme, pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def _programme(data: AuditsFile, y: Positions) -> dict[str, Any]:
    """The ``programme`` of audits.yaml (empty when absent)."""
    prog = data.programme
    if prog is None:
        return {}
    if prog.start and prog.end and prog.end < prog.start:
        y.error(("programme", "end"), "programme end is before its start", code="AK501")
    return {"name": prog.name or "", "start": prog.start, "end": prog.end, "objectives": list(prog.objectives or [])}


def _audit_row(ctx: ReadContext, y: Positions, p: tuple, item: Any, raw_scope: Any) -> dict[str, Any]:
    """One audit of audits.yaml as a row, its dates and scope checked (``p``: its position)."""
    aid = item.id or ""
    row = {
        "line": y.line(p),
        "id": aid,
        "title": item.title or "",
        "start": item.start,
        "end": item.end,
        "status": item.status or "",
        "lead_auditor": item.lead_auditor or "",
        "team": list(item.team or []),
        "criteria": list(item.criteria or []),
        "notes": item.notes or "",
    }
    _check_audit_dates(y, p, row, ctx.meta.assessment_date if ctx.meta is not None else None)
    clauses: list[str] = []
    controls: list[str] = []
    systems: list[str] = []
    if item.scope is None:
        y.error(p, f"audit '{aid}' has no scope: add scope with clauses, controls and/or systems", code="AK505")
    else:
        clauses, controls = _scope_requirements(y, (*p, "scope"), item.scope)
        systems = _scope_systems(ctx, y, (*p, "scope"), item.scope)
        if not clauses and not controls and "clauses" not in raw_scope and "controls" not in raw_scope:
            y.error((*p, "scope"), f"audit '{aid}' scope names no clause or control", code="AK506")
    clause_scope, control_scope = _scope_vocab()
    requirements = [r for entry in clauses for r in clause_scope[entry]]
    requirements += [r for entry in controls for r in control_scope[entry]]
    row.update(
        clauses=clauses,
        controls=controls,
        systems=systems,
        requirements=sorted(dict.fromkeys(requirements), key=natural_key),
    )
    return row


def _check_audit_dates(y: Positions, p: tuple, row: dict[str, Any], as_of: Any) -> None:
    aid, start, end, status = row["id"], row["start"], row["end"], row["status"]
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


def _scope_requirements(y: Positions, sp: tuple, scope: Any) -> tuple[list[str], list[str]]:
    """The clauses and the Annex A controls or objectives an audit's scope names (``sp``: its position)."""
    clause_scope, control_scope = _scope_vocab()
    found: dict[str, list[str]] = {"clauses": [], "controls": []}
    for key, vocab, other, what in (
        ("clauses", clause_scope, control_scope, "clause"),
        ("controls", control_scope, clause_scope, "Annex A control or objective"),
    ):
        for j, entry in enumerate(getattr(scope, key) or []):
            if not entry:
                continue
            if entry in vocab:
                found[key].append(entry)
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
    return found["clauses"], found["controls"]


def _scope_systems(ctx: ReadContext, y: Positions, sp: tuple, scope: Any) -> list[str]:
    """The known AI systems an audit's scope names; an unknown one is a dangling reference to systems.csv."""
    target = ctx.target(SYSTEM)
    systems: list[str] = []
    for j, entry in enumerate(scope.systems or []):
        if not entry:
            continue
        problem = dangling(SYSTEM, target, entry) if target is not None else None
        if problem is None:
            systems.append(entry)
        else:
            y.error((*sp, "systems", j), problem[1], code=problem[0])
    return systems


# ---------------------------------------------------------------------------------------------
# findings.csv


def _read_findings(ctx: ReadContext, path: Any, audits: pd.DataFrame) -> pd.DataFrame:
    """The findings to count: unique, with known references (reported by the check of every table's
    references) and raised by a done audit; the problems of each row reported."""
    file = ctx.name(FINDINGS_FILE)
    problems = ctx.problems
    records = validate_table(path, FINDINGS_SCHEMA, file, problems)
    records = check_duplicates(records, FINDINGS_SCHEMA, file, problems)
    kinds = requirement_kinds()
    upper_annex_ids(records, kinds, file, problems)
    ids = {r.values["finding_id"]: r for r in records if r.values.get("finding_id")}
    ctx.provide(FINDINGS_FILE, "finding_id", Target(ids, where=f"a finding_id in {FINDINGS_FILE}"))
    counted = set(map(id, ctx.table(FINDINGS_SCHEMA, file, records)))
    by_audit = {r["id"]: r for r in audits.to_dict(orient="records")}
    as_of = ctx.meta.assessment_date if ctx.meta is not None else None
    kept: list[Record] = []
    for rec in records:
        audit = by_audit.get(rec.values.get("audit_id"))
        done = _check_finding_audit(rec, audit, kinds, file, problems)
        rec.values["raised"] = rec.values.get("raised_on") or (audit["end"] if audit is not None else None)
        _check_finding_dates(rec, as_of, file, problems)
        _check_finding_effectiveness(rec, file, problems)
        if rec.values.get("recurrence_of") and rec.values.get("recurrence_of") == rec.values.get("finding_id"):
            problems.error(file, rec.line, "recurrence_of", "a finding cannot be a recurrence of itself", code="AK517")
        if done and id(rec) in counted:
            kept.append(rec)
    _check_recurrences(kept, file, problems)
    df = to_frame(kept, [*FINDINGS_SCHEMA.names, "raised"])
    return df.astype(object).where(df.notna(), None)


def _check_finding_audit(
    rec: Record, audit: dict[str, Any] | None, kinds: dict[str, str], file: str, problems: Problems
) -> bool:
    """Whether the finding's audit is done (a planned audit raises none); a requirement outside its scope is
    a warning."""
    v = rec.values
    aid, rid = v.get("audit_id"), v.get("requirement_id")
    if audit is None:
        return True
    if audit["status"] == "planned":
        problems.error(
            file,
            rec.line,
            "audit_id",
            f"audit '{aid}' is planned: findings can only be raised by a done audit",
            code="AK510",
        )
        return False
    if rid in kinds and rid not in audit["requirements"]:
        problems.warning(
            file, rec.line, "requirement_id", f"requirement {rid} is outside the scope of audit '{aid}'", code="AK511"
        )
    return True


def _check_finding_dates(rec: Record, as_of: Any, file: str, problems: Problems) -> None:
    """A finding's closure against its status, and its dates against when it was raised and the assessment date."""
    v, line = rec.values, rec.line
    raised, status, closure = v.get("raised"), v.get("status"), v.get("closure_date")
    if status == "closed" and closure is None and rec.raw.get("closure_date", "").strip() == "":
        problems.error(file, line, "closure_date", "status is closed but closure_date is empty", code="AK512")
    if closure is not None and status in ("open", "in_progress"):
        problems.error(
            file, line, "closure_date", f"closure_date is set but status is {status}; set status closed", code="AK513"
        )
    for col in ("due_date", "verified_on", "closure_date"):
        when = v.get(col)
        if when is not None and raised is not None and when < raised:
            problems.error(file, line, col, f"{col} {when} is before the finding was raised ({raised})", code="AK514")
    for col in ("verified_on", "closure_date", "raised_on"):
        when = v.get(col)
        if when is not None and as_of is not None and when > as_of:
            problems.error(file, line, col, f"{col} {when} is after the assessment date {as_of}", code="AK515")


def _check_finding_effectiveness(rec: Record, file: str, problems: Problems) -> None:
    """An effectiveness check is complete or absent."""
    fields = ("verified_by", "verified_on", "effectiveness")
    checked = [c for c in fields if rec.values.get(c) not in (None, "")]
    if checked and len(checked) < 3:
        missing = [c for c in fields if c not in checked]
        problems.error(
            file,
            rec.line,
            missing[0],
            f"an effectiveness check needs verified_by, verified_on and effectiveness; {one_of(missing)} missing",
            code="AK516",
        )


def _check_recurrences(kept: list[Record], file: str, problems: Problems) -> None:
    """A recurrence points to an earlier finding, and recurrence links form no loop."""
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
    nxt = _next_review(data, y, as_of)
    reviews: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    seen_actions: dict[str, int] = {}
    for i, item in enumerate(data.reviews or []):
        if item is None:
            continue
        p = ("reviews", i)
        row = _review_row(item, y, p, as_of)
        raw_actions = doc.data["reviews"][i].get("actions")
        for j, act in enumerate(item.actions or []):
            if act is None:
                continue
            action = _action_row(act, raw_actions[j], y, (*p, "actions", j), row, as_of)
            aid = action["id"]
            if aid in seen_actions:
                y.error(
                    (*p, "actions", j, "id"),
                    f"duplicate action id '{aid}' (first on line {seen_actions[aid]})",
                    code="AK113",
                )
                continue
            if aid:
                seen_actions[aid] = action["line"]
            actions.append(action)
        rid = row["id"]
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


def _next_review(data: ReviewsFile, y: Positions, as_of: Any) -> dict[str, Any]:
    """The ``next_review`` of reviews.yaml (empty when absent); a date before the assessment date is a warning."""
    if data.next_review is None:
        return {}
    nxt = {"date": data.next_review.date, "title": data.next_review.title or ""}
    if nxt["date"] and as_of and nxt["date"] < as_of:
        y.warning(
            ("next_review", "date"), f"the next review date {nxt['date']} is before the assessment date", code="AK521"
        )
    return nxt


def _review_row(item: Any, y: Positions, p: tuple, as_of: Any) -> dict[str, Any]:
    """One management review as a row (``p``: its position); a review dated after the assessment is an error."""
    rid, when = item.id or "", item.date
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
    return {
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


def _action_row(act: Any, raw: Any, y: Positions, ap: tuple, review: dict[str, Any], as_of: Any) -> dict[str, Any]:
    """One action of a review as a row (``ap``: its position, ``raw``: as written), its dates and status checked."""
    aid, when = act.id or "", review["date"]
    due, done_on, status = act.due, act.completed_on, act.status or ""
    if status == "done" and done_on is None and raw.get("completed_on") is None:
        y.error(ap, f"action '{aid}' is done but has no completed_on date", code="AK523")
    if done_on is not None and status in ("open", "in_progress"):
        y.error(
            (*ap, "completed_on"), f"action '{aid}' has completed_on but status {status}; set status done", code="AK524"
        )
    if when and due and due < when:
        y.error((*ap, "due"), f"action '{aid}' is due ({due}) before the review that decided it ({when})", code="AK525")
    if when and done_on and done_on < when:
        y.error((*ap, "completed_on"), f"action '{aid}' completed ({done_on}) before the review ({when})", code="AK526")
    if done_on and as_of and done_on > as_of:
        y.error((*ap, "completed_on"), f"completed_on {done_on} is after the assessment date {as_of}", code="AK515")
    return {
        "line": y.line(ap),
        "review_id": review["id"],
        "id": aid,
        "kind": act.kind or "",
        "description": act.description or "",
        "owner": act.owner or "",
        "due": due,
        "status": status,
        "completed_on": done_on,
    }


# ---------------------------------------------------------------------------------------------


def empty() -> AuditData:
    """The audit part of an engagement without audits.yaml, findings.csv and reviews.yaml."""
    return AuditData(
        audits=pd.DataFrame(columns=AUDIT_COLUMNS),
        findings=pd.DataFrame(columns=["line", *FINDINGS_SCHEMA.names, "raised"]),
        reviews=pd.DataFrame(columns=REVIEW_COLUMNS),
        actions=pd.DataFrame(columns=ACTION_COLUMNS),
    )


def _audit_target(audits: pd.DataFrame, present: bool, broken: bool) -> Target | None:
    """The audit ids findings may name: none when audits.yaml is missing; unknown (not judged) when it
    could not be read, so a finding naming an audit that could not be read gets no error of its own."""
    if broken:
        return None
    if not present:
        return Target((), missing=f"{AUDITS_FILE} is missing")
    return Target(set(audits["id"]), where=f"an id in {AUDITS_FILE}")


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
        ctx.provide(AUDITS_FILE, "id", _audit_target(out.audits, audits_path is not None, audits_broken))
        out.findings = _read_findings(ctx, findings_path, out.audits)
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
