"""A finished run, read and validated: ``manifest.json``, its reports, their results JSON and attachments.

Every reader of an output folder of ``aimskit run`` (compare, the OSCAL export, the PDF and Word
deliverables, the index, ``aimskit run --baseline``) goes through :meth:`Run.open`::

    run = Run.open("outputs/example")       # RunFolderError (exit 1) when the folder is not a readable run
    run.organisation, run.assessment_date
    for report in run.reports: ...          # typed: Report.step, .scope_id, .status, .files, .timings
    run.results("gap/organisation")          # the report's results JSON, read (and checked) when asked for

:class:`Manifest` is also what :mod:`aimskit.batch.manifest` builds and writes, so the writer and
the readers share one model. Each JSON file aimskit writes names its format and version in a
``"schema"`` key (docs/run-format.md): ``aimskit.run/1`` for ``manifest.json``, ``aimskit.results/1``
for a report's results JSON, ``aimskit.record/1`` for the cache records, ``aimskit.compare/1`` for
``compare.json`` and ``aimskit.deliverables/1`` for ``deliverables.json``. A manifest or results
JSON without one was written by the release before; it is read as version 0 when its shape is
compatible, and refused with a problem otherwise.

Problems are positioned in the file they concern (``manifest.json:12:18: ... [AK706]``) and raised
together in one :class:`RunFolderError`. A run that did not finish (``status`` ``running`` or
``interrupted``) is refused too (``AK710``): a run into the same folder finishes it. Every value of a
results JSON that a reader uses has its kind declared once, in :data:`RESULTS_FIELDS`, and is checked
when the file is read. :func:`check_output_manifest` keeps ``aimskit run --out`` from overwriting
another program's or a newer aimskit's ``manifest.json``; :func:`read_own_json` reads the files aimskit
writes again when it cannot use them (cache records, ``deliverables.json``, ``compare.json``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aimskit.base.fileio import inside
from aimskit.base.problems import AimskitError, Problem, Problems, kind_of, plural
from aimskit.present import blocks as B
from aimskit.present.report import RESULTS_SCHEMA

__all__ = [
    "COMPARE_SCHEMA",
    "DELIVERABLES_SCHEMA",
    "MANIFEST",
    "RECORD_SCHEMA",
    "RESULTS_FIELDS",
    "RESULTS_SCHEMA",
    "RUN_SCHEMA",
    "SCHEMA_KEY",
    "EngagementInfo",
    "Manifest",
    "Report",
    "Run",
    "RunFolderError",
    "check_output_manifest",
    "read_own_json",
    "schema_version",
]

MANIFEST = "manifest.json"
SCHEMA_KEY = "schema"
RUN_SCHEMA = "aimskit.run/1"
RECORD_SCHEMA = "aimskit.record/1"
COMPARE_SCHEMA = "aimskit.compare/1"
DELIVERABLES_SCHEMA = "aimskit.deliverables/1"
#: the kinds of a report's own files; every other kind in ``files`` is an attachment
REPORT_FILES = ("ipynb", "html", "json")

_SCHEMA = re.compile(r"(aimskit\.[a-z]+)/(\d{1,6})")
_AGAIN = "run 'aimskit run' into the folder again"
#: the hints of a manifest aimskit cannot read: for a reader of a run, and for ``aimskit run --out``
#: (which must not overwrite it)
_READER_HINTS = {
    "AK703": "give the folder 'aimskit run --out' wrote",
    "AK704": "upgrade aimskit to read it, or run the engagement again with this aimskit into another --out folder",
}
_OUT_HINTS = {
    "AK703": "aimskit does not overwrite it: choose another --out folder",
    "AK704": "a newer aimskit wrote it, and this one does not overwrite it: run the newer aimskit, "
    "or choose another --out folder",
}
#: the problems of a damaged run (another run into the folder writes it again): the header says so
_DAMAGED = frozenset({"AK702", "AK705", "AK706", "AK707", "AK708", "AK709"})


def schema_version(value: object, family: str) -> int | None:
    """The version of ``family`` (``aimskit.run``) that a ``"schema"`` value names, ``None`` when it
    names another format (or is not a schema name at all)."""
    match = _SCHEMA.fullmatch(value) if isinstance(value, str) else None
    return int(match.group(2)) if match and match.group(1) == family else None


def _family(schema: str) -> str:
    return schema.split("/", 1)[0]


def _current(schema: str) -> int:
    return int(schema.split("/", 1)[1])


# ---------------------------------------------------------------------------------------------- the model


class _Model(BaseModel):
    # keys a later release adds are kept (and written back), not refused
    model_config = ConfigDict(extra="allow", frozen=True)


class EngagementInfo(_Model):
    """The engagement a run was made from."""

    path: str = ""
    organisation: str = ""
    assessment_date: str = ""
    inputs_sha256: dict[str, str | None] = Field(default_factory=dict)


class Report(_Model):
    """One report of a run, as ``manifest.json`` lists it."""

    name: str
    step: str
    system_id: str | None = None
    status: Literal["ok", "failed"]
    started: str = ""
    finished: str = ""
    duration_s: float = 0.0
    error: str | None = None
    files: dict[str, str] = Field(default_factory=dict)  # kind (html, json, ipynb, attachments) -> relative path
    parameters: dict[str, Any] = Field(default_factory=dict)
    headline: dict[str, Any] = Field(default_factory=dict)
    scope_id: str | None = None
    cached: bool = False
    cache_key: str = ""
    inputs_sha256: dict[str, str | None] = Field(default_factory=dict)
    files_sha256: dict[str, str] = Field(default_factory=dict)
    worker: str = ""
    attempts: int = 0
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def attachments(self) -> dict[str, str]:
        """The files the report wrote besides its notebook, page and results (CSV handovers...)."""
        return {kind: rel for kind, rel in self.files.items() if kind not in REPORT_FILES}


class Manifest(_Model):
    """``manifest.json``: what a run was made from and every report it wrote."""

    schema_: str = Field(RUN_SCHEMA, alias=SCHEMA_KEY)
    aimskit_version: str = ""
    catalog_version: str = ""
    engagement_format: int | str | None = None
    packages: dict[str, str] = Field(default_factory=dict)
    engagement: EngagementInfo = Field(default_factory=EngagementInfo)
    catalog_files_sha256: dict[str, str] = Field(default_factory=dict)
    notebooks_sha256: dict[str, str] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    started: str = ""
    finished: str = ""
    status: Literal["ok", "failed", "running", "interrupted"] = "ok"
    reports: tuple[Report, ...] = ()

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    @classmethod
    def of(cls, value: Manifest | Mapping[str, Any]) -> Manifest:
        """``value`` as a manifest (a mapping built in code is validated)."""
        return value if isinstance(value, Manifest) else cls.model_validate(dict(value))

    @property
    def steps(self) -> list[str]:
        """The steps the run was asked for, in its order (those of its reports when not recorded)."""
        steps = self.parameters.get("steps")
        if isinstance(steps, list) and all(isinstance(s, str) for s in steps):
            return list(steps)
        return list(dict.fromkeys(r.step for r in self.reports))

    def to_json(self) -> dict[str, Any]:
        """The manifest as ``manifest.json`` holds it (its ``schema`` first)."""
        data = self.model_dump(by_alias=True)
        data["reports"] = list(data["reports"])  # (a tuple in the model: it is frozen)
        return data

    def to_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------- errors


class RunFolderError(AimskitError):
    """A folder that is not a readable finished run: no manifest, not JSON, a foreign or newer format,
    values of the wrong type, files listed but missing, a corrupt results JSON. Carries every
    problem, positioned in its file; the command line prints them and exits 1."""

    def __init__(self, problems: list[Problem], folder: str | Path, label: str = "", header: str = "") -> None:
        self.problems = list(problems)
        self.folder = Path(folder)
        self.label = label
        self.header = header
        lead = f"{label}: " if label else ""
        super().__init__(f"{lead}{header or self._header()}")

    def _header(self) -> str:
        """What the problems make of the folder, and the one hint they share (said once, here)."""
        count = plural(len(self.problems), "problem")
        codes = {p.code for p in self.problems}
        if codes == {"AK710"}:
            return f"{self.folder} is a run of 'aimskit run' that did not finish ({count})"
        text = f"{self.folder} is not a readable run of 'aimskit run' ({count})"
        if codes & _DAMAGED:
            text += f"; {_AGAIN}, or give the folder 'aimskit run --out' wrote"
        return text

    def labelled(self, label: str) -> RunFolderError:
        """The same problems, the message naming which run they concern (``old run``, ``baseline``)."""
        return RunFolderError(self.problems, self.folder, label, self.header)

    def __str__(self) -> str:
        return "\n".join([self.args[0], *(p.format() for p in self.problems)])


# ---------------------------------------------------------------------------------------------- positions


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
JsonPath = tuple[str | int, ...]


def _offsets(text: str) -> dict[JsonPath, int]:
    """The offset in ``text`` (valid JSON) of every value, by its path of keys and list indexes."""
    out: dict[JsonPath, int] = {}

    def skip(i: int) -> int:
        m = _WS.match(text, i)
        return m.end() if m else i

    def value(i: int, path: JsonPath) -> int:
        i = skip(i)
        out[path] = i
        opener = text[i : i + 1]
        if opener not in ("{", "["):
            return _DECODER.raw_decode(text, i)[1]
        close = "}" if opener == "{" else "]"
        i, n = skip(i + 1), 0
        while text[i : i + 1] != close:
            if opener == "{":
                key, i = scanstring(text, i + 1)
                i = value(skip(i) + 1, (*path, key))  # after the ':'
            else:
                i = value(i, (*path, n))
            n += 1
            i = skip(i)
            if text[i : i + 1] == ",":
                i = skip(i + 1)
        return i + 1

    value(0, ())
    return out


class _Positions:
    """Line and column of a value of a JSON text (computed once, only when a problem is reported)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._offsets: dict[JsonPath, int] | None = None

    def __call__(self, path: JsonPath) -> tuple[int, int]:
        if self._offsets is None:
            try:
                self._offsets = _offsets(self.text)
            except (ValueError, IndexError, RecursionError):  # (not expected of text json.loads read)
                self._offsets = {}
        for n in range(len(path), -1, -1):  # a missing key: where its object starts
            offset = self._offsets.get(path[:n])
            if offset is not None:
                return _line_column(self.text, offset)
        return 1, 1


