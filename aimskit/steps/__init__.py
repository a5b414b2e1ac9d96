"""One pure module per assessment step: DataFrames in, DataFrames out.

``STEPS`` maps a step name to its notebook and a one-line description; the runner and the
CLI read it. Steps listed with ``notebook=None`` are planned but not yet available.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    notebook: str | None
    per_system: bool = True


STEPS: dict[str, Step] = {
    "gap": Step("gap", "Gap assessment (clauses 4-10 and Annex A)", "gap_assessment.ipynb"),
}

PLANNED = ("risk", "impact", "audit", "review", "readiness", "security")
