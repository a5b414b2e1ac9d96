"""An Excel workbook that round-trips with the engagement folder (``aimskit export|import xlsx``).

The engagement folder stays the source of truth; the workbook is a way in and out for people who
collect and answer assessments in Excel or LibreOffice.

**Export** (:func:`export_xlsx`) writes one sheet per engagement file, found from the declarations
(the core CSV schemas and every part's :attr:`~aimskit.engagement.parts.base.Part.schemas`, so a new part's
CSV file gets its sheet without a change here), after a cover sheet with instructions:

* a CSV file becomes a table: its header (frozen, with a comment and an input message per column
  from the schema), its rows exactly as written, dropdowns from the catalogs and the engagement's
  own configuration (statuses, maturity 0-5, requirement and control IDs, system IDs, the configured
  likelihood/impact/severity scales, treatments, grades, yes/no), and on the gap and SoA sheets every
  requirement and control of the catalog pre-listed with empty answers;
* a YAML file (``engagement.yaml``, ``systems/<id>.yaml``, ``audits.yaml``, ``reviews.yaml``)
  becomes a form: one row per value, ``key`` (a path such as ``organisation/name``,
  ``assessors/[2]/name`` or ``screening/art5.a``), ``value`` and what it means; every field of the
  file's model is pre-listed (the EU AI Act screening questions of a system profile with their
  wording, unanswered), with one empty slot at the end of every list.

Every cell is a *text* cell (number format ``@``), written through :mod:`aimskit.base.spreadsheet`, so
leading zeros, long IDs, dates, ``1.10`` and multi-line text survive, and no user text can become a
formula.

**Import** (:func:`import_xlsx`) turns the sheets back into files, drops pre-listed rows that were
left empty, validates the engagement as it would be (``aimskit validate``'s checks, on a temporary
copy) and reports every problem at its cell, ``BOOK.xlsx:Sheet!C12: message``. Nothing is written
when there is an error (unless ``force``); a file whose content is unchanged is left untouched
(with its comments); a file that is replaced is first copied to a timestamped backup folder
(``.aimskit-backup/import-<UTC time>/``), and every write is atomic (:mod:`aimskit.base.fileio`).
A YAML value cell is read as YAML reads a value after ``key:`` (``yes`` is a yes, ``2026-01-31``
a date, ``[]`` an empty list); text that would read otherwise is exported in double quotes
(``"yes"``), and text with a line break is always text.

Loss on purpose: ``#`` comments and the layout of a file that the import *changes* are not kept
(the backup has them); a file the import leaves unchanged keeps them.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import io
import json
import re
import shutil
import tempfile
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from aimskit import catalog, engagement
from aimskit.base.dependencies import require
from aimskit.base.fileio import atomic_write_bytes
from aimskit.base.problems import ERROR, WARNING, AimskitError, InvalidEngagementError, Problem, Problems
from aimskit.base.spreadsheet import cell_text, set_text_cell
from aimskit.base.vocab import ENGAGEMENT_FILE, ID_PATTERN
from aimskit.engagement.parts import audit as audit_part
from aimskit.engagement.parts import impact as impact_part
from aimskit.engagement.parts import registry
from aimskit.engagement.parts import risk as risk_part
from aimskit.engagement.parts.core import GAP_SCHEMA, SYSTEMS_SCHEMA, EngagementMeta
from aimskit.formats.csvschema import YES, TableSchema, read_csv, unanswered
from aimskit.formats.yamlio import WrittenFloat, WrittenInt, load_yaml, load_yaml_text

INFO_SHEET = "aimskit"  # hidden: which sheet holds which file
LISTS_SHEET = "lists"  # hidden: long dropdown lists
COVER_SHEET = "Instructions"
BACKUP_DIR = ".aimskit-backup"
FORMAT = 1
DATA_ROWS = 300  # empty rows below the data that keep the dropdowns and input messages
HELPER = re.compile(r"^\(.*\)$")  # "(title)": shown for reading, ignored on import
KEY, VALUE, ABOUT = "key", "value", "(about)"

Path_ = tuple[str | int, ...]  # a YAML path: keys and 1-based list positions


class XlsxError(AimskitError):
    """The workbook cannot be read or written at all (not a problem of its content)."""


def _openpyxl() -> Any:
    openpyxl = require("openpyxl", "The Excel workbook")
    return openpyxl


# ---------------------------------------------------------------------------------------------
# what goes into the workbook


def csv_schemas() -> list[TableSchema]:
    """Every engagement CSV file: the core files, then each part's, in registry order."""
    out = [SYSTEMS_SCHEMA, GAP_SCHEMA]
    for part in registry.PARTS:
        out.extend(part.schemas)
    return out


def _yaml_models() -> dict[str, type[BaseModel]]:
    return {
        ENGAGEMENT_FILE: EngagementMeta,
        audit_part.AUDITS_FILE: audit_part.AuditsFile,
        audit_part.REVIEWS_FILE: audit_part.ReviewsFile,
    }


def _model_for(file: str) -> type[BaseModel] | None:
    if file.startswith(impact_part.PROFILE_DIR + "/"):
        return impact_part.Profile
    return _yaml_models().get(file)


def yaml_files(folder: Path) -> list[str]:
    """The YAML files of the engagement: engagement.yaml, every part's YAML files (those present
    or not), the profiles in every part folder, and a profile for each system that lacks one."""
    out = [ENGAGEMENT_FILE]
    for part in registry.PARTS:
        for name in part.files:
            if name.endswith((".yaml", ".yml")):
                out.append(name)
            elif (folder / name).is_dir():
                out.extend(
                    f"{name}/{p.name}" for p in sorted((folder / name).glob("*.yaml")) if not p.name.startswith("_")
                )
    systems = folder / SYSTEMS_SCHEMA.file
    if systems.is_file():
        text = read_csv(systems, SYSTEMS_SCHEMA.file, Problems())
        if "id" in text.header:
            i = text.header.index("id")
            s = text.header.index("in_scope") if "in_scope" in text.header else None
            for _, cells in text.records:
                sid = cells[i].strip() if i < len(cells) else ""
                in_scope = s is None or (s < len(cells) and cells[s].strip().lower() in YES)
                name = f"{impact_part.PROFILE_DIR}/{sid}.yaml"
                if in_scope and sid and re.fullmatch(ID_PATTERN, sid) and name not in out:
                    out.append(name)  # an in-scope system needs a profile: offer an empty one
    return out


