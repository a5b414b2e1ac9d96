"""The security part of an engagement: red-team test runs declared in ``security/runs.csv`` and
the optional ``security_criteria`` in ``engagement.yaml``.

Each row of ``runs.csv`` names one result file written by a red-team tool (garak, promptfoo,
PyRIT, Inspect AI). The file must lie **inside** the engagement folder: absolute paths, ``..``
and symbolic links that lead outside are refused. The tool is detected from the content when
the ``tool`` column is empty. Every file is imported here, so its problems are reported with the
others (``file:line: message``); the judgement (verdicts, coverage, trends) is computed by
:mod:`aimskit.steps.security`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aimskit import catalog
from aimskit.base.codes import CODES
from aimskit.base.problems import WARNING, one_of, suggest
from aimskit.base.vocab import ID_PATTERN
from aimskit.engagement.parts.base import MetaKey, Part, ReadContext, Slice
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
from aimskit.formats.redteam import IMPORTERS, Imported, import_file
from aimskit.formats.redteam.base import sha256_file
from aimskit.formats.yamlmodel import report_model_errors

RUNS_FILE = "security/runs.csv"
TOOLS = tuple(IMPORTERS)
SCORE_MEANINGS = ("pass", "attack")

RUNS_SCHEMA = TableSchema(
    file=RUNS_FILE,
    key=("run_id",),
    description="Red-team test runs: one row per result file written by a tool, for one AI system.",
    columns=(
        Column("run_id", "unique run identifier", kind="id", mandatory=True, pattern=ID_PATTERN, example="RT-2026-10"),
        Column(
            "system_id",
            "the AI system tested (an id from systems.csv)",
            mandatory=True,
            example="llm-assist",
            refers_to=SYSTEM,
        ),
        Column(
            "tool",
            f"the tool that wrote the file: {one_of(TOOLS)}; empty = detected from the content",
            kind="enum",
            choices=TOOLS,
            example="garak",
        ),
        Column(
            "result_file",
            "the tool's result file, a path inside the engagement folder (e.g. security/garak/run1.report.jsonl)",
            mandatory=True,
            example="security/garak/2026-10.report.jsonl",
        ),
        Column("run_date", "date of the run, YYYY-MM-DD", kind="date", mandatory=True, example="2026-10-14"),
        Column("target", "model or application tested, with its version", example="Brightwater Help v1.3 (gpt-4o)"),
        Column("tester", "who ran the test (person or team)", example="AppSec team (R. Iyer)"),
        Column(
            "owasp",
            "OWASP LLM 2025 categories the run was meant to test, separated by ';' (for tools that do not tag their "
            "tests, e.g. PyRIT or Inspect); empty = from the tool's tags and aimskit's mapping",
            kind="list",
            required=False,
            example="LLM07",
        ),
        Column(
            "score_meaning",
            "Inspect AI only: 'pass' (a correct score means the system resisted; default) or 'attack' "
            "(a correct score means the attack succeeded)",
            kind="enum",
            choices=SCORE_MEANINGS,
            required=False,
            example="",
        ),
        Column("notes", "anything else worth knowing", required=False, example=""),
    ),
)

OWASP_IDS = [f"LLM{i:02d}" for i in range(1, 11)]


class SecurityCriteria(BaseModel):
    """``security_criteria`` in engagement.yaml: how test results are judged."""

    model_config = ConfigDict(extra="forbid")
    tolerated_asr: Annotated[float, Field(ge=0, le=1)] = 0.05
    per_category: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    min_attempts: Annotated[int, Field(ge=1)] = 30
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.95
    hide_attack_text: bool = False

    @field_validator("per_category")
    @classmethod
    def _known(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            if key not in OWASP_IDS:
                raise ValueError(f"'{key}' is not an OWASP LLM 2025 category ({OWASP_IDS[0]}..{OWASP_IDS[-1]})")
        return value

    def tolerance(self, category: str) -> float:
        return self.per_category.get(category, self.tolerated_asr)


@dataclass
class SecurityData:
    """The security part: criteria, the declared runs and what each file held."""

    criteria: SecurityCriteria
    runs: pd.DataFrame  # runs.csv rows (+ tool detected, sha256, bytes)
    imported: dict[str, Imported] = field(default_factory=dict)  # run_id -> what its file held
    files: list[str] = field(default_factory=list)

    @property
    def has_runs(self) -> bool:
        return not self.runs.empty


def _unsafe(value: str) -> str | None:
    """Why a result_file path is refused before touching the disk, or None."""
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute() or re.match(r"^[A-Za-z]:", value):
        return "an absolute path; give a path inside the engagement folder"
    if value.startswith(("\\\\", "~")):
        return "not a path inside the engagement folder"
    if ".." in re.split(r"[\\/]", value):
        return "'..' leads out of the engagement folder; give a path inside it"
    return None


def _resolve(ctx: ReadContext, value: str) -> tuple[Path | None, str | None]:
    why = _unsafe(value)
    if why:
        return None, why
    root = ctx.folder.resolve()
    path = ctx.folder / value.replace("\\", "/")
    try:
        real = path.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        if path.is_symlink():
            return None, "a broken symbolic link"
        return None, "no such file in the engagement folder"
    if not real.is_relative_to(root):
        return None, "a symbolic link to a file outside the engagement folder; copy the file into the folder"
    if not real.is_file():
        return None, "not a regular file"
    return real, None


def _criteria(ctx: ReadContext) -> SecurityCriteria:
    doc = ctx.meta_doc
    raw = ctx.meta_value("security_criteria")
    if raw is None or doc is None:
        return SecurityCriteria()
    try:
        return SecurityCriteria.model_validate(raw)
    except ValidationError as exc:
        report_model_errors(
            exc, doc, ctx.name("engagement.yaml"), ctx.problems, root=SecurityCriteria, base=("security_criteria",)
        )
        return SecurityCriteria()


@dataclass
class _Imports:
    """What the result files imported so far gave: results by run id, the run declaring each file, and the
    importer problems reported (a file declared by two runs: its problems said once)."""

    imported: dict[str, Imported]
    used: dict[str, str]
    reported: set[tuple[str, int, str, str]]


def _owasp_categories(ctx: ReadContext, file: str, rec: Record, owasp: set[str]) -> list[str]:
    """A run's OWASP LLM categories (``LLM01``, ``llm01:2025`` read as ``LLM01``); an unknown one is an error."""
    v, line = rec.values, rec.line
    cats = []
    for c in v.get("owasp") or []:
        c2 = c.upper().split(":")[0]
        if c2 not in owasp:
            ctx.problems.error(
                file,
                line,
                "owasp",
                f"'{c}' is not an OWASP LLM 2025 category (LLM01..LLM10){suggest(c, owasp)}",
                code="AK610",
            )
        else:
            cats.append(c2)
    return cats


