"""AI system impact assessment (ISO/IEC 42001 6.1.4, 8.4, A.5.2-A.5.5) with the EU AI Act
classification and the fundamental rights impact assessment (Art. 27).

Pure functions: the screening answers of one system in, its EU AI Act tier with the reasoning
out (:func:`classify`); the classification and the organisation's role in, the obligations with
their dates of application out (:func:`obligations`); the impacts and the criteria in, scores,
levels and consistency findings out. :func:`assess` puts them together for a report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.base.ids import natural_key
from aimskit.base.problems import plural
from aimskit.engagement import Engagement, criteria
from aimskit.engagement.parts import impact as impact_part
from aimskit.engagement.parts import risk as risk_part
from aimskit.engagement.parts.impact import (
    AREA_LABELS,
    FRIA_ELEMENTS,
    ImpactInputs,
    default_impact,
    known_risks,
    risk_systems,
)
from aimskit.steps.base import Figure, Step


class _Indexed:
    """A catalog table indexed by one column, for repeated look-ups: ``loc[label, column]`` and
    ``loc[label]`` give what ``.set_index(key).loc`` gives (the same values, taken from the same
    arrays), without a DataFrame look-up per call (``classify`` runs once per AI system)."""

    def __init__(self, df: pd.DataFrame, key: str) -> None:
        frame = df.set_index(key)
        if not frame.index.is_unique:
            raise ValueError(f"catalog key {key} is not unique")
        self.index = frame.index
        self.columns = frame.columns
        self._pos = {label: i for i, label in enumerate(frame.index)}
        self._values = {col: frame[col]._values for col in frame.columns}
        self.loc = self

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, tuple):
            label, col = key
            return self._values[col][self._pos[label]]
        i = self._pos[key]
        return {col: values[i] for col, values in self._values.items()}


@functools.cache
def _indexed(name: str, key: str) -> _Indexed:
    return _Indexed(catalog.load(name), key)


@functools.cache
def _records(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(catalog.load(name).to_dict(orient="records"))


TIERS = ("prohibited", "high", "limited", "minimal", "unknown")
TIER_LABELS = {
    "prohibited": "Prohibited practice (Art. 5)",
    "high": "High-risk (Art. 6)",
    "limited": "Transparency obligations (Art. 50)",
    "minimal": (
        "Minimal risk (no high-risk or transparency obligations; Art. 4 AI literacy still applies; "
        "voluntary codes, Art. 95)"
    ),
    "unknown": "Unknown - screening incomplete",
}
FRIA_POINTS = ("5(b)", "5(c)")  # Art. 27(1): deployers of the high-risk systems in these Annex III points
FRIA_EXCLUDED_AREA = "2"  # Art. 27(1): except systems in Annex III area 2 (critical infrastructure)
DEROGATION_CONDITIONS = ("art6.3.a", "art6.3.b", "art6.3.c", "art6.3.d")
ART50 = ("art50.1", "art50.2", "art50.3", "art50.4.deepfake", "art50.4.text")
OMNIBUS_PROHIBITION = "art5.omnibus"  # the Art. 5 prohibition the Digital Omnibus on AI is reported to add
LEGACY = ("art111.placed_before", "art111.significant_change", "art111.public_authority")
LEGACY_STATES = {
    "not_legacy": "placed on the market or put into service from the cut-off date: not a legacy system",
    "legacy": "a legacy system (Art. 111(2)), not significantly changed since the cut-off date",
    "legacy_changed": "a legacy system whose design has changed significantly since the cut-off date",
    "unknown": "not known whether it is a legacy system (Art. 111(2) questions unanswered)",
}
APPLICABILITY = {
    "applies": "applies",
    "legacy_exempt": "does not apply unless the design changes significantly (legacy system, Art. 111(2))",
    "legacy_public_authority": "legacy system intended for public authorities: comply by 2 Aug 2030 (Art. 111(2))",
    "significant_change": "applies: the legacy system's design changed significantly (Art. 111(2))",
    "legacy_unknown": "applies unless the system is a legacy system (Art. 111(2) questions unanswered)",
}

METHOD = {
    "Scope": (
        "One assessment per in-scope AI system (ISO/IEC 42001 clause 6.1.4 and 8.4; Annex A.5.2-A.5.5; "
        "ISO/IEC 42005 gives guidance). Systems out of the AIMS scope are not assessed."
    ),
    "EU AI Act tier": (
        "Computed from the screening answers in systems/<id>.yaml, in this order: any Art. 5(1) practice -> "
        "prohibited; Annex I product or safety component with third-party conformity assessment (Art. 6(1)) "
        "or an Annex III use case (Art. 6(2)) -> high-risk, unless the Art. 6(3) derogation applies (one of "
        "the conditions (a)-(d) and no profiling of natural persons); otherwise any Art. 50 trigger -> "
        "transparency obligations; otherwise minimal. A high-risk system also carries its Art. 50 duties. "
        "Exceptions applied: Art. 5(1)(g) labelling or filtering of lawfully acquired biometric datasets and "
        "law-enforcement categorisation; Annex III 5(b) fraud detection; Annex III 8(b) tools whose output natural "
        "persons are not directly exposed to. The prohibition the Digital Omnibus on AI is reported to add (child "
        "sexual abuse material, non-consensual intimate imagery) is screened with its status shown. "
        "No profile -> unknown (screening incomplete)."
    ),
    "Obligations": (
        "Listed from the eu-ai-act-obligations catalog for the system's role (provider, deployer; "
        "general-purpose AI model provider). High-risk obligations take the date of their route: Annex III "
        "(Art. 6(2)) or Annex I (Art. 6(1)), the earlier when both apply. Each row carries the status of its "
        "date and of its rule: verified (OJ text of 2024) or as amended by the Digital Omnibus on AI (from "
        "secondary sources; Official Journal publication unconfirmed at the catalog date)."
    ),
    "Legacy systems (Art. 111(2))": (
        "For a high-risk system placed on the market or put into service before the cut-off date (2 Aug 2026 in "
        "the 2024 text), the high-risk obligations apply only once its design changes significantly; if it is "
        "intended to be used by public authorities, by 2 Aug 2030 in any case. Art. 4, Art. 5 and Art. 50 duties "
        "are listed regardless. Unanswered legacy questions leave the obligations listed, flagged."
    ),
    "Art. 27 FRIA": (
        "Required when the system is high-risk under Art. 6(2) (Annex III, except area 2), the organisation is "
        "its deployer, and the deployer is a body governed by public law or a private entity providing "
        "public services, or the system is in Annex III point 5(b) or 5(c). Elements (a)-(f) are present "
        "when systems/<id>.yaml gives text for them."
    ),
    "Impact levels": (
        "Each impact is rated on the likelihood and severity scales of impact_criteria (engagement.yaml) "
        "before and after mitigation; the score and level follow the criteria's method and bands. An empty "
        "residual rating keeps the rating before mitigation."
    ),
    "Severe impacts": (
        "A negative impact whose level before mitigation is at or above impact_criteria.severe_level. "
        "Each must be linked to at least one risk of the risk register (risks.csv)."
    ),
}


# ---------------------------------------------------------------------------------------------
# EU AI Act classification


@dataclass
class Classification:
    system_id: str
    tier: str
    steps: pd.DataFrame  # step, question, reference, answer, consequence
    prohibited: list[str] = field(default_factory=list)
    annex_i: list[int] = field(default_factory=list)
    annex_i_route: bool = False
    annex_iii: list[str] = field(default_factory=list)
    annex_iii_route: bool = False
    derogation: bool = False
    sectoral_only: bool = False  # high-risk only through Annex I Section B legislation (Art. 2(2))
    transparency: list[str] = field(default_factory=list)
    gpai: str = "none"
    public_service: bool = False
    prohibited_2024: bool = False  # an Art. 5(1)(a)-(h) practice of the 2024 text
    prohibited_omnibus: bool = False  # the prohibition the Digital Omnibus on AI is reported to add
    exceptions: list[str] = field(default_factory=list)  # exceptions that took a practice or use case out
    legacy: str = ""  # '' (not high-risk relevant) or a LEGACY_STATES key
    legacy_public_authority: bool = False
    placed_before: bool | None = None
    public_authority: bool = False  # Art. 26(8): the deployer is a public authority
    financial_institution: bool = False
    open_source: bool = False
    third_country: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def legacy_exempt(self) -> bool:
        """A high-risk legacy system not significantly changed and not meant for public authorities."""
        return self.tier == "high" and self.legacy == "legacy" and not self.legacy_public_authority

    @property
    def high_risk(self) -> bool:
        return self.tier == "high"

    @property
    def tier_label(self) -> str:
        if self.derogation and self.tier in ("minimal", "limited"):
            return (
                TIER_LABELS[self.tier].split(" (")[0]
                + " (not high-risk by the Art. 6(3) derogation: the provider documents the assessment, Art. 6(4), "
                "and registers the system, Art. 49(2))"
            )
        if self.sectoral_only:
            return (
                TIER_LABELS["high"].split(" (")[0]
                + " (Annex I Section B: requirements through the product legislation, Art. 2(2))"
            )
        if self.tier == "high" and self.legacy == "legacy":
            when = (
                "by 2 Aug 2030 (intended for public authorities)"
                if self.legacy_public_authority
                else ("only if its design changes significantly")
            )
            return f"High-risk (Art. 6), legacy system: the high-risk obligations apply {when} (Art. 111(2))"
        return TIER_LABELS[self.tier]


def _yn(value: Any) -> str:
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "none"
    return str(value)


def unknown(system_id: str, reason: str = "no profile (systems/<id>.yaml) for this system") -> Classification:
    steps = pd.DataFrame(
        [{"step": 1, "question": "Screening answers", "reference": "-", "answer": "missing", "consequence": reason}]
    )
    return Classification(system_id, "unknown", steps, notes=[reason])


def section_b_all(entries: list[int], acts: pd.DataFrame | _Indexed) -> bool:
    """Whether every Annex I entry is in Section B (the legislation Art. 2(2) refers to)."""
    return bool(entries) and all(str(acts.loc[str(e), "section"]) == "B" for e in entries)


@dataclass
class _Screening:
    """One system's screening answers, the catalog tables they refer to, and the reasoning written so far
    (one row per step: step, question, reference, answer, consequence)."""

    answers: dict[str, Any]
    questions: _Indexed = field(default_factory=lambda: _indexed("eu-ai-act", "id"))
    points: _Indexed = field(default_factory=lambda: _indexed("eu-ai-act-annex-iii", "point"))
    acts: _Indexed = field(default_factory=lambda: _indexed("eu-ai-act-annex-i", "entry"))
    rows: list[dict[str, Any]] = field(default_factory=list)

    def yes(self, qid: str) -> bool:
        return self.answers.get(qid) is True

    def if_yes(self, qid: str) -> str:
        """The catalog's consequence of answering yes."""
        return str(self.questions.loc[qid, "if_yes"])

    def reference(self, qid: str) -> str:
        return str(self.questions.loc[qid, "reference"])

    def step(
        self,
        qid: str,
        consequence: str,
        answer: Any = None,
        question: str | None = None,
        reference: str | None = None,
    ) -> None:
        """One step of the reasoning: the question ``qid`` (or the one given), its answer and its consequence."""
        q = self.questions.loc[qid] if qid in self.questions.index else None
        self.rows.append(
            {
                "step": len(self.rows) + 1,
                "question": question or (q["question"] if q is not None else qid),
                "reference": reference or (q["reference"] if q is not None else ""),
                "answer": _yn(self.answers.get(qid) if answer is None else answer),
                "consequence": consequence,
            }
        )

    def ruling(self, qid: str, if_no: str, if_unanswered: str | None = None) -> None:
        """The step of a yes/no question: the catalog's consequence for yes, ``if_no`` otherwise
        (``if_unanswered`` instead when given and the question is not answered)."""
        if self.yes(qid):
            consequence = self.if_yes(qid)
        elif if_unanswered is not None and qid not in self.answers:
            consequence = if_unanswered
        else:
            consequence = if_no
        self.step(qid, consequence)


