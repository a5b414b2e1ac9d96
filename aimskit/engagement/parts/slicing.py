"""Per-system slices of the engagement files: what a per-system report reads, hashed.

Every file with a :class:`~aimskit.engagement.parts.base.Slice` (the core files' in :data:`CORE_SLICES`, a
part's in ``Part.slices``) divides by AI system. :func:`input_hash` hashes a whole file (or
folder) or one system's slice of it; the cache key of a per-system report and the provenance table
of its report are built from these, so both change exactly when the data the report reads changes.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aimskit.base.problems import Problems
from aimskit.base.vocab import GAP_FILE, SYSTEMS_FILE
from aimskit.engagement.parts.base import Slice
from aimskit.engagement.parts.registry import PARTS
from aimskit.formats.csvschema import _STRIP, read_csv

CORE_SLICES = (
    Slice(SYSTEMS_FILE, "id", shared=False),  # a system's report reads its own inventory row
    Slice(GAP_FILE, "system_id"),  # organisation-wide rows (system_id empty) and the system's rows
)


def slices() -> dict[str, Slice]:
    """Every declared slice, by file name."""
    out = {s.file: s for s in CORE_SLICES}
    for part in PARTS:
        out.update({s.file: s for s in part.slices})
    return out


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def whole_hash(path: Path) -> str | None:
    """sha256 of a file; of a folder, the hash of its files' relative paths and hashes; None when absent."""
    if path.is_file():
        return file_sha256(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        data = [[p.relative_to(path).as_posix(), file_sha256(p)] for p in files]
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return None


@dataclass
class _Divided:
    """A CSV divided by the values of one column: each value's records (by position), in file order."""

    header: list[str]
    by_value: dict[str, list[tuple[int, list[str]]]]


def _divide(path: Path, column: str, data: bytes | None = None) -> _Divided | None:
    """The records of a CSV grouped by ``column`` (stripped); None when the slicer cannot read it."""
    problems = Problems()
    text = read_csv(path, str(path), problems, data)
    if problems.errors or column not in text.header:
        return None
    col = text.header.index(column)
    by_value: dict[str, list[tuple[int, list[str]]]] = {}
    for pos, (_line, cells) in enumerate(text.records):
        value = cells[col].strip(_STRIP) if col < len(cells) else ""
        by_value.setdefault(value, []).append((pos, cells))
    return _Divided(text.header, by_value)


def _rows(divided: _Divided, system_id: str, shared: bool) -> list[list[str]]:
    """A system's records (and the shared ones, with an empty value), in file order."""
    own = divided.by_value.get(system_id, [])
    if not shared or system_id == "":
        return [cells for _pos, cells in own]
    common = divided.by_value.get("", [])
    return [cells for _pos, cells in heapq.merge(own, common, key=lambda r: r[0])]


class SliceMemo:
    """Each file read (and divided by system) once, for the slices of many systems.

    A run's planning hashes every report's inputs: without the memo each per-system report re-read
    and re-parsed every sliced CSV, a cost that grew with the square of the portfolio. A memo belongs
    to one pass over files that are not expected to change meanwhile (the planning of one run).

    It also keeps what it computed: :attr:`table` (slice hashes by sliced file and system) and
    :attr:`read` (the sha256 of every file those hashes were computed from), so a run's snapshot can
    hand the table to its reports once it has checked that every such file still has that hash
    (:meth:`verified_table`).
    """

    def __init__(self) -> None:
        self._whole: dict[Path, str | None] = {}
        self._files: dict[Path, str] = {}
        self._divided: dict[tuple[Path, str], _Divided | None] = {}
        self._stems: dict[Path, dict[str, list[Path]]] = {}
        self.read: dict[str, str] = {}  # resolved path -> sha256 of the bytes a slice hash was computed from
        self.table: dict[str, dict[str, str | None]] = {}  # sliced file (Slice.file) -> system id -> hash
        self.unverifiable: set[str] = set()  # sliced files with a slice taken from a whole folder

    def whole(self, path: Path) -> str | None:
        if path not in self._whole:
            self._whole[path] = whole_hash(path)
            if path.is_file() and self._whole[path] is not None:
                self.read[str(path.resolve())] = str(self._whole[path])
        return self._whole[path]

    def file(self, path: Path) -> str:
        if path not in self._files:
            self._files[path] = file_sha256(path)
            self.read[str(path.resolve())] = self._files[path]
        return self._files[path]

    def divided(self, path: Path, column: str) -> _Divided | None:
        if (path, column) not in self._divided:
            data = path.read_bytes()
            self.read[str(path.resolve())] = hashlib.sha256(data).hexdigest()
            self._divided[path, column] = _divide(path, column, data)
        return self._divided[path, column]

    def own_files(self, folder: Path, system_id: str) -> list[Path]:
        """The files of ``folder`` named ``<system id>.<suffix>``, sorted."""
        if folder not in self._stems:
            stems: dict[str, list[Path]] = {}
            for p in sorted(folder.iterdir()):
                if p.is_file():
                    stems.setdefault(p.stem, []).append(p)
            self._stems[folder] = stems
        return self._stems[folder].get(system_id, [])

    def keep(self, spec: Slice, system_id: str, digest: str | None) -> str | None:
        self.table.setdefault(spec.file, {})[system_id] = digest
        return digest

    def verified_table(self, hashes_by_path: Mapping[str, str]) -> dict[str, dict[str, str | None]]:
        """:attr:`table` when every file it was computed from has, in ``hashes_by_path`` (resolved path
        -> sha256, as a snapshot records them), the hash it had when read; empty otherwise."""
        if any(hashes_by_path.get(path) != digest for path, digest in self.read.items()):
            return {}
        return {name: dict(by_system) for name, by_system in self.table.items() if name not in self.unverifiable}


def slice_hash(
    path: Path,
    spec: Slice,
    system_id: str,
    known: Mapping[str, str] | None = None,
    memo: SliceMemo | None = None,
) -> str | None:
    """sha256 of one system's slice of a file or folder (None when absent).

    A CSV slice is its header and the records of the system (and the shared ones) as the loader
    reads them (blank and comment records skipped), without line numbers: moving or editing
    another system's rows leaves it unchanged. A CSV the slicer cannot read (bad encoding, no such
    column) is hashed whole, which is always safe. ``known`` maps resolved file paths to hashes already
    verified (an engagement loaded from a run's snapshot), so the files an index names are not read again.
    ``memo`` (:class:`SliceMemo`) reads each file once for the slices of many systems (same hashes).
    """
    memo = memo or SliceMemo()
    if spec.index:
        return memo.keep(spec, system_id, _index_hash(path, spec, system_id, known or {}, memo))
    if not spec.column:
        if not path.is_dir():
            if path.exists():
                memo.unverifiable.add(spec.file)
            return memo.keep(spec, system_id, memo.whole(path))
        own = memo.own_files(path, system_id)
        return memo.keep(spec, system_id, _digest(["folder", system_id, [[p.name, memo.file(p)] for p in own]]))
    if not path.is_file():
        if path.exists():
            memo.unverifiable.add(spec.file)
        return memo.keep(spec, system_id, memo.whole(path))
    divided = memo.divided(path, spec.column)
    if divided is None:
        return memo.keep(spec, system_id, memo.whole(path))
    rows = _rows(divided, system_id, spec.shared)
    return memo.keep(spec, system_id, _digest(["csv", spec.column, system_id, divided.header, rows]))


def _index_hash(path: Path, spec: Slice, system_id: str, known: Mapping[str, str], memo: SliceMemo) -> str | None:
    """A folder sliced by its index CSV: the system's index rows and the sha256 of each file they name."""
    index = path / spec.index
    if (
        not index.is_file()
        or (divided := memo.divided(index, spec.column)) is None
        or (spec.file_column not in divided.header)
    ):
        if path.exists():  # the whole folder: its files are not all known to the snapshot
            memo.unverifiable.add(spec.file)
        return memo.whole(path)
    root = path
    for _ in Path(spec.file).parts:
        root = root.parent
    fcol = divided.header.index(spec.file_column)
    rows = _rows(divided, system_id, spec.shared)
    files: list[list[str | None]] = []
    for cells in rows:
        rel = cells[fcol].strip(_STRIP) if fcol < len(cells) else ""
        target = (root / rel.replace("\\", "/")) if rel else None
        ok = target is not None and target.is_file() and target.resolve().is_relative_to(root.resolve())
        if ok and target is not None:
            files.append([rel, known.get(str(target.resolve())) or memo.file(target)])
        else:
            files.append([rel, None])
    return _digest(["index", spec.index, spec.column, system_id, divided.header, rows, files])


def input_hash(
    folder: Path, name: str, system_id: str | None = None, memo: SliceMemo | None = None
) -> tuple[str, str | None]:
    """The key and hash of one input (``name`` relative to the engagement ``folder``).

    With a ``system_id`` and a declared slice for ``name``: ``("<name>[<system id>]", hash of the
    slice)``; otherwise ``(name, hash of the whole file or folder)``.
    """
    spec = slices().get(name) if system_id is not None else None
    if spec is None or system_id is None:
        return name, memo.whole(folder / name) if memo is not None else whole_hash(folder / name)
    return f"{name}[{system_id}]", slice_hash(folder / name, spec, system_id, memo=memo)
