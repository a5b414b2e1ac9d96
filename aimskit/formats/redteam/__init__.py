"""Importers of red-team tool outputs, one module per tool, behind one registry.

Each module declares ``NAME``, ``sniff(head, path) -> bool`` (is this file mine? from its first
bytes) and ``read(path, **options) -> Imported``. :func:`import_file` detects the tool from
the content when it is not given, and never raises on bad content: problems are in
``Imported.problems``.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from aimskit.base.dependencies import MissingDependency
from aimskit.formats.redteam import garak, inspect_ai, promptfoo, pyrit
from aimskit.formats.redteam.base import Example, Finding, Imported

IMPORTERS: dict[str, ModuleType] = {m.NAME: m for m in (garak, promptfoo, pyrit, inspect_ai)}
"""Tool name -> importer module, in detection order."""

HEAD_BYTES = 65536
MAX_PROBLEMS = 50  # per file; the rest are counted

__all__ = ["IMPORTERS", "Example", "Finding", "Imported", "detect", "import_file"]


def detect(path: Path) -> str | None:
    """The tool that wrote ``path``, from its first bytes; None when no importer recognises it."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    for name, module in IMPORTERS.items():
        if module.sniff(head, path):
            return name
    return None


def import_file(path: Path, tool: str | None = None, score_meaning: str = "pass") -> Imported:
    """Read one result file. ``tool`` forces the importer; otherwise it is detected."""
    name = tool or detect(path)
    if name is None:
        out = Imported(tool="")
        out.error(
            0,
            "not recognised as a garak report.jsonl, a promptfoo results.json, a PyRIT memory database "
            "or an Inspect AI log",
            "AK660",
        )
        return out
    if name not in IMPORTERS:
        out = Imported(tool=name)
        out.error(0, f"no importer for tool '{name}' (known: {', '.join(IMPORTERS)})", "AK660")
        return out
    if tool:
        seen = detect(path)
        if seen is not None and seen != tool:
            out = Imported(tool=tool)
            out.error(
                0,
                f"the file looks like a {seen} result, not {tool}: correct the tool column or leave it empty",
                "AK617",
            )
            return out
    module = IMPORTERS[name]
    try:
        out = module.read(path, score_meaning=score_meaning) if name == inspect_ai.NAME else module.read(path)
    except MissingDependency as exc:  # one problem for the file, not one per member that needs the package
        out = Imported(tool=name)
        out.error(0, str(exc), "AK667")
        return out
    if len(out.problems) > MAX_PROBLEMS:
        more = len(out.problems) - MAX_PROBLEMS
        out.problems = out.problems[:MAX_PROBLEMS]
        out.error(0, f"{more} more problem(s) in this file not shown; is it the right file for this tool?", "AK672")
    return out
