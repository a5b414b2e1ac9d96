"""The risk part of an engagement: ``risk_criteria`` in ``engagement.yaml``, the AI risk
register ``risks.csv`` and the Statement of Applicability ``soa.csv``.

Both files are optional (an engagement without them has an empty register and SoA; the risk
report says so). What is checked here are the *input* rules (types, known IDs, ratings on the
configured scales, pairs that go together); the consistency rules between the register, the
SoA and the gap assessment are findings computed by :mod:`aimskit.steps.risk`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aimskit import catalog
from aimskit.base.problems import one_of, separator_hint, suggest, suggest_id
from aimskit.base.vocab import ID_PATTERN
from aimskit.engagement import criteria
from aimskit.engagement.parts.base import MetaKey, Part, ReadContext, Slice
from aimskit.engagement.parts.references import SYSTEM
from aimskit.formats.csvschema import (
    Column,
    Record,
    TableSchema,
    Target,
    check_duplicates,
    template_csv,
    to_frame,
    validate_table,
)
from aimskit.formats.yamlmodel import report_model_errors

RISKS_FILE = "risks.csv"
SOA_FILE = "soa.csv"

TREATMENTS = ("modify", "avoid", "share", "retain")
TREATMENT_SYNONYMS = {"mitigate": "modify", "transfer": "share", "accept": "retain"}
TREATMENT_LABELS = {
    "modify": "Modify (mitigate)",
    "avoid": "Avoid",
    "share": "Share (transfer)",
    "retain": "Retain (accept)",
}
RISK_STATUSES = ("open", "in_treatment", "treated", "accepted", "closed")
JUSTIFICATIONS = ("risk_treatment", "legal_regulatory", "contractual", "interested_party", "best_practice")
JUSTIFICATION_LABELS = {
    "risk_treatment": "Risk treatment",
    "legal_regulatory": "Legal or regulatory",
    "contractual": "Contractual",
    "interested_party": "Interested-party requirement",
    "best_practice": "Best practice",
}
IMPLEMENTATION = ("implemented", "partially_implemented", "planned", "not_implemented")
IMPLEMENTATION_LABELS = {
    "implemented": "Implemented",
    "partially_implemented": "Partially implemented",
    "planned": "Planned",
    "not_implemented": "Not implemented",
}
OTHER = "other"

RISKS_SCHEMA = TableSchema(
    file=RISKS_FILE,
    key=("risk_id",),
    description="The AI risk register: one row per AI risk, organisation-wide or for one AI system.",
    columns=(
        Column("risk_id", "unique risk identifier", kind="id", mandatory=True, pattern=ID_PATTERN, example="R-01"),
        Column(
            "system_id",
            "an id from systems.csv; empty for an organisation-wide risk",
            example="credit-score",
            refers_to=SYSTEM.to(blank="the organisation"),
        ),
        Column("title", "short name of the risk", mandatory=True, example="Score drift after a change in applicants"),
        Column(
            "description",
            "cause, event and consequence in a sentence or two",
            mandatory=True,
            example="Applicant mix shifts after a marketing campaign; the model under-predicts default",
        ),
        Column(
            "risk_source",
            "ISO/IEC 42001 Annex C risk source id (see 'aimskit catalog iso42001-annex-c'), or other",
            mandatory=True,
            example="machine-learning",
        ),
        Column(
            "objective",
            "Annex C objective the risk affects (e.g. fairness, robustness), or other",
            mandatory=True,
            example="robustness",
        ),
        Column("consequence_organisation", "consequence for the organisation", example="Credit losses above appetite"),
        Column(
            "consequence_individuals",
            "consequence for individuals or groups",
            example="Applicants declined or over-indebted",
        ),
        Column("consequence_society", "consequence for society", example=""),
        Column("likelihood", "inherent likelihood on the likelihood scale", kind="int", mandatory=True, example="3"),
        Column("impact", "inherent impact on the impact scale", kind="int", mandatory=True, example="4"),
        Column(
            "treatment",
            "treatment option: modify (mitigate), avoid, share (transfer) or retain (accept)",
            kind="enum",
            choices=(*TREATMENTS, *TREATMENT_SYNONYMS),
            example="modify",
        ),
        Column(
            "controls",
            "controls applied, separated by ';': Annex A ids or the organisation's own controls listed in soa.csv",
            kind="list",
            example="A.6.2.6; A.6.2.4",
        ),
        Column("actions", "treatment actions", example="Monthly PSI monitoring with alert thresholds"),
        Column("owner", "risk owner", example="Head of Credit Risk Analytics (S. Okafor)"),
        Column("due_date", "date the treatment actions are due, YYYY-MM-DD", kind="date", example="2027-03-31"),
        Column("residual_likelihood", "likelihood after treatment", kind="int", example="2"),
        Column("residual_impact", "impact after treatment", kind="int", example="3"),
        Column("accepted_by", "who accepted the residual risk (role and person)", example=""),
        Column("accepted_on", "date of the acceptance, YYYY-MM-DD", kind="date", example=""),
        Column("status", "risk status", kind="enum", choices=RISK_STATUSES, mandatory=True, example="in_treatment"),
    ),
)

SOA_SCHEMA = TableSchema(
    file=SOA_FILE,
    key=("control_id",),
    prelisted=("control_id", "title"),
    description=(
        "The Statement of Applicability: one row per Annex A control (all 38), plus any control the "
        "organisation adds of its own."
    ),
    columns=(
        Column("control_id", "Annex A control id, or your own control id", mandatory=True, example="A.6.2.6"),
        Column("title", "title of your own control (Annex A titles come from the catalog)", example=""),
        Column("applicable", "included in the AIMS: yes or no", kind="bool", mandatory=True, example="yes"),
        Column(
            "justification",
            f"why it is included, separated by ';': {one_of(JUSTIFICATIONS)}",
            kind="list",
            example="risk_treatment; legal_regulatory",
        ),
        Column(
            "justification_text",
            "the justification in words (for an exclusion: why the control is not needed)",
            example="Required to monitor model performance in production (EU AI Act Art. 72 for the provider)",
        ),
        Column(
            "implementation",
            "implementation status",
            kind="enum",
            choices=IMPLEMENTATION,
            example="partially_implemented",
        ),
        Column("owner", "who owns the control", example="Head of Model Risk (P. Adeyemi)"),
        Column("evidence", "evidence references, separated by ';'", kind="list", example="MRM-PROC-04 v2"),
    ),
)


class PlanApproval(BaseModel):
    """``risk_treatment_plan`` in engagement.yaml: who approved the treatment plan, and when."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    approved_by: Annotated[str, Field(min_length=1)]
    approved_on: dt.date
    reference: str = ""


