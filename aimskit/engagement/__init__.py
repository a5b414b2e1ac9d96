"""The engagement folder (format v1): the loader that assembles its core files and its parts.

An engagement is one folder of plain files describing one organisation's AI management
system::

    engagement.yaml   organisation, scope, assessors, date, AI roles, target maturity, branding, document control
    systems.csv       the AI system inventory
    gap.csv           one row per assessed requirement (clause sub-clause or Annex A control)

and optional files, each declared by a :class:`~aimskit.engagement.parts.base.Part` (risks, impacts, audits,
...). The core files are modelled and checked in :mod:`aimskit.engagement.parts.core`, the parts in their
own modules of :mod:`aimskit.engagement.parts`; this module only reads them in order.

:func:`validate` reads everything and returns every problem found; :func:`load` returns an
:class:`Engagement` or raises :class:`~aimskit.base.problems.InvalidEngagementError` with all of them.
Neither ever writes to the folder. ``load(path, parts=...)`` reads only the parts a step needs.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from aimskit.base import names
from aimskit.base.fileio import OUTSIDE_MESSAGE, inside
from aimskit.base.problems import WARNING, AimskitError, InvalidEngagementError, Problem, Problems, one_of
from aimskit.base.vocab import (  # noqa: F401  (re-exported: the vocabulary of an engagement)
    AI_ROLES,
    ASSESSED_STATUSES,
    CORE_FILES,
    ENGAGEMENT_FILE,
    EU_AI_ACT_TIERS,
    FORMAT_VERSION,
    GAP_FILE,
    ID_PATTERN,
    LIFECYCLE_STAGES,
    MATURITY_LEVELS,
    STATUS_LABELS,
    STATUSES,
    SYSTEM_TYPES,
    SYSTEMS_FILE,
)
from aimskit.engagement import doccontrol
from aimskit.engagement.parts import core, registry, slicing
from aimskit.engagement.parts.base import Part, ReadContext, closure
from aimskit.engagement.parts.core import GAP_SCHEMA, SYSTEMS_SCHEMA, EngagementMeta, resolve_target
from aimskit.formats.csvschema import Record, Target, check_duplicates, to_frame, validate_table
from aimskit.formats.yamlio import load_yaml

REQUIRED_FILES = CORE_FILES
SCHEMAS = {SYSTEMS_FILE: SYSTEMS_SCHEMA, GAP_FILE: GAP_SCHEMA}
T = TypeVar("T")


class PartNotLoaded(AimskitError):
    """A step asked for a part its engagement was loaded without (a missing ``parts`` declaration)."""


@dataclass
class Engagement:
    """A validated engagement: metadata, inventory and gap assessment as DataFrames."""

    path: Path
    meta: EngagementMeta
    systems: pd.DataFrame
    gap: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)  # optional files, see aimskit.engagement.parts
    loaded: frozenset[str] | None = None  # names of the parts read (None: every part)
    # sha256 of files by name, verified when this engagement was loaded from a run's snapshot (empty otherwise):
    # the content its values were read from, so a report need not hash them again
    hashes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # from a run's snapshot: per-system slice hashes by sliced file and system id, computed once by the run
    # from files with the hashes above (:class:`aimskit.engagement.parts.slicing.SliceMemo`); empty otherwise
    slices: dict[str, dict[str, str | None]] = field(default_factory=dict, repr=False, compare=False)

    def part(self, part: Part[T]) -> T:
        """The value of one part (typed). Refuses a part this engagement was loaded without."""
        if part.name in self.parts:
            return self.parts[part.name]
        if self.loaded is not None and part.name not in self.loaded:
            raise PartNotLoaded(
                f"the engagement was loaded without the '{part.name}' part: declare it in the step's parts"
            )
        return part.empty()

    @property
    def organisation(self) -> str:
        return self.meta.organisation.name

    def target_for(self, requirement_id: str) -> int:
        return resolve_target(self.meta.target_maturity, requirement_id)

    @property
    def in_scope_ids(self) -> list[str]:
        """IDs of the AI systems in the scope of the AIMS, in file order."""
        return [sid for sid, flag in zip(self.systems["id"], self.systems["in_scope"], strict=True) if flag]

    @property
    def system_names(self) -> dict[str, str]:
        """System ID -> name, for every system in the inventory."""
        return dict(zip(self.systems["id"], self.systems["name"], strict=True))

    def input_hashes(self) -> dict[str, str]:
        """sha256 of every file this engagement was read from (verified at load time when it came from a snapshot)."""
        return {name: self.hashes.get(name) or sha256_file(p) for name, p in sorted(self.files.items())}

    def system(self, system_id: str) -> dict[str, Any]:
        rows = self.systems[self.systems["id"] == system_id]
        if rows.empty:
            raise KeyError(system_id)
        return rows.iloc[0].to_dict()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _Read:
    meta: EngagementMeta | None
    systems: pd.DataFrame
    gap: pd.DataFrame
    files: dict[str, Path]
    problems: Problems
    parts: dict[str, Any] = field(default_factory=dict)


def _read(path: Path, parts: Iterable[Part[Any]] | None = None) -> _Read:
    problems = Problems()
    folder = Path(path)
    shown = str(folder)
    empty = _Read(None, pd.DataFrame(), pd.DataFrame(), {}, problems)
    try:
        if not folder.exists():
            problems.error(
                shown, 0, "", "the engagement folder does not exist (create one with 'aimskit init')", code="AK030"
            )
            return empty
        if not folder.is_dir():
            problems.error(shown, 0, "", "not a folder: an engagement is a folder of files", code="AK031")
            return empty
    except OSError as exc:
        problems.error(shown, 0, "", f"cannot open the engagement folder: {exc.strerror or exc}", code="AK032")
        return empty
    try:
        with _no_cycle_collection():
            return _read_folder(folder, problems, parts)
    except OSError as exc:
        problems.error(
            str(getattr(exc, "filename", None) or shown), 0, "", f"cannot read: {exc.strerror or exc}", code="AK032"
        )
        return empty


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a folder is read: reading allocates hundreds of thousands of
    records, dicts and lists that all stay alive, and each allocation threshold reached walks them again
    (a quarter of the CPU time of loading 1,000 systems). Nothing read forms a cycle that must be freed
    during the read; the collector resumes after it (unless it was already paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_folder(folder: Path, problems: Problems, parts: Iterable[Part[Any]] | None) -> _Read:
    def name(f: str) -> str:
        return str(folder / f)

    files: dict[str, Path] = {}
    for f in REQUIRED_FILES:
        p = folder / f
        if p.is_file() and not inside(folder, p):
            problems.error(name(f), 0, "", OUTSIDE_MESSAGE, code="AK033")
        elif p.is_file():
            files[f] = p
        elif p.exists() or p.is_symlink():
            problems.error(name(f), 0, "", "not a regular file (a folder, a broken link or a device?)", code="AK034")
        else:
            problems.error(
                name(f), 0, "", f"missing file: every engagement needs {one_of(REQUIRED_FILES)}", code="AK035"
            )

    meta = None
    doc = None
    if ENGAGEMENT_FILE in files:
        doc = load_yaml(files[ENGAGEMENT_FILE], name(ENGAGEMENT_FILE), problems)
        if doc is not None:
            owned = [key.name for part in registry.PARTS for key in part.meta_keys]
            meta = core.validate_meta(doc, name(ENGAGEMENT_FILE), problems, owned)
            logo = core.check_logo(doc, folder, name(ENGAGEMENT_FILE), problems)
            doccontrol.check(doc, folder, name(ENGAGEMENT_FILE), problems, meta.assessment_date if meta else None)
            if logo is not None:
                files[Path(os.path.relpath(logo, folder)).as_posix()] = logo

    system_records: dict[str, Record] = {}
    systems_list: list[Record] = []
    if SYSTEMS_FILE in files:
        systems_list = validate_table(files[SYSTEMS_FILE], SYSTEMS_SCHEMA, name(SYSTEMS_FILE), problems)
        systems_list = check_duplicates(systems_list, SYSTEMS_SCHEMA, name(SYSTEMS_FILE), problems)
        names.check_file_names(
            ((str(r.values["id"]), r.line) for r in systems_list if r.values.get("id")),
            name(SYSTEMS_FILE),
            "system",
            problems,
            "id",
        )
        for rec in systems_list:
            if rec.values.get("id"):
                system_records.setdefault(rec.values["id"], rec)
    ctx = ReadContext(folder, problems, doc, meta, system_records, pd.DataFrame(), files=files)
    ctx.provide(SYSTEMS_FILE, "id", Target(system_records, where=f"an id in {SYSTEMS_FILE}"))
    gap_list: list[Record] = []
    if GAP_FILE in files:
        gap_list = validate_table(files[GAP_FILE], GAP_SCHEMA, name(GAP_FILE), problems)
        gap_list = core.check_gap(gap_list, system_records, name(GAP_FILE), problems, ctx.table)

    systems = to_frame(systems_list, SYSTEMS_SCHEMA.names)
    gap = to_frame(gap_list, GAP_SCHEMA.names)
    in_scope = set(systems.loc[systems["in_scope"] == True, "id"])  # noqa: E712
    ctx.gap = gap[gap["system_id"].isna() | gap["system_id"].isin(in_scope)].reset_index(drop=True)
    for part in registry.in_order(parts):
        ctx.parts[part.name] = part.read(ctx)
    ctx.check_references()
    _check_scope_file_names(ctx)
    problems.items.sort(key=lambda p: (p.file, p.line))
    return _Read(meta, systems, ctx.gap, files, problems, ctx.parts)


def _check_scope_file_names(ctx: ReadContext) -> None:
    """Audit and review IDs name their reports too: refuse IDs that collide on case-insensitive file systems."""
    data = ctx.parts.get("audit")
    if data is None:
        return
    for frame, file, what in ((data.audits, "audits.yaml", "audit"), (data.reviews, "reviews.yaml", "review")):
        if not frame.empty:
            entries = sorted(zip(frame["id"], frame["line"], strict=True), key=lambda e: e[1])
            names.check_file_names(entries, ctx.name(file), what, ctx.problems)


def validate(path: str | Path, ignore: Iterable[str] = ()) -> list[Problem]:
    """Every problem (errors and warnings) of the engagement at ``path``, sorted by file and line,
    with a warning for every placeholder of the blank templates left unchanged.

    ``ignore``: codes of warnings to leave out (``AK105``); errors are always reported.
    """
    from aimskit.engagement import placeholders

    problems = list(_read(Path(path)).problems)
    if Path(path).is_dir():
        problems += placeholders.find(path)
        problems.sort(key=lambda p: (p.file, p.line))
    skip = set(ignore)
    return [p for p in problems if not (p.severity == WARNING and p.code in skip)]


SNAPSHOT_ENV = "AIMSKIT_SNAPSHOT"
SNAPSHOT_FORMAT = 2
#: A file whose modification time is this close to the snapshot's (or later) is hashed at every check,
#: whatever its stat says: a same-size edit within the file system's timestamp granularity would not show.
RACY_NS = 2_000_000_000


def _stat(path: Path) -> list[int]:
    """What changes when a file is written, replaced or has its times set: size, mtime, ctime, inode."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _listing(folder: Path) -> dict[str, Any]:
    """Which declared files or folders exist (a file added since, such as a new profile, invalidates a snapshot)."""
    declared = [f for part in registry.PARTS for f in part.files]
    return {
        f: sorted(p.name for p in (folder / f).iterdir()) if (folder / f).is_dir() else (folder / f).is_file()
        for f in declared
    }


