"""Module names from before the stage folders still import, with a DeprecationWarning.

``from aimskit import report`` or ``from aimskit.reports import gap`` in a notebook written for an
earlier release keeps working: the old name is an alias of the module's new home, and the warning
names that home. The aliases go in a later release; :data:`MOVED` is the table the docs print.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
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


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} is now {new}; the old name goes in a later release", DeprecationWarning, stacklevel=3)


def target_of(name: str) -> str | None:
    """The module an old name stands for: its own entry, else its old package's new home plus its
    leaf (so a module of an old package never loads a second time under the old name)."""
    if name in MOVED:
        return MOVED[name]
    package, _, leaf = name.rpartition(".")
    if package in MOVED:
        return f"{MOVED[package]}.{leaf}"
    return None


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """Finds an old name before the path finder does, and loads it as its new module itself: after
    the import, ``sys.modules[old] is sys.modules[new]`` (same objects, monkeypatching reaches them)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        new = target_of(fullname)
        if new is not None:
            real = importlib.util.find_spec(new)
            if real is None:
                return None  # an old package's module that does not exist: ModuleNotFoundError
            package = real.submodule_search_locations is not None
            spec = importlib.machinery.ModuleSpec(fullname, self, origin=real.origin, is_package=package)
            spec.has_location = real.has_location  # python -m sets __file__ from it
            return spec
        if fullname in GONE_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        new = target_of(spec.name)
        if new is None:  # an old package with no home of its own: only its modules moved
            module = types.ModuleType(spec.name)
            module.__path__ = []
            return module
        _warn(spec.name, new)
        module = importlib.import_module(new)
        self._specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # the import machinery set the old name's spec on the real module: give it its own back
        real = self._specs.pop(getattr(module.__spec__, "name", ""), None)
        if real is not None:
            module.__spec__ = real
            module.__loader__ = real.loader

    def get_code(self, fullname: str) -> Any:
        """``python -m aimskit.cli`` (an old name) runs the new module's code."""
        new = target_of(fullname)
        real = importlib.util.find_spec(new) if new else None
        if new is None or real is None or not isinstance(real.loader, importlib.abc.InspectLoader):
            return None
        _warn(fullname, new)
        return real.loader.get_code(new)

    def get_source(self, fullname: str) -> str | None:
        return None

    def is_package(self, fullname: str) -> bool:
        new = target_of(fullname)
        real = importlib.util.find_spec(new) if new else None
        return fullname in GONE_PACKAGES or (real is not None and real.submodule_search_locations is not None)

    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}


def install() -> None:
    """Let the old module names import (once per process)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())  # before the path finder, which would load a moved file twice