@dataclass
class RiskData:
    """The risk part: criteria, register and SoA (empty frames when the files are absent)."""

    criteria: criteria.Criteria
    risks: pd.DataFrame
    soa: pd.DataFrame
    files: list[str] = field(default_factory=list)
    approval: PlanApproval | None = None

    @property
    def has_register(self) -> bool:
        return RISKS_FILE in self.files

    @property
    def has_soa(self) -> bool:
        return SOA_FILE in self.files


def _control_problem(cid: str, annex: list[str], own: set[str], headings: set[str]) -> tuple[str, str] | None:
    """Why a control id cannot be used (its problem code and message), or None when it is an Annex A
    control or an own control."""
    if cid in annex or cid in own:
        return None
    several = separator_hint(cid, [*annex, *own])
    if several:
        return "AK321", f"'{cid}' is not one control{several}"
    if cid.upper() in annex:
        return "AK322", f"'{cid}' must be written '{cid.upper()}'"
    if cid.startswith("B."):
        return "AK128", f"'{cid}' is an Annex B guidance number; use the Annex A control 'A.{cid[2:]}'"
    if cid in headings:
        return "AK129", f"'{cid}' is an Annex A objective; name its controls instead"
    if cid.startswith("A."):
        return "AK323", f"unknown Annex A control '{cid}'{suggest_id(cid, annex)}"
    return "AK324", (
        f"unknown control '{cid}': not an Annex A control nor a control of your own listed in {SOA_FILE}"
        f"{suggest(cid, own)}"
    )