# ---------------------------------------------------------------------------------------------
# YAML values <-> cells


def _path_text(path: Path_) -> str:
    return "/".join(f"[{p}]" if isinstance(p, int) else p for p in path)


def _parse_path(text: str) -> Path_ | None:
    if not text.strip():
        return None
    out: list[str | int] = []
    for seg in text.strip().split("/"):
        seg = seg.strip()
        m = re.fullmatch(r"\[(\d+)\]", seg)
        if m:
            if int(m.group(1)) < 1:
                return None
            out.append(int(m.group(1)))
        elif seg:
            out.append(seg)
        else:
            return None
    return tuple(out)


def flatten(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every scalar (and empty list or mapping) of a YAML value, with its path."""
    if isinstance(value, dict):
        if not value:
            yield path, {}
        for k, v in value.items():
            key = str(k)
            if "/" in key or re.fullmatch(r"\[\d+\]", key):
                raise XlsxError(f"the key '{key}' at {_path_text(path) or 'the top'} cannot be shown in a workbook")
            yield from flatten(v, (*path, key))
    elif isinstance(value, list):
        if not value:
            yield path, []
        for i, v in enumerate(value, 1):
            yield from flatten(v, (*path, i))
    else:
        yield path, value


def _read_scalar(text: str) -> Any:
    """What YAML reads for ``key: <text>`` (with aimskit's loader: numbers keep their source text)."""
    value = _read_scalar_cached(text)
    return copy.deepcopy(value) if isinstance(value, (list, dict)) else value


@functools.lru_cache(maxsize=4096)
def _read_scalar_cached(text: str) -> Any:
    problems = Problems()
    doc = load_yaml_text("v: " + text + "\n", "value", problems)
    if doc is None or problems.errors or not isinstance(doc.data, dict) or set(doc.data) != {"v"}:
        raise ValueError(text)
    return doc.data["v"]


_NULL_WORDS = {"null", "Null", "NULL", "~"}


def value_text(value: Any) -> str:
    """The cell text of a YAML scalar (see :func:`cell_value` for the way back)."""
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return _number_text(value)
    if isinstance(value, dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if value == [] or value == {}:
        return "[]" if value == [] else "{}"
    text = str(value)
    back = cell_value(text) if text else None
    if isinstance(back, str) and back == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _number_text(value: bool | int | float) -> str:
    """A yes/no, or a number as its YAML source wrote it (``001``, ``6.10``), else in its canonical form."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, WrittenInt | WrittenFloat):
        return value.yaml_text
    return repr(value) if isinstance(value, float) else str(value)


def cell_value(text: str) -> Any:
    """The YAML value of a cell's text: what YAML reads after ``key:`` when that is a yes/no, a
    number, a date, ``null``, a list or a mapping; otherwise the text exactly as typed, so
    ``Banking: retail``, ``- item`` or ``Prices #1`` stay text. ``"..."`` (JSON) is always text."""
    if "\n" in text:
        if text.startswith('"') and text.endswith('"'):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text
    stripped = text.strip()
    if stripped.startswith('"') and stripped.endswith('"') and len(stripped) >= 2:
        try:
            return json.loads(stripped)
        except ValueError:
            pass
    try:
        value = _read_scalar(stripped)
    except ValueError:
        return text
    if isinstance(value, str):
        return value if value == stripped else text
    if value is None and stripped not in _NULL_WORDS:
        return text  # "# note" is a comment to YAML, text to a person
    return value


# ---------------------------------------------------------------------------------------------
# the pre-listed form of a YAML file


@dataclass
class FormRow:
    path: Path_
    about: str = ""
    choices: tuple[str, ...] = ()


def _unwrap(ann: Any) -> Any:
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            ann = args[0] if args else Any
        else:
            return ann


def _form(ann: Any, data: Any, path: Path_, about: str) -> Iterator[FormRow]:
    ann = _unwrap(ann)
    origin = typing.get_origin(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        values = data if isinstance(data, dict) else {}
        for name, f in ann.model_fields.items():
            yield from _form(f.annotation, values.get(name), (*path, name), f.description or "")
    elif origin is list:
        item = typing.get_args(ann)[0] if typing.get_args(ann) else Any
        items = data if isinstance(data, list) else []
        for i in range(len(items) + 1):
            yield from _form(item, items[i] if i < len(items) else None, (*path, i + 1), about)
    elif origin is typing.Literal:
        yield FormRow(path, about, tuple(str(a) for a in typing.get_args(ann)))
    elif ann is bool:
        yield FormRow(path, about, ("yes", "no"))
    elif origin is dict or ann is dict:
        return
    else:
        yield FormRow(path, about)


def _screening_rows() -> Iterator[FormRow]:
    for q in catalog.load("eu-ai-act").to_dict(orient="records"):
        kind = q["answer"]
        choices: tuple[str, ...] = ()
        if kind == "yes_no":
            choices, how = ("yes", "no"), "yes or no"
        elif kind == "choice":
            choices, how = tuple(q["choices"]), "one of " + ", ".join(q["choices"])
        elif kind == "annex_iii":
            how = "the Annex III points, e.g. [5(b)], or none"
        else:
            how = "the Annex I entries (1-20), e.g. [11], or none"
        when = (
            "always asked" if q["required_when"] == "always" else f"asked {impact_part._when_text(q['required_when'])}"
        )
        yield FormRow(
            ("screening", q["id"]),
            f"{q['reference']}: {q['question']} Answer: {how} ({when}; empty = unanswered).",
            choices,
        )


PROFILE_ABOUT = {
    "role": "EU AI Act role(s), one per row: " + ", ".join(impact_part.EU_ROLES),
    "intended_purpose": "what the system is for, in one or two sentences (ISO/IEC 42005 6.3.3-6.3.4)",
    "foreseeable_misuse": "reasonably foreseeable misuse, one per row (ISO/IEC 42005 6.3.5)",
    "affected_persons": "persons and groups affected by its use, one per row (at least one; ISO/IEC 42005 6.7)",
    "vulnerable_groups": "vulnerable groups affected, one per row (children, older persons, ...)",
    "deployment_context": "where, by whom and how the system is used (ISO/IEC 42005 6.6)",
    "geography": "where it is used, one country or region per row (at least one)",
    "automation": "one of " + ", ".join(impact_part.AUTOMATION),
    "human_oversight": "oversight measures in place, one per row (ISO/IEC 42005 6.9)",
    "data_categories": "data processed, one per row: " + ", ".join(impact_part.DATA_CATEGORIES),
    "significant_decisions": "yes or no: outputs affect legal or similarly significant decisions",
}


def form_rows(file: str, data: Any) -> list[FormRow]:
    """The pre-listed rows of a YAML file's form (empty answers), given its current data."""
    model = _model_for(file)
    if model is None:
        return []
    rows = list(_form(model, data, (), ""))
    if model is impact_part.Profile:
        at = next((i for i, r in enumerate(rows) if r.path[:1] == ("fria",)), len(rows))
        rows[at:at] = list(_screening_rows())
    for r in rows:
        if model is impact_part.Profile and not r.about and str(r.path[0]) in PROFILE_ABOUT:
            r.about = PROFILE_ABOUT[str(r.path[0])]
        if r.path[:1] == ("fria",) and len(r.path) == 2 and r.path[1] in impact_part.FRIA_ELEMENTS:
            ref, label = impact_part.FRIA_ELEMENTS[str(r.path[1])]
            r.about = f"{ref} {label} (fundamental rights impact assessment, when Art. 27 applies)"
    return rows


def _sheet_rows(file: str, data: Any) -> list[tuple[Path_, str, FormRow | None]]:
    """(path, value text, form row) for every row of a YAML sheet: the file's values merged with the form."""
    values = list(flatten(data)) if data is not None else []
    texts = {p: value_text(v) for p, v in values}
    order = [p for p, _ in values]
    done: set[Path_] = set()
    out: list[tuple[Path_, str, FormRow | None]] = []
    for row in form_rows(file, data):
        if row.path in texts:
            if row.path not in done:
                out.append((row.path, texts[row.path], row))
                done.add(row.path)
            continue
        under = [p for p in order if p[: len(row.path)] == row.path and p not in done]
        if under:
            for p in under:
                out.append((p, texts[p], row))
                done.add(p)
            continue
        above = [p for p in order if row.path[: len(p)] == p]
        if above and not all(texts[p] in ("[]", "{}") for p in above):
            continue
        out.append((row.path, "", row))
    for p in order:
        if p not in done:
            out.append((p, texts[p], None))
    return out


# ---------------------------------------------------------------------------------------------
# export


@dataclass
class _Lists:
    """The hidden sheet of long dropdown lists."""

    ws: Any
    columns: dict[tuple[str, ...], str] = field(default_factory=dict)

    def ref(self, values: tuple[str, ...]) -> str:
        from openpyxl.utils import get_column_letter

        if values not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            for i, v in enumerate(values, 1):
                set_text_cell(self.ws[f"{col}{i}"], v)
            self.columns[values] = f"{LISTS_SHEET}!${col}$1:${col}${len(values)}"
        return self.columns[values]


def _config_lists(folder: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """Dropdowns that come from the engagement's own configuration (when it loads)."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    try:
        eng = engagement.load(folder)
    except (InvalidEngagementError, OSError):
        return out
    risk = eng.parts.get("risk")
    if risk is not None:
        crit = risk.criteria
        for col in ("likelihood", "residual_likelihood"):
            out[(risk_part.RISKS_FILE, col)] = tuple(str(v) for v in crit.likelihood.values)
        for col in ("impact", "residual_impact"):
            out[(risk_part.RISKS_FILE, col)] = tuple(str(v) for v in crit.impact.values)
    impact = eng.parts.get("impact")
    if impact is not None and impact.criteria is not None:
        crit = impact.criteria
        for col in ("likelihood", "residual_likelihood"):
            out[(impact_part.IMPACTS_FILE, col)] = tuple(str(v) for v in crit.likelihood.values)
        for col in ("severity", "residual_severity"):
            out[(impact_part.IMPACTS_FILE, col)] = tuple(str(v) for v in crit.impact.values)
    audits = eng.parts.get("audit")
    if audits is not None and audits.audit_ids:
        out[(audit_part.FINDINGS_FILE, "audit_id")] = tuple(str(a) for a in audits.audit_ids)
    return out


def _catalog_ids() -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    req = catalog.load("iso42001")
    ids = tuple(req["id"])
    controls = tuple(req.loc[req["kind"] == "control", "id"])
    return ids, controls, dict(zip(req["id"], req["title"], strict=True))


def _raw_csv(path: Path, schema: TableSchema) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        return list(schema.names), []
    text = read_csv(path, schema.file, Problems())
    header = text.header or list(schema.names)
    rows = [list(cells) + [""] * (len(header) - len(cells)) for _, cells in text.records]
    return header, rows


def _sheet_title(wanted: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", wanted)[:31]
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _style() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Font, PatternFill

    return {
        "head_font": Font(bold=True, color="FFFFFF"),
        "head_fill": PatternFill("solid", fgColor="1F4E79"),
        "helper_fill": PatternFill("solid", fgColor="D9D9D9"),
        "helper_font": Font(italic=True, color="404040"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
    }


def _validation(ws: Any, col: str, first: int, last: int, title: str, prompt: str, formula: str | None) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    kwargs: dict[str, Any] = {"showInputMessage": True, "promptTitle": title[:32], "prompt": prompt[:255]}
    if formula is not None:
        kwargs.update(type="list", formula1=formula, allow_blank=True, showErrorMessage=True, errorStyle="warning")
        kwargs.update(errorTitle="Not in the list"[:32], error="This value is not in the list; aimskit will report it.")
    dv = DataValidation(**kwargs)
    dv.add(f"{col}{first}:{col}{last}")
    ws.add_data_validation(dv)


def _list_formula(values: tuple[str, ...], lists: _Lists) -> str:
    inline = ",".join(values)
    if len(inline) <= 250 and not any("," in v or '"' in v for v in values):
        return f'"{inline}"'
    return lists.ref(values)


def _csv_sheet(ws: Any, schema: TableSchema, folder: Path, lists: _Lists, config: dict, st: dict) -> None:
    from openpyxl.utils import get_column_letter

    ids, controls, titles = _catalog_ids()
    table = _csv_table(schema, folder, ids, controls)
    _csv_head(ws, table, schema, st)
    _csv_body(ws, table, titles, st)
    last = len(table.rows) + 1 + DATA_ROWS
    for j, name in enumerate(table.cols, 1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].number_format = "@"  # cells typed in below the data are text too
        ws.column_dimensions[letter].width = _column_width(ws, j, name, len(table.rows))
        if name in schema.names:
            _column_validation(ws, letter, last, schema, name, config, lists, (ids, controls))
    ws.freeze_panes = "B2" if len(table.cols) > 1 else "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.cols))}{len(table.rows) + 1}"


@dataclass
class _CsvTable:
    """What a CSV sheet shows: the file's rows under its header (plus the schema's columns it lacks)."""

    header: list[str]
    rows: list[list[str]]  # each as long as the header
    key: str  # the catalog id column shown with a "(title)" helper column after it, or ""
    helper_at: int | None  # the index of "(title)" in cols
    cols: list[str]  # the sheet's columns: the header with "(title)" inserted


def _csv_table(schema: TableSchema, folder: Path, ids: tuple[str, ...], controls: tuple[str, ...]) -> _CsvTable:
    """The rows of a CSV file for its sheet; gap.csv and soa.csv also get a blank row for every catalog
    requirement (or control) that no organisation-wide row names yet, so they can be filled in."""
    header, rows = _raw_csv(folder / schema.file, schema)
    header = header + [n for n in schema.names if n not in header]
    rows = [r + [""] * (len(header) - len(r)) for r in rows]
    prelist: tuple[str, ...] = ()
    key = ""
    if schema.file == GAP_SCHEMA.file:
        key, prelist = "requirement_id", ids
    elif schema.file == risk_part.SOA_FILE:
        key, prelist = "control_id", controls
    if not key or key not in header:
        return _CsvTable(header, rows, "", None, list(header))
    k = header.index(key)
    sc = header.index("system_id") if "system_id" in header else None
    have = {r[k].strip() for r in rows if sc is None or not r[sc].strip()}
    for rid in prelist:
        if rid not in have:
            blank = [""] * len(header)
            blank[k] = rid
            rows.append(blank)
    cols = list(header)
    cols.insert(k + 1, "(title)")
    return _CsvTable(header, rows, key, k + 1, cols)


def _csv_head(ws: Any, table: _CsvTable, schema: TableSchema, st: dict) -> None:
    """The header row, each column with a comment saying what it holds."""
    from openpyxl.comments import Comment

    for j, name in enumerate(table.cols, 1):
        cell = ws.cell(row=1, column=j)
        set_text_cell(cell, name)
        cell.font, cell.fill = st["head_font"], st["head_fill"] if name != "(title)" else st["helper_fill"]
        if name == "(title)":
            cell.font = st["helper_font"]
            cell.comment = Comment("For reading only: the catalog title. Ignored on import.", "aimskit")
        elif name in schema.names:
            c = schema.column(name)
            need = "required" if c.mandatory else "optional"
            cell.comment = Comment(f"{name} ({need}): {c.description}", "aimskit")


def _csv_body(ws: Any, table: _CsvTable, titles: dict[str, str], st: dict) -> None:
    """The data rows as text cells, with the catalog title in the helper column."""
    for i, r in enumerate(table.rows, 2):
        values = list(r)
        if table.helper_at is not None:
            values.insert(table.helper_at, titles.get(r[table.header.index(table.key)].strip(), ""))
        for j, v in enumerate(values, 1):
            cell = ws.cell(row=i, column=j)
            set_text_cell(cell, v)
            if "\n" in v:
                cell.alignment = st["wrap"]
            if table.cols[j - 1] == "(title)":
                cell.font = st["helper_font"]


def _column_width(ws: Any, j: int, name: str, rows: int) -> int:
    """The width of column ``j``: its longest line of text (or its name), between 10 and 60."""
    longest = max(
        [
            len(name),
            *(
                len(line)
                for r in ws.iter_rows(min_row=2, max_row=rows + 1, min_col=j, max_col=j, values_only=True)
                for line in str(r[0] or "").split("\n")
            ),
        ]
    )
    return max(10, min(60, longest + 2))


def _column_validation(
    ws: Any,
    letter: str,
    last: int,
    schema: TableSchema,
    name: str,
    config: dict,
    lists: _Lists,
    catalog_ids: tuple[tuple[str, ...], tuple[str, ...]],
) -> None:
    """The input message of a schema column down to row ``last``, with its dropdown when it has one."""
    c = schema.column(name)
    formula = None
    choices = _column_choices(schema, name, config, catalog_ids)
    if name == "system_id" and schema.file != SYSTEMS_SCHEMA.file and "system_ids" in config:
        formula = config["system_ids"]  # the id column of the systems sheet: systems added there count
    elif choices:
        formula = _list_formula(tuple(choices), lists)
    need = "required" if c.mandatory else "optional"
    extra = " Dates as YYYY-MM-DD." if c.kind == "date" else ""
    extra += " Several values: separate with ';'." if c.kind == "list" else ""
    _validation(ws, letter, 2, last, name, f"{c.description} ({need}).{extra}", formula)


def _column_choices(
    schema: TableSchema, name: str, config: dict, catalog_ids: tuple[tuple[str, ...], tuple[str, ...]]
) -> Sequence[str] | None:
    """The values a column's dropdown offers: its schema's choices, yes/no, a short integer range, the
    catalog ids, else those of the engagement's configuration (``config``); None: no dropdown."""
    c = schema.column(name)
    ids, controls = catalog_ids
    if c.kind == "enum":
        return c.choices
    if c.kind == "bool":
        return ("yes", "no")
    if c.kind == "int" and c.minimum is not None and c.maximum is not None and c.maximum - c.minimum <= 20:
        return tuple(str(n) for n in range(c.minimum, c.maximum + 1))
    if name == "requirement_id":
        return ids
    if name == "control_id":
        return controls
    return config.get((schema.file, name))


def _yaml_data(path: Path) -> Any:
    if not path.is_file():
        return None
    doc = load_yaml(path, path.name, Problems())
    return doc.data if doc is not None else None


def _yaml_sheet(ws: Any, file: str, folder: Path, lists: _Lists, st: dict) -> None:
    from openpyxl.comments import Comment

    path = folder / file
    if path.is_file() and _yaml_data(path) is None:
        raise XlsxError(f"{file} cannot be read (run 'aimskit validate' to see why); fix it before exporting")
    rows = _sheet_rows(file, _yaml_data(path))
    for j, name in enumerate((KEY, VALUE, ABOUT), 1):
        cell = ws.cell(row=1, column=j)
        set_text_cell(cell, name)
        cell.font, cell.fill = st["head_font"], st["head_fill"]
    ws["A1"].comment = Comment(
        "The path of the value: keys separated by '/', list positions as [1], [2]... "
        "Add a row to add a value (e.g. the next [n] of a list); clear the value to remove it.",
        "aimskit",
    )
    ws["B1"].comment = Comment(
        "Written as after 'key:' in YAML: yes/no, YYYY-MM-DD dates, numbers, text. "
        'Text that would read otherwise goes in double quotes ("yes"). Empty: not given.',
        "aimskit",
    )
    ws["C1"].fill, ws["C1"].font = st["helper_fill"], st["helper_font"]
    by_choice: dict[tuple[str, ...], list[int]] = {}
    for i, (p, text, form) in enumerate(rows, 2):
        key = ws.cell(row=i, column=1)
        set_text_cell(key, _path_text(p))
        key.alignment = st["wrap"]
        value = ws.cell(row=i, column=2)
        set_text_cell(value, text)
        value.alignment = st["wrap"]
        about = ws.cell(row=i, column=3)
        set_text_cell(about, form.about if form else "")
        about.font, about.alignment = st["helper_font"], st["wrap"]
        if form and form.choices:
            by_choice.setdefault(form.choices, []).append(i)
    for letter in ("A", "B"):
        ws.column_dimensions[letter].number_format = "@"  # rows added below are text too
    from openpyxl.worksheet.datavalidation import DataValidation

    for choices, at in by_choice.items():
        dv = DataValidation(
            type="list",
            formula1=_list_formula(choices, lists),
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            error="This value is not in the list; aimskit will report it.",
        )
        for i in at:
            dv.add(f"B{i}")
        ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = max(12, min(45, max((len(_path_text(p)) for p, _, _ in rows), default=10) + 2))
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 80
    ws.freeze_panes = "B2"


def _cover(ws: Any, folder: Path, sheets: list[tuple[str, str, str]], st: dict) -> None:
    import aimskit

    lines = [
        ("aimskit engagement workbook", ""),
        ("Engagement folder", str(folder.name)),
        ("aimskit version", aimskit.__version__),
        ("Catalog version", catalog.version()),
        ("", ""),
        ("How to use it", ""),
        ("1", "Fill in the sheets. Every cell is text: type values as you would in the files (dates YYYY-MM-DD)."),
        ("2", "Dropdowns offer the allowed values; the input message of a cell says what the column means."),
        ("3", "Grey columns and the (about) column are for reading only and are ignored on import."),
        ("4", "Gap and SoA sheets list every requirement and control: rows left without answers are not imported."),
        ("5", "YAML sheets (engagement, audits, reviews, system profiles): one row per value, path in 'key'."),
        ("6", "Import with: aimskit import xlsx BOOK.xlsx ENGAGEMENT (checks everything, writes nothing on errors,"),
        ("", "keeps the previous files in ENGAGEMENT/.aimskit-backup/)."),
        ("7", "Do not rename sheets or the header row; do not type formulas (aimskit reads values only)."),
        ("", ""),
        ("Sheet", "File"),
    ] + [(title, file) for title, file, _ in sheets]
    for i, (a, b) in enumerate(lines, 1):
        set_text_cell(ws.cell(row=i, column=1), a)
        set_text_cell(ws.cell(row=i, column=2), b)
    from openpyxl.styles import Font

    ws["A1"].font = Font(bold=True, size=14)
    for cell in (ws["A6"], ws["A16"], ws["B16"]):
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110


def export_xlsx(engagement_path: str | Path, book: str | Path) -> list[tuple[str, str]]:
    """Write the workbook of the engagement at ``engagement_path`` to ``book`` (atomically).

    Returns ``(sheet title, file)`` for every data sheet. Works on any folder whose YAML files
    parse, valid or not (a blank ``aimskit init`` folder, one with errors to fix in Excel).
    """
    openpyxl = _openpyxl()
    folder = Path(engagement_path)
    if not folder.is_dir():
        raise XlsxError(f"{folder} is not a folder")
    st = _style()
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = COVER_SHEET
    used = {COVER_SHEET.lower(), INFO_SHEET, LISTS_SHEET}
    lists = _Lists(wb.create_sheet(LISTS_SHEET))
    config: dict[Any, Any] = dict(_config_lists(folder))  # plus "system_ids": a cell range
    sheets: list[tuple[str, str, str]] = []
    yaml_names = yaml_files(folder)
    order: list[tuple[str, Any]] = [(ENGAGEMENT_FILE, None)]
    order += [(s.file, s) for s in csv_schemas()]
    profiles = [f for f in yaml_names if f.startswith(impact_part.PROFILE_DIR + "/")]
    order += [(f, None) for f in yaml_names if f != ENGAGEMENT_FILE and f not in profiles]
    order += [(f, None) for f in profiles]
    for file, schema in order:
        if schema is not None:
            title = _sheet_title(file.removesuffix(".csv"), used)
        elif file.startswith(impact_part.PROFILE_DIR + "/"):
            title = _sheet_title("profile " + file.split("/", 1)[1].removesuffix(".yaml"), used)
        else:
            title = _sheet_title(file.removesuffix(".yaml"), used)
        ws = wb.create_sheet(title)
        if schema is not None:
            _csv_sheet(ws, schema, folder, lists, config, st)
            if schema.file == SYSTEMS_SCHEMA.file:
                ids_at = [c.column_letter for c in ws[1] if c.value == "id"]
                if ids_at:
                    col = ids_at[0]
                    config["system_ids"] = f"'{title}'!${col}$2:${col}${ws.max_row}"
            sheets.append((title, file, "csv"))
        else:
            _yaml_sheet(ws, file, folder, lists, st)
            sheets.append((title, file, "yaml"))
    info = wb.create_sheet(INFO_SHEET)
    for j, name in enumerate(("sheet", "file", "kind", "format"), 1):
        set_text_cell(info.cell(row=1, column=j), name)
    for i, (title, file, kind) in enumerate(sheets, 2):
        for j, v in enumerate((title, file, kind, str(FORMAT)), 1):
            set_text_cell(info.cell(row=i, column=j), v)
    info.sheet_state = "hidden"
    lists.ws.sheet_state = "hidden"
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    _cover(cover, folder, sheets, st)
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(Path(book), buf.getvalue())
    return [(t, f) for t, f, _ in sheets]


# ---------------------------------------------------------------------------------------------
# import


@dataclass(frozen=True)
class BookProblem:
    """A problem at a cell of the workbook (or, without a sheet, in a file of the engagement)."""

    where: str  # BOOK.xlsx:Sheet!C12, or a file path:line:column
    message: str
    severity: str = ERROR
    code: str = ""  # a problem code of aimskit/base/codes.py (that of the engagement's problem it maps)

    def format(self) -> str:
        prefix = "warning: " if self.severity == WARNING else ""
        suffix = f" [{self.code}]" if self.code else ""
        return f"{self.where}: {prefix}{self.message}{suffix}"

    def __str__(self) -> str:
        return self.format()


@dataclass
class ImportResult:
    problems: list[BookProblem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    backup: Path | None = None

    @property
    def errors(self) -> list[BookProblem]:
        return [p for p in self.problems if p.severity == ERROR]


@dataclass
class _FileOut:
    """A file rebuilt from a sheet, and where each of its lines came from."""

    sheet: str
    data: bytes | None  # None: nothing to write (no rows and no such file)
    lines: dict[int, int] = field(default_factory=dict)  # file line -> sheet row
    columns: dict[str, str] = field(default_factory=dict)  # CSV column -> sheet column letter
    sheet_rows: list[int] = field(default_factory=list)  # CSV: the sheet row of each record, in order
    rows_of: dict[Path_, int] = field(default_factory=dict)  # YAML: the sheet row of each path

    def map_lines(self, file: str, existing: bytes) -> None:
        """Point the problem lines at ``existing`` (the file kept because it is unchanged)."""
        if file.endswith(".csv"):
            with tempfile.TemporaryDirectory() as tmp:
                (Path(tmp) / "f.csv").write_bytes(existing)
                text = read_csv(Path(tmp) / "f.csv", file, Problems())
            self.lines = {text.header_line: 1}
            self.lines.update({ln: row for (ln, _), row in zip(text.records, self.sheet_rows, strict=False)})
        else:
            self.lines = _yaml_lines(existing, self.rows_of)


def _text(cell: Any, where: str, problems: list[BookProblem]) -> str:
    if cell.data_type == "f" or (isinstance(cell.value, str) and cell.data_type != "s" and cell.value.startswith("=")):
        problems.append(
            BookProblem(
                where, f"a formula ({str(cell.value)[:40]}): aimskit reads values only; type the value", code="AK620"
            )
        )
        return ""
    return cell_text(cell.value)


def _csv_from_sheet(
    ws: Any, book: str, schema: TableSchema, problems: list[BookProblem]
) -> tuple[list[str], list[tuple[int, list[str]]], dict[str, str]]:
    from openpyxl.utils import get_column_letter

    rows = list(ws.iter_rows())
    if not rows:
        problems.append(
            BookProblem(f"{book}:{ws.title}!A1", "the sheet is empty: it needs its header row", code="AK621")
        )
        return [], [], {}
    header_cells = rows[0]
    keep: list[tuple[int, str]] = []
    for j, cell in enumerate(header_cells):
        name = _text(cell, f"{book}:{ws.title}!{get_column_letter(j + 1)}1", problems).strip().lower()
        if not name or HELPER.match(name):
            continue
        keep.append((j, name))
    header = [n for _, n in keep]
    letters = {n: get_column_letter(j + 1) for j, n in keep}
    prefilled = set(schema.prelisted)
    out: list[tuple[int, list[str]]] = []
    for i, row in enumerate(rows[1:], 2):
        cells = []
        for j, name in keep:
            cell = row[j] if j < len(row) else None
            cells.append(_text(cell, f"{book}:{ws.title}!{letters[name]}{i}", problems) if cell is not None else "")
        filled = [n for n, v in zip(header, cells, strict=True) if v.strip()]
        if not filled or set(filled) <= prefilled:
            continue  # an empty row, or a pre-listed requirement left unanswered
        out.append((i, cells))
    return header, out, letters


def _csv_bytes(header: list[str], rows: list[tuple[int, list[str]]], out: _FileOut) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    line = 2
    out.lines[1] = 1
    for sheet_row, cells in rows:
        out.sheet_rows.append(sheet_row)
        before = buf.tell()
        writer.writerow(cells)
        out.lines[line] = sheet_row
        line += buf.getvalue()[before:].count("\n")
    return buf.getvalue().encode("utf-8")


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_written(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    tag = "tag:yaml.org,2002:int" if isinstance(value, int) else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, value.yaml_text)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(ord(c) < 32 and c not in "\n\t" for c in value) and value == value.rstrip(" "):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(WrittenInt, _represent_written)
_Dumper.add_representer(WrittenFloat, _represent_written)
_Dumper.add_representer(str, _represent_str)


class _Node(dict):
    """A mapping or list being built from key paths (keys: str, or int list positions)."""


def _empty(value: Any) -> bool:
    return isinstance(value, (list, dict)) and not isinstance(value, _Node) and not value


def _build(entries: list[tuple[Path_, Any, str]], problems: list[BookProblem]) -> Any:
    """The nested value of (path, value, where) entries; list positions are kept in order, gaps closed.

    An empty list or mapping (``[]``) beside filled-in items of the same key gives way to them."""
    root = _Node()
    where_of: dict[int, str] = {id(root): ""}
    for path, value, where in entries:
        if not path:
            problems.append(BookProblem(where, "the key is empty", code="AK622"))
            continue
        node = root
        for depth, seg in enumerate(path[:-1]):
            child = node.get(seg)
            if child is None or _empty(child):
                child = node[seg] = _Node()
                where_of[id(child)] = where
            elif not isinstance(child, _Node):
                problems.append(
                    BookProblem(
                        where, f"'{_path_text(path[: depth + 1])}' has a value and also values under it", code="AK625"
                    )
                )
                break
            node = child
        else:
            seg = path[-1]
            if seg not in node:
                node[seg] = value
            elif not (isinstance(node[seg], _Node) and _empty(value)):
                problems.append(BookProblem(where, f"'{_path_text(path)}' is given twice", code="AK626"))

    def finish(node: Any, path: Path_) -> Any:
        if not isinstance(node, _Node):
            return node
        kinds = {isinstance(k, int) for k in node}
        if kinds == {True}:
            return [finish(node[k], (*path, k)) for k in sorted(node)]
        if kinds == {True, False}:
            problems.append(
                BookProblem(
                    where_of.get(id(node), ""), f"'{_path_text(path)}' mixes list positions [n] and keys", code="AK627"
                )
            )
        return {k: finish(v, (*path, k)) for k, v in node.items() if not isinstance(k, int)}

    return finish(root, ())


def _yaml_from_sheet(ws: Any, book: str, problems: list[BookProblem]) -> tuple[Any, dict[Path_, int]]:
    entries: list[tuple[Path_, Any, str]] = []
    rows_of: dict[Path_, int] = {}
    for i, row in enumerate(ws.iter_rows(min_row=2, max_col=2), 2):
        key_cell = row[0]
        value_cell = row[1] if len(row) > 1 else None
        key = _text(key_cell, f"{book}:{ws.title}!A{i}", problems)
        text = _text(value_cell, f"{book}:{ws.title}!B{i}", problems) if value_cell is not None else ""
        if not text.strip() and not (text and "\n" in text):
            continue
        where = f"{book}:{ws.title}!B{i}"
        path = _parse_path(key)
        if path is None:
            problems.append(
                BookProblem(
                    f"{book}:{ws.title}!A{i}",
                    f"'{key}' is not a key path (e.g. organisation/name, assessors/[1]/name)",
                    code="AK623",
                )
            )
            continue
        try:
            value = cell_value(text)
        except ValueError:
            problems.append(
                BookProblem(where, "cannot read this value as YAML; put text in double quotes", code="AK624")
            )
            continue
        entries.append((path, value, where))
        rows_of[path] = i
    data = _build(entries, problems) if entries else None
    return data, rows_of


def _yaml_bytes(data: Any) -> bytes:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return (
        "# Written by 'aimskit import xlsx'; the previous version is in the .aimskit-backup folder.\n" + text
    ).encode("utf-8")


def _yaml_lines(data: bytes, rows_of: dict[Path_, int]) -> dict[int, int]:
    """File line -> sheet row, from the positions the loader records."""
    doc = load_yaml_text(data.decode("utf-8", errors="replace"), "file", Problems())
    out: dict[int, int] = {}
    if doc is None:
        return out
    for path, row in rows_of.items():
        key = tuple(s - 1 if isinstance(s, int) else s for s in path)
        if key in doc.positions:
            out.setdefault(doc.positions[key][0], row)
        if key in doc.key_positions:
            out.setdefault(doc.key_positions[key][0], row)
    return out


def read_book(book: str | Path) -> tuple[dict[str, _FileOut], list[BookProblem]]:
    """The engagement files the workbook holds (relative path -> content), and the problems of reading it."""
    openpyxl = _openpyxl()
    path = Path(book)
    name = path.name
    problems: list[BookProblem] = []
    try:
        wb = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # zip, XML or format errors: not a workbook this can read
        raise XlsxError(f"{path}: cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc})") from exc
    if INFO_SHEET not in wb.sheetnames:
        raise XlsxError(f"{path}: not a workbook written by 'aimskit export xlsx' (no '{INFO_SHEET}' sheet)")
    info = wb[INFO_SHEET]
    schemas = {s.file: s for s in csv_schemas()}
    files: dict[str, _FileOut] = {}
    for i, row in enumerate(info.iter_rows(min_row=2, values_only=True), 2):
        title, file, kind = (cell_text(v) for v in (list(row) + [None] * 3)[:3])
        if not title:
            continue
        where = f"{name}:{INFO_SHEET}!A{i}"
        if title not in wb.sheetnames:
            problems.append(
                BookProblem(where, f"the sheet '{title}' for {file} is missing (renamed or deleted?)", code="AK628")
            )
            continue
        if Path(file).is_absolute() or ".." in Path(file).parts or not re.fullmatch(r"[A-Za-z0-9._/-]+", file):
            problems.append(BookProblem(where, f"'{file}' is not an engagement file name", code="AK629"))
            continue
        ws = wb[title]
        if kind == "csv" and file in schemas:
            header, rows, letters = _csv_from_sheet(ws, name, schemas[file], problems)
            out = _FileOut(title, None, columns=letters)
            if header:
                out.data = _csv_bytes(header, rows, out)
            files[file] = out
        elif kind == "yaml":
            data, rows_of = _yaml_from_sheet(ws, name, problems)
            out = _FileOut(title, None, rows_of=rows_of)
            if data is not None:
                out.data = _yaml_bytes(data)
                out.lines = _yaml_lines(out.data, rows_of)
            files[file] = out
        else:
            problems.append(BookProblem(where, f"unknown kind '{kind}' for {file}", code="AK630"))
    return files, problems


def _same_content(file: str, old: Path, new: bytes) -> bool:
    """Whether ``new`` loads to the same data as the file at ``old`` (then the file is kept as it is)."""
    if not old.is_file():
        return False
    if old.read_bytes() == new:
        return True
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / Path(file).name
        p.write_bytes(new)
        if file.endswith((".yaml", ".yml")):
            a, b = _yaml_data(old), _yaml_data(p)
            return a is not None and a == b
        schema = next((s for s in csv_schemas() if s.file == file), None)
        if schema is None:
            return False
        ha, ra = _raw_csv(old, schema)
        hb, rb = _raw_csv(p, schema)

        def answered(header: list[str], rows: list[list[str]]) -> list[list[str]]:
            return [r for r in rows if not unanswered(schema, dict(zip(header, r, strict=False)))]

        return ha == hb and answered(ha, ra) == answered(hb, rb)


def _map_problem(p: Problem, tmp: Path, book: str, files: dict[str, _FileOut]) -> BookProblem:
    try:
        rel = Path(p.file).resolve().relative_to(tmp.resolve()).as_posix()
    except ValueError:
        rel = p.file
    out = files.get(rel)
    if out is None or out.data is None:
        return BookProblem(f"{rel}:{p.line}" + (f":{p.column}" if p.column else ""), p.message, p.severity, code=p.code)
    rows = out.lines
    row = 1 if p.line <= 0 else rows.get(p.line)
    if row is None and rows:
        earlier = [ln for ln in rows if ln <= p.line]
        row = rows[max(earlier)] if earlier else min(rows.values())
    if row is None:
        row = 1
    col = out.columns.get(p.column, "A") if rel.endswith(".csv") else ("B" if row > 1 else "A")
    return BookProblem(f"{book}:{out.sheet}!{col}{row}", p.message, p.severity, code=p.code)


def import_xlsx(book: str | Path, engagement_path: str | Path, force: bool = False) -> ImportResult:
    """Write the engagement files held by ``book`` into ``engagement_path`` (see the module docstring)."""
    target = Path(engagement_path)
    name = Path(book).name
    if target.exists() and not target.is_dir():
        raise XlsxError(f"{target} exists and is not a folder")
    files, problems = read_book(book)
    result = ImportResult(problems=problems)
    changes: dict[str, bytes] = {}
    for file, out in files.items():
        if out.data is None:
            continue
        if not (target / file).exists() and file.endswith(".csv") and out.data.count(b"\n") <= 1:
            continue  # a sheet left empty for a file the engagement does not have
        if _same_content(file, target / file, out.data):
            result.unchanged.append(target / file)
            out.map_lines(file, (target / file).read_bytes())
        else:
            changes[file] = out.data
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name) / "engagement"
        if target.is_dir():
            shutil.copytree(target, tmp, symlinks=True, ignore=shutil.ignore_patterns(BACKUP_DIR))
        tmp.mkdir(parents=True, exist_ok=True)
        for file, data in changes.items():
            (tmp / file).parent.mkdir(parents=True, exist_ok=True)
            (tmp / file).write_bytes(data)
        for p in engagement.validate(tmp):
            result.problems.append(_map_problem(p, tmp, name, files))
    if (result.errors and not force) or not changes:
        return result
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    backup = target / BACKUP_DIR / f"import-{stamp}"
    for file in changes:
        old = target / file
        if old.is_file():
            atomic_write_bytes(backup / file, old.read_bytes())
            result.backup = backup
    for file, data in changes.items():
        atomic_write_bytes(target / file, data)
        result.written.append(target / file)
    return result
