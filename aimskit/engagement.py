"""The engagement folder (format v1): its schema, its validation and its loader.

An engagement is one folder of plain files describing one organisation's AI management
system::

    engagement.yaml   organisation, scope, assessors, date, AI roles, target maturity, branding, document control
    systems.csv       the AI system inventory
    gap.csv           one row per assessed requirement (clause sub-clause or Annex A control)

:func:`validate` reads everything and returns every problem found; :func:`load` returns an
:class:`Engagement` or raises :class:`~aimskit.problems.InvalidEngagementError` with all of them.
Neither ever writes to the folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from aimskit import catalog, doccontrol
from aimskit.doccontrol import DocumentControl
from aimskit.problems import (
    WARNING,
    InvalidEngagementError,
    Problem,
    Problems,
    kind_of,
    one_of,
    suggest,
    suggest_id,
)
from aimskit.tables import Column, Record, TableSchema, check_duplicates, to_frame, validate_table
from aimskit.yamlio import YamlDocument, load_yaml

FORMAT_VERSION = 1
ENGAGEMENT_FILE = "engagement.yaml"
SYSTEMS_FILE = "systems.csv"
GAP_FILE = "gap.csv"
REQUIRED_FILES = (ENGAGEMENT_FILE, SYSTEMS_FILE, GAP_FILE)

AI_ROLES = (
    "provider",
    "producer",
    "developer",
    "deployer",
    "user",
    "customer",
    "partner",
    "importer",
    "distributor",
)
SYSTEM_TYPES = ("predictive_ml", "generative_ai", "agentic", "rule_based", "other")
LIFECYCLE_STAGES = (
    "inception",
    "design_development",
    "verification_validation",
    "deployment",
    "operation_monitoring",
    "re_evaluation",
    "retirement",
)
EU_AI_ACT_TIERS = ("prohibited", "high", "limited", "minimal", "unknown")
STATUSES = (
    "compliant",
    "partially_compliant",
    "non_compliant",
    "not_applicable",
    "not_assessed",
)
ASSESSED_STATUSES = ("compliant", "partially_compliant", "non_compliant")
STATUS_LABELS = {
    "compliant": "Compliant",
    "partially_compliant": "Partially compliant",
    "non_compliant": "Non-compliant",
    "not_applicable": "Not applicable",
    "not_assessed": "Not assessed",
}
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
MATURITY_LEVELS = {
    0: "Incomplete",
    1: "Initial",
    2: "Managed",
    3: "Defined",
    4: "Quantitatively managed",
    5: "Optimizing",
}

# ---------------------------------------------------------------------------------------------
# engagement.yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class Organisation(_Strict):
    name: NonEmpty
    sector: str = ""
    country: str = ""
    employees: Annotated[StrictInt, Field(ge=1)] | None = None
    description: str = ""


class Assessor(_Strict):
    name: NonEmpty
    role: str = ""
    organisation: str = ""


class Branding(_Strict):
    name: str = ""
    colour: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")] = "#1F4E79"
    logo: str | None = None
    word_template: str | None = None  # a .docx whose styles the Word reports use (aimskit.doccontrol)


class Context(_Strict):
    external_issues: list[NonEmpty] = []
    internal_issues: list[NonEmpty] = []


class EngagementMeta(_Strict):
    """The content of ``engagement.yaml``."""

    format_version: Literal[1]
    organisation: Organisation
    scope: NonEmpty
    assessors: Annotated[list[Assessor], Field(min_length=1)]
    assessment_date: dt.date
    ai_roles: Annotated[list[Literal[AI_ROLES]], Field(min_length=1)]  # type: ignore[valid-type]
    target_maturity: Any = 3
    branding: Branding = Branding()
    document_control: DocumentControl = DocumentControl()
    context: Context = Context()
    risk_criteria: Any = None  # validated by aimskit.inputs.risk
    risk_treatment_plan: Any = None  # validated by aimskit.inputs.risk
    impact_criteria: Any = None  # validated by aimskit.inputs.impact

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
        if type(value) is not int:
            raise ValueError("format_version must be a number")
        return value


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
    description=(
        "One row per assessed requirement: a clause sub-clause (4.1 ... 10.2) or an Annex A "
        "control (A.2.2 ... A.10.4). Annex A controls may also be assessed per AI system."
    ),
    columns=(
        Column("requirement_id", "clause sub-clause or Annex A control ID", mandatory=True, example="A.7.4"),
        Column(
            "system_id", "empty for the organisation, or an id from systems.csv (Annex A only)", example="credit-score"
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
# the loaded engagement


@dataclass
class Engagement:
    """A validated engagement: metadata, inventory and gap assessment as DataFrames."""

    path: Path
    meta: EngagementMeta
    systems: pd.DataFrame
    gap: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)  # optional files, see aimskit.inputs

    @property
    def organisation(self) -> str:
        return self.meta.organisation.name

    def target_for(self, requirement_id: str) -> int:
        return resolve_target(self.meta.target_maturity, requirement_id)

    @property
    def in_scope_ids(self) -> list[str]:
        """IDs of the AI systems in the scope of the AIMS, in file order."""
        return [sid for sid, flag in zip(self.systems["id"], self.systems["in_scope"], strict=True) if flag]

    @property
    def system_names(self) -> dict[str, str]:
        """System ID -> name, for every system in the inventory."""
        return dict(zip(self.systems["id"], self.systems["name"], strict=True))

    def input_hashes(self) -> dict[str, str]:
        """sha256 of every file this engagement was read from."""
        return {name: sha256_file(p) for name, p in sorted(self.files.items())}

    def system(self, system_id: str) -> dict[str, Any]:
        rows = self.systems[self.systems["id"] == system_id]
        if rows.empty:
            raise KeyError(system_id)
        return rows.iloc[0].to_dict()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


# ---------------------------------------------------------------------------------------------
# validation

_FRIENDLY_TYPES = {
    "missing": "missing required key '{key}'",
    "extra_forbidden": "unknown key '{name}'{inside}{hint}",
    "date_from_datetime_parsing": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
    "date_parsing": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
    "date_type": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
    "int_parsing": "'{value}' is not a whole number",
    "int_type": "{key} must be a whole number, found {kind}",
    "int_from_float": "'{value}' is not a whole number",
    "string_type": "expected text for '{key}', found {kind}",
    "model_type": "expected a mapping of keys to values for '{key}', found {kind}",
    "model_attributes_type": "expected a mapping of keys to values for '{key}', found {kind}",
    "dict_type": "expected a mapping of keys to values for '{key}', found {kind}",
    "list_type": "expected a list for '{key}', found {kind}",
    "too_short": "'{key}' needs at least {min_length}",
    "string_too_short": "'{key}' is empty; a value is required",
    "string_pattern_mismatch": "'{value}' is not a colour in the form #RRGGBB",
    "greater_than_equal": "{value} is too small for '{key}' (minimum {ge})",
}


def _entries(n: int) -> str:
    return "one entry" if n == 1 else f"{n} entries"


def _model_fields(loc: tuple, root: Any = None) -> list[str]:
    model: Any = root or EngagementMeta
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return []
        annotation = fields[part].annotation
        args = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *args) if hasattr(a, "model_fields")), None)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def report_model_errors(
    exc: ValidationError,
    doc: YamlDocument,
    file: str,
    problems: Problems,
    root: Any = None,
    base: tuple = (),
) -> None:
    """Report a pydantic error of a model read from YAML as friendly, positioned problems.

    ``root`` is the model validated (for "did you mean" on unknown keys) and ``base`` the path of
    its mapping in the document (``("risk_criteria",)``); keys in messages are shown from the top.
    """
    for err in exc.errors():
        loc = base + tuple(err["loc"])
        key = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
        parent = key[: -len(str(loc[-1])) - 1] if len(loc) > 1 else ""
        value = err.get("input")
        kind = err["type"]
        if kind == "value_error" and loc == ("assessment_date",):
            message = f"assessment_date must be a date in the form YYYY-MM-DD, found {kind_of(value)}"
        elif kind in ("value_error", "literal_error") and loc == ("format_version",):
            message = f"format_version must be the number {FORMAT_VERSION}, found {kind_of(value)}"
        elif kind == "string_type" and loc[-1] == "colour" and value is None:
            message = (
                f'{key} is empty; write the colour in quotes, e.g. colour: "#1F4E79" (an unquoted # starts a comment)'
            )
        elif kind == "string_pattern_mismatch" and loc[-1] != "colour":
            message = f"'{value}' is not a valid {key}: use lower-case letters, digits and '_', starting with a letter"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
            hint = suggest(value, choices) if isinstance(value, str) else ""
            shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
            message = f"{shown} is not one of: {one_of(choices)}{hint}"
        elif kind in _FRIENDLY_TYPES:
            hint = ""
            if kind == "extra_forbidden":
                hint = suggest(str(loc[-1]), _model_fields(tuple(err["loc"]), root))
            message = _FRIENDLY_TYPES[kind].format(
                name=loc[-1],
                inside=f" in {parent}" if parent else "",
                key=key,
                value=value,
                kind=kind_of(value),
                hint=hint,
                ge=err.get("ctx", {}).get("ge", ""),
                min_length=_entries(err.get("ctx", {}).get("min_length", 1)),
            )
        else:
            message = f"{key}: {err['msg']}"
        if kind == "missing":
            line, column = doc.where(loc[:-1])
        else:
            line, column = doc.where(loc, key=kind == "extra_forbidden")
        problems.error(file, line, column, message)


def _validate_meta(doc: YamlDocument, file: str, problems: Problems) -> EngagementMeta | None:
    data = doc.data
    if not isinstance(data, dict):
        problems.error(file, 1, 1, f"the file must be a mapping of keys to values, found {kind_of(data)}")
        return None
    meta: EngagementMeta | None = None
    try:
        meta = EngagementMeta.model_validate(data)
    except ValidationError as exc:
        report_model_errors(exc, doc, file, problems)
    _validate_targets(data.get("target_maturity", 3), doc, file, problems)
    return meta


def _validate_targets(target: Any, doc: YamlDocument, file: str, problems: Problems) -> None:
    def check_level(value: Any, path: tuple) -> None:
        line, column = doc.where(path)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.error(file, line, column, f"target maturity must be a whole number 0-5, found {kind_of(value)}")
        elif not 0 <= value <= 5:
            problems.error(file, line, column, f"target maturity {value} is outside the range 0 to 5")

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
                )
            check_level(value, path)
    else:
        check_level(target, ("target_maturity",))


def _check_logo(doc: YamlDocument, folder: Path, file: str, problems: Problems) -> Path | None:
    """The logo's path when it is usable; problems otherwise (checked even if other keys are wrong)."""
    branding = doc.data.get("branding") if isinstance(doc.data, dict) else None
    logo = branding.get("logo") if isinstance(branding, dict) else None
    if not logo or not isinstance(logo, str):
        return None
    line, column = doc.where(("branding", "logo"))
    path = folder / logo
    try:
        inside = folder.resolve() in path.resolve().parents
        exists = path.is_file()
    except OSError as exc:
        problems.error(file, line, column, f"cannot use logo '{logo}': {exc.strerror or exc}")
        return None
    if not inside:
        problems.error(file, line, column, f"logo '{logo}' must be a file inside the engagement folder")
    elif not exists:
        problems.error(file, line, column, f"logo file '{logo}' not found in the engagement folder")
    elif path.suffix.lower() not in {".png", ".jpg", ".jpeg", ".svg", ".gif"}:
        problems.error(file, line, column, f"logo '{logo}' must be a .png, .jpg, .svg or .gif image")
    else:
        return path
    return None


