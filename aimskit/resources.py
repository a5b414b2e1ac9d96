"""Where the bundled notebooks, example engagement and templates live.

In a wheel they are inside the package (``aimskit/_bundled``); in a source checkout they are
the repository's ``notebooks/`` and ``data/`` folders.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_BUNDLED = PACKAGE / "_bundled"
_CHECKOUT = PACKAGE.parent


def _first(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def notebooks_dir() -> Path:
    return _first(_BUNDLED / "notebooks", _CHECKOUT / "notebooks")


def workbooks_dir() -> Path:
    """The interactive workbook notebooks (forms that fill the engagement; not reports)."""
    return _first(_BUNDLED / "workbooks", _CHECKOUT / "workbooks")


def example_engagement() -> Path:
    return _first(_BUNDLED / "data" / "example", _CHECKOUT / "data" / "example")


def templates_dir() -> Path:
    """Blank engagement templates (for ``aimskit init``)."""
    return _first(_BUNDLED / "data" / "templates", _CHECKOUT / "data" / "templates")


def nbconvert_templates() -> Path:
    return PACKAGE / "templates"


def notebook(name: str) -> Path:
    return notebooks_dir() / name
