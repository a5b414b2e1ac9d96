"""The readiness part of an engagement: the documented-information register ``documents.csv``, the
AI objectives ``objectives.csv`` (clause 6.2) and ``certification`` in ``engagement.yaml`` (the
certification body and the target stage-1 and stage-2 audit dates).

Both files are optional: without them the readiness step reports every mandatory document and the
objectives as missing. What is checked here are the input rules (types, known requirement, risk and
system IDs, pairs that go together, dates in order); whether the documents are approved and current
is computed by :mod:`aimskit.steps.readiness`. A document's ``location`` is recorded, never opened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from aimskit import catalog
from aimskit.base.problems import separator_hint, suggest_id
from aimskit.base.vocab import ID_PATTERN
from aimskit.engagement.parts import risk as risk_part
from aimskit.engagement.parts.base import MetaKey, Part, ReadContext
from aimskit.engagement.parts.references import SYSTEM
from aimskit.formats.csvschema import (
    Column,
    Record,
    TableSchema,
    check_duplicates,
    template_csv,
    to_frame,
    validate_table,
)
from aimskit.formats.yamlmodel import report_model_errors

DOCUMENTS_FILE = "documents.csv"
OBJECTIVES_FILE = "objectives.csv"

DOCUMENT_KINDS = ("policy", "procedure", "plan", "record", "register", "report", "statement", "other")
DOCUMENT_KIND_LABELS = {k: k.capitalize() for k in DOCUMENT_KINDS}
OBJECTIVE_STATUSES = ("not_started", "on_track", "at_risk", "achieved", "missed")
OBJECTIVE_STATUS_LABELS = {
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "achieved": "Achieved",
    "missed": "Missed",
}

DOCUMENTS_SCHEMA = TableSchema(
    file=DOCUMENTS_FILE,
    key=("document_id",),
    description=(
        "The documented-information register: one row per controlled document or record set of the AIMS "
        "(policies, procedures, plans, registers, records), with its approval and next review."
    ),
    columns=(
        Column(
            "document_id",
            "unique document reference",
            kind="id",
            mandatory=True,
            pattern=ID_PATTERN,
            example="POL-AI-001",
        ),
        Column("title", "title of the document", mandatory=True, example="AI Policy"),
        Column(
            "kind",
            "kind of documented information",
            kind="enum",
            choices=DOCUMENT_KINDS,
            mandatory=True,
            example="policy",
        ),
        Column("version", "current version", example="1.2"),
        Column("owner", "who maintains it (role and person)", example="Head of AI Governance (A. Byrne)"),
        Column("approved_by", "who approved the current version (role or body)", example="Board of Directors"),
        Column("approved_on", "date of the approval, YYYY-MM-DD", kind="date", example="2026-03-12"),
        Column("next_review", "date the next review is due, YYYY-MM-DD", kind="date", example="2027-03-12"),
        Column(
            "requirements",
            "the ISO/IEC 42001 clauses and Annex A controls it serves, separated by ';'",
            kind="list",
            mandatory=True,
            example="5.2; A.2.2",
        ),
        Column(
            "location", "where it is kept: a path or URL (recorded, never opened)", example="SharePoint: /AIMS/Policies"
        ),
    ),
)

OBJECTIVES_SCHEMA = TableSchema(
    file=OBJECTIVES_FILE,
    key=("objective_id",),
    description=(
        "The AI objectives (clause 6.2): one row per objective, for the organisation or one AI system, "
        "with how it is measured, its target, the latest value and the plan to achieve it."
    ),
    columns=(
        Column(
            "objective_id",
            "unique objective identifier",
            kind="id",
            mandatory=True,
            pattern=ID_PATTERN,
            example="OBJ-01",
        ),
        Column(
            "objective",
            "the objective in one sentence",
            mandatory=True,
            example="Keep the approval-rate gap between age groups small",
        ),
        Column(
            "system_id",
            "an id from systems.csv; empty for the whole organisation",
            example="credit-score",
            refers_to=SYSTEM.to(blank="the organisation"),
        ),
        Column(
            "measure", "how it is measured (the metric)", example="Adverse impact ratio, applicants under 25 vs 25+"
        ),
        Column("target", "the target value of the measure", example=">= 0.80"),
        Column("current_value", "the latest measured value", example="0.84"),
        Column("measured_on", "date of the latest measurement, YYYY-MM-DD", kind="date", example="2026-10-31"),
        Column("owner", "who is accountable for it", example="Head of Credit Risk Analytics (S. Okafor)"),
        Column("due_date", "date the target is to be met, YYYY-MM-DD", kind="date", example="2027-06-30"),
        Column("status", "progress", kind="enum", choices=OBJECTIVE_STATUSES, mandatory=True, example="on_track"),
        Column(
            "serves",
            "the risks (ids in risks.csv) or requirements (clause or Annex A ids) it serves, separated by ';'",
            kind="list",
            example="R-03; A.6.2.4",
        ),
    ),
)


class Certification(BaseModel):
    """``certification`` in engagement.yaml: the certification body and the target audit dates."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = ""  # the certification body, once chosen
    accreditation: str = ""  # its accreditation (e.g. the national accreditation body), as recorded
    stage_1: dt.date | None = None  # target date of the stage-1 audit (documentation and readiness)
    stage_2: dt.date | None = None  # target date of the stage-2 audit (implementation and effectiveness)


