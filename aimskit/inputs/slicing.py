"""Per-system slices of the engagement files: what a per-system report reads, hashed.

Every file with a :class:`~aimskit.inputs.base.Slice` (the core files' in :data:`CORE_SLICES`, a
part's in ``Part.slices``) divides by AI system. :func:`input_hash` hashes a whole file (or
folder) or one system's slice of it; the cache key of a per-system report and the provenance table
of its report are built from these, so both change exactly when the data the report reads changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aimskit.inputs.base import Slice
from aimskit.inputs.registry import PARTS
from aimskit.problems import Problems
from aimskit.tables import _STRIP, read_csv
from aimskit.vocab import GAP_FILE, SYSTEMS_FILE

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


def slice_hash(path: Path, spec: Slice, system_id: str, known: Mapping[str, str] | None = None) -> str | None:
    """sha256 of one system's slice of a file or folder (None when absent).

    A CSV slice is its header and the records of the system (and the shared ones) as the loader
    reads them (blank and comment records skipped), without line numbers: moving or editing
    another system's rows leaves it unchanged. A CSV the slicer cannot read (bad encoding, no such
    column) is hashed whole, which is always safe. ``known`` maps resolved file paths to hashes already
    verified (an engagement loaded from a run's snapshot), so the files an index names are not read again.
    """
    if spec.index:
        return _index_hash(path, spec, system_id, known or {})
    if not spec.column:
        if not path.is_dir():
            return whole_hash(path)
        own = sorted(p for p in path.iterdir() if p.is_file() and p.stem == system_id)
        return _digest(["folder", system_id, [[p.name, file_sha256(p)] for p in own]])
    if not path.is_file():
        return whole_hash(path)
    problems = Problems()
    text = read_csv(path, str(path), problems)
    if problems.errors or spec.column not in text.header:
        return whole_hash(path)
    col = text.header.index(spec.column)
    rows = []
    for _line, cells in text.records:
        value = cells[col].strip(_STRIP) if col < len(cells) else ""
        if value == system_id or (spec.shared and value == ""):
            rows.append(cells)
    return _digest(["csv", spec.column, system_id, text.header, rows])


def _index_hash(path: Path, spec: Slice, system_id: str, known: Mapping[str, str]) -> str | None:
    """A folder sliced by its index CSV: the system's index rows and the sha256 of each file they name."""
    index = path / spec.index
    if not index.is_file():
        return whole_hash(path)
    problems = Problems()
    text = read_csv(index, str(index), problems)
    if problems.errors or spec.column not in text.header or spec.file_column not in text.header:
        return whole_hash(path)
    root = path
    for _ in Path(spec.file).parts:
        root = root.parent
    col, fcol = text.header.index(spec.column), text.header.index(spec.file_column)
    rows: list[list[str]] = []
    files: list[list[str | None]] = []
    for _line, cells in text.records:
        value = cells[col].strip(_STRIP) if col < len(cells) else ""
        if value == system_id or (spec.shared and value == ""):
            rows.append(cells)
            rel = cells[fcol].strip(_STRIP) if fcol < len(cells) else ""
            target = (root / rel.replace("\\", "/")) if rel else None
            ok = target is not None and target.is_file() and target.resolve().is_relative_to(root.resolve())
            if ok and target is not None:
                files.append([rel, known.get(str(target.resolve())) or file_sha256(target)])
            else:
                files.append([rel, None])
    return _digest(["index", spec.index, spec.column, system_id, text.header, rows, files])


def input_hash(folder: Path, name: str, system_id: str | None = None) -> tuple[str, str | None]:
    """The key and hash of one input (``name`` relative to the engagement ``folder``).

    With a ``system_id`` and a declared slice for ``name``: ``("<name>[<system id>]", hash of the
    slice)``; otherwise ``(name, hash of the whole file or folder)``.
    """
    spec = slices().get(name) if system_id is not None else None
    if spec is None or system_id is None:
        return name, whole_hash(folder / name)
    return f"{name}[{system_id}]", slice_hash(folder / name, spec, system_id)
