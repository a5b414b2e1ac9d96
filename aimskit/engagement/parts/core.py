"""The core files of an engagement: ``engagement.yaml``, ``systems.csv`` and ``gap.csv``.

Their models and schemas, and the rules that check them; :mod:`aimskit.engagement` assembles them
with the optional parts. ``engagement.yaml`` keys owned by a part (``risk_criteria``, ...) are
declared by that part (:class:`~aimskit.engagement.parts.base.MetaKey`) and validated by it; the core model
below validates the rest and refuses unknown keys.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from aimskit import catalog
from aimskit.base.problems import Problems, kind_of, suggest
from aimskit.base.vocab import (
    AI_ROLES,
    ASSESSED_STATUSES,
    EU_AI_ACT_TIERS,
    GAP_FILE,
    ID_PATTERN,
    LIFECYCLE_STAGES,
    STATUSES,
    SYSTEM_TYPES,
    SYSTEMS_FILE,
)
from aimskit.engagement.doccontrol import DocumentControl
from aimskit.engagement.parts.references import REQUIREMENT, SYSTEM
from aimskit.formats.csvschema import Column, Record, TableSchema, check_duplicates
from aimskit.formats.yamlio import YamlDocument
from aimskit.formats.yamlmodel import report_model_errors

# ---------------------------------------------------------------------------------------------
# engagement.yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class Organisation(_Strict):
    name: NonEmpty = Field(description="the organisation's legal or trading name")
    sector: str = Field("", description="its sector, e.g. Consumer finance")
    country: str = Field("", description="where it operates")
    employees: Annotated[StrictInt, Field(ge=1)] | None = Field(None, description="head count")
    description: str = Field("", description="what it does, in a sentence or two")


class Assessor(_Strict):
    name: NonEmpty = Field(description="the assessor's name")
    role: str = Field("", description="their role in the engagement, e.g. Lead assessor")
    organisation: str = Field("", description="their firm")


class Branding(_Strict):
    name: str = Field("", description='shown as "Prepared by" on every report')
    colour: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")] = Field(
        "#1F4E79", description='accent colour as "#RRGGBB" (in quotes: # starts a YAML comment)'
    )
    logo: str | None = Field(None, description="an image file (.png, .jpg, .svg, .gif) inside the engagement folder")
    word_template: str | None = Field(
        None,
        description="a .docx (or .dotx) inside the engagement folder whose styles and boilerplate the Word reports use",
    )


class Context(_Strict):
    external_issues: list[NonEmpty] = Field([], description="external issues (clause 4.1), as a list of texts")
    internal_issues: list[NonEmpty] = Field([], description="internal issues (clause 4.1), as a list of texts")


class EngagementMeta(_Strict):
    """The content of ``engagement.yaml``."""

    format_version: Literal[1] = Field(description="the engagement format version: 1")
    organisation: Organisation = Field(description="the organisation assessed")
    scope: NonEmpty = Field(description="the scope statement of the AI management system (clause 4.3)")
    assessors: Annotated[list[Assessor], Field(min_length=1)] = Field(description="at least one assessor")
    assessment_date: dt.date = Field(description='the date of the assessment, YYYY-MM-DD; "overdue" is judged on it')
    ai_roles: Annotated[list[Literal[AI_ROLES]], Field(min_length=1)] = Field(  # type: ignore[valid-type]
        description="the organisation's roles for AI (ISO/IEC 22989): " + ", ".join(AI_ROLES)
    )
    # an int or a mapping of overrides: checked with positions by _validate_targets
    target_maturity: object = Field(
        3,
        description="target maturity 0-5: a number, or a mapping with 'default' and overrides by requirement, "
        "clause or Annex A objective ('6.1.2', '9', 'A.7', 'A.6.2')",
    )
    branding: Branding = Field(default_factory=Branding, description="how the reports are branded")
    document_control: DocumentControl = Field(
        default_factory=DocumentControl,
        description="version, status, confidentiality and approval of the deliverables (HTML, PDF, Word)",
    )
    context: Context = Field(
        default_factory=Context, description="the context of the organisation, read by the management review"
    )

    @field_validator("assessment_date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return dt.date.fromisoformat(value.strip())  # raises ValueError -> reported
        raise ValueError("not a date")

    @field_validator("format_version", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):  # 01 is read as a number too (yamlio)
            raise ValueError("format_version must be a number")
        return int(value)


# ---------------------------------------------------------------------------------------------
# CSV schemas

SYSTEMS_SCHEMA = TableSchema(
    file=SYSTEMS_FILE,
    key=("id",),
    description="The AI system inventory: one row per AI system.",
    columns=(
        Column(
            "id",
            "short unique identifier used in other files",
            kind="id",
            mandatory=True,
            pattern=ID_PATTERN,
            example="credit-score",
        ),
        Column("name", "name of the AI system", mandatory=True, example="Retail credit scoring model"),
        Column(
            "owner",
            "accountable owner (role and person)",
            mandatory=True,
            example="Head of Credit Risk Analytics (S. Okafor)",
        ),
        Column(
            "purpose",
            "intended purpose in one sentence",
            mandatory=True,
            example="Scores consumer loan applications for probability of default",
        ),
        Column("type", "kind of AI system", kind="enum", choices=SYSTEM_TYPES, mandatory=True, example="predictive_ml"),
        Column(
            "lifecycle_stage",
            "current life-cycle stage (ISO/IEC 22989 stages)",
            kind="enum",
            choices=LIFECYCLE_STAGES,
            mandatory=True,
            example="operation_monitoring",
        ),
        Column(
            "deployment_context",
            "where and by whom it is used; customer-facing or internal",
            mandatory=True,
            example="Online loan applications, UK; decisions reviewed by underwriters",
        ),
        Column(
            "eu_ai_act_tier",
            "EU AI Act tier as the organisation believes it",
            kind="enum",
            choices=EU_AI_ACT_TIERS,
            mandatory=True,
            example="high",
        ),
        Column("in_scope", "in the scope of the AIMS: yes or no", kind="bool", mandatory=True, example="yes"),
        Column("notes", "anything else worth knowing", required=False, example=""),
    ),
)

GAP_SCHEMA = TableSchema(
    file=GAP_FILE,
    key=("requirement_id", "system_id"),
    prelisted=("requirement_id", "system_id"),
    description=(
        "One row per assessed requirement: a clause sub-clause (4.1 ... 10.2) or an Annex A "
        "control (A.2.2 ... A.10.4). Annex A controls may also be assessed per AI system."
    ),
    columns=(
        Column(
            "requirement_id",
            "clause sub-clause or Annex A control ID",
            mandatory=True,
            example="A.7.4",
            refers_to=REQUIREMENT,
        ),
        Column(
            "system_id",
            "empty for the organisation, or an id from systems.csv (Annex A only)",
            example="credit-score",
            refers_to=SYSTEM.to(blank="the organisation"),
        ),
        Column(
            "status", "assessment result", kind="enum", choices=STATUSES, mandatory=True, example="partially_compliant"
        ),
        Column(
            "maturity",
            "0 incomplete, 1 initial, 2 managed, 3 defined, 4 quantitatively managed, 5 optimizing",
            kind="int",
            minimum=0,
            maximum=5,
            example="2",
        ),
        Column(
            "evidence",
            "evidence references, separated by ';'",
            kind="list",
            example="DQ-STD-002 Data quality standard v1.0; Jira DATA-311",
        ),
        Column("owner", "who owns closing the gap", example="Head of Data (M. Byrne)"),
        Column(
            "notes",
            "assessor notes; the justification when not_applicable",
            example="Quality checks exist for training data but not for production inputs",
        ),
        Column(
            "target_date",
            "date the gap should be closed, YYYY-MM-DD",
            kind="date",
            required=False,
            example="2027-03-31",
        ),
    ),
)

SCHEMAS = {SYSTEMS_FILE: SYSTEMS_SCHEMA, GAP_FILE: GAP_SCHEMA}

# ---------------------------------------------------------------------------------------------
# rules


def _target_keys() -> set[str]:
    clauses = catalog.load("iso42001-clauses")["id"]
    annex = catalog.load("iso42001-annex-a")
    return set(clauses) | set(annex["id"]) | set(annex["objective_id"]) | set(annex["group_id"])


def resolve_target(target: Any, requirement_id: str) -> int:
    """Target maturity for a requirement: the most specific override, else the default.

    ``target`` is an int, or a mapping with ``default`` and overrides keyed by a requirement
    ID, a clause or sub-clause heading (``6``, ``6.1``) or an Annex A objective (``A.7``)
    or sub-group (``A.6.2``). ``A.6.2.4`` looks up ``A.6.2.4``, ``A.6.2``, ``A.6``, then default.
    """
    if not isinstance(target, dict):
        return int(target)
    parts = requirement_id.split(".")
    start = 2 if requirement_id.startswith("A.") else 1
    for n in range(len(parts), start - 1, -1):
        key = ".".join(parts[:n])
        if key in target:
            return int(target[key])
    return int(target.get("default", 3))


def validate_meta(doc: YamlDocument, file: str, problems: Problems, owned: Iterable[str] = ()) -> EngagementMeta | None:
    """The core model of ``engagement.yaml``; ``owned`` are the keys the parts validate themselves."""
    data = doc.data
    if not isinstance(data, dict):
        problems.error(file, 1, 1, f"the file must be a mapping of keys to values, found {kind_of(data)}", code="AK116")
        return None
    owned = tuple(owned)
    core = {k: v for k, v in data.items() if k not in owned}
    meta: EngagementMeta | None = None
    try:
        meta = EngagementMeta.model_validate(core)
    except ValidationError as exc:
        report_model_errors(exc, doc, file, problems, root=EngagementMeta, also_known=owned)
    _validate_targets(data.get("target_maturity", 3), doc, file, problems)
    return meta


def _validate_targets(target: Any, doc: YamlDocument, file: str, problems: Problems) -> None:
    def check_level(value: Any, path: tuple) -> None:
        line, column = doc.where(path)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.error(
                file, line, column, f"target maturity must be a whole number 0-5, found {kind_of(value)}", code="AK108"
            )
        elif not 0 <= value <= 5:
            problems.error(file, line, column, f"target maturity {value} is outside the range 0 to 5", code="AK109")

    if isinstance(target, dict):
        keys = _target_keys()
        for key, value in target.items():
            path = ("target_maturity", key)
            key = str(key)
            if key != "default" and key not in keys:
                line, column = doc.where(path, key=True)
                problems.error(
                    file,
                    line,
                    column,
                    f"unknown requirement, clause or objective '{key}' in target_maturity"
                    f"{suggest(key, keys | {'default'})}",
                    code="AK127",
                )
            check_level(value, path)
    else:
        check_level(target, ("target_maturity",))


def check_logo(doc: YamlDocument, folder: Path, file: str, problems: Problems) -> Path | None:
    """The logo's path when it is usable; problems otherwise (checked even if other keys are wrong)."""
    branding = doc.data.get("branding") if isinstance(doc.data, dict) else None
    logo = branding.get("logo") if isinstance(branding, dict) else None
    if not logo or not isinstance(logo, str):
        return None
    line, column = doc.where(("branding", "logo"))
    path = folder / logo
    try:
        within = folder.resolve() in path.resolve().parents
        exists = path.is_file()
    except OSError as exc:
        problems.error(file, line, column, f"cannot use logo '{logo}': {exc.strerror or exc}", code="AK205")
        return None
    if not within:
        problems.error(file, line, column, f"logo '{logo}' must be a file inside the engagement folder", code="AK203")
    elif path.is_dir():
        problems.error(
            file, line, column, f"logo '{logo}' is a folder, not an image: name the image file in it", code="AK204"
        )
    elif not exists:
        problems.error(file, line, column, f"logo file '{logo}' not found in the engagement folder", code="AK202")
    elif path.suffix.lower() not in {".png", ".jpg", ".jpeg", ".svg", ".gif"}:
        problems.error(file, line, column, f"logo '{logo}' must be a .png, .jpg, .svg or .gif image", code="AK204")
    else:
        return path
    return None


