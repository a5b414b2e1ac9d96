"""Safe writes to engagement files: edit in place, keep what is not edited, never lose a version.

The engagement files are the source of truth and people also edit them by hand, so a program
that writes them (the JupyterLab forms, an importer) must change only what it means to change:

* :func:`write_csv_rows` replaces or appends whole rows of a CSV file, found by their key
  columns. Every other physical line (other rows, ``#`` comments, blank lines), the column
  order, the line endings and a byte-order mark are kept as they are. A column the file lacks is
  added at the end of the header (the other rows get an empty cell).
* :func:`update_yaml` sets or removes values of a YAML file at key paths by rewriting only the
  text of those values. Comments, key order, quoting and layout elsewhere are kept; a key that is
  commented out (``# art6.1.b: no  # Art. 6(1)(b)``) is uncommented in place; a removed key is
  commented out, not deleted. The result is parsed again and compared with what was intended
  before anything is written.

Both take the :class:`Snapshot` of the file as it was when the caller loaded it and refuse with
:class:`ConflictError` when the file has changed on disk since (another program, another form,
a hand edit): the caller says so and offers to reload. The write itself is atomic
(:mod:`aimskit.base.fileio`) and the previous version is first copied to a backup folder
(``.aimskit-backup/`` beside the engagement files by default; the newest :data:`KEEP_BACKUPS`
versions of each file are kept).

:func:`validate_changes` runs :func:`aimskit.engagement.validate` on the engagement as it would be
after a set of changes (in a temporary copy), so a writer reports exactly what
``aimskit validate`` would, with the same messages, before it writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aimskit.base.fileio import atomic_write_bytes
from aimskit.base.problems import AimskitError, Problem

BACKUP_DIR = ".aimskit-backup"
KEEP_BACKUPS = 20
DELETE = object()  # an update_yaml value: comment the key out


class EditError(AimskitError):
    """The edit cannot be made safely (nothing was written)."""


class ConflictError(EditError):
    """The file changed on disk since it was loaded (nothing was written)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(
            f"{self.path.name} was changed on disk since it was loaded (by another program, another form or "
            "by hand); nothing was saved. Reload to see the current file, then make your change again."
        )


@dataclass(frozen=True)
class Snapshot:
    """What a file was when it was loaded: its path and the sha256 of its bytes (None: absent)."""

    path: Path
    sha256: str | None

    def current(self) -> Snapshot:
        return snapshot(self.path)

    @property
    def changed(self) -> bool:
        return snapshot(self.path).sha256 != self.sha256


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshot(path: str | Path) -> Snapshot:
    path = Path(path)
    try:
        return Snapshot(path, _sha(path.read_bytes()))
    except FileNotFoundError:
        return Snapshot(path, None)


def _read_expected(expected: Snapshot) -> bytes | None:
    """The file's bytes, provided they are still those of ``expected``; raises ConflictError."""
    try:
        data: bytes | None = expected.path.read_bytes()
    except FileNotFoundError:
        data = None
    if (None if data is None else _sha(data)) != expected.sha256:
        raise ConflictError(expected.path)
    return data


def backup(path: Path, data: bytes, backup_dir: Path | None = None, keep: int = KEEP_BACKUPS) -> Path:
    """Copy ``data`` (the previous version of ``path``) into the backup folder; returns the copy."""
    folder = Path(backup_dir) if backup_dir is not None else path.parent / BACKUP_DIR
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.name}.{stamp}.bak"
    atomic_write_bytes(target, data)
    old = sorted(folder.glob(f"{path.name}.*.bak"))
    for stale in old[:-keep] if keep > 0 else []:
        stale.unlink(missing_ok=True)
    return target


@dataclass
class WriteResult:
    path: Path
    snapshot: Snapshot  # the file as written: pass it to the next write
    backup: Path | None  # the previous version (None when the file is new)
    lines: dict[tuple[str, ...], int]  # CSV: key -> line where the row now starts
    changed: bool = True  # False: the file already held exactly this


def _commit(expected: Snapshot, old: bytes | None, new: bytes, backup_dir: Path | None) -> tuple[Snapshot, Path | None]:
    if old == new:
        return expected, None
    # check again just before writing: the edit took some time
    _read_expected(expected)
    saved = backup(expected.path, old, backup_dir) if old is not None else None
    atomic_write_bytes(expected.path, new)
    return Snapshot(expected.path, _sha(new)), saved


# ---------------------------------------------------------------------------------------------
# CSV

_STRIP = " \t\u00a0\ufeff"


