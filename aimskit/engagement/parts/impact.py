"""The impact-assessment files: one profile per AI system and ``impacts.csv``.

``systems/<system-id>.yaml`` (one per in-scope AI system) holds the system profile (intended
purpose, misuse, affected persons, oversight, data, role...), the EU AI Act screening answers
(question ids from the ``eu-ai-act`` catalog) and, when Art. 27 applies, the fundamental rights
impact assessment elements. Files whose name starts with ``_`` are ignored (templates).

``impacts.csv`` lists the impacts of each system on individuals, groups, society and the
environment, rated with ``impact_criteria`` from ``engagement.yaml`` (the criteria mechanism of
:mod:`aimskit.engagement.criteria`, with the impact axis named *Severity*) before and after mitigation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from aimskit import catalog
from aimskit.base.problems import WARNING, Problems, one_of, suggest
from aimskit.engagement import criteria
from aimskit.engagement.parts import risk as risk_part
from aimskit.engagement.parts.base import MetaKey, Part, ReadContext, Slice
from aimskit.engagement.parts.references import SYSTEM
from aimskit.engagement.parts.risk import RISKS_FILE
from aimskit.formats.csvschema import (
    Column,
    Record,
    Ref,
    TableSchema,
    check_duplicates,
    template_csv,
    to_frame,
    validate_table,
)
from aimskit.formats.yamlio import YamlDocument, as_written, load_yaml
from aimskit.formats.yamlmodel import report_model_errors

PROFILE_DIR = "systems"
IMPACTS_FILE = "impacts.csv"

EU_ROLES = ("provider", "deployer", "importer", "distributor")
AUTOMATION = ("decision_support", "human_in_the_loop", "human_on_the_loop", "fully_automated")
DATA_CATEGORIES = ("personal", "special_category", "children", "biometric", "non_personal")
PARTIES = ("individual", "group", "society", "environment")
AREAS = (
    "fundamental_rights",
    "health_safety",
    "privacy",
    "financial",
    "employment",
    "access_to_services",
    "democratic_processes",
    "environment",
    "other",
)
AREA_LABELS = {
    "fundamental_rights": "Fundamental rights and discrimination",
    "health_safety": "Health and safety",
    "privacy": "Privacy and data protection",
    "financial": "Financial",
    "employment": "Employment and livelihood",
    "access_to_services": "Access to services",
    "democratic_processes": "Democratic processes",
    "environment": "Environment",
    "other": "Other",
}
DIRECTIONS = ("negative", "positive")
SCALES = ("individual", "tens", "hundreds", "thousands", "tens_of_thousands", "hundreds_of_thousands", "millions")
REVERSIBILITY = ("reversible", "hard_to_reverse", "irreversible")
FRIA_ELEMENTS = {
    "deployment_process": ("Art. 27(1)(a)", "The deployer's processes in which the system is used"),
    "period_and_frequency": ("Art. 27(1)(b)", "The period of time and frequency of use"),
    "affected_categories": ("Art. 27(1)(c)", "Categories of natural persons and groups likely to be affected"),
    "specific_risks": ("Art. 27(1)(d)", "Specific risks of harm to those categories"),
    "human_oversight": ("Art. 27(1)(e)", "Implementation of human oversight measures"),
    "materialisation_measures": (
        "Art. 27(1)(f)",
        "Measures if the risks materialise, including internal governance and complaint mechanisms",
    ),
}
DEFAULT_SEVERE_LEVEL = "high"

IMPACTS_SCHEMA = TableSchema(
    file=IMPACTS_FILE,
    key=("impact_id",),
    description="Impacts of the AI systems on individuals, groups, society and the environment.",
    columns=(
        Column(
            "impact_id",
            "short unique identifier of the impact",
            kind="id",
            mandatory=True,
            pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
            example="IMP-01",
        ),
        Column(
            "system_id",
            "the AI system (an id from systems.csv)",
            mandatory=True,
            example="credit-score",
            refers_to=SYSTEM,
        ),
        Column("party", "who is affected", kind="enum", choices=PARTIES, mandatory=True, example="group"),
        Column(
            "affected_group", "the persons or group affected, in words", example="Applicants with thin credit files"
        ),
        Column("area", "impact area", kind="enum", choices=AREAS, mandatory=True, example="fundamental_rights"),
        Column(
            "direction", "negative or positive", kind="enum", choices=DIRECTIONS, mandatory=True, example="negative"
        ),
        Column("description", "what happens and why", mandatory=True, example="Declines correlate with postcode"),
        Column(
            "severity",
            "severity before mitigation (a value of the impact_criteria severity scale)",
            kind="int",
            mandatory=True,
            example="4",
        ),
        Column(
            "likelihood",
            "likelihood before mitigation (a value of the likelihood scale)",
            kind="int",
            mandatory=True,
            example="3",
        ),
        Column("scale", "how many people are affected", kind="enum", choices=SCALES, example="thousands"),
        Column(
            "reversibility", "can the harm be undone", kind="enum", choices=REVERSIBILITY, example="hard_to_reverse"
        ),
        Column(
            "mitigations",
            "mitigations in place, separated by ';'",
            kind="list",
            example="Quarterly fairness testing; manual review of declines",
        ),
        Column("residual_severity", "severity after mitigation (empty: as before)", kind="int", example="3"),
        Column("residual_likelihood", "likelihood after mitigation (empty: as before)", kind="int", example="2"),
        Column(
            "risk_ids",
            "linked risks in risks.csv, separated by ';'",
            kind="list",
            example="R-03",
            refers_to=Ref(RISKS_FILE, "risk_id", "risk", code="AK331", severity=WARNING),
        ),
    ),
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class Fria(_Strict):
    """Art. 27(1)(a)-(f): the elements of a fundamental rights impact assessment."""

    deployment_process: str = ""
    period_and_frequency: str = ""
    affected_categories: str = ""
    specific_risks: str = ""
    human_oversight: str = ""
    materialisation_measures: str = ""


class Profile(_Strict):
    """The content of ``systems/<id>.yaml``."""

    role: Annotated[list[Literal[EU_ROLES]], Field(min_length=1)]  # type: ignore[valid-type]
    intended_purpose: NonEmpty
    foreseeable_misuse: list[NonEmpty] = []
    affected_persons: Annotated[list[NonEmpty], Field(min_length=1)]
    vulnerable_groups: list[NonEmpty] = []
    deployment_context: NonEmpty
    geography: Annotated[list[NonEmpty], Field(min_length=1)]
    automation: Literal[AUTOMATION]  # type: ignore[valid-type]
    human_oversight: list[NonEmpty] = []
    data_categories: Annotated[list[Literal[DATA_CATEGORIES]], Field(min_length=1)]  # type: ignore[valid-type]
    significant_decisions: StrictBool
    screening: dict[str, Any]
    fria: Fria | None = None


@dataclass
class ImpactInputs:
    """The parsed impact-assessment files (``Engagement.parts["impact"]``)."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # system id -> question id -> answer
    impacts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["line", *IMPACTS_SCHEMA.names]))
    criteria: criteria.Criteria | None = None
    severe_level: str = DEFAULT_SEVERE_LEVEL
    has_impacts_file: bool = False


