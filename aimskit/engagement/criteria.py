"""Risk criteria: two rating scales, how a score is formed from them, and the bands (levels)
the scores fall in, with who may accept each level and the organisation's appetite.

The same mechanism rates AI risks (``risk_criteria`` in ``engagement.yaml``: likelihood x
impact) and AI system impacts (``impact_criteria``: likelihood x severity). Whatever the user
configures is validated here (every reachable score must fall in exactly one band) and printed
in the reports' method sections, so every level in a report can be traced to its rule.

Example (the default)::

    risk_criteria:
      likelihood: {name: Likelihood, levels: [{value: 1, label: Rare}, ...]}
      impact: {name: Impact, levels: [{value: 1, label: Negligible}, ...]}
      method: product              # product | sum | matrix
      bands:
        - {id: very_low, label: Very low, min: 1, max: 2, colour: "#2E7D32"}
        ...
      acceptance:                  # who may accept a residual risk above the appetite, per level
        medium: [AI governance committee]
        high: [Executive committee]  # a level not listed may not be accepted: treat further
      appetite: low                # the highest level retained without a recorded acceptance
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from aimskit.base.problems import Problems, fill, one_of, suggest
from aimskit.formats.yamlio import YamlDocument
from aimskit.formats.yamlmodel import AsWritten, report_model_errors

METHODS = ("product", "sum", "matrix")
METHOD_TEXT = {
    "product": "score = {likelihood} x {impact}",
    "sum": "score = {likelihood} + {impact}",
    "matrix": "score read from the configured matrix (row: {likelihood}, column: {impact})",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Level(_Strict):
    value: Annotated[StrictInt, Field(ge=0)]
    label: Annotated[str, Field(min_length=1)]
    description: str = ""


class Scale(_Strict):
    name: Annotated[str, Field(min_length=1)]
    levels: Annotated[list[Level], Field(min_length=2)]

    @property
    def values(self) -> list[int]:
        return [lv.value for lv in self.levels]

    def label(self, value: int) -> str:
        return next((lv.label for lv in self.levels if lv.value == value), str(value))


class Band(_Strict):
    id: Annotated[str, AsWritten, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Annotated[str, Field(min_length=1)]
    min: StrictInt
    max: StrictInt
    colour: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")] = "#9E9E9E"


class Criteria(_Strict):
    likelihood: Scale
    impact: Scale
    method: Literal["product", "sum", "matrix"] = "product"
    matrix: list[list[StrictInt]] | None = None
    bands: Annotated[list[Band], Field(min_length=1)]
    acceptance: dict[str, list[Annotated[str, Field(min_length=1)]]] = {}
    appetite: str

    def band(self, band_id: str) -> Band:
        return next(b for b in self.bands if b.id == band_id)

    @property
    def band_ids(self) -> list[str]:
        return [b.id for b in self.bands]

    def rank(self, band_id: str) -> int:
        """Position of a band from the lowest (0)."""
        return self.band_ids.index(band_id)

    def above_appetite(self, band_id: str) -> bool:
        return self.rank(band_id) > self.rank(self.appetite)

    def authorities(self, band_id: str) -> list[str]:
        """Who may accept a residual level above the appetite: those named for the level and, by
        escalation, those named for any higher level. Empty when the level itself is not listed
        (it may not be accepted)."""
        if band_id not in self.acceptance:
            return []
        names: list[str] = []
        for b in self.band_ids[self.rank(band_id) :]:
            names += [n for n in self.acceptance.get(b, []) if n not in names]
        return names


def score(c: Criteria, likelihood: int, impact: int) -> int:
    """The score of one (likelihood, impact) pair under the configured method."""
    if c.method == "sum":
        return likelihood + impact
    if c.method == "matrix":
        assert c.matrix is not None
        return c.matrix[c.likelihood.values.index(likelihood)][c.impact.values.index(impact)]
    return likelihood * impact


def band_of(c: Criteria, value: int) -> Band:
    """The band a score falls in (validated criteria cover every reachable score)."""
    for b in c.bands:
        if b.min <= value <= b.max:
            return b
    raise ValueError(f"score {value} is in no band")


def reachable_scores(c: Criteria) -> list[int]:
    return sorted({score(c, lk, im) for lk in c.likelihood.values for im in c.impact.values})


def rate(c: Criteria, likelihood: Any, impact: Any) -> tuple[int | None, str | None]:
    """(score, band id) for a pair of ratings, or (None, None) when either is missing."""
    if likelihood is None or impact is None or pd.isna(likelihood) or pd.isna(impact):
        return None, None
    s = score(c, int(likelihood), int(impact))
    return s, band_of(c, s).id


def matrix_frame(c: Criteria) -> pd.DataFrame:
    """Band id per cell: rows are likelihood values from the highest down, columns impact values."""
    rows = sorted(c.likelihood.values, reverse=True)
    data = [[band_of(c, score(c, lk, im)).id for im in c.impact.values] for lk in rows]
    return pd.DataFrame(data, index=rows, columns=c.impact.values)


def score_frame(c: Criteria) -> pd.DataFrame:
    rows = sorted(c.likelihood.values, reverse=True)
    return pd.DataFrame(
        [[score(c, lk, im) for im in c.impact.values] for lk in rows], index=rows, columns=c.impact.values
    )


def method_tables(c: Criteria) -> dict[str, pd.DataFrame]:
    """The tables a method appendix prints: both scales, the bands with acceptance, the formula."""
    scales = {
        c.likelihood.name: pd.DataFrame([lv.model_dump() for lv in c.likelihood.levels]),
        c.impact.name: pd.DataFrame([lv.model_dump() for lv in c.impact.levels]),
    }
    bands = pd.DataFrame(
        [
            {
                "id": b.id,
                "label": b.label,
                "scores": f"{b.min}-{b.max}" if b.min != b.max else str(b.min),
                "within_appetite": "yes" if not c.above_appetite(b.id) else "no",
                "may_accept": "no acceptance record needed"
                if not c.above_appetite(b.id)
                else ("; ".join(c.authorities(b.id)) or "may not be accepted: treat further"),
            }
            for b in c.bands
        ]
    )
    return {**{f"scale:{k}": v for k, v in scales.items()}, "bands": bands}


def formula(c: Criteria) -> str:
    """How a score is formed, in the words of the configured scales (their names are data: filled in
    by :func:`aimskit.base.problems.fill`, never read as a template)."""
    return fill(METHOD_TEXT[c.method], likelihood=c.likelihood.name.lower(), impact=c.impact.name.lower())


# ---------------------------------------------------------------------------------------------
# defaults


def _scale(name: str, labels: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "name": name,
        "levels": [{"value": i + 1, "label": lb, "description": d} for i, (lb, d) in enumerate(labels)],
    }


DEFAULT_BANDS = [
    {"id": "very_low", "label": "Very low", "min": 1, "max": 2, "colour": "#2E7D32"},
    {"id": "low", "label": "Low", "min": 3, "max": 4, "colour": "#8BC34A"},
    {"id": "medium", "label": "Medium", "min": 5, "max": 9, "colour": "#F2A900"},
    {"id": "high", "label": "High", "min": 10, "max": 16, "colour": "#EF6C00"},
    {"id": "very_high", "label": "Very high", "min": 17, "max": 25, "colour": "#C62828"},
]
DEFAULT_LIKELIHOOD = [
    ("Rare", "may occur only in exceptional circumstances (less than once in 10 years)"),
    ("Unlikely", "could occur at some time (once in 3-10 years)"),
    ("Possible", "might occur (once in 1-3 years)"),
    ("Likely", "will probably occur (several times a year)"),
    ("Almost certain", "expected to occur in most circumstances (monthly or more)"),
]


def default_risk_raw() -> dict[str, Any]:
    return {
        "likelihood": _scale("Likelihood", DEFAULT_LIKELIHOOD),
        "impact": _scale(
            "Impact",
            [
                ("Negligible", "no noticeable effect on people or the organisation"),
                ("Minor", "limited, easily reversed harm; minor financial or reputational effect"),
                ("Moderate", "harm to some people or a breach of policy; recoverable with effort"),
                ("Major", "significant harm to people, regulatory breach or serious financial loss"),
                ("Severe", "irreversible harm, widespread effect on people or society, or loss of licence"),
            ],
        ),
        "method": "product",
        "bands": [dict(b) for b in DEFAULT_BANDS],  # a copy: callers may change it
        "acceptance": {
            "medium": ["AI governance committee", "Chief Risk Officer"],
            "high": ["Executive committee"],
        },
        "appetite": "low",
    }


def default_risk() -> Criteria:
    return Criteria.model_validate(default_risk_raw())


# ---------------------------------------------------------------------------------------------
# validation


def parse(
    raw: Any,
    doc: YamlDocument | None,
    path: tuple,
    file: str,
    problems: Problems,
    default: dict[str, Any],
) -> Criteria | None:
    """Validate the criteria mapping at ``path`` of ``doc`` (``None``: use ``default``).

    Keys left out take their default values, so ``{appetite: medium}`` alone is valid. Every
    problem is reported with its position; returns None when there is any.
    """
    doc = doc or YamlDocument(data={})
    if raw is None:
        return Criteria.model_validate(default)
    where = ".".join(map(str, path))
    if not isinstance(raw, dict):
        line, col = doc.where(path)
        problems.error(
            file, line, col, f"'{'.'.join(map(str, path))}' must be a mapping of keys to values", code="AK116"
        )
        return None
    merged = {**default, **raw}
    if "bands" in raw and "acceptance" not in raw:
        merged["acceptance"] = {}
    before = len(problems.errors)
    try:
        crit = Criteria.model_validate(merged)
    except ValidationError as exc:
        report_model_errors(exc, doc, file, problems, root=Criteria, base=path)
        return None
    if "appetite" not in raw and crit.appetite not in crit.band_ids:
        line, col = doc.where(path, key=True)
        problems.error(
            file,
            line,
            col,
            f"{where}: no appetite given, and the default '{crit.appetite}' is not one of your bands "
            f"({one_of(crit.band_ids)}); add appetite: <band id>",
            code="AK301",
        )
        return None
    _check(crit, raw, doc, path, file, problems)
    return crit if len(problems.errors) == before else None


def scales(raw: Any, default: dict[str, Any]) -> tuple[Scale, Scale] | None:
    """The two scales of a criteria mapping when they are valid on their own (to check ratings
    even when the rest of the criteria has errors)."""
    merged = {**default, **raw} if isinstance(raw, dict) else default
    try:
        return Scale.model_validate(merged["likelihood"]), Scale.model_validate(merged["impact"])
    except (ValidationError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class _At:
    """Where a criteria mapping is (its YAML path in ``file``), to report problems at its keys."""

    doc: YamlDocument
    path: tuple
    file: str
    problems: Problems

    @property
    def name(self) -> str:
        return ".".join(map(str, self.path))

    def error(self, sub: tuple, message: str, code: str, key: bool = False) -> None:
        line, col = self.doc.where(self.path + sub, key=key)
        self.problems.error(self.file, line, col, message, code=code)

    def warning(self, sub: tuple, message: str, code: str, key: bool = False) -> None:
        line, col = self.doc.where(self.path + sub, key=key)
        self.problems.warning(self.file, line, col, message, code=code)


def _check(c: Criteria, raw: dict, doc: YamlDocument, path: tuple, file: str, problems: Problems) -> None:
    at = _At(doc, path, file, problems)
    _check_levels(c, at)
    scorable = _check_method(c, at)
    _check_bands(c, at)
    uncovered = _uncovered(c, at) if scorable else []
    _check_acceptance(c, at)
    if scorable and not uncovered:
        _check_reachable_bands(c, at)
    if c.method == "matrix" and scorable:
        _check_matrix_rises(c, at)


def _check_levels(c: Criteria, at: _At) -> None:
    """Each scale's levels have distinct values, lowest first."""
    for axis in ("likelihood", "impact"):
        values = getattr(c, axis).values
        if len(set(values)) != len(values):
            at.error((axis, "levels"), f"{at.name}.{axis}: each level needs its own value; found {values}", "AK302")
        elif values != sorted(values):
            at.error(
                (axis, "levels"), f"{at.name}.{axis}: list the levels from the lowest value up; found {values}", "AK303"
            )


