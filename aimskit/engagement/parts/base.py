"""What a part (an optional engagement file) is, and what it sees while it is read.

A :class:`Part` declares everything the rest of the package needs to know about one kind of
optional engagement file: the files (or folders) it reads, the ``engagement.yaml`` keys it owns and
validates, its blank templates for ``aimskit init``, the parts whose values it uses, how to read it
and its value when absent. The loader (:mod:`aimskit.engagement`) reads the parts a caller asks for,
in registry order (:mod:`aimskit.engagement.parts.registry`); a step's cache inputs are derived from the
parts it declares (:mod:`aimskit.steps.base`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd

from aimskit.base.fileio import OUTSIDE_MESSAGE, inside
from aimskit.base.problems import Problems
from aimskit.formats.csvschema import Record, TableSchema
from aimskit.formats.yamlio import YamlDocument

T = TypeVar("T")


@dataclass
class ReadContext:
    """What a part can see while it is read."""

    folder: Path
    problems: Problems
    meta_doc: YamlDocument | None  # engagement.yaml as parsed, for positions of problems
    meta: Any  # aimskit.engagement.parts.core.EngagementMeta, or None when engagement.yaml has errors
    systems: dict[str, Record]  # system id -> its systems.csv record
    gap: pd.DataFrame
    parts: dict[str, Any] = field(default_factory=dict)  # values of the parts read before this one
    files: dict[str, Path] = field(default_factory=dict)  # files read so far (name -> path)

    def name(self, file: str) -> str:
        """The path shown in problem messages."""
        return str(self.folder / file)

    def meta_value(self, key: str) -> Any:
        """The raw value of a top-level ``engagement.yaml`` key this part owns (None when absent)."""
        doc = self.meta_doc
        return doc.data.get(key) if doc is not None and isinstance(doc.data, dict) else None

    def optional_file(self, file: str) -> Path | None:
        """The path of an optional file when it exists (recorded for the input hashes); None when absent."""
        path = self.folder / file
        if path.is_file():
            if not inside(self.folder, path):
                self.problems.error(self.name(file), 0, "", OUTSIDE_MESSAGE, code="AK033")
                return None
            self.files[file] = path
            return path
        if path.exists() or path.is_symlink():
            self.problems.error(
                self.name(file), 0, "", "not a regular file (a folder, a broken link or a device?)", code="AK034"
            )
        return None


@dataclass(frozen=True)
class MetaKey:
    """A top-level ``engagement.yaml`` key owned (and validated) by a part."""

    name: str
    description: str
    model: Any = None  # the pydantic model or type of its value, for the format reference


@dataclass(frozen=True)
class Slice:
    """How one engagement file (or folder) divides by AI system, for the cache key of a per-system report.

    A CSV file: its rows whose ``column`` holds the system's id, plus (``shared``) the rows where it
    is empty (organisation-wide rows, read by every system's report). A folder (``column`` empty):
    its files named ``<system id>.<suffix>``. A folder with an ``index`` CSV (``security/`` and its
    ``runs.csv``): the index rows of the system and the files those rows name. A per-system report
    is keyed by its system's slice of each sliced file it reads, so editing another system's rows does not re-run it;
    ``tests/test_architecture.py`` proves that no per-system report reads beyond its slices.
    """

    file: str
    column: str = ""  # CSV: the column holding the system id; empty: a folder of per-system files
    shared: bool = True  # CSV: rows with the column empty belong to every system's slice
    # a folder with an index CSV inside it (``index``) whose rows name files (``file_column``, paths relative to
    # the engagement folder): a system's slice is its rows of the index and the files they name
    index: str = ""
    file_column: str = ""


@dataclass(frozen=True, eq=False)
class Part(Generic[T]):
    """One kind of optional engagement file, declared once."""

    name: str  # key in Engagement.parts
    files: tuple[str, ...]  # the files (or folders) it reads, relative to the engagement folder
    read: Callable[[ReadContext], T]
    empty: Callable[[], T]  # its value when its files are absent
    depends: tuple[Part[Any], ...] = ()  # parts read before it whose values it uses
    meta_keys: tuple[MetaKey, ...] = ()  # engagement.yaml keys it owns and validates
    templates: Mapping[str, Callable[[], str]] = field(default_factory=dict)  # blank files for `aimskit init`
    schemas: tuple[TableSchema, ...] = ()  # the CSV files it reads, for the format reference and exports
    description: str = ""
    slices: tuple[Slice, ...] = ()  # how its files divide by AI system (files not listed: read whole)

    def __repr__(self) -> str:
        return f"Part({self.name!r})"

    def __hash__(self) -> int:
        return hash(self.name)


def closure(parts: tuple[Part[Any], ...] | list[Part[Any]]) -> list[Part[Any]]:
    """``parts`` and every part they depend on, transitively (each once, dependencies first)."""
    out: dict[str, Part[Any]] = {}

    def visit(part: Part[Any]) -> None:
        if part.name in out:
            return
        for dep in part.depends:
            visit(dep)
        out[part.name] = part

    for p in parts:
        visit(p)
    return list(out.values())