def _state(folder: Path, files: dict[str, Path]) -> dict[str, Any]:
    """What a snapshot must still match: the sha256 of every file read with its stat (size, mtime_ns,
    ctime_ns, inode) taken before hashing it, the time taken, and which declared files or folders exist."""
    import time

    taken = time.time_ns()
    stats = {name: _stat(p) for name, p in sorted(files.items())}
    inputs = {name: sha256_file(p) for name, p in sorted(files.items())}
    return {"inputs": inputs, "stats": stats, "taken_ns": taken, "present": _listing(folder)}


def _verified(folder: Path, files: dict[str, Path], state: dict[str, Any]) -> dict[str, str] | None:
    """The recorded hashes when every file still holds what the snapshot recorded; None otherwise.

    A file is read and hashed again only when its stat differs from the recorded one, or its
    modification time is within :data:`RACY_NS` of the snapshot (or after it). An unchanged stat is
    trusted because every write changes mtime and ctime, setting the times back (``touch -d``,
    ``os.utime``) changes ctime, and replacing the file changes the inode; a changed stat with the same
    content (a ``touch``, a copy) keeps the snapshot after the hash is compared."""
    if _listing(folder) != state["present"] or set(files) != set(state["inputs"]):
        return None
    inputs, stats, taken = state["inputs"], state["stats"], state["taken_ns"]
    for name, path in files.items():
        st = _stat(path)
        if st == stats.get(name) and st[1] < taken - RACY_NS:
            continue
        if sha256_file(path) != inputs[name]:
            return None
    return dict(inputs)


