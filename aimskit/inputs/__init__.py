"""Optional engagement files, each owned by the step that reads it.

The core files (``engagement.yaml``, ``systems.csv``, ``gap.csv``) are read by
:mod:`aimskit.engagement`. Every other file of an engagement is a :class:`Part`: a module in
this package validates it against the core data (and the parts read before it), reports every
problem into ``ctx.problems`` with its ``file:line:column``, and returns the parsed value
(usually DataFrames). An absent optional file is not an error: the part returns its empty value
and the step's report says what is missing.

The loaded values are in ``Engagement.parts[name]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from aimskit.fileio import OUTSIDE_MESSAGE, inside
from aimskit.problems import Problems
from aimskit.tables import Record
from aimskit.yamlio import YamlDocument


@dataclass
class ReadContext:
    """What a part can see while it is read."""

    folder: Path
    problems: Problems
    meta_doc: YamlDocument | None  # engagement.yaml as parsed, for positions of problems
    meta: Any  # EngagementMeta, or None when engagement.yaml has errors
    systems: dict[str, Record]  # system id -> its systems.csv record
    gap: pd.DataFrame
    parts: dict[str, Any] = field(default_factory=dict)  # values of the parts read before this one
    files: dict[str, Path] = field(default_factory=dict)  # files read so far (name -> path)

    def name(self, file: str) -> str:
        """The path shown in problem messages."""
        return str(self.folder / file)

    def optional_file(self, file: str) -> Path | None:
        """The path of an optional file when it exists (recorded for the input hashes); None when absent."""
        path = self.folder / file
        if path.is_file() and not inside(self.folder, path):
            self.problems.error(self.name(file), 0, "", OUTSIDE_MESSAGE)
            return None
        if path.is_file():
            self.files[file] = path
            return path
        if path.exists() or path.is_symlink():
            self.problems.error(self.name(file), 0, "", "not a regular file (a folder, a broken link or a device?)")
        return None


@dataclass(frozen=True)
class Part:
    name: str  # key in Engagement.parts
    files: tuple[str, ...]  # the optional files it reads
    read: Callable[[ReadContext], Any]


def parts() -> list[Part]:
    """Every part, in reading order (a part may use the values of the parts before it)."""
    from aimskit.inputs import audit, impact, risk

    return [risk.PART, impact.PART, audit.PART]