def _screen_prohibitions(s: _Screening, c: Classification) -> None:
    """Art. 5: every prohibited practice, with the exceptions the catalog lists and the Omnibus prohibition."""
    for qid in [q for q in s.questions.index if q.startswith("art5.") and not q.endswith(".exception")]:
        _screen_prohibition(s, c, qid)


def _screen_prohibition(s: _Screening, c: Classification, qid: str) -> None:
    if qid == OMNIBUS_PROHIBITION and qid not in s.answers:
        s.step(qid, "Not answered: the new prohibition (reported to apply from 2 Dec 2026) is not screened")
        c.notes.append(
            "The prohibition the Digital Omnibus on AI is reported to add (child sexual abuse material, "
            "non-consensual intimate imagery) is not answered in the screening."
        )
        return
    yes = s.yes(qid)
    exception = f"{qid}.exception"
    if yes and exception in s.questions.index and exception in s.answers:
        s.step(qid, "Practice described, subject to the exception below")
        if s.yes(exception):
            c.exceptions.append(s.reference(exception))
            s.step(exception, s.if_yes(exception))
            return
        s.step(exception, "The exception does not apply")
    if yes:
        c.prohibited.append(s.reference(qid))
        if qid == OMNIBUS_PROHIBITION:
            c.prohibited_omnibus = True
        else:
            c.prohibited_2024 = True
    s.ruling(qid, "Not this prohibited practice")


def _screen_annex_i(s: _Screening, c: Classification) -> None:
    """Art. 6(1): an Annex I product or safety component that needs a third-party conformity assessment."""
    acts = s.acts
    c.annex_i = list(s.answers.get("annex_i") or [])
    if not c.annex_i:
        s.step("annex_i", "Not an Annex I product or safety component: Art. 6(1) does not apply")
        return
    names = "; ".join(f"{e} {acts.loc[str(e), 'title']} ({acts.loc[str(e), 'act']})" for e in c.annex_i)
    s.step("annex_i", f"Art. 6(1)(a) met: {names}")
    for e in c.annex_i:
        note = str(acts.loc[str(e), "note"]) if "note" in acts.columns else ""
        if note:
            c.notes.append(f"Annex I entry {e} ({acts.loc[str(e), 'title']}): {note}.")
    c.annex_i_route = s.yes("art6.1.b")
    s.step(
        "art6.1.b",
        "High-risk under Art. 6(1) (Annex I route)"
        if c.annex_i_route
        else "Art. 6(1)(b) not met: no third-party conformity assessment, so not high-risk under Art. 6(1)",
    )
    if c.annex_i_route and section_b_all(c.annex_i, acts):
        s.step(
            "annex_i",
            "Annex I Section B only: Art. 2(2) applies only Art. 6(1), Arts. 102-109 and Art. 112 of the Act; the "
            "high-risk requirements reach the system through its product legislation, so no Chapter III "
            "obligation is listed here",
            question="Are all the Annex I acts in Section B?",
            answer="yes",
            reference="Art. 2(2)",
        )