def default_impact_raw() -> dict[str, Any]:
    """The default impact criteria: the default risk criteria with the impact axis named Severity."""
    raw = criteria.default_risk_raw()
    raw["impact"] = {
        "name": "Severity",
        "levels": [
            {"value": 1, "label": "Negligible", "description": "no noticeable effect on the persons concerned"},
            {"value": 2, "label": "Minor", "description": "inconvenience, easily and fully reversed"},
            {"value": 3, "label": "Moderate", "description": "real harm to some persons, reversible with effort"},
            {"value": 4, "label": "Major", "description": "serious harm to rights, livelihood, health or finances"},
            {
                "value": 5,
                "label": "Severe",
                "description": "irreversible or widespread harm, or harm to vulnerable groups",
            },
        ],
    }
    return raw


def default_impact() -> criteria.Criteria:
    return criteria.Criteria.model_validate(default_impact_raw())


def _questions() -> pd.DataFrame:
    return catalog.load("eu-ai-act")


def _bool_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "nothing"
    return f"'{value}'"


def _as_list(value: Any) -> list[Any] | None:
    """An answer given as a list, a single value or none; None when it is not a list-like answer."""
    if value is None or value == [] or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        return []
    if value is False:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [value]
    return None


@functools.cache
def _screening_catalog() -> tuple[tuple[dict[str, Any], ...], list[str], list[str], list[int]]:
    """The questions (as records), their ids, the Annex III points and Annex I entries, read once
    per process (catalog data does not change while it runs; callers must not modify them)."""
    questions = _questions()
    return (
        tuple(questions.to_dict(orient="records")),
        list(questions["id"]),
        list(catalog.load("eu-ai-act-annex-iii")["point"]),
        [int(e) for e in catalog.load("eu-ai-act-annex-i")["entry"]],
    )


