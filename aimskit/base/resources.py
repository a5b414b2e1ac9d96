"""Where the bundled notebooks, example engagement and templates live.

Each step's report notebook is package data in its step's folder (``aimskit/steps/<step>/``).
The example engagement, the blank templates and the workbooks are inside the package in a wheel
(``aimskit/_bundled``); in a source checkout they are the repository's ``data/`` and ``workbooks/``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
_BUNDLED = PACKAGE / "_bundled"
_CHECKOUT = PACKAGE.parent


def _first(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def report_notebooks() -> list[Path]:
    """Every step's report notebook (``aimskit/steps/<step>/<notebook>.ipynb``), by file name."""
    return sorted(PACKAGE.glob("steps/*/*.ipynb"), key=lambda p: p.name)


def workbooks_dir() -> Path:
    """The interactive workbook notebooks (forms that fill the engagement; not reports)."""
    return _first(_BUNDLED / "workbooks", _CHECKOUT / "workbooks")


def example_engagement() -> Path:
    return _first(_BUNDLED / "data" / "example", _CHECKOUT / "data" / "example")


def templates_dir() -> Path:
    """Blank engagement templates (for ``aimskit init``)."""
    return _first(_BUNDLED / "data" / "templates", _CHECKOUT / "data" / "templates")


def nbconvert_templates() -> Path:
    return PACKAGE / "present" / "templates"


def notebook(name: str) -> Path:
    """A step's report notebook by its file name (the path it would have when absent).

    A step's own notebook is ``Step.notebook_path`` (derived from its folder); this finds one by
    name for the code that knows only the name (this layer does not import the steps)."""
    for path in report_notebooks():
        if path.name == name:
            return path
    return PACKAGE / "steps" / name