def _check_control_id(ctx: ReadContext, file: str, rec: Record, annex: list[str], headings: set[str]) -> bool:
    """Whether an SoA row's control is usable: an Annex A control, or an own control (with a title)."""
    cid, line = rec.values.get("control_id"), rec.line
    if not cid or cid in annex:
        return True
    if re.fullmatch(r"[Aa]\.?\d+(\.\d+)*", cid) and not cid.startswith("A."):
        dotted = "A." + cid[1:].lstrip(".")
        ctx.problems.error(
            file,
            line,
            "control_id",
            f"'{cid}' looks like an Annex A control id{suggest_id(dotted, annex)}; write Annex A ids as 'A.x.y' "
            "(or give your own control an id that does not start with A)",
            code="AK320",
        )
        return False
    if cid.startswith(("A.", "B.")) or cid in headings:
        code, why = _control_problem(cid, annex, set(), headings) or ("AK323", "")
        ctx.problems.error(file, line, "control_id", why, code=code)
        return False
    if not (rec.values.get("title") or "").strip():
        ctx.problems.error(
            file, line, "title", f"'{cid}' is not an Annex A control: give your own control a title", code="AK325"
        )
    return True


def _check_soa(ctx: ReadContext, records: list[Record], annex: list[str], headings: set[str]) -> list[Record]:
    file = ctx.name(SOA_FILE)
    for rec in records:
        cid = rec.values.get("control_id")
        if cid and cid not in annex and cid[:1] == "a" and cid.upper() in annex:
            ctx.problems.warning(
                file, rec.line, "control_id", f"'{cid}' was read as '{cid.upper()}'; write it so", code="AK105"
            )
            rec.values["control_id"] = cid.upper()
    records = check_duplicates(records, SOA_SCHEMA, file, ctx.problems)
    kept = []
    for rec in records:
        v, line = rec.values, rec.line
        usable = _check_control_id(ctx, file, rec, annex, headings)
        for item in v.get("justification") or []:
            if item not in JUSTIFICATIONS:
                folded = item.lower().replace(" ", "_").replace("-", "_").replace("/", "_")
                if folded in JUSTIFICATIONS:
                    ctx.problems.warning(file, line, "justification", f"'{item}' was read as '{folded}'", code="AK105")
                else:
                    ctx.problems.error(
                        file,
                        line,
                        "justification",
                        f"'{item}' is not one of: {one_of(JUSTIFICATIONS)}{suggest(item, JUSTIFICATIONS)}",
                        code="AK104",
                    )
        v["justification"] = [
            i.lower().replace(" ", "_").replace("-", "_").replace("/", "_") for i in v.get("justification") or []
        ]
        if v.get("applicable") is True and v.get("implementation") is None and not rec.raw.get("implementation"):
            ctx.problems.error(
                file, line, "implementation", "an applicable control needs its implementation status", code="AK326"
            )
        if v.get("applicable") is False and v.get("justification"):
            ctx.problems.warning(
                file,
                line,
                "justification",
                "justification categories are for included controls; for an exclusion write the reason in "
                "justification_text",
                code="AK327",
            )
        if usable:
            kept.append(rec)
    return kept


def _check_annex_c(ctx: ReadContext, file: str, rec: Record, sources: list[str], objectives: list[str]) -> None:
    """A risk's Annex C risk source and objective (a near spelling read as the id, with a warning)."""
    v, line = rec.values, rec.line
    for col, choices, what in (
        ("risk_source", sources, "an Annex C risk source"),
        ("objective", objectives, "an Annex C objective"),
    ):
        value = v.get(col)
        if value and value not in choices:
            folded = value.lower().replace(" ", "-").replace("_", "-")
            if folded in choices:
                ctx.problems.warning(
                    file, line, col, f"'{value}' was read as '{folded}'; write '{folded}'", code="AK105"
                )
                v[col] = folded
            else:
                ctx.problems.error(
                    file,
                    line,
                    col,
                    f"'{value}' is not {what}: {one_of(choices)}{suggest(value, choices)}",
                    code="AK104",
                )