def _dotted(path: JsonPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


# ---------------------------------------------------------------------------------------------- reading


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _json_reason(exc: ValueError) -> str:
    """The parser's reason in full: ``Unterminated string starting at`` (whose position the problem
    gives) as ``unterminated string starting here``."""
    msg = str(getattr(exc, "msg", exc))
    msg = f"{msg[:-3]} here" if msg.endswith(" at") else msg
    return msg[:1].lower() + msg[1:]


def _read_json(path: Path, shown: str, problems: Problems, unreadable: str, code: str) -> tuple[Any, str] | None:
    """The JSON value and text of ``path``, or ``None`` with the problem (``code``) added."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(shown, 0, "", f"cannot be read ({exc.strerror or exc})", code=code)
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", errors="replace")
        line, col = _line_column(before, len(before))
        problems.error(shown, line, col, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} here)", code=code)
        return None
    try:
        return json.loads(text), text
    except ValueError as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        problems.error(shown, line, col, f"{unreadable} ({_json_reason(exc)})", code=code)
    except RecursionError:
        problems.error(shown, 1, 1, f"{unreadable} (it is nested too deeply to be read)", code=code)
    return None


def read_own_json(path: Path, schema: str) -> dict[str, Any] | None:
    """The JSON mapping in ``path`` when it is of format ``schema`` (``aimskit.record/1``), or of no
    format (version 0, the release before schema versions); ``None`` when there is no such file, it
    cannot be read, is not a JSON mapping or is of another version. For the files aimskit writes again
    when it cannot use them (cache records, ``deliverables.json``, ``compare.json``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError, RecursionError):  # (UnicodeDecodeError is a ValueError)
        return None
    if not isinstance(data, dict):
        return None
    version = schema_version(data.get(SCHEMA_KEY, f"{_family(schema)}/0"), _family(schema))
    return data if version in (0, _current(schema)) else None


_SHAPE_KEYS = ("reports", "engagement", "aimskit_version")
_REQUIRED = ("engagement", "reports")  # what every reader needs (the rest has defaults)


def _check_schema(
    data: dict[str, Any], shown: str, where: _Positions, problems: Problems, hints: Mapping[str, str]
) -> int | None:
    """The manifest's schema version (0: none, an earlier release's), or ``None`` with the problem
    (``hints``: what to do about another program's or a newer aimskit's manifest)."""
    if SCHEMA_KEY not in data:
        if not any(k in data for k in _SHAPE_KEYS):
            problems.error(
                shown,
                1,
                1,
                "is not the manifest of an aimskit run (it has no 'schema', 'reports' or "
                f"'engagement'): another program's JSON file? {hints['AK703']}",
                code="AK703",
            )
            return None
        return 0
    schema = data[SCHEMA_KEY]
    version = schema_version(schema, _family(RUN_SCHEMA))
    line, col = where((SCHEMA_KEY,))
    if version is None or version < 1:
        problems.error(
            shown,
            line,
            col,
            f"'schema' is {kind_of(schema)}, not {RUN_SCHEMA}: this is not the manifest of an aimskit run; "
            f"{hints['AK703']}",
            code="AK703",
        )
        return None
    if version > _current(RUN_SCHEMA):
        problems.error(
            shown,
            line,
            col,
            f"'schema' is {kind_of(schema)}: written by a newer aimskit; this one reads "
            f"{RUN_SCHEMA} and earlier manifests: {hints['AK704']}",
            code="AK704",
        )
        return None
    return version


def _check_shape(data: dict[str, Any], version: int, shown: str, where: _Positions, problems: Problems) -> None:
    """The top-level keys every manifest has (an earlier release's too), of the right kind."""
    kinds = {"engagement": dict, "parameters": dict, "reports": list}
    for key in (*_REQUIRED, *(k for k in kinds if k not in _REQUIRED and k in data)):
        line, col = where((key,))
        if key not in data:
            why = f"'{key}' is missing"
        elif key in kinds and not isinstance(data[key], kinds[key]):
            why = f"'{key}' is {kind_of(data[key])}, not {'a list' if kinds[key] is list else 'a mapping'}"
        else:
            continue
        if version == 0:
            problems.error(
                shown,
                line,
                col,
                f"{why}: a manifest without a schema version (an earlier aimskit's) that this aimskit cannot read",
                code="AK705",
            )
        else:
            problems.error(shown, line, col, why, code="AK706")


def _model_problems(exc: ValidationError, shown: str, where: _Positions, problems: Problems) -> None:
    for err in exc.errors():
        path = tuple(err["loc"])
        line, col = where(path)
        if err["type"] == "missing":
            message = f"'{_dotted(path)}' is missing"
        else:
            found = kind_of(err.get("input"))
            message = f"'{_dotted(path)}' is {found}: {err['msg'][0].lower()}{err['msg'][1:]}"
        problems.error(shown, line, col, message, code="AK706")


def _check_files(folder: Path, manifest: Manifest, shown: str, where: _Positions, problems: Problems) -> None:
    """Every file the reports list: a path inside the folder (a link in it too, followed), and there."""
    for i, report in enumerate(manifest.reports):
        for kind, rel in report.files.items():
            pure = PurePosixPath(rel)
            if not rel or pure.is_absolute() or ".." in pure.parts or "\\" in rel:
                why = f"is '{rel}', not a path inside the run folder", "AK706"
            elif not inside(folder, folder / rel):
                why = f"({rel}) is a link to a file outside the run folder, which is not read", "AK706"
            elif not (folder / rel).is_file():
                why = f"({rel}) is missing: the folder changed since the run", "AK707"
            else:
                continue
            line, col = where(("reports", i, "files", kind))  # (positions are computed on the first problem)
            problems.error(shown, line, col, f"the {kind} file of report {report.name} {why[0]}", code=why[1])


def _identify(
    path: Path, problems: Problems, hints: Mapping[str, str]
) -> tuple[dict[str, Any], _Positions, int] | None:
    """``manifest.json`` read and its format told: its data, their positions and its schema version
    (0: an earlier release's); ``None`` with the problem when it is not JSON, another program's or a
    newer aimskit's (``hints``: what to do then)."""
    shown = str(path)
    read = _read_json(path, shown, problems, "is not valid JSON: the file was changed or cut short", "AK702")
    if read is None:
        return None
    data, text = read
    where = _Positions(text)
    if not isinstance(data, dict):
        message = f"is {kind_of(data)}, not the manifest of an aimskit run; {hints['AK703']}"
        problems.error(shown, 1, 1, message, code="AK703")
        return None
    version = _check_schema(data, shown, where, problems, hints)
    return None if version is None else (data, where, version)


def _unfinished(folder: Path, status: str) -> str:
    """Why a run that did not finish is not read, and how to finish it (a run into the same folder
    reuses every report already made, from its record, and makes the rest)."""
    again = f"run 'aimskit run' again with the same engagement and --out {folder}: it reuses the reports already made"
    if status == "running":
        return f"'status' is 'running': the run has not finished (it is still running, or was killed); wait, or {again}"
    return f"'status' is '{status}': the run was stopped before it finished; {again} and finishes the run"


def _read_manifest(folder: Path, finished: bool) -> tuple[Manifest, int]:
    """The manifest of the run in ``folder`` and its schema version (0: an earlier release's)."""
    path = folder / MANIFEST
    shown = str(path)
    problems = Problems()
    if not path.is_file():
        problems.error(
            shown, 0, "", f"no {MANIFEST} here: is {folder} the output folder of 'aimskit run'?", code="AK701"
        )
        raise RunFolderError(problems.errors, folder)
    identified = _identify(path, problems, _READER_HINTS)
    if identified is None:
        raise RunFolderError(problems.errors, folder)
    data, where, version = identified
    _check_shape(data, version, shown, where, problems)
    if problems:
        raise RunFolderError(problems.errors, folder)
    try:
        manifest = Manifest.model_validate({**data, SCHEMA_KEY: data.get(SCHEMA_KEY, RUN_SCHEMA)})
    except ValidationError as exc:
        _model_problems(exc, shown, where, problems)
        raise RunFolderError(problems.errors, folder) from None
    if finished and manifest.status in ("running", "interrupted"):
        line, col = where(("status",))
        problems.error(shown, line, col, _unfinished(folder, manifest.status), code="AK710")
        raise RunFolderError(problems.errors, folder)
    _check_files(folder, manifest, shown, where, problems)
    if problems:
        raise RunFolderError(problems.errors, folder)
    return manifest, version


def check_output_manifest(folder: Path) -> None:
    """Refuse (:class:`RunFolderError`, exit 1) to run into ``folder`` when its ``manifest.json`` is not
    one this aimskit writes: another program's JSON, a newer aimskit's, or no JSON at all. A run
    into the folder would overwrite it. No manifest, or one of this aimskit (finished or not), passes."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return
    problems = Problems()
    if _identify(path, problems, _OUT_HINTS) is None:
        header = (
            f"refusing to run into {folder}: its {MANIFEST} was not written by this aimskit "
            f"({plural(len(problems.errors), 'problem')}); choose another --out folder"
        )
        raise RunFolderError(problems.errors, folder, header=header)


class Run:
    """A finished output folder of ``aimskit run``: its manifest, its reports, their results JSON
    (read when first asked for) and attachments. Build it with :meth:`open`."""

    def __init__(self, folder: Path, manifest: Manifest, version: int = 1) -> None:
        self.folder = folder
        self.manifest = manifest
        self.schema_version = version  # of the manifest as read: 0 for an earlier release's, without one
        self._by_name = {r.name: r for r in manifest.reports}
        self._results: dict[str, dict[str, Any]] = {}

    @classmethod
    def open(cls, folder: str | Path, *, finished: bool = True) -> Run:
        """Read and check ``folder/manifest.json`` and that every file it lists is there.

        Raises :class:`RunFolderError` with every problem found (positioned in ``manifest.json``);
        a run that did not finish (``status`` ``running`` or ``interrupted``) is one (``AK710``)
        unless ``finished`` is false."""
        folder = Path(folder)
        manifest, version = _read_manifest(folder, finished)
        return cls(folder, manifest, version)

    # --- what the run is of ---------------------------------------------------------------------

    @property
    def organisation(self) -> str:
        return self.manifest.engagement.organisation

    @property
    def assessment_date(self) -> str:
        return self.manifest.engagement.assessment_date

    @property
    def reports(self) -> tuple[Report, ...]:
        return self.manifest.reports

    def report(self, name: str) -> Report | None:
        return self._by_name.get(name)

    def path(self, rel: str) -> Path:
        """A file of the run by its path relative to the folder (as the manifest lists it)."""
        return self.folder / rel

    def attachments(self, report: Report) -> dict[str, Path]:
        return {kind: self.path(rel) for kind, rel in report.attachments.items()}

    # --- results JSON ---------------------------------------------------------------------------

    def with_results(self) -> list[Report]:
        """The successful reports that wrote a results JSON, in the manifest's order."""
        return [r for r in self.manifest.reports if r.ok and r.files.get("json")]

    def results(self, name: str) -> dict[str, Any] | None:
        """The results JSON of report ``name`` (``None`` when it failed or wrote none); a corrupt
        file raises :class:`RunFolderError` positioned in it."""
        if name not in self._results:
            report = self.report(name)
            if report is None or not report.ok or not report.files.get("json"):
                return None
            self._results[name] = _read_results(self.folder, report)
        return self._results[name]

    def blocks(self, report: Report) -> list[B.Block]:
        """The report blocks of ``report`` (a Word file is written from them), read from its executed
        notebook: its markdown cells and the blocks its cells displayed. A notebook that cannot be read,
        or carries no blocks (an older aimskit ran it), raises :class:`RunFolderError` (AK711)."""
        rel = report.files.get("ipynb")
        if not rel:
            where = f"{self.folder / MANIFEST}"
            raise RunFolderError(
                [Problem(where, 0, "", f"report {report.name} lists no executed notebook", "error", "AK711")],
                self.folder,
            )
        return _read_blocks(self.folder, self.path(rel), report)

    def step_results(self, step: str) -> dict[str, dict[str, Any]]:
        """The results JSON of every successful report of ``step``, by report name."""
        out: dict[str, dict[str, Any]] = {}
        for report in self.with_results():
            if report.step == step:
                out[report.name] = self.results(report.name) or {}
        return out

    def require(self, name: str, lists: tuple[str, ...]) -> dict[str, Any] | None:
        """The results JSON of report ``name`` (``None`` when the run has none), refused with a
        positioned problem (``AK708``) unless each key of ``lists`` holds a list of mappings: what
        a reader indexes into."""
        results = self.results(name)
        if results is None:
            return None
        problems = Problems()
        report = self.report(name)
        path = self.path(report.files["json"]) if report else self.folder
        where: _Positions | None = None
        for key in lists:
            value = results.get(key)
            if isinstance(value, list) and all(isinstance(row, dict) for row in value):
                continue
            where = where or _Positions(path.read_text(encoding="utf-8"))
            line, col = where((key,))
            why = f"'{key}' is missing" if key not in results else f"'{key}' is {kind_of(value)}, not a list of rows"
            problems.error(str(path), line, col, f"the results of report {name}: {why}", code="AK708")
        if problems:
            raise RunFolderError(problems.errors, self.folder)
        return results

    def all_results(self) -> dict[str, dict[str, Any]]:
        """Every results JSON of the run, by report name (each checked; the first corrupt one raises)."""
        problems: list[Problem] = []
        for report in self.with_results():
            try:
                self.results(report.name)
            except RunFolderError as exc:
                problems += exc.problems
        if problems:
            raise RunFolderError(problems, self.folder)
        return {r.name: self._results[r.name] for r in self.with_results()}

    def saved_comparison(self) -> dict[str, Any] | None:
        """``compare.json`` as ``aimskit run --baseline`` wrote it into this folder, when it belongs to
        this run (same start); ``None`` otherwise, or when it cannot be read (it is then left out of
        the index, which is all it is read for)."""
        data = read_own_json(self.folder / "compare.json", COMPARE_SCHEMA)
        if data is None:
            return None
        new, old = data.get("new"), data.get("old")
        if not isinstance(new, dict) or not isinstance(old, dict) or new.get("started") != self.manifest.started:
            return None
        return data


def _read_results(folder: Path, report: Report) -> dict[str, Any]:
    rel = report.files["json"]
    path = folder / rel
    shown = str(path)
    problems = Problems()
    read = _read_json(path, shown, problems, f"the results of report {report.name} are not valid JSON", "AK708")
    if read is not None:
        data, _ = read
        if not isinstance(data, dict):
            problems.error(
                shown,
                1,
                1,
                f"the results of report {report.name} are {kind_of(data)}, not a mapping",
                code="AK708",
            )
        elif SCHEMA_KEY in data and schema_version(data[SCHEMA_KEY], _family(RESULTS_SCHEMA)) != _current(
            RESULTS_SCHEMA
        ):
            line, col = _Positions(read[1])((SCHEMA_KEY,))
            problems.error(
                shown,
                line,
                col,
                f"'schema' is {kind_of(data[SCHEMA_KEY])}: this aimskit reads results JSON "
                f"{RESULTS_SCHEMA} (or earlier, without a schema)",
                code="AK709",
            )
        else:
            _check_rows(data, report, shown, _Positions(read[1]), problems)
            if not problems:
                return data
    raise RunFolderError(problems.errors, folder)


def _read_blocks(folder: Path, path: Path, report: Report) -> list[B.Block]:
    shown = str(path)
    problems = Problems()
    read = _read_json(path, shown, problems, f"the notebook of report {report.name} is not valid JSON", "AK711")
    if read is not None:
        try:
            found = B.notebook_blocks(read[0]) if isinstance(read[0], dict) else None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # blocks that are not blocks
            problems.error(shown, 1, 1, f"the report blocks of {report.name} cannot be read ({exc})", code="AK711")
        else:
            if found is not None and any(isinstance(b, B.Title) for b in B.flatten(found)):
                return found
            problems.error(
                shown, 1, 1, f"report {report.name} carries no report blocks (an older aimskit ran it)", code="AK711"
            )
    raise RunFolderError(problems.errors, folder)


# ---------------------------------------------------------------------------------------------- the rows readers use

#: what a value of a results JSON may be: the check, and how the problem names what was expected
#: (every field may be absent, except those whose kind is marked ``!``; ``null`` is allowed unless so marked)
_KINDS: dict[str, tuple[Any, str]] = {
    "text": (lambda v: isinstance(v, str), "text"),
    "number": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "yes/no": (lambda v: isinstance(v, bool), "yes/no (true or false)"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "texts": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of texts"),
    "mapping": (lambda v: isinstance(v, dict), "a mapping"),
}
_GROUP = {"group_id": "text!", "group_title": "text", "conformity": "number"}
_MATURITY = {"group_id": "text!", "group_title": "text", "mean_maturity": "number"}
#: per step: the top-level values and the rows (each a mapping) of its results JSON that compare, the
#: OSCAL export and the index read, with the kind of every field they read. One place: a reader that
#: reads another field declares it here.
RESULTS_FIELDS: dict[str, dict[str, str | dict[str, str]]] = {
    "*": {"headline": "mapping", "system_id": "text", "assessment_date": "text"},
    "gap": {
        "requirements": {
            "id": "text!",
            "title": "text!",
            "status": "text",
            "maturity": "number",
            "target": "number",
            "owner": "text",
            "notes": "text",
            "evidence": "list",
        },
        "by_clause": _GROUP,
        "by_objective": _GROUP,
        "maturity_by_clause": _MATURITY,
        "maturity_by_objective": _MATURITY,
        "remediation": {
            "id": "text!",
            "title": "text!",
            "priority": "text!",
            "where": "text",
            "notes": "text",
            "maturity": "number",
            "target": "number",
            "owner": "text",
            "target_date": "text",
            "status": "text",
            "overdue": "yes/no",
        },
    },
    "risk": {
        "risks": {
            "risk_id": "text!",
            "title": "text!",
            "system_id": "text",
            "status": "text",
            "description": "text",
            "consequence_individuals": "text",
            "consequence_organisation": "text",
            "likelihood": "number",
            "impact": "number",
            "inherent_score": "number",
            "residual_score": "number",
            "residual_above_appetite": "yes/no",
            "owner": "text",
            "treatment": "text",
            "actions": "text",
            "due_date": "text",
            "controls": "list",
        },
        "soa": {
            "control_id": "text!",
            "title": "text",
            "origin": "text",
            "in_soa": "yes/no",
            "applicable": "yes/no",
            "implementation": "text",
            "justification_text": "text",
            "owner": "text",
        },
    },
    "audit": {
        "audits": {
            "id": "text!",
            "title": "text",
            "status": "text",
            "lead_auditor": "text",
            "start": "text",
            "end": "text",
        },
        "findings": {
            "finding_id": "text!",
            "grade": "text!",
            "requirement_id": "text",
            "audit_id": "text",
            "system_id": "text",
            "statement": "text",
            "status": "text",
            "nonconformity": "yes/no",
            "open": "yes/no",
            "overdue": "yes/no",
            "owner": "text",
            "raised": "text",
            "due_date": "text",
            "corrective_action": "text",
            "evidence": "list",
        },
    },
    "impact": {"overview": {"system_id": "text!", "name": "text", "tier": "text"}},
    "security": {
        "categories": {"system_id": "text", "category": "text", "verdict": "text"},
        "evidence": {
            "control_id": "text",
            "controls": "texts",
            "system_id": "text",
            "run_id": "text",
            "run_date": "text",
            "tool": "text",
            "verdict": "text",
            "sha256": "text",
        },
    },
}
_MAX_ROW_PROBLEMS = 20  # per results JSON: the rest are counted


def _wrong(value: Any, kind: str) -> str | None:
    """Why ``value`` is not of ``kind`` (``text!``: text, not null), ``None`` when it is."""
    required = kind.endswith("!")
    check, expected = _KINDS[kind.rstrip("!")]
    if value is None and not required:
        return None
    return None if check(value) else f"is {kind_of(value)}, not {expected}"


def _check_rows(data: dict[str, Any], report: Report, shown: str, where: _Positions, problems: Problems) -> None:
    """The values of ``data`` (the results JSON of ``report``) that readers use, each of its declared
    kind (:data:`RESULTS_FIELDS`): every wrong one positioned where it is."""
    found: list[tuple[JsonPath, str]] = []
    for key, spec in {**RESULTS_FIELDS["*"], **RESULTS_FIELDS.get(report.step, {})}.items():
        if key not in data:
            continue
        value = data[key]
        if isinstance(spec, str):
            why = _wrong(value, spec)
            found += [((key,), why)] if why else []
        elif not isinstance(value, list):
            found.append(((key,), f"is {kind_of(value)}, not a list of rows"))
        else:
            found += _row_problems(key, value, spec)
    for path, why in found[:_MAX_ROW_PROBLEMS]:
        line, col = where(path)
        message = f"the results of report {report.name}: '{_dotted(path)}' {why}"
        problems.error(shown, line, col, message, code="AK708")
    if len(found) > _MAX_ROW_PROBLEMS:
        more = len(found) - _MAX_ROW_PROBLEMS
        message = f"the results of report {report.name}: {plural(more, 'more value')} of the wrong kind"
        problems.error(shown, 1, 1, message, code="AK708")


def _row_problems(key: str, rows: list[Any], spec: dict[str, str]) -> list[tuple[JsonPath, str]]:
    out: list[tuple[JsonPath, str]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            out.append(((key, i), f"is {kind_of(row)}, not a row (a mapping)"))
            continue
        for name, kind in spec.items():
            if name not in row:
                if kind.endswith("!"):
                    out.append(((key, i, name), "is missing"))
                continue
            why = _wrong(row[name], kind)
            if why:
                out.append(((key, i, name), why))
    return out
