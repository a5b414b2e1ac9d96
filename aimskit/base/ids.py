"""Identifier helpers: natural ordering of clause and control IDs."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)")


def natural_key(identifier: str) -> tuple:
    """Sort key that orders ``A.2.2 < A.9.4 < A.10.2`` and ``9.3.3 < 10.1``.

    Clause IDs (starting with a digit) sort before Annex A IDs.
    """
    text = str(identifier)
    parts = _PART.split(text)
    key: list[tuple[int, int | str]] = []
    for part in parts:
        if not part:
            continue
        if part.isdigit():
            key.append((0, int(part)))
        else:
            key.append((1, part))
    annex = 1 if text[:1].isalpha() else 0
    return (annex, tuple(key))
