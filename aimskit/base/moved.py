"""Module names from before the stage folders still import, with a DeprecationWarning.

``from aimskit import report`` or ``from aimskit.reports import gap`` in a notebook written for an
earlier release keeps working: the old name is an alias of the module's new home, and the warning
names that home. The aliases go in a later release; :data:`MOVED` is the table the docs print.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

_STEPS = ("audit", "crosswalk", "gap", "impact", "readiness", "review", "risk", "security")
_PARTS: tuple[str, ...] = ("audit", "base", "certifications", "core", "impact", "readiness", "registry", "risk")
_PARTS += ("security", "slicing", "templates")

#: old module name -> its module now
MOVED: dict[str, str] = {
    **{f"aimskit.{m}": f"aimskit.base.{m}" for m in ("problems", "codes", "vocab", "ids", "fileio")},
    **{f"aimskit.{m}": f"aimskit.base.{m}" for m in ("spreadsheet", "names", "resources", "dependencies")},
    "aimskit.tables": "aimskit.formats.csvschema",
    "aimskit.yamlio": "aimskit.formats.yamlio",
    "aimskit.yamlmodel": "aimskit.formats.yamlmodel",
    "aimskit.security.importers": "aimskit.formats.redteam",
    **{f"aimskit.security.importers.{m}": f"aimskit.formats.redteam.{m}" for m in ("base", "garak", "inspect_ai")},
    **{f"aimskit.security.importers.{m}": f"aimskit.formats.redteam.{m}" for m in ("promptfoo", "pyrit")},
    "aimskit.security.evidence": "aimskit.steps.security.evidence",
    "aimskit.crosswalk": "aimskit.catalog.crosswalk",
    "aimskit.inputs": "aimskit.engagement.parts",
    **{f"aimskit.inputs.{m}": f"aimskit.engagement.parts.{m}" for m in _PARTS},
    **{f"aimskit.{m}": f"aimskit.engagement.{m}" for m in ("criteria", "edit", "scaffold", "xlsx", "placeholders")},
    "aimskit.doccontrol": "aimskit.engagement.doccontrol",
    "aimskit.report": "aimskit.present.report",
    "aimskit.render": "aimskit.present.render",
    "aimskit.charts": "aimskit.present.charts",
    "aimskit.plotting": "aimskit.present.plotly_renderer",
    "aimskit.reports.common": "aimskit.present.common",
    **{f"aimskit.reports.{s}": f"aimskit.steps.{s}.view" for s in _STEPS},
    **{f"aimskit.{m}": f"aimskit.results.{m}" for m in ("portfolio", "compare", "oscal")},
    **{f"aimskit.{m}": f"aimskit.ui.{m}" for m in ("cli", "lab", "reference", "notebook_render")},
    "aimskit.forms": "aimskit.ui.forms",
    **{f"aimskit.forms.{m}": f"aimskit.ui.forms.{m}" for m in ("base", "gap", "risk", "screening")},
}

#: old packages that have no new home of their own (only their modules moved)
GONE_PACKAGES = ("aimskit.reports", "aimskit.security")


class _Alias(types.ModuleType):
    """An old name: every attribute is read from the module's new home."""

    def __init__(self, name: str, target: str | None) -> None:
        super().__init__(name)
        self.__path__: list[str] = []  # a package: the old submodules import through the finder too
        self.__moved_to__ = target

    def __getattr__(self, attr: str) -> Any:
        if self.__moved_to__ is None or attr.startswith("__"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")
        return getattr(importlib.import_module(self.__moved_to__), attr)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in MOVED or fullname in GONE_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        new = MOVED.get(spec.name)
        if new is not None:
            warnings.warn(
                f"{spec.name} is now {new}; the old name goes in a later release", DeprecationWarning, stacklevel=2
            )
        return _Alias(spec.name, new)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def install() -> None:
    """Let the old module names import (once per process)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())