def _screen_annex_iii(s: _Screening, c: Classification) -> None:
    """Art. 6(2): the Annex III use cases, less the 8(b) exception; then the 5(b) fraud carve-out."""
    c.annex_iii = list(s.answers.get("annex_iii") or [])
    if c.annex_iii:
        labels = "; ".join(f"{p} {s.points.loc[p, 'title']}" for p in c.annex_iii)
        s.step("annex_iii", f"Listed in Annex III (Art. 6(2)): {labels}")
    else:
        s.step("annex_iii", "No Annex III use case: Art. 6(2) does not apply")
    if "8(b)" in c.annex_iii:
        if s.yes("annex_iii.8b.exception"):
            c.annex_iii = [p for p in c.annex_iii if p != "8(b)"]
            c.exceptions.append("Annex III point 8(b) second sentence")
            s.step("annex_iii.8b.exception", s.if_yes("annex_iii.8b.exception"))
        else:
            s.step("annex_iii.8b.exception", "Natural persons are directly exposed to the output: 8(b) is kept")
    _screen_fraud(s, c)


def _screen_fraud(s: _Screening, c: Classification) -> None:
    """Annex III point 5(b) excludes fraud detection, not the creditworthiness use it lists."""
    fraud = s.answers.get("fraud_detection")
    listed = "5(b)" in c.annex_iii
    if fraud is None and not listed:
        return
    if fraud is not True:
        consequence = "Not a fraud-detection system: the 5(b) carve-out does not apply"
    elif not listed:
        consequence = (
            "Annex III point 5(b) excludes AI systems used for the purpose of detecting financial fraud: "
            "not high-risk under 5(b)"
        )
    else:
        consequence = (
            "The system is also listed under 5(b) (creditworthiness or credit score): the fraud carve-out covers "
            "systems used to detect financial fraud, not creditworthiness evaluation; 5(b) is kept - confirm"
        )
        c.notes.append(
            "Listed under Annex III 5(b) and also used to detect financial fraud: confirm which purpose the "
            "system serves (the 5(b) carve-out covers fraud detection only)."
        )
    s.step("fraud_detection", consequence, answer=fraud)


def _screen_derogation(s: _Screening, c: Classification) -> None:
    """Art. 6(3): an Annex III system is not high-risk when a condition (a)-(d) is met and it does not profile."""
    if not c.annex_iii:
        return
    profiling = s.yes("art6.3.profiling")
    met = [q for q in DEROGATION_CONDITIONS if s.yes(q)]
    s.step(
        "art6.3.profiling",
        "Profiling: always high-risk (Art. 6(3) third subparagraph); the derogation is not available"
        if profiling
        else "No profiling: the derogation may apply if a condition (a)-(d) is met",
    )
    for q in DEROGATION_CONDITIONS:
        s.ruling(q, "Condition not met")
    question = "Does the Art. 6(3) derogation apply?"
    if profiling or not met:
        c.annex_iii_route = True
        why = "profiling of natural persons" if profiling else "no derogation condition (a)-(d) is met"
        s.step(
            "annex_iii",
            f"High-risk under Art. 6(2) ({why})",
            question=question,
            answer="no",
            reference="Art. 6(2); Art. 6(3)",
        )
    elif c.annex_i_route:
        s.step(
            "annex_iii",
            "An Art. 6(3) condition is met, but the system is already high-risk under Art. 6(1): the derogation "
            "does not change the tier and Art. 6(4) and 49(2) do not apply",
            question=question,
            answer="not relevant",
            reference="Art. 6(1); Art. 6(3); Art. 49(2)",
        )
    else:
        c.derogation = True
        conds = ", ".join(s.reference(q) for q in met)
        s.step(
            "annex_iii",
            f"Not high-risk by derogation ({conds}, no profiling): the provider must document the assessment "
            "(Art. 6(4)) and register the system (Art. 49(2))",
            question=question,
            answer="yes",
            reference="Art. 6(3); Art. 6(4); Art. 49(2)",
        )


def _screen_legacy(s: _Screening, c: Classification) -> None:
    """Art. 111(2): whether a possibly high-risk system was placed on the market before the cut-off date."""
    c.placed_before = s.answers.get("art111.placed_before")
    if not (c.annex_i or c.annex_iii or "art111.placed_before" in s.answers):
        return
    if c.placed_before is None:
        s.step("art111.placed_before", "Not answered: whether this is a legacy system (Art. 111(2)) is unknown")
        c.legacy = "unknown"
    elif c.placed_before:
        _screen_legacy_system(s, c)
    else:
        s.step(
            "art111.placed_before",
            "Placed on the market or put into service from the cut-off date: not a legacy system",
        )
        c.legacy = "not_legacy"


def _screen_legacy_system(s: _Screening, c: Classification) -> None:
    """A legacy system: whether its design changed significantly, whether it is meant for public authorities."""
    grace = (
        "; Art. 50(2) marking is reported to be due from 2 Dec 2026 for it (Digital Omnibus on AI, unverified)"
        if s.yes("art50.2")
        else ""
    )
    s.step("art111.placed_before", s.if_yes("art111.placed_before") + grace)
    changed = s.answers.get("art111.significant_change")
    if changed is True:
        c.legacy = "legacy_changed"
        s.step("art111.significant_change", s.if_yes("art111.significant_change"))
    elif changed is False:
        c.legacy = "legacy"
        s.step(
            "art111.significant_change",
            "Not significantly changed: as a legacy system, the high-risk obligations do not apply yet",
        )
    else:
        c.legacy = "unknown"
        s.step("art111.significant_change", "Not answered: treated as possibly changed")
    c.legacy_public_authority = s.yes("art111.public_authority")
    s.ruling("art111.public_authority", "Not intended for public authorities: no 2030 deadline")


def _screen_deployer(s: _Screening, c: Classification) -> None:
    """The facts some high-risk duties depend on: a public-authority deployer (Art. 26(8)), a financial
    institution (Art. 26(5), 26(6))."""
    c.public_authority = s.yes("art26.8.public_authority")
    if c.annex_iii:
        s.ruling("art26.8.public_authority", "Not a public-authority deployer", if_unanswered="Not answered")
    c.financial_institution = s.yes("financial_institution")
    if c.annex_i or c.annex_iii:
        s.ruling(
            "financial_institution",
            "Not a financial institution under Union financial services law",
            if_unanswered="Not answered",
        )


def _screen_transparency(s: _Screening, c: Classification) -> None:
    """Art. 50: the transparency obligations, one paragraph at a time."""
    c.transparency = [q for q in ART50 if s.yes(q)]
    for q in ART50:
        s.ruling(q, "No obligation under this paragraph")


GPAI_CONSEQUENCES = {
    "none": "No general-purpose AI model involved",
    "uses_gpai_model": (
        "Built on a third party's general-purpose AI model: the model provider carries Art. 53 "
        "(and Art. 55) obligations; the organisation should obtain the Art. 53(1)(b) information"
    ),
    "gpai_provider": "The organisation provides a general-purpose AI model: Art. 53 applies",
    "gpai_provider_systemic": (
        "The organisation provides a general-purpose AI model with systemic risk: Art. 53 and Art. 55 apply"
    ),
}


def _screen_gpai(s: _Screening, c: Classification) -> None:
    """Chapter V: a general-purpose AI model used or provided (Art. 53, Art. 55; exemptions Art. 53(2), Art. 54)."""
    c.gpai = str(s.answers.get("gpai", "none"))
    s.step("gpai", GPAI_CONSEQUENCES.get(c.gpai, c.gpai))
    if c.gpai not in ("gpai_provider", "gpai_provider_systemic"):
        return
    c.open_source = s.yes("gpai.open_source")
    c.third_country = s.yes("gpai.third_country")
    if c.gpai == "gpai_provider":
        s.ruling("gpai.open_source", "No open-source exemption")
    elif c.open_source:
        s.step("gpai.open_source", "Open-source release, but the Art. 53(2) exemption does not cover systemic risk")
    s.ruling("gpai.third_country", "Established in the Union")