def _condition_met(term: str, answers: dict[str, Any]) -> bool:
    """One term of a question's ``required_when``: always, annex_i, annex_iii, listed (either), a question
    id (answered yes), ``annex_iii:<point>`` (that point listed) or ``gpai:<status>`` (``provider`` for both
    provider statuses)."""
    if term == "always":
        return True
    if term in ("annex_i", "annex_iii"):
        return bool(answers.get(term))
    if term == "listed":
        return bool(answers.get("annex_i")) or bool(answers.get("annex_iii"))
    if term.startswith("annex_iii:"):
        return term.split(":", 1)[1] in (answers.get("annex_iii") or [])
    if term.startswith("gpai:"):
        want = term.split(":", 1)[1]
        status = answers.get("gpai")
        return status in ("gpai_provider", "gpai_provider_systemic") if want == "provider" else status == want
    return answers.get(term) is True


def required(required_when: str, answers: dict[str, Any]) -> bool:
    """Whether a screening question must be answered, given the other answers (``optional``: never)."""
    if required_when == "optional":
        return False
    return any(_condition_met(term, answers) for term in required_when.split("|"))


def required_reason(required_when: str, answers: dict[str, Any]) -> str:
    """Why a conditional question is needed, in words ('' for questions every profile answers)."""
    reasons = []
    for term in required_when.split("|"):
        if term == "always" or not _condition_met(term, answers):
            continue
        if term == "annex_i":
            reasons.append("annex_i lists a product act")
        elif term == "annex_iii":
            reasons.append("annex_iii lists a use case")
        elif term == "listed":
            reasons.append("annex_i or annex_iii lists an entry")
        elif term.startswith("annex_iii:"):
            reasons.append(f"annex_iii lists {term.split(':', 1)[1]}")
        elif term.startswith("gpai:"):
            reasons.append("the organisation provides a general-purpose AI model")
        else:
            reasons.append(f"'{term}' is answered yes")
    return f" (needed because {' and '.join(reasons)})" if reasons else ""


@dataclass(frozen=True)
class _Answer:
    """One screening answer as written, and where to report its problems (the answer or one of its items)."""

    qid: str
    value: Any
    doc: YamlDocument
    base: tuple
    file: str
    problems: Problems

    def _at(self, item: int | None) -> tuple[int, int]:
        """Where the answer (or its item, in a list) is: looked up only for a problem to report."""
        if item is not None and isinstance(self.value, list):
            return self.doc.where((*self.base, self.qid, item))
        return self.doc.where((*self.base, self.qid))

    def error(self, message: str, code: str, item: int | None = None) -> None:
        self.problems.error(self.file, *self._at(item), f"{self.qid}: {message}", code=code)

    def warning(self, message: str, code: str, item: int | None = None) -> None:
        self.problems.warning(self.file, *self._at(item), f"{self.qid}: {message}", code=code)