@dataclass
class _CsvLayout:
    bom: bool
    newline: str
    lines: list[str]  # physical lines without their line ending
    header_index: int | None  # index in lines of the header record
    header: list[str]
    records: list[tuple[int, int, list[str]]]  # (first line index, last line index, cells)
    final_newline: bool


def _layout(text: str) -> _CsvLayout:
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    newline = "\r\n" if "\r\n" in text else "\n"
    final_newline = text.endswith("\n")
    lines = text.replace("\r\n", "\n").split("\n")  # not splitlines(): it also splits at U+2028 and others
    if final_newline or not text:
        lines.pop()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header_index: int | None = None
    header: list[str] = []
    records: list[tuple[int, int, list[str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            first, last = previous_end, reader.line_num - 1
            previous_end = reader.line_num
            if not any(c.strip(_STRIP) for c in cells) or cells[0].lstrip(_STRIP).startswith("#"):
                continue
            if header_index is None:
                header_index, header = first, [c.strip(_STRIP).lower() for c in cells]
                continue
            records.append((first, last, cells))
    except csv.Error as exc:
        raise EditError(f"cannot parse the CSV file from line {previous_end + 1} on: {exc}") from exc
    return _CsvLayout(bom, newline, lines, header_index, header, records, final_newline)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v).strip() for v in value if str(v).strip())
    return str(value)


def _format_row(cells: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)  # quotes cells with line breaks
    return out.getvalue()[:-2].replace("\r\n", "\n")


def edit_csv_text(
    text: str,
    key: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    *,
    columns: Sequence[str] = (),
    delete: Iterable[Sequence[Any]] = (),
) -> tuple[str, dict[tuple[str, ...], int]]:
    """The CSV ``text`` with ``rows`` written in and the rows whose key is in ``delete`` removed.

    A row replaces the record with the same values in the ``key`` columns (compared without
    surrounding whitespace) or is appended. Cells of columns a row does not mention keep their
    value. ``columns`` is the header of a file that is empty or new; missing columns are appended
    to the header. Returns the new text and, per written key, the 1-based line where its row starts.
    """
    lay = _layout(text)
    rows = [dict(r) for r in rows]
    if lay.header_index is None:
        _start_header(lay, columns, rows)
    header, missing = _add_missing_columns(lay, key, rows)
    plan = _plan_edits(lay, header, len(missing), key, rows, delete)
    return _assemble(lay, plan, new_file=not text)


def _start_header(lay: _CsvLayout, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """Give a file without a header one: ``columns``, else every column the rows name, in order."""
    names = list(columns) or list(dict.fromkeys(k for r in rows for k in r))
    lay.lines.append(_format_row(names))
    lay.header_index, lay.header = len(lay.lines) - 1, [n.lower() for n in names]
    lay.final_newline = True


def _add_missing_columns(
    lay: _CsvLayout, key: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """Append to the header every column the rows or the key name that the file lacks, and an empty
    cell to every record; returns the whole header and the columns added."""
    header = list(lay.header)
    missing = list(dict.fromkeys(c for r in rows for c in r if c not in header))
    for name in key:
        if name not in header and name not in missing:
            missing.append(name)
    if missing:
        assert lay.header_index is not None  # _start_header gave the file one
        lines = lay.lines
        raw_header = next(csv.reader([lines[lay.header_index]]))
        lines[lay.header_index] = _format_row([*raw_header, *missing])
        for _first, last, cells in lay.records:
            pad = len(header) - len(cells)
            lines[last] = lines[last] + "," * (max(pad, 0) + len(missing))
    return header + missing, missing


@dataclass
class _CsvPlan:
    replace: dict[int, tuple[int, str | None]]  # first line index -> (last line index, new text or None: removed)
    appended: list[tuple[tuple[str, ...], str]]  # (key, text) of the rows added at the end
    starts: dict[int, tuple[str, ...]]  # first line index of a record -> its key


def _plan_edits(
    lay: _CsvLayout,
    header: list[str],
    added: int,
    key: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    delete: Iterable[Sequence[Any]],
) -> _CsvPlan:
    """Which records each row replaces (or that it is appended) and which records are removed."""
    index = {c: i for i, c in enumerate(header)}

    def key_of(cells: Sequence[str]) -> tuple[str, ...]:
        return tuple((cells[index[k]] if index[k] < len(cells) else "").strip(_STRIP) for k in key)

    deleted = {tuple(_cell(v).strip(_STRIP) for v in d) for d in delete}
    by_key: dict[tuple[str, ...], tuple[int, int, list[str]]] = {}
    for rec in lay.records:
        by_key.setdefault(key_of(rec[2] + [""] * added), rec)
    plan = _CsvPlan({}, [], {first: k for k, (first, _, _) in by_key.items()})
    for row in rows:
        k = tuple(_cell(row.get(c)).strip(_STRIP) for c in key)
        if not any(k):
            raise EditError(f"a row needs a value in {', '.join(key)}")
        if k in by_key:
            first, last, cells = by_key[k]
            cells = list(cells) + [""] * (len(header) - len(cells))
            for col, value in row.items():
                cells[index[col]] = _cell(value)
            plan.replace[first] = (last, _format_row(cells))
        else:
            plan.appended.append((k, _format_row([_cell(row.get(c)) for c in header])))
    for gone in deleted:
        if gone in by_key:
            first, last, _ = by_key[gone]
            plan.replace[first] = (last, None)
    return plan


def _next_line(out: Sequence[str]) -> int:
    """The 1-based line where a record appended to ``out`` starts (a record may span lines)."""
    return sum(s.count("\n") + 1 for s in out) + 1


def _assemble(lay: _CsvLayout, plan: _CsvPlan, *, new_file: bool) -> tuple[str, dict[tuple[str, ...], int]]:
    """The file's text with the plan carried out, and the line where each written row starts."""
    out: list[str] = []
    lines_of: dict[tuple[str, ...], int] = {}
    i = 0
    while i < len(lay.lines):
        if i in plan.replace:
            last, new = plan.replace[i]
            if new is not None:
                lines_of[plan.starts[i]] = _next_line(out)
                out.append(new)
            i = last + 1
            continue
        out.append(lay.lines[i])
        i += 1
    while out and out[-1].strip() == "" and plan.appended:
        out.pop()
    for added, new in plan.appended:
        lines_of[added] = _next_line(out)
        out.append(new)
    body = lay.newline.join(s.replace("\n", lay.newline) if lay.newline != "\n" else s for s in out)
    if lay.final_newline or plan.appended or new_file:
        body += lay.newline
    return ("\ufeff" if lay.bom else "") + body, lines_of


def write_csv_rows(
    expected: Snapshot,
    key: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    *,
    columns: Sequence[str] = (),
    delete: Iterable[Sequence[Any]] = (),
    backup_dir: Path | None = None,
) -> WriteResult:
    """Write ``rows`` into the CSV file of ``expected`` (see :func:`edit_csv_text`), atomically, after a
    backup of the previous version; :class:`ConflictError` when the file changed since ``expected``."""
    old = _read_expected(expected)
    text = _decode(old, expected.path) if old is not None else ""
    new_text, lines = edit_csv_text(text, key, rows, columns=columns, delete=delete)
    snap, saved = _commit(expected, old, new_text.encode("utf-8"), backup_dir)
    return WriteResult(expected.path, snap, saved, lines, changed=old != new_text.encode("utf-8"))


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EditError(f"{path.name} is not UTF-8; save it as UTF-8 before editing it here") from exc


def read_csv_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and ``(line, {column: cell})`` of every record of a CSV text (comments skipped)."""
    lay = _layout(text)
    out = []
    for first, _last, cells in lay.records:
        values = {c: (cells[i].strip(_STRIP) if i < len(cells) else "") for i, c in enumerate(lay.header)}
        out.append((first + 1, values))
    return lay.header, out


# ---------------------------------------------------------------------------------------------
# YAML


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True, sort_keys=False)
    text = text.strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    if text.endswith("..."):
        text = text[:-3].rstrip()
    return text


def _block_text(value: Any, indent: int) -> str:
    """``value`` (a mapping) as block YAML lines indented by ``indent`` spaces, without a final newline."""
    if not isinstance(value, Mapping):
        return " " * indent + _scalar_text(value)
    lines = []
    for k, v in value.items():
        if isinstance(v, Mapping) and v:
            lines.append(f"{' ' * indent}{_scalar_text(str(k))}:")
            lines.append(_block_text(v, indent + 2))
        else:
            lines.append(f"{' ' * indent}{_scalar_text(str(k))}: {_scalar_text(v)}".rstrip())
    return "\n".join(lines)


def _compose(text: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise EditError(f"the YAML file cannot be parsed: {exc}") from exc
    if node is None:
        raise EditError("the YAML file is empty")
    return node


def _find(node: yaml.Node, path: Sequence[str]) -> tuple[yaml.Node | None, yaml.Node | None, int]:
    """(key node, value node) at ``path``; else (None, deepest existing mapping, depth reached)."""
    current: yaml.Node = node
    for depth, part in enumerate(path):
        if not isinstance(current, yaml.MappingNode):
            raise EditError(f"'{'.'.join(map(str, path[:depth]))}' is not a mapping")
        found = next(
            ((k, v) for k, v in current.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None
        )
        if found is None:
            return None, current, depth
        if depth == len(path) - 1:
            return found[0], found[1], depth + 1
        current = found[1]
    return None, current, len(path)


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _set_one(text: str, path: Sequence[str], value: Any) -> str:
    root = _compose(text)
    key_node, value_node, depth = _find(root, path)
    if key_node is not None and value_node is not None:
        return _set_existing(text, path, value, key_node, value_node)
    if value is DELETE:
        return text
    assert value_node is not None  # the deepest existing mapping
    return _add_key(text, path, value, value_node, depth)


def _set_existing(text: str, path: Sequence[str], value: Any, key_node: yaml.Node, value_node: yaml.Node) -> str:
    """``text`` with the value of an existing key replaced (``DELETE``: the key commented out)."""
    if value is DELETE:
        return _comment_out(text, path, key_node, value_node)
    if isinstance(value, Mapping):
        raise EditError(f"'{'.'.join(path)}' already exists; set its keys one by one")
    new = _scalar_text(value)
    if isinstance(value_node, yaml.ScalarNode) or getattr(value_node, "flow_style", False):
        return _replace_inline(text, new, key_node, value_node)
    # a block collection: replace it from the colon to its end by the flow form
    colon = text.index(":", key_node.end_mark.index)
    end = value_node.end_mark.index
    tail = text[end:]
    return text[: colon + 1] + " " + new + ("\n" if not tail.startswith("\n") and tail else "") + tail


def _comment_out(text: str, path: Sequence[str], key_node: yaml.Node, value_node: yaml.Node) -> str:
    """``text`` with the line of a one-line key commented out (``key: value`` becomes ``# key: value``)."""
    if value_node.end_mark.line != key_node.start_mark.line:
        raise EditError(f"cannot comment out the multi-line value of '{'.'.join(path)}'")
    start = text.rfind("\n", 0, key_node.start_mark.index) + 1
    end = _line_end(text, value_node.end_mark.index)
    line = text[start:end]
    stripped = line.lstrip()
    return text[:start] + line[: len(line) - len(stripped)] + "# " + stripped + text[end:]


def _replace_inline(text: str, new: str, key_node: yaml.Node, value_node: yaml.Node) -> str:
    """``text`` with a scalar or flow-style value replaced by ``new`` (the YAML text of the new value)."""
    start, end = value_node.start_mark.index, value_node.end_mark.index
    if value_node.start_mark.line != key_node.start_mark.line:
        start = key_node.end_mark.index
        colon = text.index(":", start)
        return text[: colon + 1] + (" " + new if new else "") + text[end:]
    if isinstance(value_node, yaml.ScalarNode) and value_node.value == "" and value_node.style is None:
        # an empty value ("key:" or "key:  # comment"): write after the colon
        colon = text.index(":", key_node.end_mark.index)
        return text[: colon + 1] + (" " + new if new else "") + text[colon + 1 :]
    return text[:start] + new + text[end:]


def _add_key(text: str, path: Sequence[str], value: Any, parent: yaml.Node, depth: int) -> str:
    """``text`` with a key that is absent added to ``parent`` (the deepest existing mapping on ``path``,
    at ``depth``): a commented-out line for it is uncommented, else it is written after the last key."""
    remaining = list(path[depth:])
    payload: Any = value
    for part in reversed(remaining[1:]):
        payload = {part: payload}
    name = remaining[0]
    where = ".".join(map(str, path[:depth]))
    if not isinstance(parent, yaml.MappingNode):
        raise EditError(f"'{where}' is not a mapping")
    if parent.flow_style:
        raise EditError(
            f"'{where or 'the file'}' is written in flow style {{...}}; write it as one key per line to edit it here"
        )
    if not parent.value:
        raise EditError(f"'{where}' is empty; cannot add a key to it here")
    indent = parent.value[0][0].start_mark.column
    if not isinstance(payload, Mapping):
        uncommented = _uncomment(text, parent, indent, name, payload)
        if uncommented is not None:
            return uncommented
    return _insert_block(text, _block_text({name: payload}, indent), parent.value[-1][1].end_mark)


def _uncomment(text: str, parent: yaml.MappingNode, indent: int, name: str, payload: Any) -> str | None:
    """``text`` with a commented-out line for ``name`` at the indentation of ``parent``'s keys
    uncommented in place and set to ``payload`` (its trailing comment kept); None when there is none."""
    region_end = _line_end(text, parent.end_mark.index) if parent.end_mark.index < len(text) else len(text)
    pos = parent.start_mark.index
    while True:
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = _line_end(text, pos)
        line = text[line_start:line_end]
        body = line.lstrip()
        if len(line) - len(body) == indent and body.startswith("#") and body[1:].lstrip().startswith(f"{name}:"):
            inner = body[1:].lstrip()[len(name) + 1 :]
            comment = "  #" + inner.split(" #", 1)[1] if " #" in inner else ""
            new_line = f"{' ' * indent}{_scalar_text(str(name))}: {_scalar_text(payload)}".rstrip() + comment
            return text[:line_start] + new_line + text[line_end:]
        if line_end >= region_end or line_end >= len(text):
            return None
        pos = line_end + 1


def _insert_block(text: str, block: str, anchor: Any) -> str:
    """``text`` with ``block`` (whole lines) inserted after the value that ends at ``anchor`` (a YAML mark)."""
    if anchor.index >= len(text):
        return text + ("" if text.endswith("\n") else "\n") + block + "\n"
    if anchor.column == 0:  # a block collection ends at the start of the next line
        return text[: anchor.index] + block + "\n" + text[anchor.index :]
    at = _line_end(text, anchor.index)
    return text[:at] + "\n" + block + text[at:]


def _get(data: Any, path: Sequence[str]) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return DELETE
        data = data[part]
    return data


def _apply(data: Any, path: Sequence[str], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    if value is DELETE:
        data.pop(path[-1], None)
    else:
        data[path[-1]] = value


def edit_yaml_text(text: str, updates: Mapping[tuple[str, ...], Any]) -> str:
    """``text`` with the values at the given key paths set (``DELETE``: commented out); everything else
    kept byte for byte. Raises :class:`EditError` when the result would not read back as intended."""
    import copy

    before = yaml.safe_load(text) if text.strip() else None
    before = {} if before is None else before
    if not isinstance(before, dict):
        raise EditError("the YAML file is not a mapping of keys to values")
    expected = copy.deepcopy(before)
    new = text if text.strip() else ""
    for path, value in updates.items():
        path = tuple(str(p) for p in path)
        if yaml.safe_load(new) is None:  # empty, or only comments: start the mapping at the end
            payload: Any = value
            for part in reversed(path[1:]):
                payload = {part: payload}
            if value is not DELETE:
                new = new + ("" if not new or new.endswith("\n") else "\n") + _block_text({path[0]: payload}, 0) + "\n"
        else:
            new = _set_one(new, path, value)
        _apply(expected, path, value)
    try:
        after = yaml.safe_load(new)
    except yaml.YAMLError as exc:  # pragma: no cover - a bug of this module
        raise EditError(f"the edit would break the YAML file ({exc}); nothing was saved") from exc
    if after != expected:
        raise EditError("the edit would not read back as intended; nothing was saved (please report this)")
    return new


def update_yaml(
    expected: Snapshot, updates: Mapping[tuple[str, ...], Any], *, backup_dir: Path | None = None, new_file: str = ""
) -> WriteResult:
    """Set values of the YAML file of ``expected`` (see :func:`edit_yaml_text`), atomically, after a
    backup; ``new_file`` is the text to start from when the file does not exist yet."""
    old = _read_expected(expected)
    text = _decode(old, expected.path) if old is not None else new_file
    new_text = edit_yaml_text(text, updates)
    snap, saved = _commit(expected, old, new_text.encode("utf-8"), backup_dir)
    return WriteResult(expected.path, snap, saved, {}, changed=old != new_text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# validation before writing


def validate_changes(folder: str | Path, changes: Mapping[str, str | None]) -> list[Problem]:
    """The problems ``aimskit validate`` would report for the engagement at ``folder`` with the files
    in ``changes`` (relative path -> new text; None: removed) replaced. Problems name the real files."""
    from aimskit import engagement

    folder = Path(folder)
    with tempfile.TemporaryDirectory(prefix="aimskit-validate-") as tmp:
        copy = Path(tmp) / folder.name
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(BACKUP_DIR, ".ipynb_checkpoints"))
        for rel, text in changes.items():
            target = copy / rel
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        problems = engagement.validate(copy)
    shown, real = str(copy), str(folder)
    return [
        Problem(p.file.replace(shown, real, 1), p.line, p.column, p.message, p.severity, p.code)
        if p.file.startswith(shown)
        else p
        for p in problems
    ]


def relative(folder: str | Path, path: str | Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()