def _screen_public_service(s: _Screening, c: Classification) -> None:
    """Art. 27(1): a body governed by public law or a private entity providing public services."""
    c.public_service = s.yes("art27.public_service")
    s.step(
        "art27.public_service",
        "Public body or public-service deployer (relevant to Art. 27)"
        if c.public_service
        else "Not a public body or public-service deployer",
    )


# The questions of the screening, in the order the reasoning lists them.
SCREENING: tuple[Callable[[_Screening, Classification], None], ...] = (
    _screen_prohibitions,
    _screen_annex_i,
    _screen_annex_iii,
    _screen_derogation,
    _screen_legacy,
    _screen_deployer,
    _screen_transparency,
    _screen_gpai,
    _screen_public_service,
)


def _high_risk_reason(c: Classification, s: _Screening) -> str:
    routes = []
    if c.annex_i_route:
        routes.append("Art. 6(1) Annex I entry " + ", ".join(str(e) for e in c.annex_i))
    if c.annex_iii_route:
        routes.append("Art. 6(2) Annex III point " + ", ".join(c.annex_iii))
    why = "high-risk under " + " and ".join(routes)
    if c.legacy == "legacy":
        why += "; a legacy system (Art. 111(2)): " + (
            "compliance due by 2 Aug 2030"
            if c.legacy_public_authority
            else "its high-risk obligations apply only once its design changes significantly"
        )
    elif c.legacy == "legacy_changed":
        why += "; a legacy system significantly changed since the cut-off date, so the obligations apply"
    elif c.legacy == "unknown":
        why += "; whether it is a legacy system (Art. 111(2)) is not answered"
    if c.transparency:
        why += "; Art. 50 obligations apply as well"
    return why


@dataclass(frozen=True)
class TierRule:
    """One rule of the conclusion: a system for which ``applies`` holds is in ``tier`` under ``article``,
    for the reason ``reason`` writes. :data:`TIER_RULES` are tried in order; the first that applies decides."""

    tier: str
    article: str
    applies: Callable[[Classification], bool]
    reason: Callable[[Classification, _Screening], str]


TIER_RULES = (
    TierRule(
        "prohibited",
        "Art. 5",
        lambda c: bool(c.prohibited),
        lambda c, s: f"prohibited practice under {', '.join(c.prohibited)}",
    ),
    TierRule("high", "Art. 6", lambda c: c.annex_i_route or c.annex_iii_route, _high_risk_reason),
    TierRule(
        "limited",
        "Art. 50",
        lambda c: bool(c.transparency),
        lambda c, s: "transparency obligations under " + ", ".join(s.reference(q) for q in c.transparency),
    ),
    TierRule(
        "minimal",
        "Art. 4",
        lambda c: True,
        lambda c, s: (
            "no prohibited practice, not high-risk and no Art. 50 trigger; the Art. 4 AI-literacy duty still applies"
        ),
    ),
)


def classify(system_id: str, answers: dict[str, Any]) -> Classification:
    """The EU AI Act tier of one system from its screening answers, with every step of the reasoning:
    each part of the :data:`SCREENING` writes its steps, then the first of the :data:`TIER_RULES` that
    applies gives the tier and the reason."""
    s = _Screening(answers)
    c = Classification(system_id, "minimal", pd.DataFrame())
    for screen in SCREENING:
        screen(s, c)
    rule = next(r for r in TIER_RULES if r.applies(c))
    c.tier = rule.tier
    c.sectoral_only = (
        c.tier == "high" and c.annex_i_route and not c.annex_iii_route and section_b_all(c.annex_i, s.acts)
    )
    why = rule.reason(c, s)
    if c.exceptions:
        why += "; exception(s) applied: " + ", ".join(c.exceptions)
    s.rows.append(
        {"step": len(s.rows) + 1, "question": "Conclusion", "reference": "", "answer": c.tier_label, "consequence": why}
    )
    c.steps = pd.DataFrame(s.rows)
    return c


def legacy_note(c: Classification) -> str:
    """Art. 111(2) for one high-risk system, following its legacy answers (from the eu-ai-act-dates catalog), or ''."""
    if c.tier != "high" or c.sectoral_only:
        return ""
    dates = catalog.load("eu-ai-act-dates").set_index("id")
    d = dates.loc["legacy-high-risk"]
    cut = dt.date.fromisoformat(d["applies_from"]).strftime("%-d %b %Y")
    state = LEGACY_STATES.get(c.legacy or "unknown", LEGACY_STATES["unknown"])
    note = str(d["note"])
    note = note[:1].lower() + note[1:]
    text = f"{c.system_id}: {state}. Art. 111(2) cut-off date: {cut} ({d['status'].replace('_', ' ')}; {note})."
    if c.legacy == "legacy" and c.legacy_public_authority:
        text += " Intended for public authorities: providers and deployers must comply by 2 Aug 2030."
    elif c.legacy == "legacy":
        text += (
            " The high-risk obligations below do not apply to it now; a significant change to its design (for example"
            " a new model version that changes how it works or what it is for) brings all of them into force."
        )
    elif c.legacy == "unknown":
        text += " Answer art111.placed_before (and, if yes, art111.significant_change) in the profile."
    return text


def fria_required(c: Classification, roles: list[str], legacy: bool = True) -> tuple[bool, str]:
    """Whether Art. 27 requires a fundamental rights impact assessment, and why (or why not). With
    ``legacy=False`` the Art. 111(2) hold-back of a legacy system is left out (the obligations table lists the
    assessment as held back instead)."""
    if "deployer" not in roles:
        return False, "The organisation is not a deployer of this system (Art. 27 binds deployers)"
    if not c.annex_iii_route or c.tier != "high":
        return False, "Not a high-risk system under Art. 6(2) (Annex III)"
    if legacy and c.legacy_exempt:
        return False, (
            "A legacy system (Art. 111(2)) not significantly changed since the cut-off date: Art. 27 applies only once "
            "its design changes significantly"
        )
    outside_area_2 = [p for p in c.annex_iii if p.split("(")[0] != FRIA_EXCLUDED_AREA]
    if not outside_area_2:
        return False, "Annex III area 2 (critical infrastructure) is excluded from Art. 27"
    credit = [p for p in outside_area_2 if p in FRIA_POINTS]
    if credit:
        return True, f"Deployer of a high-risk system in Annex III point {', '.join(credit)} (Art. 27(1))"
    if c.public_service:
        return True, "Deployer that is a public body or provides public services, Annex III system (Art. 27(1))"
    return False, "A private deployer not providing public services, outside Annex III points 5(b) and 5(c)"


# ---------------------------------------------------------------------------------------------
# obligations