def check_screening(
    screening: Any, doc: YamlDocument, file: str, problems: Problems, base: tuple = ("screening",)
) -> dict[str, Any]:
    """Validate screening answers against the ``eu-ai-act`` questions; returns the usable answers."""
    records, ids, points, entries = _screening_catalog()
    answers: dict[str, Any] = {}
    if not isinstance(screening, dict):
        line, col = doc.where(base)
        problems.error(file, line, col, "screening must be a mapping of question ids to answers", code="AK116")
        return answers
    for key in screening:
        if str(key) not in ids:
            line, col = doc.where((*base, key), key=True)
            problems.error(file, line, col, f"unknown screening question '{key}'{suggest(str(key), ids)}", code="AK401")
    for q in records:
        qid = q["id"]
        if screening.get(qid) is None:  # absent, or left empty: unanswered
            continue
        value = screening[qid]
        if q["answer"] == "yes_no" and isinstance(value, bool):  # the usual answer: no position needed
            answers[qid] = value
            continue
        answer = _Answer(qid, value, doc, base, file, problems)
        if q["answer"] == "yes_no":
            answer.error(f"{_bool_text(value)} is not yes or no", "AK111")
            continue
        usable: list[str] | list[int] | str | None
        if q["answer"] == "annex_iii":
            usable = _annex_iii_points(answer, points)
        elif q["answer"] == "annex_i":
            usable = _annex_i_entries(answer, entries)
        else:
            usable = _choice(answer, q["choices"])
        if usable is not None:
            answers[qid] = usable
    _check_missing_answers(records, screening, answers, doc, base, file, problems)
    return answers


def _annex_iii_points(answer: _Answer, points: Any) -> list[str] | None:
    """The Annex III points an answer lists (``5(b)``; ``5.b`` read so, with a warning); None when it is no list."""
    items = _as_list(answer.value)
    if items is None:
        answer.error("list the Annex III points, e.g. [5(b)], or write none", "AK402")
        return None
    good: list[str] = []
    for i, item in enumerate(items):
        shown = as_written(item)
        text = shown.strip().replace(" ", "")
        m = re.fullmatch(r"(\d)\.?\(?([a-e])?\)?", text)
        norm = f"{m.group(1)}({m.group(2)})" if m and m.group(2) else (m.group(1) if m else text)
        if norm in good:
            answer.warning(f"'{shown}' is listed twice", "AK403", i)
        elif norm in points:
            good.append(norm)
            if norm != shown:
                answer.warning(f"'{shown}' was read as '{norm}'; write '{norm}'", "AK105", i)
        elif norm in {p.split("(")[0] for p in points}:
            subs = [p for p in points if p.startswith(norm + "(")]
            answer.error(f"'{shown}' is an Annex III area; name its point(s): {one_of(subs)}", "AK404", i)
        else:
            answer.error(
                f"unknown Annex III point '{shown}'{suggest(norm, points)} (points: 1(a) ... 8(b))", "AK405", i
            )
    return good


def _annex_i_entries(answer: _Answer, entries: Any) -> list[int] | None:
    """The Annex I entry numbers an answer lists; None when it is no list."""
    items = _as_list(answer.value)
    if items is None:
        answer.error("list the Annex I entries (1-20), e.g. [11], or write none", "AK402")
        return None
    good: list[int] = []
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int) or item not in entries:
            answer.error(f"'{item}' is not an Annex I entry number (1-20)", "AK407", i)
        elif item in good:
            answer.warning(f"'{item}' is listed twice", "AK403", i)
        else:
            good.append(item)
    return good


def _choice(answer: _Answer, choices: Any) -> str | None:
    """An answer that is one of the question's choices; None (reported) otherwise."""
    written = as_written(answer.value)
    if written not in choices:
        answer.error(f"'{written}' is not one of: {one_of(choices)}{suggest(written, choices)}", "AK104")
        return None
    return written