def _check_method(c: Criteria, at: _At) -> bool:
    """The matrix goes with the matrix method and has the scales' shape; whether scores can be computed."""
    if c.method != "matrix":
        if c.matrix is not None:
            at.error(
                ("matrix",),
                f"{at.name}.matrix is only used with method: matrix (method is {c.method})",
                "AK305",
                key=True,
            )
        return True
    rows, cols = len(c.likelihood.levels), len(c.impact.levels)
    if c.matrix is None:
        at.error(
            ("method",), f"{at.name}.method is matrix but no matrix is given ({rows} rows of {cols} scores)", "AK304"
        )
        return False
    if len(c.matrix) != rows or any(len(r) != cols for r in c.matrix):
        at.error(
            ("matrix",),
            f"{at.name}.matrix must have one row per likelihood level ({rows}) with one score per "
            f"{c.impact.name.lower()} level ({cols}), lowest first",
            "AK309",
        )
        return False
    return True


def _check_bands(c: Criteria, at: _At) -> None:
    """Bands: unique ids, min <= max, listed from the lowest scores up, no overlap."""
    ids = c.band_ids
    for i, b in enumerate(c.bands):
        if ids.count(b.id) > 1 and ids.index(b.id) != i:
            at.error(("bands", i, "id"), f"band '{b.id}' is defined twice", "AK113")
        if b.min > b.max:
            at.error(("bands", i), f"band '{b.id}': min {b.min} is greater than max {b.max}", "AK307")
    ordered = sorted(c.bands, key=lambda b: b.min)
    if [b.id for b in ordered] != ids:
        at.error(("bands",), f"{at.name}.bands: list the bands from the lowest scores up", "AK308")
    for a, b in itertools.pairwise(ordered):
        if b.min <= a.max:
            at.error(
                ("bands", ids.index(b.id)),
                f"bands '{a.id}' ({a.min}-{a.max}) and '{b.id}' ({b.min}-{b.max}) overlap: "
                "each score must fall in exactly one band",
                "AK315",
            )