def _condition(c: Classification, condition: str, fria: bool) -> bool:
    if c.tier == "unknown":
        return False
    if c.tier == "prohibited":
        return (
            condition == "any"
            or (condition == "prohibited" and c.prohibited_2024)
            or (condition == "prohibited_omnibus" and c.prohibited_omnibus)
        )
    if c.sectoral_only:  # Art. 2(2): only Art. 6(1), 102-109 and 112 apply to these systems
        return False
    return {
        "any": True,
        "prohibited": False,
        "high_risk": c.tier == "high" and not c.sectoral_only,
        "registration": c.annex_iii_route and any(p.split("(")[0] != FRIA_EXCLUDED_AREA for p in c.annex_iii),
        "annex_iii_point_2": c.annex_iii_route and any(p.split("(")[0] == FRIA_EXCLUDED_AREA for p in c.annex_iii),
        "public_authority_registration": c.public_authority
        and c.annex_iii_route
        and any(p.split("(")[0] != FRIA_EXCLUDED_AREA for p in c.annex_iii),
        "financial_high_risk": c.financial_institution and c.tier == "high",
        "post_rbi": c.annex_iii_route and "1(a)" in c.annex_iii,
        "derogation": c.derogation,
        "fria": fria,
        "art50.1": "art50.1" in c.transparency,
        "art50.2_new": "art50.2" in c.transparency and c.placed_before is not True,
        "art50.2_legacy": "art50.2" in c.transparency and c.placed_before is True,
        "art50.3": "art50.3" in c.transparency,
        "art50.4": "art50.4.deepfake" in c.transparency or "art50.4.text" in c.transparency,
        "gpai_provider": c.gpai in ("gpai_provider", "gpai_provider_systemic"),
        "gpai_provider_systemic": c.gpai == "gpai_provider_systemic",
        "gpai_open_source": c.gpai == "gpai_provider" and c.open_source,
        "gpai_third_country": c.gpai in ("gpai_provider", "gpai_provider_systemic") and c.third_country,
    }.get(condition, False)


def _applicability(c: Classification, ob: dict[str, Any]) -> str:
    """How Art. 111(2) bears on one obligation of this system (an APPLICABILITY key)."""
    if ob.get("legacy") != "art111.2" or c.tier != "high":
        return "applies"
    return {
        "legacy": "legacy_public_authority" if c.legacy_public_authority else "legacy_exempt",
        "legacy_changed": "significant_change",
        "unknown": "legacy_unknown",
    }.get(c.legacy, "applies")


def obligations(c: Classification, roles: list[str], as_of: dt.date) -> pd.DataFrame:
    """The obligations that follow for the organisation's role(s), with dates and their status."""
    dates = _indexed("eu-ai-act-dates", "id")
    fria, _ = fria_required(c, roles, legacy=False)
    route_dates = [
        d for d, on in (("high-risk-annex-iii", c.annex_iii_route), ("high-risk-annex-i", c.annex_i_route)) if on
    ]
    rows = []
    for ob in _records("eu-ai-act-obligations"):
        if ob["role"] != "gpai_model_provider" and ob["role"] not in roles:
            continue
        if not _condition(c, ob["applies_when"], fria):
            continue
        date_id = ob["date_id"]
        if date_id == "by_route":
            date_id = (
                min(route_dates, key=lambda d: dates.loc[d, "applies_from"]) if route_dates else "high-risk-annex-iii"
            )
        applicability = _applicability(c, ob)
        if applicability == "legacy_public_authority":
            late = dates.loc["legacy-public-authorities"]
            if late["applies_from"] > dates.loc[date_id, "applies_from"]:
                date_id = "legacy-public-authorities"
        d = dates.loc[date_id]
        applies = dt.date.fromisoformat(d["applies_from"])
        rows.append(
            {
                "article": ob["article"],
                "title": ob["title"],
                "role": ob["role"].replace("_", " "),
                "summary": ob["summary"],
                "applies_from": applies,
                "in_force": applies <= as_of and applicability != "legacy_exempt",
                "date_status": d["status"],
                "date_basis": d["basis"],
                "original_date": d["original_date"],
                "rule_status": ob["rule_status"],
                "applicability": applicability,
            }
        )
    cols = [
        "article",
        "title",
        "role",
        "summary",
        "applies_from",
        "in_force",
        "date_status",
        "date_basis",
        "original_date",
        "rule_status",
        "applicability",
    ]
    return pd.DataFrame(rows, columns=cols)


def fria_elements(inputs: ImpactInputs, system_id: str) -> pd.DataFrame:
    """Art. 27(1)(a)-(f): which elements the profile gives and which are missing."""
    return _fria_frame(_fria_texts(inputs, system_id))


def _fria_texts(inputs: ImpactInputs, system_id: str) -> tuple[str, ...]:
    """The text the profile gives for each Art. 27(1) element ('' when none)."""
    profile = inputs.profiles.get(system_id)
    fria = profile.fria if profile is not None else None
    return tuple(getattr(fria, key, "") if fria is not None else "" for key in FRIA_ELEMENTS)


def _fria_frame(texts: tuple[str, ...]) -> pd.DataFrame:
    # built column by column (the same frame as from one dict per element, without the per-row inference)
    return pd.DataFrame(
        {
            "element": list(FRIA_ELEMENTS),
            "reference": [ref for ref, _ in FRIA_ELEMENTS.values()],
            "label": [label for _, label in FRIA_ELEMENTS.values()],
            "text": list(texts),
            "present": [bool(t) for t in texts],
        }
    )


# ---------------------------------------------------------------------------------------------
# impacts


def score_impacts(impacts: pd.DataFrame, c: criteria.Criteria, severe_level: str) -> pd.DataFrame:
    """Inherent and residual scores and levels per impact, and whether it is severe."""
    df = impacts.copy()
    if df.empty:
        for col in ("inherent_score", "inherent_level", "residual_score", "residual_level", "severe"):
            df[col] = pd.Series(dtype=object)
        df["area_label"] = pd.Series(dtype=object)
        return df
    df["residual_severity"] = df["residual_severity"].where(df["residual_severity"].notna(), df["severity"])
    df["residual_likelihood"] = df["residual_likelihood"].where(df["residual_likelihood"].notna(), df["likelihood"])
    inherent = [criteria.rate(c, lk, sv) for lk, sv in zip(df["likelihood"], df["severity"], strict=True)]
    residual = [
        criteria.rate(c, lk, sv) for lk, sv in zip(df["residual_likelihood"], df["residual_severity"], strict=True)
    ]
    df["inherent_score"] = [s for s, _ in inherent]
    df["inherent_level"] = [b for _, b in inherent]
    df["residual_score"] = [s for s, _ in residual]
    df["residual_level"] = [b for _, b in residual]
    threshold = c.rank(severe_level)
    df["severe"] = [
        d == "negative" and lvl is not None and c.rank(lvl) >= threshold
        for d, lvl in zip(df["direction"], df["inherent_level"], strict=True)
    ]
    df["area_label"] = df["area"].map(AREA_LABELS)
    for col in ("scale", "reversibility", "party"):
        df[f"{col}_label"] = df[col].map(lambda v: v.replace("_", " ") if isinstance(v, str) else v)
    df["risk_text"] = df["risk_ids"].map(lambda v: ", ".join(v) if isinstance(v, list) else "")
    df["level_label"] = df["inherent_level"].map({b.id: b.label for b in c.bands})
    df["residual_label"] = df["residual_level"].map({b.id: b.label for b in c.bands})
    return df


FINDING_COLUMNS = ["rule", "severity", "system_id", "impact_id", "message"]