def _check_missing_answers(
    records: Any,
    screening: dict,
    answers: dict[str, Any],
    doc: YamlDocument,
    base: tuple,
    file: str,
    problems: Problems,
) -> None:
    """A question the answers make required and left unanswered: an error, or a warning where it says so."""
    for q in records:
        qid = q["id"]
        if screening.get(qid) is not None or not required(q["required_when"], answers):
            continue
        line, col = doc.where(base, key=True)
        why = required_reason(q["required_when"], answers)
        if q.get("if_missing") == "warning":
            problems.warning(
                file,
                line,
                col,
                f"no answer to '{qid}' ({q['reference']}){why}: answer it (until then aimskit does not assume a yes)",
                code="AK408",
            )
        else:
            problems.error(file, line, col, f"missing answer to '{qid}' ({q['reference']}){why}", code="AK409")


def _read_profile(ctx: ReadContext, name: str, sid: str, out: ImpactInputs) -> None:
    path = ctx.optional_file(f"{PROFILE_DIR}/{name}")
    if path is None:
        return
    file = ctx.name(f"{PROFILE_DIR}/{name}")
    doc = load_yaml(path, file, ctx.problems)
    if doc is None:
        return
    if not isinstance(doc.data, dict):
        ctx.problems.error(file, 1, 1, "the file must be a mapping of keys to values", code="AK116")
        return
    before = len(ctx.problems.errors)
    answers = check_screening(doc.data.get("screening", {}), doc, file, ctx.problems)
    try:
        profile = Profile.model_validate(doc.data)
    except ValidationError as exc:
        report_model_errors(exc, doc, file, ctx.problems, root=Profile)
        return
    if ctx.meta is not None:
        declared = set(ctx.meta.ai_roles)
        for i, role in enumerate(profile.role):
            if role not in declared:
                line, col = doc.where(("role", i))
                ctx.problems.warning(
                    file,
                    line,
                    col,
                    f"role '{role}' is not among the organisation's ai_roles in engagement.yaml",
                    code="AK410",
                )
    if len(ctx.problems.errors) == before:
        out.profiles[sid] = profile
        out.answers[sid] = answers


def _read_criteria(ctx: ReadContext, out: ImpactInputs) -> None:
    raw = ctx.meta_value("impact_criteria") if ctx.meta is not None else None
    file = ctx.name("engagement.yaml")
    severe = DEFAULT_SEVERE_LEVEL
    if isinstance(raw, dict) and "severe_level" in raw:
        raw = dict(raw)
        severe = as_written(raw.pop("severe_level"))
    out.criteria = criteria.parse(raw, ctx.meta_doc, ("impact_criteria",), file, ctx.problems, default_impact_raw())
    if out.criteria is not None:
        if severe not in out.criteria.band_ids:
            line, col = ctx.meta_doc.where(("impact_criteria", "severe_level")) if ctx.meta_doc else (1, 1)
            ctx.problems.error(
                file,
                line,
                col,
                f"impact_criteria.severe_level '{severe}' is not a band: {one_of(out.criteria.band_ids)}"
                f"{suggest(severe, out.criteria.band_ids)}",
                code="AK411",
            )
        else:
            out.severe_level = severe


def risk_systems(part: Any) -> dict[str, str]:
    """Risk id -> its system id ('' for an organisation-wide risk), from the risk register."""
    risks = getattr(part, "risks", None)
    if known_risks(part) is None or risks is None or "system_id" not in risks.columns:
        return {}
    return {
        str(r): (s if isinstance(s, str) else "") for r, s in zip(risks["risk_id"], risks["system_id"], strict=True)
    }


def known_risks(part: Any) -> set[str] | None:
    """Risk ids of the risk register (the ``risk`` part), or None when the engagement has no risks.csv."""
    if part is None or getattr(part, "has_register", True) is False:
        return None
    risks = getattr(part, "risks", None)
    if not isinstance(risks, pd.DataFrame) or "risk_id" not in risks.columns:
        return None
    return {str(r) for r in risks["risk_id"].dropna()}


def _check_impacts(ctx: ReadContext, records: list[Record], out: ImpactInputs, file: str) -> list[Record]:
    """The impacts to count: with known references, of an in-scope system, rated on the scales."""
    c = out.criteria
    counted = set(map(id, ctx.table(IMPACTS_SCHEMA, file, records)))
    kept = []
    for rec in records:
        usable = id(rec) in counted and not ctx.out_of_scope(file, rec, "this impact is not counted")
        if c is not None:
            usable = _off_scale(ctx, file, rec, c) == 0 and usable
            if usable:
                _check_mitigation(ctx, file, rec)
        if usable:
            kept.append(rec)
    return kept


