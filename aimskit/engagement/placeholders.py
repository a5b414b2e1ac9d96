"""Placeholder text of the blank templates (``aimskit init``) that was never replaced.

The blank engagement is valid on purpose (so that ``aimskit validate`` can be run at once), which
means its placeholders ("Example Organisation Ltd", "Describe the scope ...") would otherwise pass
validation and print in client reports. :func:`find` reports every one still in an engagement, at
its position, as a warning; ``aimskit validate`` shows them (``--strict`` fails on them) and the
readiness step counts them as missing information (:func:`count`).

Also reported: a CSV row that is the template's commented example row, uncommented and left as is,
and a system profile whose EU AI Act screening answers are exactly the blank template's (every
question still at its template answer), which would otherwise classify the system as minimal risk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aimskit.base.problems import WARNING, Problem, Problems

#: Text in the blank templates that only tells the user what to write (never a real value).
PLACEHOLDERS: tuple[str, ...] = (
    "Example Organisation Ltd",
    "Describe the scope of the AI management system: the organisational units, AI systems, locations and the "
    "organisation's role(s) for AI.",
    "Your Name",
    "Full Name",
    "What the system is for, in one or two sentences",
    "Where, by whom and how the system is used",
)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


_KEYS = {_key(p): p for p in PLACEHOLDERS}


def _is_placeholder(value: str) -> bool:
    key = _key(value)
    return key in _KEYS or any(f"({_key(p)})" in key for p in ("Full Name", "Your Name"))


def _leaves(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _leaves(v, (*path, i))
    elif isinstance(data, str):
        yield path, data


def _message(value: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return f"'{shown}' is placeholder text from the blank template; replace it with the real information"


def _yaml_files(folder: Path) -> list[Path]:
    files = [folder / n for n in ("engagement.yaml", "audits.yaml", "reviews.yaml")]
    profiles = folder / "systems"
    if profiles.is_dir():
        files += sorted(
            p for p in profiles.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.name[:1] not in "_."
        )
    return [f for f in files if f.is_file()]


SCREENING_MESSAGE = (
    "the screening answers are exactly the blank template's (systems/_example.yaml): check every question for "
    "this system; a screening never changed from the template is not counted as evidence of its tier"
)


def template_screening() -> dict[str, Any]:
    """The screening answers of the blank profile template, as YAML reads them."""
    import yaml

    from aimskit.engagement.parts.impact import profile_template

    data = yaml.safe_load(profile_template())
    return dict(data.get("screening") or {})


def screening_unchanged(data: Any) -> bool:
    """Whether a profile's parsed YAML has the template's screening answers, unchanged."""
    screening = data.get("screening") if isinstance(data, dict) else None
    template = template_screening()
    if not any(v not in (None, "") for v in template.values()):
        return False  # the template leaves every answer unanswered: validation reports each missing answer
    return isinstance(screening, dict) and bool(screening) and screening == template


def _schemas() -> dict[str, Any]:
    """The core tables and every CSV file a registered part declares."""
    from aimskit.engagement.parts.core import GAP_SCHEMA, SYSTEMS_SCHEMA
    from aimskit.engagement.parts.registry import PARTS

    schemas = [SYSTEMS_SCHEMA, GAP_SCHEMA, *(s for part in PARTS for s in part.schemas)]
    return {s.file: s for s in schemas}


def find(folder: str | Path) -> list[Problem]:
    """Every placeholder left in the engagement at ``folder`` (warnings, in file order). Files that
    cannot be read are skipped: their problems are reported by validation."""
    from aimskit.base.fileio import inside
    from aimskit.formats.csvschema import read_csv
    from aimskit.formats.yamlio import load_yaml

    folder = Path(folder)
    found = Problems()
    for path in _yaml_files(folder):
        if not inside(folder, path):
            continue
        shown = str(path)
        doc = load_yaml(path, shown, Problems())
        if doc is None:
            continue
        for where, value in _leaves(doc.data):
            if _is_placeholder(value):
                line, column = doc.where(where)
                found.warning(shown, line, column, _message(value), code="AK123")
        if path.parent.name == "systems" and screening_unchanged(doc.data):
            line, column = doc.where(("screening",), key=True)
            found.warning(shown, line, column, SCREENING_MESSAGE, code="AK415")
    for name, schema in _schemas().items():
        path = folder / name
        if not path.is_file() or not inside(folder, path):
            continue
        text = read_csv(path, str(path), Problems())
        examples = {c.name: c.example for c in schema.columns if c.example}
        for line, cells in text.records:
            row = dict(zip(text.header, (c.strip() for c in cells), strict=False))
            filled = {k: v for k, v in row.items() if v}
            if len(filled) >= 3 and all(examples.get(k) == v for k, v in filled.items()):
                found.warning(
                    str(path),
                    line,
                    "",
                    "this row is the template's example row; replace it with your own or delete it",
                    code="AK124",
                )
                continue
            for name_of_column, value in row.items():
                if value and _is_placeholder(value):
                    found.warning(str(path), line, name_of_column, _message(value), code="AK123")
    return [p for p in found.items if p.severity == WARNING]


def count(folder: str | Path) -> int:
    """How many placeholders are left (the readiness step counts each as missing information)."""
    return len(find(folder))