def check_links(
    scored: pd.DataFrame, known_risks: set[str] | None, risk_system: dict[str, str] | None = None
) -> pd.DataFrame:
    """Every severe negative impact is linked to a risk; every linked risk id exists; a linked risk
    of another AI system is flagged (organisation-wide risks may be linked from any system)."""
    rows = []
    risk_system = risk_system or {}
    for rec in scored.to_dict(orient="records"):
        links = rec.get("risk_ids") or []
        if rec.get("severe") and not links:
            rows.append(
                {
                    "rule": "severe_impact_unlinked",
                    "severity": "error",
                    "system_id": rec["system_id"],
                    "impact_id": rec["impact_id"],
                    "message": f"severe negative impact {rec['impact_id']} ({rec['inherent_level']}) is linked to no "
                    "risk "
                    "in the risk register: add the risk or link it in risk_ids",
                }
            )
        if known_risks is not None:
            for rid in links:
                if rid not in known_risks:
                    rows.append(
                        {
                            "rule": "unknown_risk",
                            "severity": "error",
                            "system_id": rec["system_id"],
                            "impact_id": rec["impact_id"],
                            "message": f"impact {rec['impact_id']} links risk '{rid}', which is not in the risk "
                            "register",
                        }
                    )
                elif risk_system.get(rid) and risk_system[rid] != rec["system_id"]:
                    rows.append(
                        {
                            "rule": "risk_of_another_system",
                            "severity": "warning",
                            "system_id": rec["system_id"],
                            "impact_id": rec["impact_id"],
                            "message": f"impact {rec['impact_id']} ({rec['system_id']}) links risk '{rid}', which the "
                            f"register records for {risk_system[rid]}",
                        }
                    )
    linked = not scored.empty and bool(scored["risk_ids"].map(lambda v: bool(v)).any())
    if known_risks is None and linked:
        rows.append(
            {
                "rule": "no_risk_register",
                "severity": "warning",
                "system_id": "",
                "impact_id": "",
                "message": "impacts link risk ids but the engagement has no risk register (risks.csv): "
                "the links cannot be checked",
            }
        )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def check_coverage(
    classifications: dict[str, Classification],
    scored: pd.DataFrame,
    declared: dict[str, str],
    fria: dict[str, tuple[bool, pd.DataFrame]],
) -> pd.DataFrame:
    """Per system: screening complete, declared tier = screened tier, high-risk systems assessed, FRIA complete."""
    rows = []
    assessed = set(scored["system_id"]) if not scored.empty else set()
    for sid, c in classifications.items():
        if c.tier == "unknown":
            rows.append(
                {
                    "rule": "screening_incomplete",
                    "severity": "warning",
                    "system_id": sid,
                    "impact_id": "",
                    "message": f"{sid}: no EU AI Act screening (systems/{sid}.yaml is missing): the tier is unknown",
                }
            )
        elif declared.get(sid) == "unknown":
            rows.append(
                {
                    "rule": "tier_disagreement",
                    "severity": "warning",
                    "system_id": sid,
                    "impact_id": "",
                    "message": f"{sid}: the inventory leaves the tier 'unknown' but the screening gives "
                    f"'{c.tier}' ({TIER_LABELS[c.tier]}): record the conclusion in systems.csv once confirmed",
                }
            )
        elif declared.get(sid) and declared[sid] != c.tier:
            rows.append(
                {
                    "rule": "tier_disagreement",
                    "severity": "warning",
                    "system_id": sid,
                    "impact_id": "",
                    "message": f"{sid}: the inventory declares tier '{declared[sid]}' but the screening gives "
                    f"'{c.tier}' ({TIER_LABELS[c.tier]}): correct systems.csv or the screening answers",
                }
            )
        if c.tier in ("high", "prohibited") and sid not in assessed:
            rows.append(
                {
                    "rule": "high_risk_not_assessed",
                    "severity": "error",
                    "system_id": sid,
                    "impact_id": "",
                    "message": f"{sid} is screened {c.tier} but impacts.csv records no impact for it",
                }
            )
        if c.tier == "high" and c.legacy == "unknown" and not c.sectoral_only:
            rows.append(
                {
                    "rule": "legacy_unanswered",
                    "severity": "warning",
                    "system_id": sid,
                    "impact_id": "",
                    "message": f"{sid}: high-risk, but art111.placed_before is not answered: whether Art. 111(2) "
                    "holds back its obligations is unknown",
                }
            )
        for note in c.notes:
            if c.tier != "unknown":
                rows.append(
                    {
                        "rule": "classification_note",
                        "severity": "warning",
                        "system_id": sid,
                        "impact_id": "",
                        "message": f"{sid}: {note}",
                    }
                )
        required, elements = fria.get(sid, (False, pd.DataFrame()))
        if required:
            missing = elements.loc[~elements["present"], "reference"].tolist()
            if missing:
                rows.append(
                    {
                        "rule": "fria_incomplete",
                        "severity": "error",
                        "system_id": sid,
                        "impact_id": "",
                        "message": f"{sid}: Art. 27 applies but the FRIA lacks {', '.join(missing)}",
                    }
                )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


# ---------------------------------------------------------------------------------------------
# the assessment a report shows


@dataclass
class ImpactResult:
    system_id: str | None
    system_name: str
    criteria: criteria.Criteria
    severe_level: str
    classifications: dict[str, Classification]
    obligations: dict[str, pd.DataFrame]
    fria: dict[str, tuple[bool, str, pd.DataFrame]]
    impacts: pd.DataFrame  # scored, for the scope
    findings: pd.DataFrame
    overview: pd.DataFrame  # one row per system in scope
    profiles: dict[str, Any]
    has_register: bool
    has_impacts_file: bool
    headline: dict[str, Any]
    summary: list[str]

    def to_json(self) -> dict[str, Any]:
        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return catalog.to_records(df.astype(object).where(df.notna(), None))

        return {
            "system_id": self.system_id,
            "headline": self.headline,
            "summary": self.summary,
            "overview": recs(self.overview),
            "classification": {
                sid: {"tier": c.tier, "reasoning": recs(c.steps)} for sid, c in self.classifications.items()
            },
            "obligations": {sid: recs(df) for sid, df in self.obligations.items()},
            "fria": {sid: {"required": r, "why": w, "elements": recs(e)} for sid, (r, w, e) in self.fria.items()},
            "impacts": recs(self.impacts.drop(columns=["line"], errors="ignore")),
            "findings": recs(self.findings),
        }


def _inputs(eng: Engagement) -> ImpactInputs:
    return eng.part(impact_part.PART)


def known_risk_ids(eng: Engagement) -> set[str] | None:
    """Risk ids of the risk register, or None when the engagement has none."""
    return known_risks(eng.part(risk_part.PART))


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a screening answer or a classification field (its type included, so
    ``True`` and ``1`` stay apart)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(_frozen(v) for v in value))
    return (type(value), value)


def _same_classification(c: Classification, system_id: str) -> Classification:
    """A copy of ``c`` for another system with the same answers (own lists, own steps frame)."""
    values = {f.name: getattr(c, f.name) for f in dataclasses.fields(c)}
    values = {k: list(v) if isinstance(v, list) else v for k, v in values.items()}
    values.update(system_id=system_id, steps=c.steps.copy())
    return Classification(**values)


_OUTCOME_FIELDS = tuple(f.name for f in dataclasses.fields(Classification) if f.name not in ("system_id", "steps"))