def _off_scale(ctx: ReadContext, file: str, rec: Record, c: criteria.Criteria) -> int:
    """How many of an impact's ratings are not levels of their scale (each reported)."""
    found = 0
    for col, axis in (
        ("severity", c.impact),
        ("residual_severity", c.impact),
        ("likelihood", c.likelihood),
        ("residual_likelihood", c.likelihood),
    ):
        value = rec.values.get(col)
        if value is not None and value not in axis.values:
            ctx.problems.error(
                file,
                rec.line,
                col,
                f"{value} is not a level of the {axis.name.lower()} scale ({', '.join(str(x) for x in axis.values)})",
                code="AK115",
            )
            found += 1
    return found


def _check_mitigation(ctx: ReadContext, file: str, rec: Record) -> None:
    """A residual rating higher than before mitigation is a warning."""
    v = rec.values
    for after, before in (("residual_severity", "severity"), ("residual_likelihood", "likelihood")):
        if v.get(after) is not None and v.get(before) is not None and v[after] > v[before]:
            ctx.problems.warning(
                file,
                rec.line,
                after,
                f"{after} {v[after]} is higher than {before} {v[before]}: mitigation made it worse?",
                code="AK412",
            )


def read(ctx: ReadContext) -> ImpactInputs:
    out = ImpactInputs()
    _read_criteria(ctx, out)
    folder = ctx.folder / PROFILE_DIR
    if folder.exists() and not folder.is_dir():
        ctx.problems.error(
            ctx.name(PROFILE_DIR),
            1,
            1,
            "must be a folder holding one <system id>.yaml profile per AI system",
            code="AK413",
        )
    if folder.is_dir():
        ids = list(ctx.systems)
        seen: dict[str, str] = {}
        for path in sorted(folder.iterdir()):
            if path.name.startswith(("_", ".")) or path.suffix.lower() not in (".yaml", ".yml"):
                continue
            sid = path.stem
            file = ctx.name(f"{PROFILE_DIR}/{path.name}")
            if sid in seen:
                ctx.problems.error(
                    file,
                    1,
                    1,
                    f"a second profile for '{sid}' (also {PROFILE_DIR}/{seen[sid]}): keep one file per system",
                    code="AK414",
                )
                continue
            seen[sid] = path.name
            if sid not in ctx.systems:
                ctx.problems.error(
                    file,
                    1,
                    1,
                    f"no system '{sid}' in systems.csv: name the file after a system id{suggest(sid, ids)}",
                    code=SYSTEM.code,
                )
                _read_profile(ctx, path.name, sid, ImpactInputs())  # its own problems now, not after renaming
                continue
            if ctx.systems[sid].values.get("in_scope") is False:
                ctx.problems.warning(
                    file, 0, "", f"system '{sid}' is out of scope (in_scope = no); its profile is ignored", code="AK126"
                )
                continue
            _read_profile(ctx, path.name, sid, out)
    impacts_path = ctx.optional_file(IMPACTS_FILE)
    if impacts_path is not None:
        out.has_impacts_file = True
        file = ctx.name(IMPACTS_FILE)
        c = out.criteria
        ratings = (
            {}
            if c is None
            else {
                "severity": c.impact,
                "residual_severity": c.impact,
                "likelihood": c.likelihood,
                "residual_likelihood": c.likelihood,
            }
        )
        records = validate_table(impacts_path, IMPACTS_SCHEMA, file, ctx.problems, ratings)
        records = check_duplicates(records, IMPACTS_SCHEMA, file, ctx.problems)
        records = _check_impacts(ctx, records, out, file)
        out.impacts = to_frame(records, IMPACTS_SCHEMA.names)
    return out


