"""IDs that become file names: two IDs must not name the same file on any file system.

A system, audit or review ID names its report (``system-<id>.html``) and its cache record. macOS and
Windows file systems ignore case (and macOS normalises Unicode), so ``llm-assist`` and ``LLM-Assist``
would be one file there and one report would silently overwrite the other. :func:`check_file_names`
refuses such pairs, naming both rows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from aimskit.base.problems import Problems


def file_key(identifier: str) -> str:
    """What a case-insensitive, Unicode-normalising file system sees of an ID."""
    return unicodedata.normalize("NFKC", str(identifier)).casefold()


def check_file_names(
    entries: Iterable[tuple[Any, int]],
    file: str,
    what: str,
    problems: Problems,
    column: str | int = "",
) -> set[str]:
    """Report every ``(id, line)`` whose file name collides with an earlier one's; returns the IDs refused."""
    first: dict[str, tuple[str, int]] = {}
    refused: set[str] = set()
    for identifier, line in entries:
        if not identifier:
            continue
        identifier = str(identifier)
        key = file_key(identifier)
        if key in first and first[key][0] != identifier:
            other, other_line = first[key]
            problems.error(
                file,
                line,
                column,
                f"{what} '{identifier}' and '{other}' (line {other_line}) differ only in upper/lower case or "
                "Unicode form: their reports would be the same file on macOS and Windows; give one of them "
                "a different id",
                code="AK122",
            )
            refused.add(identifier)
        else:
            first.setdefault(key, (identifier, line))
    return refused
