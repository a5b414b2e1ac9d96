"""One pure module per assessment step: DataFrames in, DataFrames out.

``STEPS`` maps a step name to its notebook, what one report of it covers (its *scope*) and the
engagement files it reads; the runner and the CLI read it. Steps named in ``PLANNED`` are not
available yet.

Scopes: every step renders one organisation-wide report (scope value ``None``). A step with
``scope_param`` also renders one report per scope value: by default one per in-scope AI system
(parameter ``system_id``); a step may name another parameter (``audit_id``) and list its values
with ``scopes(engagement)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CORE_FILES = ("engagement.yaml", "systems.csv", "gap.csv")


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    notebook: str | None
    per_system: bool = True
    scope_param: str = "system_id"
    scope_prefix: str = "system"
    scopes: Callable[[Any], list[str]] | None = None
    reads: tuple[str, ...] = CORE_FILES

    @property
    def system_scoped(self) -> bool:
        return self.per_system and self.scope_param == "system_id"

    def scope_values(self, eng: Any) -> list[str]:
        """The scope values of the per-scope reports (empty when the step has only the organisation report)."""
        if not self.per_system:
            return []
        if self.scopes is not None:
            return list(self.scopes(eng))
        return list(eng.in_scope_ids)


def scope_name(prefix: str, value: str | None) -> str:
    """The file stem of one report: ``organisation`` or ``<prefix>-<value>`` (``system-credit-score``)."""
    return "organisation" if value is None else f"{prefix}-{value}"


AUDIT_FILES = ("audits.yaml", "findings.csv")
REVIEW_FILES = ("audits.yaml", "findings.csv", "reviews.yaml", "risks.csv", "impacts.csv")


def _audit_ids(eng: Any) -> list[str]:
    data = eng.parts.get("audit")
    return data.audit_ids if data is not None else []


def _review_ids(eng: Any) -> list[str]:
    data = eng.parts.get("audit")
    return data.review_ids if data is not None else []


STEPS: dict[str, Step] = {
    "gap": Step("gap", "Gap assessment (clauses 4-10 and Annex A)", "gap_assessment.ipynb"),
    "risk": Step(
        "risk",
        "AI risk assessment, treatment and Statement of Applicability",
        "risk_assessment.ipynb",
        reads=(*CORE_FILES, "risks.csv", "soa.csv"),
    ),
    "impact": Step(
        "impact",
        "AI system impact assessment and EU AI Act classification",
        "impact_assessment.ipynb",
        reads=("engagement.yaml", "systems.csv", "systems", "impacts.csv", "risks.csv"),
    ),
    "audit": Step(
        "audit",
        "Internal audit programme, findings and corrective action (9.2, 10.2)",
        "internal_audit.ipynb",
        scope_param="audit_id",
        scope_prefix="audit",
        scopes=_audit_ids,
        reads=(*CORE_FILES, *AUDIT_FILES),
    ),
    "review": Step(
        "review",
        "Management review (9.3)",
        "management_review.ipynb",
        scope_param="review_id",
        scope_prefix="review",
        scopes=_review_ids,
        reads=(*CORE_FILES, *REVIEW_FILES),
    ),
    "crosswalk": Step(
        "crosswalk",
        "ISO 42001 in other frameworks' terms: NIST AI RMF profile, EU AI Act evidence, ISO 27001 reuse",
        "crosswalk.ipynb",
        reads=(*CORE_FILES, "systems", "impacts.csv", "risks.csv"),
    ),
}

PLANNED = ("readiness", "security")