PART: Part[ImpactInputs] = Part(
    "impact",
    (IMPACTS_FILE, PROFILE_DIR),
    read,
    ImpactInputs,
    depends=(risk_part.PART,),  # impacts link to the risks that treat them
    meta_keys=(MetaKey("impact_criteria", "the impact rating scales (likelihood x severity) and bands"),),
    templates={
        IMPACTS_FILE: lambda: template_csv(IMPACTS_SCHEMA, [{c.name: c.example for c in IMPACTS_SCHEMA.columns}]),
        f"{PROFILE_DIR}/_example.yaml": lambda: profile_template(),
    },
    schemas=(IMPACTS_SCHEMA,),
    description="System profiles with their EU AI Act screening (systems/<id>.yaml) and the impacts register.",
    slices=(Slice(IMPACTS_FILE, "system_id"), Slice(PROFILE_DIR)),
)


def _when_text(required_when: str) -> str:
    """When a conditional question is asked, for the template's comments."""
    if required_when == "optional":
        return "optional"
    words = []
    for term in required_when.split("|"):
        if term in ("annex_i", "annex_iii"):
            words.append(f"{term} lists {'an act' if term == 'annex_i' else 'a point'}")
        elif term == "listed":
            words.append("annex_i or annex_iii lists an entry")
        elif term.startswith("annex_iii:"):
            words.append(f"annex_iii lists {term.split(':', 1)[1]}")
        elif term.startswith("gpai:"):
            value = term.split(":", 1)[1]
            words.append("gpai is a provider status" if value == "provider" else f"gpai is {value}")
        else:
            words.append(f"{term} is yes")
    return "when " + " or ".join(words)


def profile_template() -> str:
    """A documented blank profile (``systems/_example.yaml``), with every screening question of the catalog."""
    lines = [
        "# Impact-assessment profile and EU AI Act screening of ONE AI system (aimskit format v1).",
        "# Copy this file to systems/<system-id>.yaml (the id from systems.csv) and fill it in.",
        "# Files whose name starts with _ are ignored. The screening answers are left empty (unanswered):",
        "# answer every question; an empty answer counts as not answered, never as no.",
        "role: [deployer]                    # EU AI Act role(s): provider, deployer, importer, distributor",
        "intended_purpose: What the system is for, in one or two sentences  # ISO/IEC 42005 6.3.3-6.3.4",
        "foreseeable_misuse: []              # reasonably foreseeable misuse, one item each (42005 6.3.5)",
        "affected_persons:                   # persons and groups affected by its use (42005 6.7)",
        "  - Customers applying for a loan",
        "vulnerable_groups: []               # e.g. children, older persons, persons with disabilities",
        "deployment_context: Where, by whom and how the system is used  # ISO/IEC 42005 6.6",
        "geography: [Ireland]",
        f"automation: decision_support       # {', '.join(AUTOMATION)}",
        "human_oversight: []                 # oversight measures in place, one item each (42005 6.9)",
        f"data_categories: [personal]        # {', '.join(DATA_CATEGORIES)} (42005 6.4)",
        "significant_decisions: no           # outputs affect legal or similarly significant decisions",
        "screening:                          # EU AI Act screening (aimskit catalog eu-ai-act)",
    ]
    for q in _questions().to_dict(orient="records"):
        needed = "" if q["required_when"] == "always" else f" [{_when_text(q['required_when'])}]"
        hint = {
            "yes_no": "yes or no",
            "annex_i": "the Annex I entries 1-20, e.g. [11], or none",
            "annex_iii": "the Annex III points, e.g. [5(b)], or none",
            "choice": " | ".join(q["choices"]),
        }[q["answer"]]
        prefix = "  # " if q["required_when"] != "always" else "  "
        # left unanswered (empty) on purpose: nothing counts as answered until someone answers it
        lines.append(f"{prefix}{q['id']}:  # {q['reference']}: {hint}{needed}")
    lines.append("# fria:                              # Art. 27(1)(a)-(f), when a FRIA is required")
    for key, (ref, label) in FRIA_ELEMENTS.items():
        lines.append(f"#   {key}: ...  # {ref} {label}")
    return "\n".join(lines) + "\n"