def _uncovered(c: Criteria, at: _At) -> list[int]:
    """The reachable scores no band covers (reported)."""
    uncovered = [s for s in reachable_scores(c) if not any(b.min <= s <= b.max for b in c.bands)]
    if uncovered:
        at.error(
            ("bands",),
            f"{at.name}.bands: no band for the score(s) {', '.join(map(str, uncovered))} "
            f"(reachable scores: {', '.join(map(str, reachable_scores(c)))})",
            "AK316",
        )
    return uncovered


def _check_acceptance(c: Criteria, at: _At) -> None:
    """Acceptance keys and the appetite name bands; an acceptance within the appetite is unused."""
    ids = c.band_ids
    for key in c.acceptance:
        if key not in ids:
            at.error(
                ("acceptance", key),
                f"unknown band '{key}' in {at.name}.acceptance{suggest(key, ids)}",
                "AK310",
                key=True,
            )
    if c.appetite not in ids:
        at.error(
            ("appetite",), f"appetite '{c.appetite}' is not a band: {one_of(ids)}{suggest(c.appetite, ids)}", "AK301"
        )
        return
    for key in c.acceptance:
        if key in ids and not c.above_appetite(key):
            at.warning(
                ("acceptance", key),
                f"acceptance for '{key}' is not used: '{key}' is within the appetite '{c.appetite}' and needs no "
                "acceptance record",
                "AK311",
                key=True,
            )


def _check_reachable_bands(c: Criteria, at: _At) -> None:
    """A band no reachable score falls in is a warning."""
    reachable = set(reachable_scores(c))
    for i, b in enumerate(c.bands):
        if not any(b.min <= s <= b.max for s in reachable):
            at.warning(("bands", i), f"band '{b.id}' ({b.min}-{b.max}) can never be reached with {formula(c)}", "AK312")


def _check_matrix_rises(c: Criteria, at: _At) -> None:
    """A matrix whose scores do not rise along both scales is a warning."""
    m = c.matrix or []
    rising = all(m[i][j] <= m[i + 1][j] for i in range(len(m) - 1) for j in range(len(m[0]))) and all(
        row[j] <= row[j + 1] for row in m for j in range(len(row) - 1)
    )
    if not rising:
        at.warning(
            ("matrix",),
            f"{at.name}.matrix: scores do not rise with {c.likelihood.name.lower()} and {c.impact.name.lower()} "
            "(rows are the lowest likelihood first); check the matrix",
            "AK313",
        )
