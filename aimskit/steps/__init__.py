"""One pure module per assessment step: DataFrames in, DataFrames out.

Each module declares its step (``STEP``, a :class:`~aimskit.steps.base.Step`); the registry
(:mod:`aimskit.steps.registry`) lists them. ``STEPS``, ``PLANNED``, ``Step`` and ``scope_name``
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