@dataclass
class ReadinessData:
    """The readiness part: register, objectives and certification plan (empty frames when absent)."""

    documents: pd.DataFrame
    objectives: pd.DataFrame
    certification: Certification | None = None
    files: list[str] = field(default_factory=list)

    @property
    def has_register(self) -> bool:
        return DOCUMENTS_FILE in self.files

    @property
    def has_objectives(self) -> bool:
        return OBJECTIVES_FILE in self.files


def _requirement_ids() -> tuple[set[str], set[str]]:
    """(assessable requirement ids, heading ids) of the catalog: clause sub-clauses and Annex A controls."""
    reqs = catalog.load("iso42001")
    clauses = catalog.load("iso42001-clauses")
    annex = catalog.load("iso42001-annex-a")
    headings = (set(clauses["id"]) | set(annex["objective_id"]) | set(annex["group_id"])) - set(reqs["id"])
    return set(reqs["id"]), headings


def _check_requirements(
    ctx: ReadContext, file: str, rec: Record, column: str, known: set[str], headings: set[str], risks: set[str]
) -> list[str]:
    """The usable IDs of a list column; unknown IDs are errors (headings are accepted: 9.2 covers 9.2.2)."""
    kept = []
    for rid in rec.values.get(column) or []:
        if rid in known or rid in headings or rid in risks:
            kept.append(rid)
            continue
        several = separator_hint(rid, [*known, *risks])
        if several:
            code, message = "AK321", f"'{rid}' is not one id{several}"
        elif rid.upper() in known:
            code, message = "AK322", f"'{rid}' must be written '{rid.upper()}'"
        elif rid.startswith("B."):
            code, message = "AK128", f"'{rid}' is an Annex B guidance number; use the Annex A control 'A.{rid[2:]}'"
        elif column == "serves" and not (rid[:1].isdigit() or rid[:2].upper() == "A."):
            # not a requirement id: a risk id, possibly of a system out of scope (its risks are not loaded)
            ctx.problems.warning(
                file,
                rec.line,
                column,
                f"'{rid}' is not a risk in risks.csv of an in-scope AI system{suggest_id(rid, risks)}; "
                "it is not counted",
                code="AK331",
            )
            continue
        else:
            what = "an ISO/IEC 42001 clause or Annex A control" + (" or a risk in risks.csv" if risks else "")
            code, message = "AK640", f"unknown id '{rid}': not {what}{suggest_id(rid, [*known, *headings, *risks])}"
        ctx.problems.error(file, rec.line, column, message, code=code)
    return kept


def _check_documents(ctx: ReadContext, records: list[Record], as_of: dt.date | None) -> list[Record]:
    file = ctx.name(DOCUMENTS_FILE)
    known, headings = _requirement_ids()
    records = check_duplicates(records, DOCUMENTS_SCHEMA, file, ctx.problems)
    for rec in records:
        v = rec.values
        v["requirements"] = _check_requirements(ctx, file, rec, "requirements", known, headings, set())
        approved_by, approved_on = (v.get("approved_by") or "").strip(), v.get("approved_on")
        if approved_on is not None and not approved_by:
            ctx.problems.warning(
                file,
                rec.line,
                "approved_by",
                "approved_on is set but approved_by is empty: who approved it?",
                code="AK641",
            )
        if approved_by and approved_on is None and not rec.raw.get("approved_on", "").strip():
            ctx.problems.warning(
                file,
                rec.line,
                "approved_on",
                "approved_by is set but approved_on is empty: the document counts as unapproved",
                code="AK642",
            )
        if approved_on is not None and as_of is not None and approved_on > as_of:
            ctx.problems.warning(
                file,
                rec.line,
                "approved_on",
                f"approved on {approved_on.isoformat()}, after the assessment date {as_of.isoformat()}: "
                "it counts as unapproved until then",
                code="AK643",
            )
        nxt = v.get("next_review")
        if nxt is not None and approved_on is not None and nxt < approved_on:
            ctx.problems.error(
                file,
                rec.line,
                "next_review",
                f"next_review {nxt.isoformat()} is before approved_on {approved_on.isoformat()}",
                code="AK644",
            )
    return records