def _check_gap(
    records: list[Record],
    systems: dict[str, Record],
    file: str,
    problems: Problems,
) -> list[Record]:
    requirements = catalog.load("iso42001")
    kinds = dict(zip(requirements["id"], requirements["kind"], strict=True))
    clauses = catalog.load("iso42001-clauses")
    children: dict[str, list[str]] = {}
    for cid, parent in zip(clauses["id"], clauses["parent"], strict=True):
        if parent:
            children.setdefault(parent, []).append(cid)
    for rec in records:
        rid = rec.values.get("requirement_id")
        if rid and rid not in kinds and rid[:1] == "a" and rid.upper() in kinds:
            problems.warning(
                file, rec.line, "requirement_id", f"'{rid}' was read as '{rid.upper()}'; write '{rid.upper()}'"
            )
            rec.values["requirement_id"] = rid.upper()
    records = check_duplicates(records, GAP_SCHEMA, file, problems)
    kept: list[Record] = []
    for rec in records:
        v = rec.values
        line = rec.line
        rid = v.get("requirement_id")
        ok = True
        if rid and rid not in kinds:
            if rid in children:
                problems.error(
                    file,
                    line,
                    "requirement_id",
                    f"'{rid}' is a heading; assess its sub-clauses instead: {one_of(children[rid])}",
                )
                ok = False
            elif rid.startswith("B."):
                problems.error(
                    file,
                    line,
                    "requirement_id",
                    f"'{rid}' is an Annex B guidance number; use the Annex A control 'A.{rid[2:]}'",
                )
                ok = False
            else:
                problems.error(
                    file,
                    line,
                    "requirement_id",
                    f"unknown requirement '{rid}': not an ISO/IEC 42001 clause sub-clause or "
                    f"Annex A control{suggest_id(rid, kinds)}",
                )
                ok = False
        sid = v.get("system_id")
        if sid:
            if sid not in systems:
                problems.error(
                    file,
                    line,
                    "system_id",
                    f"unknown system '{sid}': not an id in {SYSTEMS_FILE}{suggest(sid, systems)}",
                )
                ok = False
            elif systems[sid].values.get("in_scope") is False:
                problems.warning(
                    file,
                    line,
                    "system_id",
                    f"system '{sid}' is out of scope (in_scope = no); this row is not counted",
                )
            if rid in kinds and kinds[rid] == "clause":
                problems.error(
                    file,
                    line,
                    "system_id",
                    f"clause {rid} applies to the whole organisation; leave system_id empty "
                    "(only Annex A controls can be assessed per system)",
                )
                ok = False
        status = v.get("status")
        maturity = v.get("maturity")
        if status == "not_applicable":
            if rid in kinds and kinds[rid] == "clause":
                problems.error(
                    file,
                    line,
                    "status",
                    f"clause {rid} cannot be not_applicable: clauses 4-10 are mandatory for "
                    "certification (only Annex A controls may be excluded)",
                )
            if not (v.get("notes") or "").strip():
                problems.error(
                    file,
                    line,
                    "notes",
                    "status not_applicable needs a justification in notes",
                )
        if status in ASSESSED_STATUSES and maturity is None and rec.raw.get("maturity", "").strip() == "":
            problems.error(
                file,
                line,
                "maturity",
                f"maturity (0-5) is required when status is {status}",
            )
        if status in ("not_applicable", "not_assessed") and maturity is not None:
            problems.warning(
                file,
                line,
                "maturity",
                f"maturity is ignored when status is {status}",
            )
        if status == "compliant" and maturity == 0:
            problems.warning(
                file,
                line,
                "maturity",
                "status compliant with maturity 0 (incomplete) is contradictory",
            )
        if status in ("partially_compliant", "non_compliant") and not (v.get("owner") or "").strip():
            problems.warning(
                file,
                line,
                "owner",
                f"no owner for a {status} requirement: its remediation item will be unassigned",
            )
        if ok:
            kept.append(rec)
    return kept


