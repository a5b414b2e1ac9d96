"""The errors a batch run raises before it starts."""

from __future__ import annotations

from aimskit.base.problems import AimskitError, UsageError


class RunError(AimskitError):
    """The run cannot start: a notebook without parameters, an unusable output folder or executor."""


class RunUsageError(RunError, UsageError):
    """The run was asked for a step or an AI system that does not exist (a usage error: exit code 2)."""
