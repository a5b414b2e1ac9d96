"""The error a batch run raises before it starts."""

from __future__ import annotations


class RunError(Exception):
    """The run cannot start: unknown step, system or executor, or a notebook without parameters."""