def requirement_kinds() -> dict[str, str]:
    """Requirement id -> its kind (clause or control), for the requirements of the catalog."""
    requirements = catalog.load("iso42001")
    return dict(zip(requirements["id"], requirements["kind"], strict=True))


def upper_annex_ids(
    records: list[Record], kinds: Collection[str], file: str, problems: Problems, column: str = "requirement_id"
) -> None:
    """An Annex A id written in lower case (``a.7.4``) is read in upper case, with a warning."""
    for rec in records:
        rid = rec.values.get(column)
        if rid and rid not in kinds and rid[:1] == "a" and rid.upper() in kinds:
            problems.warning(
                file, rec.line, column, f"'{rid}' was read as '{rid.upper()}'; write '{rid.upper()}'", code="AK105"
            )
            rec.values[column] = rid.upper()


def check_gap(
    records: list[Record],
    systems: dict[str, Record],
    file: str,
    problems: Problems,
    table: Callable[[TableSchema, str, list[Record]], list[Record]],
) -> list[Record]:
    """The rows of ``gap.csv`` to count: unique, with known requirements and systems; problems of their
    own reported. ``table`` (:meth:`ReadContext.table <aimskit.engagement.parts.base.ReadContext.table>`)
    registers the rows for the check of their references and gives those whose references resolve."""
    kinds = requirement_kinds()
    upper_annex_ids(records, kinds, file, problems)
    records = check_duplicates(records, GAP_SCHEMA, file, problems)
    kept = table(GAP_SCHEMA, file, records)
    counted = set(map(id, kept))
    for rec in records:
        clause_per_system = _check_gap_system(
            rec, kinds.get(rec.values.get("requirement_id") or ""), systems, file, problems
        )
        _check_gap_status(rec, kinds, file, problems)
        if clause_per_system:
            counted.discard(id(rec))
    return [rec for rec in kept if id(rec) in counted]