def _per_system(
    inputs: ImpactInputs, scope: list[str], as_of: dt.date
) -> tuple[dict[str, Classification], dict[str, pd.DataFrame], dict[str, tuple[bool, str, pd.DataFrame]]]:
    """Classification, obligations and FRIA of every system in ``scope``.

    :func:`classify` is a pure function of the screening answers and :func:`obligations` of the
    classification's outcome (every field but the system id and the reasoning), the roles and the date:
    systems with the same answers, or with the same outcome and roles, are computed once and copied, and
    so are the FRIA element tables of profiles giving the same texts (portfolios have many systems
    screened alike; at 1,000 systems building these frames one by one was most of the step's time)."""
    classifications: dict[str, Classification] = {}
    obs: dict[str, pd.DataFrame] = {}
    fria: dict[str, tuple[bool, str, pd.DataFrame]] = {}
    by_answers: dict[Any, Classification] = {}
    by_outcome: dict[Any, tuple[pd.DataFrame, tuple[bool, str]]] = {}
    by_texts: dict[tuple[str, ...], pd.DataFrame] = {}  # FRIA elements: most systems give none, alike
    for sid in scope:
        profile = inputs.profiles.get(sid)
        if profile is None:
            c = unknown(sid)
        else:
            answers = inputs.answers[sid]
            try:
                key: Any = _frozen(answers)
                hash(key)
            except TypeError:  # pragma: no cover - answers are YAML scalars, lists and mappings
                key = None
            seen = by_answers.get(key) if key is not None else None
            c = _same_classification(seen, sid) if seen is not None else classify(sid, answers)
            if key is not None and seen is None:
                by_answers[key] = c
        roles = list(profile.role) if profile is not None else []
        classifications[sid] = c
        outcome = (profile is not None, tuple(roles), *(_frozen(getattr(c, f)) for f in _OUTCOME_FIELDS))
        if outcome not in by_outcome:
            fria_answer = fria_required(c, roles) if profile is not None else (False, "screening incomplete")
            by_outcome[outcome] = (obligations(c, roles, as_of), fria_answer)
            obs[sid] = by_outcome[outcome][0]
        else:
            obs[sid] = by_outcome[outcome][0].copy()
        fria_answer = by_outcome[outcome][1]
        texts = _fria_texts(inputs, sid)
        if texts not in by_texts:
            by_texts[texts] = _fria_frame(texts)
            elements = by_texts[texts]
        else:
            elements = by_texts[texts].copy()
        fria[sid] = (fria_answer[0], fria_answer[1], elements)
    return classifications, obs, fria


def assess(eng: Engagement, system_id: str | None = None) -> ImpactResult:
    inputs = _inputs(eng)
    crit = inputs.criteria or default_impact()
    in_scope = eng.in_scope_ids
    if system_id is not None and system_id not in in_scope:
        raise ValueError(f"system '{system_id}' is not an in-scope AI system")
    declared = dict(zip(eng.systems["id"], eng.systems["eu_ai_act_tier"], strict=True))
    names = eng.system_names
    scope = [system_id] if system_id else in_scope  # a per-system report computes its system only
    classifications, obs, fria = _per_system(inputs, scope, eng.meta.assessment_date)
    scored_all = score_impacts(inputs.impacts[inputs.impacts["system_id"].isin(scope)], crit, inputs.severe_level)
    known = known_risk_ids(eng)
    findings = pd.concat(
        [
            check_coverage(classifications, scored_all, declared, {s: (r, e) for s, (r, _, e) in fria.items()}),
            check_links(scored_all, known, risk_systems(eng.part(risk_part.PART))),
        ],
        ignore_index=True,
    )
    overview = _overview(classifications, fria, scored_all, declared, names, crit)
    scored = scored_all.reset_index(drop=True)
    if system_id:
        findings = findings[findings["system_id"].isin([system_id, ""])].reset_index(drop=True)
        overview = overview[overview["system_id"] == system_id].reset_index(drop=True)
    negative = scored[scored["direction"] == "negative"]
    headline = {
        "systems": len(scope),
        "tier": classifications[system_id].tier if system_id else None,
        "high_risk": int(sum(classifications[s].tier == "high" for s in scope)),
        "prohibited": int(sum(classifications[s].tier == "prohibited" for s in scope)),
        "unscreened": int(sum(classifications[s].tier == "unknown" for s in scope)),
        "disagreements": int((findings["rule"] == "tier_disagreement").sum()),
        "impacts": len(scored),
        "negative_impacts": len(negative),
        "severe_impacts": int(scored["severe"].sum()) if not scored.empty else 0,
        "severe_unlinked": int((findings["rule"] == "severe_impact_unlinked").sum()),
        "fria_required": int(sum(fria[s][0] for s in scope)),
        "fria_incomplete": int((findings["rule"] == "fria_incomplete").sum()),
        "errors": int((findings["severity"] == "error").sum()),
    }
    result = ImpactResult(
        system_id=system_id,
        system_name=names.get(system_id, "") if system_id else "",
        criteria=crit,
        severe_level=inputs.severe_level,
        classifications={s: classifications[s] for s in scope},
        obligations={s: obs[s] for s in scope},
        fria={s: fria[s] for s in scope},
        impacts=scored,
        findings=findings,
        overview=overview,
        profiles={s: inputs.profiles.get(s) for s in scope},
        has_register=known is not None,
        has_impacts_file=inputs.has_impacts_file,
        headline=headline,
        summary=[],
    )
    result.summary = _summary(result)
    return result


def _overview(
    classifications: dict[str, Classification],
    fria: dict[str, tuple[bool, str, pd.DataFrame]],
    scored: pd.DataFrame,
    declared: dict[str, str],
    names: dict[str, str],
    c: criteria.Criteria,
) -> pd.DataFrame:
    rows = []
    counts, severe, top_level = _impact_figures(scored)
    for sid, cl in classifications.items():
        required, _, elements = fria[sid]
        if not required:
            fria_status = "not required"
        else:
            missing = int((~elements["present"]).sum())
            fria_status = "complete" if not missing else f"{missing} of {len(elements)} elements missing"
        top = top_level.get(sid, _NO_TOP)
        rows.append(
            {
                "system_id": sid,
                "name": names.get(sid, sid),
                "declared_tier": declared.get(sid) or "",
                "tier": cl.tier,
                "agrees": cl.tier == "unknown" or declared.get(sid) == cl.tier,
                "route": "; ".join(
                    x
                    for x in (
                        "Annex I" if cl.annex_i_route else "",
                        "Annex III " + ", ".join(cl.annex_iii) if cl.annex_iii_route else "",
                        "Art. 6(3) derogation" if cl.derogation else "",
                        "Art. 50" if cl.transparency else "",
                    )
                    if x
                ),
                "fria": fria_status,
                "impacts": counts.get(sid, 0),
                "severe": severe.get(sid, 0),
                "highest_residual": None if top is _NO_TOP else top,
                "highest_residual_label": None if top is _NO_TOP else c.band(top).label,
            }
        )
    return pd.DataFrame(rows)


_NO_TOP = object()  # a system without a negative impact (its highest residual level is None)


def _impact_figures(scored: pd.DataFrame) -> tuple[dict[str, int], dict[str, int], dict[str, Any]]:
    """Per system, in one pass over all impacts: how many, how many severe, and the residual level
    of its highest negative impact (highest residual score, then inherent score; the first in file
    order among equals, as a stable sort of each system's own rows gives)."""
    if scored.empty:
        return {}, {}, {}
    groups = scored.groupby("system_id", sort=False)
    counts = {sid: int(n) for sid, n in groups.size().items()}
    severe = {sid: int(n) for sid, n in groups["severe"].sum().items()}
    neg = scored[scored["direction"] == "negative"]
    if neg.empty:
        return counts, severe, {}
    ordered = neg.sort_values(["residual_score", "inherent_score"], ascending=False)
    first = ordered.groupby("system_id", sort=False).head(1)
    return counts, severe, dict(zip(first["system_id"], first["residual_level"], strict=True))


