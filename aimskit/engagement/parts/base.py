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
from aimskit.base.problems import Problem, Problems
from aimskit.engagement.parts import references
from aimskit.formats.csvschema import Record, Ref, TableSchema, Target, check_references, resolved
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
    # the tables read so far, for the check of their references: (schema, file shown, records, and how many
    # problems were reported when it was registered: where its reference problems go in the list)
    tables: list[tuple[TableSchema, str, list[Record], int]] = field(default_factory=list)
    # the ids a reference may name, by (file, column): provided by the file that holds them (None: unknown)
    provided: dict[tuple[str, str], Target | None] = field(default_factory=dict)

    def provide(self, file: str, column: str, target: Target | None) -> None:
        """The ids ``file``'s ``column`` holds, for the references to them (None: the file could not be
        read, so references to it are not judged)."""
        self.provided[(file, column)] = target

    def target(self, ref: Ref) -> Target | None:
        """The ids ``ref`` may name (None: unknown)."""
        return references.target(self.provided, ref)

    def table(self, schema: TableSchema, file: str, records: list[Record]) -> list[Record]:
        """Register a table read from ``file`` (shown path) for the check of its references
        (:meth:`check_references`); returns its records whose references resolve, the rows to count."""
        self.tables.append((schema, file, records, len(self.problems.items)))
        return resolved(schema, records, self.target)

    def out_of_scope(self, file: str, rec: Record, consequence: str, column: str = "system_id") -> bool:
        """Whether the row names a system out of scope (in_scope = no), with a warning saying ``consequence``
        (``this risk is not counted``)."""
        sid = rec.values.get(column)
        if not sid or sid not in self.systems or self.systems[sid].values.get("in_scope") is not False:
            return False
        self.problems.warning(
            file, rec.line, column, f"system '{sid}' is out of scope (in_scope = no); {consequence}", code="AK126"
        )
        return True

    def check_references(self) -> None:
        """Report every dangling reference of the tables read, once each (after the last part).

        Each goes among the problems of its row in the order of the schema's columns, as if each cell were
        checked in turn: after the problems of reading the cells (reported before the table was registered)
        and after those of the row's rules on earlier columns, before those on its own and later columns."""
        for schema, file, records, at in reversed(self.tables):
            found = Problems()
            if check_references(schema, records, file, self.target, found):
                self.problems.items[at:] = _in_column_order(self.problems.items[at:], found.items, schema)

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


def _in_column_order(later: list[Problem], found: list[Problem], schema: TableSchema) -> list[Problem]:
    """``later`` (the problems reported since a table was registered) with ``found`` (its reference problems)
    merged in: each before the first problem of its row on the same or a later column of ``schema``, or
    after the others of its row. (The loader then sorts by file and line, keeping this order within a line.)"""
    position = {name: i for i, name in enumerate(schema.names)}
    by_row: dict[tuple[str, int], list[int]] = {}
    for i, p in enumerate(later):
        by_row.setdefault((p.file, p.line), []).append(i)
    keyed: list[tuple[float, int, Problem]] = [(i, 0, p) for i, p in enumerate(later)]
    for n, p in enumerate(found, start=1):
        column = position.get(str(p.column), -1)
        row = by_row.get((p.file, p.line), [])
        before = next((i for i in row if position.get(str(later[i].column), -1) >= column), len(later))
        keyed.append((before - 0.5, n, p))
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [p for _, _, p in keyed]


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