def _check_gap_system(rec: Record, kind: str | None, systems: dict[str, Record], file: str, problems: Problems) -> bool:
    """Problems of a gap row's system (out of scope, a clause per system); whether it is a clause per system."""
    sid, rid = rec.values.get("system_id"), rec.values.get("requirement_id")
    if not sid:
        return False
    if sid in systems and systems[sid].values.get("in_scope") is False:
        problems.warning(
            file,
            rec.line,
            "system_id",
            f"system '{sid}' is out of scope (in_scope = no); this row is not counted",
            code="AK126",
        )
    if kind != "clause":
        return False
    problems.error(
        file,
        rec.line,
        "system_id",
        f"clause {rid} applies to the whole organisation; leave system_id empty "
        "(only Annex A controls can be assessed per system)",
        code="AK210",
    )
    return True


def _check_gap_status(rec: Record, kinds: dict[str, str], file: str, problems: Problems) -> None:
    """The rules between a gap row's status, maturity, notes and owner."""
    v, line = rec.values, rec.line
    rid, status, maturity = v.get("requirement_id"), v.get("status"), v.get("maturity")
    if status == "not_applicable":
        if rid in kinds and kinds[rid] == "clause":
            problems.error(
                file,
                line,
                "status",
                f"clause {rid} cannot be not_applicable: clauses 4-10 are mandatory for "
                "certification (only Annex A controls may be excluded)",
                code="AK211",
            )
        if not (v.get("notes") or "").strip():
            problems.error(file, line, "notes", "status not_applicable needs a justification in notes", code="AK212")
    if status in ASSESSED_STATUSES and maturity is None and rec.raw.get("maturity", "").strip() == "":
        problems.error(file, line, "maturity", f"maturity (0-5) is required when status is {status}", code="AK213")
    if status in ("not_applicable", "not_assessed") and maturity is not None:
        problems.warning(file, line, "maturity", f"maturity is ignored when status is {status}", code="AK214")
    if status == "compliant" and maturity == 0:
        problems.warning(
            file, line, "maturity", "status compliant with maturity 0 (incomplete) is contradictory", code="AK215"
        )
    if status in ("partially_compliant", "non_compliant") and not (v.get("owner") or "").strip():
        problems.warning(
            file,
            line,
            "owner",
            f"no owner for a {status} requirement: its remediation item will be unassigned",
            code="AK216",
        )