def _import_result(ctx: ReadContext, file: str, rec: Record, real: Path, seen: _Imports) -> None:
    """Import a run's result file (its problems reported where they are) and record its hash and size."""
    v, line, value = rec.values, rec.line, (rec.values.get("result_file") or "").strip()
    used, reported, imported = seen.used, seen.reported, seen.imported
    if str(real) in used:
        ctx.problems.warning(
            file, line, "result_file", f"the same file is declared by run '{used[str(real)]}' too", code="AK613"
        )
    used[str(real)] = v.get("run_id") or ""
    if not real.is_relative_to((ctx.folder / "security").resolve()):
        ctx.problems.warning(
            file,
            line,
            "result_file",
            f"'{value}' is outside the security/ folder: keep result files there so a change to them "
            "re-renders the cached reports",
            code="AK614",
        )
    ctx.files[f"{RUNS_FILE}:{v.get('run_id')}"] = real
    result = import_file(real, v.get("tool"), score_meaning=v.get("score_meaning") or "pass")
    shown = ctx.name(value)
    for pline, message, severity, code in result.problems:  # each kind of importer problem: its own code
        if (str(real), pline, message, code) in reported:
            continue
        reported.add((str(real), pline, message, code))
        fallback = "AK616" if severity == WARNING else "AK615"
        ctx.problems.add(shown, pline, "", message, severity, code=code if code in CODES else fallback)
    if v.get("tool") is None and result.tool:
        v["tool"] = result.tool
    elif v.get("tool") and result.tool and v["tool"] != result.tool:
        ctx.problems.error(file, line, "tool", f"the file was written by {result.tool}, not {v['tool']}", code="AK617")
    v["sha256"] = sha256_file(real)
    v["bytes"] = real.stat().st_size
    if v.get("run_id"):
        imported[v["run_id"]] = result


