"""The stable codes of the problems validation reports (``AK`` and three digits).

Every problem carries one (shown as ``[AK203]`` at the end of its line), so a user can filter a
report or suppress a warning by code (``aimskit validate --ignore AK105``) and tests can assert on
codes. Codes are grouped by where the problem is found:

- ``AK0xx`` files and formats (missing or unreadable files, encodings, CSV and YAML syntax)
- ``AK1xx`` values in CSV columns and YAML keys (types, allowed values, dates, duplicates)
- ``AK2xx`` ``engagement.yaml``, ``systems.csv`` and ``gap.csv`` rules
- ``AK3xx`` the risk criteria, the risk register and the SoA
- ``AK4xx`` system profiles, the EU AI Act screening and the impacts
- ``AK5xx`` the audit programme, findings and management reviews
- ``AK6xx`` the later parts (certifications, security test runs, readiness registers)

A code, once published, keeps its meaning; a retired code is never reused. The list is in
``docs/problem-codes.md``, generated from :data:`CODES`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str


def _codes(*items: tuple[str, str]) -> dict[str, Code]:
    out: dict[str, Code] = {}
    for code, title in items:
        if code in out:  # pragma: no cover - caught by the tests
            raise ValueError(f"duplicate problem code {code}")
        out[code] = Code(code, title)
    return out


CODES: dict[str, Code] = _codes()
"""Every problem code, with its short title."""


def title(code: str) -> str:
    return CODES[code].title if code in CODES else ""


def markdown() -> str:
    """The table of ``docs/problem-codes.md``."""
    lines = ["| code | problem |", "|---|---|"]
    lines += [f"| `{c.code}` | {c.title} |" for c in sorted(CODES.values(), key=lambda c: c.code)]
    return "\n".join(lines)