def _summary(r: ImpactResult) -> list[str]:
    h = r.headline
    out = []
    tiers = pd.Series([c.tier for c in r.classifications.values()]).value_counts()
    if r.system_id:
        c = r.classifications[r.system_id]
        out.append(f"EU AI Act: {c.tier_label}.")
    else:
        parts = [f"{int(tiers[t])} {TIER_LABELS[t].split(' (')[0].lower()}" for t in TIERS if t in tiers]
        out.append(f"{plural(h['systems'], 'AI system')} in scope: " + ", ".join(parts) + ".")
    if h["disagreements"]:
        out.append(
            f"{plural(h['disagreements'], 'system')} where the tier declared in the inventory differs from the "
            "screening."
        )
    if h["unscreened"]:
        out.append(f"{plural(h['unscreened'], 'system')} not screened yet: the tier is unknown.")
    legacy = [c for c in r.classifications.values() if c.tier == "high" and c.legacy == "legacy"]
    if legacy:
        names = ", ".join(c.system_id for c in legacy)
        out.append(
            (f"{len(legacy)} high-risk systems are" if len(legacy) > 1 else "The high-risk system is")
            + f" a legacy system under Art. 111(2) ({names}): the high-risk obligations apply only once the design "
            "changes significantly"
            + (
                "."
                if not any(c.legacy_public_authority for c in legacy)
                else ", or by 2 Aug 2030 for public authorities."
            )
        )
    unanswered = [c.system_id for c in r.classifications.values() if c.tier == "high" and c.legacy == "unknown"]
    if unanswered:
        out.append(
            f"Not known whether {', '.join(unanswered)} {'is a' if len(unanswered) == 1 else 'are'} legacy "
            "system(s) (Art. 111(2)): the obligations are listed in full until the legacy questions are answered."
        )
    out.append(
        f"{plural(h['impacts'], 'impact')} recorded, {h['negative_impacts']} negative; {h['severe_impacts']} severe "
        f"(level {r.criteria.band(r.severe_level).label} or above before mitigation)."
    )
    if h["severe_unlinked"]:
        n = h["severe_unlinked"]
        out.append(f"{plural(n, 'severe impact')} {'is' if n == 1 else 'are'} not linked to any risk in the register.")
    if h["fria_required"]:
        out.append(
            "Art. 27 fundamental rights impact assessment required"
            + (f" for {plural(h['fria_required'], 'system')}; " if not r.system_id else "; ")
            + (
                ("not yet complete." if h["fria_incomplete"] else "complete.")
                if r.system_id
                else f"{h['fria_incomplete']} incomplete."
            )
        )
    if not r.has_impacts_file:
        out.append("No impacts.csv in the engagement: impacts have not been assessed yet.")
    if not r.has_register:
        out.append("No risk register (risks.csv): links from impacts to risks cannot be checked.")
    return out


def severe_impacts(eng: Engagement) -> pd.DataFrame:
    """Severe negative impacts across in-scope systems (for the management review), highest residual first."""
    inputs = _inputs(eng)
    crit = inputs.criteria or default_impact()
    impacts = inputs.impacts[inputs.impacts["system_id"].isin(eng.in_scope_ids)]
    scored = score_impacts(impacts, crit, inputs.severe_level)
    cols = ["impact_id", "system_id", "party", "area", "description", "residual_score", "residual_level"]
    if scored.empty:
        return pd.DataFrame(columns=cols)
    severe = scored[scored["severe"]].sort_values(["residual_score", "impact_id"], ascending=[False, True])
    return severe[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# views of the scored impacts (tables the report draws)


def matrix_counts(
    scored: pd.DataFrame, c: criteria.Criteria, residual: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Negative impacts per likelihood x severity cell (shape of :func:`criteria.matrix_frame`) and
    the impact ids in each cell (for hover text)."""
    frame = criteria.matrix_frame(c)
    counts = pd.DataFrame(0, index=frame.index, columns=frame.columns)
    ids = pd.DataFrame("", index=frame.index, columns=frame.columns)
    neg = scored[scored["direction"] == "negative"] if not scored.empty else scored
    lk_col, sv_col = ("residual_likelihood", "residual_severity") if residual else ("likelihood", "severity")
    for rec in neg.to_dict(orient="records"):
        lk, sv = int(rec[lk_col]), int(rec[sv_col])
        counts.loc[lk, sv] += 1
        ids.loc[lk, sv] = (ids.loc[lk, sv] + " " + str(rec["impact_id"])).strip()
    return counts, ids


def area_party_counts(scored: pd.DataFrame, direction: str = "negative") -> pd.DataFrame:
    """Number of impacts per area label (rows) and affected party (columns)."""
    from aimskit.engagement.parts.impact import PARTIES

    df = scored[scored["direction"] == direction] if not scored.empty else scored
    if df.empty:
        return pd.DataFrame()
    table = pd.crosstab(df["area_label"], df["party"])
    order = [AREA_LABELS[a] for a in AREA_LABELS if AREA_LABELS[a] in table.index]
    return table.reindex(index=order, columns=[p for p in PARTIES if p in table.columns], fill_value=0)


def highest_impacts(scored: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The negative impacts with the highest residual score, then inherent score."""
    neg = scored[scored["direction"] == "negative"] if not scored.empty else scored
    if neg.empty:
        return neg
    return neg.sort_values(["residual_score", "inherent_score", "impact_id"], ascending=[False, False, True]).head(n)


def by_group(scored: pd.DataFrame) -> pd.DataFrame:
    """Per affected group (or party when no group is named): the highest negative impact after mitigation."""
    neg = scored[scored["direction"] == "negative"] if not scored.empty else scored
    if neg.empty:
        return pd.DataFrame(
            columns=["group", "impacts", "impact_id", "system_id", "area_label", "residual_level", "residual_score"]
        )
    neg = neg.assign(
        group=[g if isinstance(g, str) and g else p for g, p in zip(neg["affected_group"], neg["party"], strict=True)]
    )
    neg = neg.sort_values(["residual_score", "inherent_score", "impact_id"], ascending=[False, False, True])
    top = neg.groupby("group", sort=False).head(1).copy()
    top["impacts"] = top["group"].map(neg["group"].value_counts())
    return top[
        ["group", "impacts", "impact_id", "system_id", "area_label", "residual_level", "residual_score", "description"]
    ].reset_index(drop=True)


def portfolio_obligations(obligations: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Obligations across systems: one row per article and role, with the systems it applies to."""
    frames = [df.assign(system_id=sid) for sid, df in obligations.items() if not df.empty]
    if not frames:
        return pd.DataFrame(
            columns=[
                "article",
                "title",
                "role",
                "systems",
                "applies_from",
                "in_force",
                "date_status",
                "rule_status",
                "applicability",
            ]
        )
    df = pd.concat(frames, ignore_index=True)
    keys = ["article", "title", "role", "applies_from", "in_force", "date_status", "rule_status", "applicability"]
    out = (
        df.groupby(keys, sort=False)["system_id"]
        .agg(lambda s: ", ".join(dict.fromkeys(s)))
        .reset_index()
        .rename(columns={"system_id": "systems"})
    )
    out["_key"] = [(str(d), natural_key(a)) for d, a in zip(out["applies_from"], out["article"], strict=True)]
    return out.sort_values("_key").drop(columns="_key").reset_index(drop=True)


STEP = Step(
    "impact",
    "AI system impact assessment and EU AI Act classification",
    notebook="impact_assessment.ipynb",
    compute=__name__,
    pack_order=40,
    view="aimskit.steps.impact.view",
    parts=(impact_part.PART,),
    headline=(
        Figure("tier", "EU AI Act tier", "text"),
        Figure("high_risk", "High-risk"),
        Figure("disagreements", "Tier disagreements"),
        Figure("severe_impacts", "Severe impacts"),
        Figure("severe_unlinked", "Severe, no risk"),
        Figure("fria_incomplete", "FRIA incomplete"),
    ),
)