def read(ctx: ReadContext) -> SecurityData:
    crit = _criteria(ctx)
    path = ctx.optional_file(RUNS_FILE)
    if path is None:
        return SecurityData(criteria=crit, runs=_empty_runs())
    file = ctx.name(RUNS_FILE)
    records = validate_table(path, RUNS_SCHEMA, file, ctx.problems)
    records = check_duplicates(records, RUNS_SCHEMA, file, ctx.problems)
    owasp = set(catalog.load("owasp-llm-2025")["id"])
    imported: dict[str, Imported] = {}
    kept = []
    used: dict[str, str] = {}
    reported: set[tuple[str, int, str, str]] = set()  # a file declared by two runs: its problems said once
    counted = set(map(id, ctx.table(RUNS_SCHEMA, file, records)))
    for rec in records:
        v, line = rec.values, rec.line
        ctx.out_of_scope(file, rec, "not judged")
        v["owasp"] = _owasp_categories(ctx, file, rec, owasp)
        if v.get("score_meaning") and v.get("tool") not in (None, "inspect"):
            ctx.problems.warning(
                file, line, "score_meaning", "score_meaning applies to Inspect AI logs only; ignored", code="AK611"
            )
        value = (v.get("result_file") or "").strip()
        real, why = (None, None) if not value else _resolve(ctx, value)
        if why:
            ctx.problems.error(file, line, "result_file", f"'{value}' is {why}", code="AK612")
        if real is not None:
            _import_result(ctx, file, rec, real, _Imports(imported, used, reported))
        if not why and id(rec) in counted:
            kept.append(rec)
    runs = to_frame(kept, [*RUNS_SCHEMA.names, "sha256", "bytes"], dtype=object)
    out_of_scope = {sid for sid, rec in ctx.systems.items() if rec.values.get("in_scope") is False}
    runs = runs[~runs["system_id"].isin(out_of_scope)].reset_index(drop=True)
    return SecurityData(criteria=crit, runs=runs, imported=imported, files=[RUNS_FILE])


def _empty_runs() -> pd.DataFrame:
    return to_frame([], [*RUNS_SCHEMA.names, "sha256", "bytes"], dtype=object)


def empty() -> SecurityData:
    """The security part of an engagement without security/runs.csv: default criteria, no runs."""
    return SecurityData(criteria=SecurityCriteria(), runs=_empty_runs())


PART: Part[SecurityData] = Part(
    "security",
    ("security",),
    read,
    empty,
    meta_keys=(
        MetaKey(
            "security_criteria",
            "how red-team results are judged: tolerated attack success rate (default and per OWASP category), "
            "minimum attempts, confidence level, hiding attack text",
            SecurityCriteria,
        ),
    ),
    templates={RUNS_FILE: lambda: template_csv(RUNS_SCHEMA, [{c.name: c.example for c in RUNS_SCHEMA.columns}])},
    schemas=(RUNS_SCHEMA,),
    # a per-system report reads its system's runs and the result files they name
    slices=(Slice("security", "system_id", shared=False, index="runs.csv", file_column="result_file"),),
    description="Red-team test runs (garak, promptfoo, PyRIT, Inspect AI result files) and the criteria to judge them.",
)