def _check_controls(
    ctx: ReadContext, file: str, rec: Record, annex: list[str], own: set[str], headings: set[str]
) -> list[str]:
    """A risk's controls, an Annex A id in lower case read in upper case; an unknown one is an error."""
    line = rec.line
    fixed = []
    for cid in rec.values.get("controls") or []:
        if cid not in annex and cid not in own and cid.upper() in annex:
            ctx.problems.warning(
                file, line, "controls", f"'{cid}' was read as '{cid.upper()}'; write it so", code="AK105"
            )
            cid = cid.upper()
        problem = _control_problem(cid, annex, own, headings)
        if problem:
            ctx.problems.error(file, line, "controls", problem[1], code=problem[0])
        fixed.append(cid)
    return fixed


RATING_COLUMNS = ("likelihood", "impact", "residual_likelihood", "residual_impact")


def _check_risks(
    ctx: ReadContext,
    records: list[Record],
    axes: tuple[criteria.Scale, criteria.Scale] | None,
    annex: list[str],
    own: set[str],
    headings: set[str],
) -> list[Record]:
    file = ctx.name(RISKS_FILE)
    annex_c = catalog.load("iso42001-annex-c")
    sources = [*annex_c.loc[annex_c["kind"] == "risk_source", "id"], OTHER]
    objectives = [*annex_c.loc[annex_c["kind"] == "objective", "id"], OTHER]
    records = check_duplicates(records, RISKS_SCHEMA, file, ctx.problems)
    # every risk stays in the register, even one naming an unknown system (reported once): impacts and
    # objectives link to risks by id, and a wrong system_id should not make each link an unknown risk too
    ctx.table(RISKS_SCHEMA, file, records)
    for rec in records:
        v, line = rec.values, rec.line
        ctx.out_of_scope(file, rec, "this risk is not counted")
        _check_annex_c(ctx, file, rec, sources, objectives)
        if v.get("treatment") in TREATMENT_SYNONYMS:
            v["treatment"] = TREATMENT_SYNONYMS[v["treatment"]]
        v["controls"] = _check_controls(ctx, file, rec, annex, own, headings)
        if axes is not None:
            for col, scale in (
                ("likelihood", axes[0]),
                ("impact", axes[1]),
                ("residual_likelihood", axes[0]),
                ("residual_impact", axes[1]),
            ):
                value = v.get(col)
                if value is not None and value not in scale.values:
                    ctx.problems.error(
                        file,
                        line,
                        col,
                        f"{value} is not on the {scale.name.lower()} scale ({', '.join(map(str, scale.values))})",
                        code="AK115",
                    )
                    v[col] = None
        pair = [rec.raw.get("residual_likelihood", "").strip(), rec.raw.get("residual_impact", "").strip()]
        if bool(pair[0]) != bool(pair[1]):
            missing = "residual_impact" if pair[0] else "residual_likelihood"
            ctx.problems.error(
                file, line, missing, "give both residual_likelihood and residual_impact, or neither", code="AK328"
            )
        if v.get("accepted_on") and not (v.get("accepted_by") or "").strip():
            ctx.problems.error(
                file, line, "accepted_by", "accepted_on is set but accepted_by is empty: who accepted it?", code="AK329"
            )
        if v.get("status") == "accepted" and not v.get("accepted_on") and not (v.get("accepted_by") or "").strip():
            ctx.problems.error(
                file, line, "accepted_by", "status accepted needs accepted_by (and accepted_on)", code="AK330"
            )
    return records


