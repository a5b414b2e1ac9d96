"""One folder per assessment step: ``aimskit/steps/<name>/``.

A step's ``__init__.py`` holds its pure computation (DataFrames in, DataFrames out) and declares the
step (``STEP``, a :class:`~aimskit.steps.base.Step`), its ``view.py`` the report view, and its
notebook is package data beside them; the registry (:mod:`aimskit.steps.registry`) names them, one
line each, and :mod:`aimskit.steps.scaffold` writes a new one. ``STEPS``, ``PLANNED``, ``Step`` and ``scope_name``
are importable from here as well (loaded on first use, so importing one step module does not import
every step).
"""

from __future__ import annotations

from typing import Any

from aimskit.steps.base import Figure, Step, scope_name

__all__ = ["PLANNED", "STEPS", "Figure", "Step", "scope_name"]


def __getattr__(name: str) -> Any:
    if name in ("STEPS", "PLANNED"):
        from aimskit.steps import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'aimskit.steps' has no attribute {name!r}")