def _check_objectives(ctx: ReadContext, records: list[Record]) -> list[Record]:
    file = ctx.name(OBJECTIVES_FILE)
    known, headings = _requirement_ids()
    risks = set(ctx.parts["risk"].risks["risk_id"]) if "risk" in ctx.parts else set()
    records = check_duplicates(records, OBJECTIVES_SCHEMA, file, ctx.problems)
    resolved = set(map(id, ctx.table(OBJECTIVES_SCHEMA, file, records)))
    kept = []
    for rec in records:
        v = rec.values
        counted = id(rec) in resolved and not ctx.out_of_scope(file, rec, "this row is not counted")
        v["serves"] = _check_requirements(ctx, file, rec, "serves", known, headings, risks)
        if v.get("current_value") and v.get("measured_on") is None and not rec.raw.get("measured_on", "").strip():
            ctx.problems.warning(
                file,
                rec.line,
                "measured_on",
                "current_value is set but measured_on is empty: when was it measured?",
                code="AK645",
            )
        if v.get("status") == "achieved" and not (v.get("current_value") or "").strip():
            ctx.problems.warning(
                file,
                rec.line,
                "current_value",
                "status achieved but no current_value shows the target was met",
                code="AK646",
            )
        if counted:
            kept.append(rec)
    return kept


def read(ctx: ReadContext) -> ReadinessData:

    doc = ctx.meta_doc
    certification = None
    raw = ctx.meta_value("certification")
    if raw is not None and doc is not None:
        try:
            certification = Certification.model_validate(raw)
        except ValidationError as exc:
            report_model_errors(
                exc, doc, ctx.name("engagement.yaml"), ctx.problems, root=Certification, base=("certification",)
            )
        c = certification
        if c is not None and c.stage_1 and c.stage_2 and c.stage_2 < c.stage_1:
            line, column = doc.where(("certification", "stage_2"))
            ctx.problems.error(
                ctx.name("engagement.yaml"),
                line,
                column,
                f"certification.stage_2 {c.stage_2} is before stage_1 {c.stage_1}: "
                "the stage-2 audit follows the stage-1 audit",
                code="AK647",
            )
            certification = c.model_copy(update={"stage_2": None})
    as_of = ctx.meta.assessment_date if ctx.meta is not None else None
    for key in ("stage_1", "stage_2"):
        when = getattr(certification, key) if certification is not None else None
        if when is not None and as_of is not None and doc is not None and when < as_of:
            line, column = doc.where(("certification", key))
            ctx.problems.warning(
                ctx.name("engagement.yaml"),
                line,
                column,
                f"certification.{key} {when} is before the assessment date {as_of}: record the next audit's date",
                code="AK648",
            )
    files: list[str] = []
    docs: list[Record] = []
    path = ctx.optional_file(DOCUMENTS_FILE)
    if path is not None:
        files.append(DOCUMENTS_FILE)
        docs = _check_documents(
            ctx, validate_table(path, DOCUMENTS_SCHEMA, ctx.name(DOCUMENTS_FILE), ctx.problems), as_of
        )
    objectives: list[Record] = []
    path = ctx.optional_file(OBJECTIVES_FILE)
    if path is not None:
        files.append(OBJECTIVES_FILE)
        objectives = _check_objectives(
            ctx, validate_table(path, OBJECTIVES_SCHEMA, ctx.name(OBJECTIVES_FILE), ctx.problems)
        )
    return ReadinessData(
        documents=to_frame(docs, DOCUMENTS_SCHEMA.names, dtype=object),
        objectives=to_frame(objectives, OBJECTIVES_SCHEMA.names, dtype=object),
        certification=certification,
        files=files,
    )


def empty() -> ReadinessData:
    """The readiness part of an engagement without documents.csv and objectives.csv."""
    return ReadinessData(
        documents=to_frame([], DOCUMENTS_SCHEMA.names, dtype=object),
        objectives=to_frame([], OBJECTIVES_SCHEMA.names, dtype=object),
    )


def _example(schema: TableSchema) -> list[dict[str, str]]:
    return [{c.name: c.example for c in schema.columns}]


PART: Part[ReadinessData] = Part(
    "readiness",
    (DOCUMENTS_FILE, OBJECTIVES_FILE),
    read,
    empty,
    depends=(risk_part.PART,),  # objectives name the risks they serve
    meta_keys=(
        MetaKey(
            "certification",
            "the certification body and the target dates of the stage-1 and stage-2 audits",
            Certification,
        ),
    ),
    templates={
        DOCUMENTS_FILE: lambda: template_csv(DOCUMENTS_SCHEMA, _example(DOCUMENTS_SCHEMA)),
        OBJECTIVES_FILE: lambda: template_csv(OBJECTIVES_SCHEMA, _example(OBJECTIVES_SCHEMA)),
    },
    schemas=(DOCUMENTS_SCHEMA, OBJECTIVES_SCHEMA),
    description="The documented-information register, the AI objectives (6.2) and the certification plan.",
)