@dataclass
class _Read:
    meta: EngagementMeta | None
    systems: pd.DataFrame
    gap: pd.DataFrame
    files: dict[str, Path]
    problems: Problems
    parts: dict[str, Any] = field(default_factory=dict)


def _read(path: Path) -> _Read:
    problems = Problems()
    folder = Path(path)
    shown = str(folder)
    empty = _Read(None, pd.DataFrame(), pd.DataFrame(), {}, problems)
    try:
        if not folder.exists():
            problems.error(shown, 0, "", "the engagement folder does not exist (create one with 'aimskit init')")
            return empty
        if not folder.is_dir():
            problems.error(shown, 0, "", "not a folder: an engagement is a folder of files")
            return empty
    except OSError as exc:
        problems.error(shown, 0, "", f"cannot open the engagement folder: {exc.strerror or exc}")
        return empty
    try:
        return _read_folder(folder, problems)
    except OSError as exc:
        problems.error(str(getattr(exc, "filename", None) or shown), 0, "", f"cannot read: {exc.strerror or exc}")
        return empty


def _read_folder(folder: Path, problems: Problems) -> _Read:

    def name(f: str) -> str:
        return str(folder / f)

    files: dict[str, Path] = {}
    for f in REQUIRED_FILES:
        p = folder / f
        if p.is_file():
            files[f] = p
        elif p.exists() or p.is_symlink():
            problems.error(name(f), 0, "", "not a regular file (a folder, a broken link or a device?)")
        else:
            problems.error(name(f), 0, "", f"missing file: every engagement needs {one_of(REQUIRED_FILES)}")

    meta = None
    doc = None
    if ENGAGEMENT_FILE in files:
        doc = load_yaml(files[ENGAGEMENT_FILE], name(ENGAGEMENT_FILE), problems)
        if doc is not None:
            meta = _validate_meta(doc, name(ENGAGEMENT_FILE), problems)
            logo = _check_logo(doc, folder, name(ENGAGEMENT_FILE), problems)
            doccontrol.check(doc, folder, name(ENGAGEMENT_FILE), problems, meta.assessment_date if meta else None)
            if logo is not None:
                files[Path(os.path.relpath(logo, folder)).as_posix()] = logo

    system_records: dict[str, Record] = {}
    systems_list: list[Record] = []
    if SYSTEMS_FILE in files:
        systems_list = validate_table(files[SYSTEMS_FILE], SYSTEMS_SCHEMA, name(SYSTEMS_FILE), problems)
        systems_list = check_duplicates(systems_list, SYSTEMS_SCHEMA, name(SYSTEMS_FILE), problems)
        for rec in systems_list:
            if rec.values.get("id"):
                system_records.setdefault(rec.values["id"], rec)
    gap_list: list[Record] = []
    if GAP_FILE in files:
        gap_list = validate_table(files[GAP_FILE], GAP_SCHEMA, name(GAP_FILE), problems)
        gap_list = _check_gap(gap_list, system_records, name(GAP_FILE), problems)

    systems = to_frame(systems_list, SYSTEMS_SCHEMA.names)
    gap = to_frame(gap_list, GAP_SCHEMA.names)
    in_scope = set(systems.loc[systems["in_scope"] == True, "id"])  # noqa: E712
    gap = gap[gap["system_id"].isna() | gap["system_id"].isin(in_scope)].reset_index(drop=True)
    from aimskit import inputs

    ctx = inputs.ReadContext(folder, problems, doc, meta, system_records, gap, files=files)
    for part in inputs.parts():
        ctx.parts[part.name] = part.read(ctx)
    problems.items.sort(key=lambda p: (p.file, p.line))
    return _Read(meta, systems, gap, files, problems, ctx.parts)


def validate(path: str | Path) -> list[Problem]:
    """Every problem (errors and warnings) of the engagement at ``path``, sorted by file and line."""
    return list(_read(Path(path)).problems)


def load(path: str | Path) -> Engagement:
    """Load and validate an engagement folder.

    Raises :class:`InvalidEngagementError` carrying every error when anything is wrong;
    warnings are kept on the returned engagement.
    """
    read = _read(Path(path))
    if read.problems.errors or read.meta is None:
        raise InvalidEngagementError(read.problems.items)
    return Engagement(
        path=Path(path),
        meta=read.meta,
        systems=read.systems,
        gap=read.gap,
        files=read.files,
        warnings=[p for p in read.problems.items if p.severity == WARNING],
        parts=read.parts,
    )