def read(ctx: ReadContext) -> RiskData:
    doc = ctx.meta_doc
    raw = ctx.meta_value("risk_criteria")
    crit = criteria.parse(
        raw, doc, ("risk_criteria",), ctx.name("engagement.yaml"), ctx.problems, criteria.default_risk_raw()
    )
    approval = None
    raw_plan = ctx.meta_value("risk_treatment_plan")
    if raw_plan is not None and doc is not None:
        try:
            approval = PlanApproval.model_validate(raw_plan)
        except ValidationError as exc:
            report_model_errors(
                exc, doc, ctx.name("engagement.yaml"), ctx.problems, root=PlanApproval, base=("risk_treatment_plan",)
            )
    annex_df = catalog.load("iso42001-annex-a")
    annex = list(annex_df["id"])
    headings = set(annex_df["objective_id"]) | set(annex_df["group_id"])
    files: list[str] = []
    soa_records: list[Record] = []
    path = ctx.optional_file(SOA_FILE)
    if path is not None:
        files.append(SOA_FILE)
        soa_records = validate_table(path, SOA_SCHEMA, ctx.name(SOA_FILE), ctx.problems)
        soa_records = _check_soa(ctx, soa_records, annex, headings)
    own = {r.values["control_id"] for r in soa_records if r.values.get("control_id") not in (None, *annex)}
    risk_records: list[Record] = []
    path = ctx.optional_file(RISKS_FILE)
    if path is not None:
        files.append(RISKS_FILE)
        axes = (crit.likelihood, crit.impact) if crit else criteria.scales(raw, criteria.default_risk_raw())
        ratings = {} if axes is None else {c: axes[i % 2] for i, c in enumerate(RATING_COLUMNS)}
        risk_records = validate_table(path, RISKS_SCHEMA, ctx.name(RISKS_FILE), ctx.problems, ratings)
        risk_records = _check_risks(ctx, risk_records, axes, annex, own, headings)
    risks = to_frame(risk_records, RISKS_SCHEMA.names, dtype=object)
    out_of_scope = {sid for sid, rec in ctx.systems.items() if rec.values.get("in_scope") is False}
    risks = risks[~risks["system_id"].isin(out_of_scope)].reset_index(drop=True)
    if RISKS_FILE in files:
        ctx.provide(RISKS_FILE, "risk_id", Target(set(risks["risk_id"].dropna()), where=f"a risk_id in {RISKS_FILE}"))
    return RiskData(
        criteria=crit or criteria.default_risk(),
        risks=risks,
        soa=to_frame(soa_records, SOA_SCHEMA.names, dtype=object),
        files=files,
        approval=approval,
    )


def empty() -> RiskData:
    """The risk part of an engagement without risks.csv and soa.csv: default criteria, empty frames."""
    return RiskData(
        criteria=criteria.default_risk(),
        risks=to_frame([], RISKS_SCHEMA.names, dtype=object),
        soa=to_frame([], SOA_SCHEMA.names, dtype=object),
    )


PART: Part[RiskData] = Part(
    "risk",
    (SOA_FILE, RISKS_FILE),
    read,
    empty,
    meta_keys=(
        MetaKey(
            "risk_criteria", "the risk rating scales, scoring method, bands, acceptance and appetite", criteria.Criteria
        ),
        MetaKey("risk_treatment_plan", "management's approval of the risk treatment plan (6.1.3)", PlanApproval),
    ),
    templates={
        RISKS_FILE: lambda: template_csv(RISKS_SCHEMA, [{c.name: c.example for c in RISKS_SCHEMA.columns}]),
        SOA_FILE: lambda: template_csv(SOA_SCHEMA, [{c.name: c.example for c in SOA_SCHEMA.columns}]),
    },
    schemas=(RISKS_SCHEMA, SOA_SCHEMA),
    description="The AI risk register and the Statement of Applicability, rated on the risk criteria.",
    slices=(Slice(RISKS_FILE, "system_id"),),  # the SoA is organisation-wide: read whole
)