def save_snapshot(eng: Engagement, target: Path, slices: slicing.SliceMemo | None = None) -> Path:
    """Write ``eng`` (loaded with every part) as a validated snapshot a report can load instead of
    parsing the folder again (see :func:`load`); returns its path.

    ``slices``: the run's :class:`~aimskit.engagement.parts.slicing.SliceMemo`; its slice hashes go into the
    snapshot (``Engagement.slices`` of the reports) when every file they were computed from has the
    hash the snapshot records."""
    import pickle

    from aimskit.base.fileio import atomic_write_bytes

    if eng.loaded is not None:
        raise ValueError("a snapshot holds every part: load the engagement with parts=None")
    folder = Path(eng.path).resolve()
    # a file's key is not always its path (a part may key a file by what it holds): keep both
    rel = {name: os.path.relpath(Path(p).resolve(), folder) for name, p in eng.files.items()}
    state = _state(folder, eng.files)
    by_path = {str(Path(p).resolve()): state["inputs"][name] for name, p in eng.files.items()}
    data = {
        "format": SNAPSHOT_FORMAT,
        "folder": str(folder),
        "paths": rel,
        "state": state,
        "engagement": eng,
        "slices": slices.verified_table(by_path) if slices is not None else {},
    }
    atomic_write_bytes(target, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return target


#: A snapshot read ahead by a kernel zygote (:func:`preload_snapshot`): path -> (its stat, its data).
_PRELOADED: dict[str, tuple[list[int], Any]] = {}


def preload_snapshot(path: str) -> None:
    """Read the snapshot at ``path`` into this process, for the kernels it forks next.

    Called by the batch runner in its kernel zygote before each fork (cheap when the file is the one
    held already, by its stat). Every kernel forked afterwards inherits the unpickled engagement
    (copy-on-write, frozen for the collector) instead of reading and unpickling the file again, a
    cost that grew with the portfolio. A kernel still checks that the file is the one read ahead,
    and every input against the snapshot's record, exactly as when it reads the file."""
    import pickle

    st = _stat(Path(path))
    held = _PRELOADED.get(path)
    if held is not None and held[0] == st:
        return
    _PRELOADED.clear()
    with open(path, "rb") as fh:
        data = pickle.load(fh)
    _PRELOADED[path] = (st, data)


def _read_snapshot(snap: str) -> Any:
    """The snapshot's data: the copy read ahead (:func:`preload_snapshot`) when it is still that file, used
    once (a second load in the same process reads the file afresh), else the file, unpickled."""
    import pickle

    held = _PRELOADED.pop(snap, None)
    if held is not None and held[0] == _stat(Path(snap)):
        return held[1]
    with open(snap, "rb") as fh:
        return pickle.load(fh)  # written by this run into its own output folder


def _from_snapshot(path: Path, wanted: list[Part[Any]] | None) -> Engagement | None:
    """The engagement from the snapshot named by ``$AIMSKIT_SNAPSHOT`` when it was made from this
    folder and every input still has the recorded hash; None otherwise (the caller loads normally)."""
    snap = os.environ.get(SNAPSHOT_ENV)
    if not snap:
        return None
    try:
        folder = path.resolve()
        data = _read_snapshot(snap)
        if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT or data.get("folder") != str(folder):
            return None
        eng: Engagement = data["engagement"]
        rel: dict[str, str] = data["paths"]
        hashes = _verified(folder, {n: folder / r for n, r in rel.items()}, data["state"])
        if hashes is None:
            return None
    except Exception:  # a missing, damaged or stale snapshot: read the folder instead
        return None
    eng.path = path
    eng.files = {name: path / rel[name] for name in eng.files}
    eng.hashes = {name: hashes[name] for name in eng.files if name in hashes}
    eng.slices = data.get("slices") or {}
    if wanted is not None:  # only the parts asked for: an undeclared part is refused as when loaded
        names = frozenset(p.name for p in wanted)
        eng.parts = {k: v for k, v in eng.parts.items() if k in names}
        eng.loaded = names
        eng.files = {n: p for n, p in eng.files.items() if _file_of(n, wanted)}
    return eng


def _file_of(name: str, parts: list[Part[Any]]) -> bool:
    """Whether the loader reads ``name`` when it reads only ``parts`` (core files, logo, their files)."""
    top = name.split("/", 1)[0]
    owned = {f for part in registry.PARTS for f in part.files}
    return top not in owned or any(top in part.files for part in parts)


def load(path: str | Path, parts: Iterable[Part[Any]] | None = None) -> Engagement:
    """Load and validate an engagement folder.

    ``parts``: the optional parts to read (with the parts they depend on); None reads every part.
    A step's report loads the parts it declares (``STEP.needs``), so it reads no file it does not
    use. Raises :class:`InvalidEngagementError` carrying every error when anything is wrong;
    warnings are kept on the returned engagement.

    In a batch run, ``$AIMSKIT_SNAPSHOT`` names the run's validated snapshot (:func:`save_snapshot`):
    when it was made from this folder and no input changed since, it is used instead of parsing
    and validating again. Without it (a notebook in JupyterLab) the folder is read as always.
    """
    wanted = None if parts is None else closure(list(parts))
    snap = _from_snapshot(Path(path), wanted)
    if snap is not None:
        return snap
    read = _read(Path(path), wanted)
    if read.problems.errors or read.meta is None:
        raise InvalidEngagementError(read.problems.items)
    return Engagement(
        path=Path(path),
        meta=read.meta,
        systems=read.systems,
        gap=read.gap,
        files=read.files,
        warnings=[p for p in read.problems.items if p.severity == WARNING],
        parts=read.parts,
        loaded=None if wanted is None else frozenset(p.name for p in wanted),
    )
