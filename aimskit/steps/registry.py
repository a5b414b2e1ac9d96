"""Every step, in certification order: one line per step.

The runner, the cache, the portfolio index and the docs read :data:`STEPS`. Adding a step is its
own files (``steps/<name>.py`` with its ``STEP``, ``inputs/<name>.py`` if it has files of its own,
``reports/<name>.py``, ``notebooks/<notebook>``, tests) plus one line here.
"""

from __future__ import annotations

from aimskit.steps import audit, crosswalk, gap, impact, readiness, review, risk, security
from aimskit.steps.base import Step

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        gap.STEP,
        risk.STEP,
        impact.STEP,
        audit.STEP,
        review.STEP,
        readiness.STEP,
        crosswalk.STEP,
        security.STEP,
    )
}

PLANNED: tuple[str, ...] = ()
"""Steps that are announced but not available yet (``--step`` says so instead of "unknown")."""
