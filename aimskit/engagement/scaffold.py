"""``aimskit init``: create a blank engagement, or a copy of the bundled example.

Nothing is ever overwritten: an existing non-empty folder is refused. The blank files are the core
templates plus every part's own templates (:attr:`aimskit.engagement.parts.base.Part.templates`).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from aimskit import catalog
from aimskit.base import resources
from aimskit.base.fileio import atomic_write_text
from aimskit.base.problems import AimskitError
from aimskit.base.vocab import ENGAGEMENT_FILE, GAP_FILE, SYSTEMS_FILE
from aimskit.engagement.parts import registry
from aimskit.engagement.parts import risk as risk_part
from aimskit.engagement.parts.core import GAP_SCHEMA, SYSTEMS_SCHEMA
from aimskit.engagement.parts.templates import ENGAGEMENT_TEMPLATE
from aimskit.formats.csvschema import template_csv

SYSTEM_EXAMPLE = {c.name: c.example for c in SYSTEMS_SCHEMA.columns}
GAP_EXAMPLE = {c.name: c.example for c in GAP_SCHEMA.columns}


def full_files() -> dict[str, str]:
    """``gap.csv`` and ``soa.csv`` listing every requirement and Annex A control with empty answers.

    A row that carries only its ID (and, in the SoA, the title) is unanswered and is read as if it
    were absent (``TableSchema.prelisted``): nothing counts as assessed until someone fills it in."""
    req = catalog.load("iso42001")
    gap = io.StringIO()
    gap.write(template_csv(GAP_SCHEMA))
    gap.write("# Every requirement is listed; a row with only its id is unanswered and counts as not assessed.\n")
    writer = csv.writer(gap, lineterminator="\n")
    for rid in req["id"]:
        writer.writerow([rid if c.name == "requirement_id" else "" for c in GAP_SCHEMA.columns])
    soa = io.StringIO()
    soa.write(template_csv(risk_part.SOA_SCHEMA))
    soa.write("# Every Annex A control is listed; a row with only its id and title is unanswered (not yet decided).\n")
    writer = csv.writer(soa, lineterminator="\n")
    for rec in req[req["kind"] == "control"].to_dict(orient="records"):
        values = {"control_id": rec["id"], "title": rec["title"]}
        writer.writerow([values.get(c.name, "") for c in risk_part.SOA_SCHEMA.columns])
    return {GAP_FILE: gap.getvalue(), risk_part.SOA_FILE: soa.getvalue()}


def blank_files(full: bool = False) -> dict[str, str]:
    """The files of a blank engagement: headers and one commented example row each (with ``full``,
    gap.csv and soa.csv list every requirement and control, unanswered)."""
    files = {
        ENGAGEMENT_FILE: ENGAGEMENT_TEMPLATE,
        SYSTEMS_FILE: template_csv(SYSTEMS_SCHEMA, [SYSTEM_EXAMPLE]),
        GAP_FILE: template_csv(GAP_SCHEMA, [GAP_EXAMPLE]),
    }
    for part in registry.PARTS:
        for name, make in part.templates.items():
            files[name] = make()
    if full:
        files.update(full_files())
    return files


class InitError(AimskitError):
    """The target folder cannot be used."""


def init_engagement(path: str | Path, example: bool = False, full: bool = False) -> list[Path]:
    """Create an engagement folder at ``path``; returns the files written.

    ``full``: gap.csv and soa.csv list every requirement and Annex A control with empty answers."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise InitError(f"{target} is not empty; refusing to overwrite anything in it")
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if example:
        source = resources.example_engagement()
        for item in sorted(source.iterdir()):
            if item.is_file():
                shutil.copy2(item, target / item.name)
                written.append(target / item.name)
            elif item.is_dir():  # systems/: one profile per AI system
                shutil.copytree(item, target / item.name)
                written.extend(sorted(p for p in (target / item.name).rglob("*") if p.is_file()))
        return written
    source = resources.templates_dir()
    files = blank_files(full=full)
    prelisted = full_files() if full else {}
    for name, text in files.items():
        bundled = source / name
        content = bundled.read_text(encoding="utf-8") if bundled.is_file() and name not in prelisted else text
        atomic_write_text(target / name, content)
        written.append(target / name)
    return written


def copy_notebooks(dest: str | Path) -> tuple[list[Path], list[Path]]:
    """Copy the step notebooks and the workbooks (forms) into ``dest`` to work on them in JupyterLab.

    Returns ``(copied, skipped)``: a notebook that already exists in ``dest`` is never overwritten.
    """
    target = Path(dest)
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    skipped: list[Path] = []
    books = resources.report_notebooks() + sorted(resources.workbooks_dir().glob("*.ipynb"))
    for nb in books:
        out = target / nb.name
        if out.exists():
            skipped.append(out)
            continue
        atomic_write_text(out, nb.read_text(encoding="utf-8"))
        copied.append(out)
    return copied, skipped
