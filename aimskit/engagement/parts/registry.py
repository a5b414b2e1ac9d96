"""Every part, in reading order: one line per part.

A part is read after the parts it depends on (``Part.depends``); a test checks this order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aimskit.engagement.parts import audit, certifications, impact, readiness, risk, security
from aimskit.engagement.parts.base import Part, closure

PARTS: tuple[Part[Any], ...] = (
    risk.PART,
    impact.PART,
    audit.PART,
    readiness.PART,
    certifications.PART,
    security.PART,
)

BY_NAME: dict[str, Part[Any]] = {part.name: part for part in PARTS}


def in_order(parts: Iterable[Part[Any]] | None = None) -> list[Part[Any]]:
    """``parts`` (None: all) with the parts they depend on, in registry order."""
    if parts is None:
        return list(PARTS)
    wanted = {p.name for p in closure(list(parts))}
    return [p for p in PARTS if p.name in wanted]
