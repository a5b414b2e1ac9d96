"""The ``iso27001`` key of ``engagement.yaml``: the organisation's ISO/IEC 27001 certificate.

Optional. When present, the crosswalk step shows which ISO 42001 requirements can reuse the
evidence of the certified information security management system::

    iso27001:
      edition: "2022"                 # the edition certified against: 2022 (or 2013, see below)
      scope: >-                       # the scope statement on the certificate
        Information security management system for ...
      certificate: IS 712345          # certificate number (optional)
      certification_body: ...         # optional
      issued_on: 2025-03-14           # date of the current certificate
      expires_on: 2028-03-13          # optional; a three-year cycle when omitted

Problems are reported with their position in engagement.yaml: a missing or empty scope, dates
that are not dates, an expiry before the issue date (errors); an expired certificate on the
assessment date, or a 2013-edition certificate (its transition to 2022 ended on 31 October
2025), as warnings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aimskit.engagement.parts.base import MetaKey, Part, ReadContext
from aimskit.formats.yamlmodel import report_model_errors

KEY = "iso27001"
TRANSITION_END = dt.date(2025, 10, 31)  # end of the ISO/IEC 27001:2013 -> 2022 transition (IAF MD 26)
CYCLE_YEARS = 3


class Iso27001Certificate(BaseModel):
    """``iso27001`` in engagement.yaml."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    edition: Literal["2022", "2013"] = "2022"
    scope: Annotated[str, Field(min_length=1)]
    certificate: str = ""
    certification_body: str = ""
    issued_on: dt.date
    expires_on: dt.date | None = None

    @field_validator("edition", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @property
    def valid_until(self) -> dt.date:
        """The expiry date, or the end of a three-year cycle from the issue date when none is given."""
        if self.expires_on is not None:
            return self.expires_on
        try:
            return self.issued_on.replace(year=self.issued_on.year + CYCLE_YEARS) - dt.timedelta(days=1)
        except ValueError:  # 29 February
            return self.issued_on.replace(year=self.issued_on.year + CYCLE_YEARS, day=28)

    def valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day <= self.valid_until


@dataclass
class Certifications:
    """What engagement.yaml says about the organisation's other certifications."""

    iso27001: Iso27001Certificate | None = None


def read(ctx: ReadContext) -> Certifications:
    doc = ctx.meta_doc
    raw = ctx.meta_value(KEY)
    if raw is None or doc is None:
        return Certifications()
    file = ctx.name("engagement.yaml")
    try:
        cert = Iso27001Certificate.model_validate(raw)
    except ValidationError as exc:
        report_model_errors(exc, doc, file, ctx.problems, root=Iso27001Certificate, base=(KEY,))
        return Certifications()
    if cert.expires_on is not None and cert.expires_on <= cert.issued_on:
        line, column = doc.where((KEY, "expires_on"))
        ctx.problems.error(
            file,
            line,
            column,
            f"{KEY}.expires_on ({cert.expires_on}) must be after issued_on ({cert.issued_on})",
            code="AK601",
        )
        return Certifications()
    as_of = ctx.meta.assessment_date if ctx.meta is not None else None
    if as_of is not None and not cert.valid_on(as_of):
        line, column = doc.where((KEY, "expires_on" if cert.expires_on else "issued_on"))
        state = (
            f"is dated after the assessment date {as_of}"
            if as_of < cert.issued_on
            else f"expired on {cert.valid_until}, before the assessment date {as_of}"
        )
        ctx.problems.warning(
            file,
            line,
            column,
            f"the ISO/IEC 27001 certificate {state}; the reuse view marks it as not valid "
            "(record the current certificate, or reconfirm its evidence before reusing it)",
            code="AK602",
        )
    if cert.edition == "2013":
        line, column = doc.where((KEY, "edition"))
        ctx.problems.warning(
            file,
            line,
            column,
            f"an ISO/IEC 27001:2013 certificate: the transition to the 2022 edition ended on {TRANSITION_END}; "
            "the reuse view maps to 27001:2022 Annex A, whose control numbers differ from 2013",
            code="AK603",
        )
    return Certifications(iso27001=cert)


PART: Part[Certifications] = Part(
    "certifications",
    (),
    read,
    Certifications,
    meta_keys=(
        MetaKey(
            KEY,
            "the organisation's ISO/IEC 27001 certificate (edition, scope, number, body, issue and expiry dates)",
            Iso27001Certificate,
        ),
    ),
    description="Certifications the organisation already holds (ISO/IEC 27001), for the crosswalk step's reuse view.",
)
