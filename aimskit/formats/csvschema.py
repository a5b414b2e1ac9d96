"""Declarative CSV schemas that report every problem with its file, line and column.

A CSV file is read with the line number of every record kept, so each problem can be
reported as ``file:line:column: message`` (line = the physical line where the record starts,
column = the column name). Harmless deviations are tolerated: a UTF-8 byte-order mark,
whitespace around values and header names, blank lines, ``#`` comment lines, upper-case
enumeration values (with a warning). Everything else is reported, all at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import operator
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from aimskit.base.problems import ERROR, Problems, one_of, plural, separator_hint, suggest

_STRIP = " \t\u00a0\ufeff"
_BLANK = frozenset(_STRIP)
_SKIP_START = frozenset(_STRIP + "#")  # a first cell starting otherwise: the record is neither blank nor a comment
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class Ref:
    """What a column's values refer to: the ids held by a column (or key) of another engagement file,
    ``Ref("systems.csv", "id", "system", code="AK125")``, or the ids of a framework catalog,
    ``Ref.catalog("iso42001", "requirement", code="AK127")``.

    A dangling reference is reported once, by :func:`check_references`, with ``code`` (one per kind of
    reference) and ``severity``. An empty cell refers to nothing: the column's ``mandatory`` says whether
    it may be empty, ``blank`` what an empty cell means. A ``list`` column holds several references,
    separated by ``;``."""

    file: str = ""  # the engagement file holding the ids (a CSV or a YAML file)
    column: str = ""  # its column (or key) holding them
    noun: str = ""  # what one id names, in messages: "system"
    code: str = ""  # the problem code of a dangling reference of this kind
    in_catalog: str = ""  # instead of a file: the framework catalog holding the ids
    severity: str = ERROR  # a dangling reference is an error, or a warning when the row is still usable
    blank: str = ""  # what an empty cell means ("the organisation"); "" when an empty cell means nothing special

    @classmethod
    def catalog(cls, name: str, noun: str, *, code: str, blank: str = "", severity: str = ERROR) -> Ref:
        """A reference to the ids of the framework catalog ``name`` (:func:`aimskit.catalog.load`)."""
        return cls(noun=noun, code=code, in_catalog=name, blank=blank, severity=severity)

    def to(self, *, blank: str = "", severity: str | None = None) -> Ref:
        """The same reference with what an empty cell means (and another severity) for one column."""
        return Ref(self.file, self.column, self.noun, self.code, self.in_catalog, severity or self.severity, blank)


@dataclass(frozen=True)
class Target:
    """The ids a :class:`Ref` may name in one engagement, as the loader found them.

    ``where``: what the ids are, in messages (``an id in systems.csv``); ``missing``: instead, why there
    are none (``audits.yaml is missing``). ``special``: a more precise problem (code, message) for some
    values that are not ids (a heading, an Annex B number), or None. ``hint``: the "did you mean" for a
    value (:func:`~aimskit.base.problems.suggest` by default)."""

    known: Collection[str]
    where: str = ""
    missing: str = ""
    special: Callable[[str], tuple[str, str] | None] | None = None
    hint: Callable[[str, Collection[str]], str] = suggest


def dangling(ref: Ref, target: Target, value: str, several: bool = False) -> tuple[str, str] | None:
    """The problem (code, message) of ``value`` as a reference to ``target``, or None when it is one of
    its ids. ``several``: the value is one item of a list cell (a hint to separate items with ``;``)."""
    if value in target.known:
        return None
    if target.special is not None:
        precise = target.special(value)
        if precise is not None:
            return precise
    hint = (several and separator_hint(value, target.known)) or target.hint(value, target.known)
    return ref.code, f"unknown {ref.noun} '{value}': {target.missing or 'not ' + target.where}{hint}"


def references(schema: TableSchema) -> list[tuple[Column, Ref]]:
    """The columns of ``schema`` that refer to other ids, with their reference."""
    return [(c, c.refers_to) for c in schema.columns if c.refers_to is not None]


def _referenced(col: Column, rec: Record) -> list[str]:
    """The ids a record's cell names (none, one, or the items of a list cell)."""
    value = rec.values.get(col.name)
    if not value:
        return []
    return [v for v in value if v] if isinstance(value, list) else [value]


def check_references(
    schema: TableSchema,
    records: Sequence[Record],
    file: str,
    targets: Callable[[Ref], Target | None],
    problems: Problems,
) -> int:
    """Report every dangling reference of ``records`` (read with ``schema`` from ``file``) at its line and
    column; returns how many. ``targets`` gives the ids of a reference (None: they are unknown, as when
    the file holding them could not be read, and the references are not judged)."""
    found = 0
    for col, ref in references(schema):
        target = targets(ref)
        if target is None:
            continue
        for rec in records:
            for value in _referenced(col, rec):
                problem = dangling(ref, target, value, several=col.kind == "list")
                if problem is not None:
                    problems.add(file, rec.line, col.name, problem[1], ref.severity, problem[0])
                    found += 1
    return found


def resolved(schema: TableSchema, records: list[Record], targets: Callable[[Ref], Target | None]) -> list[Record]:
    """The records whose every reference of error severity names a known id (the others are not
    counted; :func:`check_references` reports them)."""
    checks = [(col, t) for col, ref in references(schema) if ref.severity == ERROR and (t := targets(ref)) is not None]
    if not checks:
        return records
    return [rec for rec in records if all(value in t.known for col, t in checks for value in _referenced(col, rec))]


@dataclass(frozen=True)
class Column:
    """One column of a CSV schema."""

    name: str
    description: str
    kind: str = "text"  # text | enum | int | date | bool | id | list
    required: bool = True  # the column must be in the header
    mandatory: bool = False  # every row must have a value
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    example: str = ""
    refers_to: Ref | None = None  # the ids its values name (checked by check_references)


@dataclass(frozen=True)
class TableSchema:
    """The columns of one engagement CSV file and the columns that identify a row."""

    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    # Columns a pre-listed, unanswered row carries (``aimskit init --full``, the workbook): a row with
    # values only in these columns is not yet answered and is read as if it were absent.
    prelisted: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


class Record:
    """One data row: its starting line in the file, its typed values and (``raw``) its cells as written.

    ``raw`` maps every header column to its cell's text. The checks read it only for a few rows (a
    cell that parsed to nothing), so a record read from a file keeps its cells and the header's
    positions, and makes the mapping when it is first asked for. No instance dict (``__slots__``):
    one object fewer per record for the allocator and the collector."""

    __slots__ = ("_cells", "_positions", "_raw", "line", "values")

    def __init__(
        self, line: int, values: dict[str, Any] | None = None, *, cells: list[str], positions: list[tuple[str, int]]
    ) -> None:
        self.line = line
        self.values = values if values is not None else {}
        self._cells, self._positions = cells, positions
        self._raw: dict[str, str] | None = None

    @property
    def raw(self) -> dict[str, str]:
        if self._raw is None:
            self._raw = _raw(self._cells, self._positions)
        return self._raw

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return (self.line, self.values, self.raw) == (other.line, other.values, other.raw)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"Record(line={self.line!r}, values={self.values!r}, raw={self.raw!r})"


CSV_HINT = "save the file as UTF-8 (in Excel: 'CSV UTF-8')"


def decode(data: bytes, file: str, problems: Problems, hint: str = CSV_HINT) -> str:
    """Decode file bytes as UTF-8, tolerating a BOM and reporting what cannot be read."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.error(file, 1, "", f"the file is UTF-16 encoded; {hint}", code="AK001")
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(file, line, "", f"not valid UTF-8 (byte 0x{data[exc.start]:02X}); {hint}", code="AK002")
        text = data.decode("utf-8", errors="replace")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.error(file, line, "", "the file contains NUL bytes; is it a spreadsheet saved as CSV?", code="AK003")
        text = text.replace("\x00", "")
    return text


@dataclass
class CsvText:
    header: list[str]
    header_line: int
    records: list[tuple[int, list[str]]]


def read_csv(path: Path, file: str, problems: Problems, data: bytes | None = None) -> CsvText:
    """Read a CSV file into its header (and its line) and ``(line, cells)`` records.

    Blank records and records whose first cell starts with ``#`` are skipped. ``data``: the file's
    bytes, already read (the caller hashed them), instead of reading ``path``.
    """
    text = decode(path.read_bytes() if data is None else data, file, problems)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 1
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            first = cells[0] if cells else ""
            if first and first[0] not in _SKIP_START:  # neither blank nor a comment (the common case)
                if header is None:
                    header = [c.strip(_STRIP).lower() for c in cells]
                    header_line = start
                else:
                    records.append((start, cells))
                continue
            if not "".join(cells).strip(_STRIP):  # blank: no cell has anything but whitespace
                continue
            if cells[0].lstrip(_STRIP).startswith("#"):
                continue
            if header is None:
                header = [c.strip(_STRIP).lower() for c in cells]
                header_line = start
                continue
            records.append((start, cells))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            problems.error(
                file,
                previous_end + 1,
                "",
                f"a cell in the record starting on this line is longer than {csv.field_size_limit():,} characters, "
                "the limit for one cell; shorten it (put long text in a document and give its reference)",
                code="AK004",
            )
        else:
            problems.error(
                file,
                previous_end + 1,
                "",
                f"cannot parse CSV from this line on: {exc} (an unclosed quote?)",
                code="AK005",
            )
    if header is None:
        problems.error(file, 1, "", "the file is empty: it needs a header row", code="AK006")
        return CsvText([], 1, [])
    return CsvText(header, header_line, records)


def _rating_from_label(scale: Any, col: Column, value: str, file: str, line: int, problems: Problems) -> int | None:
    """A rating written as its label (``likely``) is read as its value, with a warning; anything else
    gets the scale's values and labels as the hint."""
    axis = scale.name.lower()
    for level in scale.levels:
        if level.label.casefold() == value.casefold():
            problems.warning(
                file,
                line,
                col.name,
                f"'{value}' was read as {level.value} ({level.label} on the {axis} scale); write {level.value}",
                code="AK114",
            )
            return level.value
    levels = ", ".join(f"{lv.value} {lv.label}" for lv in scale.levels)
    hint = suggest(value, [lv.label for lv in scale.levels])
    problems.error(file, line, col.name, f"'{value}' is not a {axis} value: use one of {levels}{hint}", code="AK115")
    return None


_WHOLE = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    """A column's pattern, compiled once (``re``'s own cache is looked up on every cell)."""
    return re.compile(pattern)


def _parse_value(col: Column, raw: str, file: str, line: int, problems: Problems, scale: Any = None) -> Any:
    """A cell's value for its column's kind; None (with its problem reported) when it cannot be read."""
    value = raw.strip(_STRIP)
    if value == "":
        if col.mandatory:
            problems.error(file, line, col.name, f"'{col.name}' is empty; a value is required", code="AK107")
        return None
    if col.kind == "list":
        return [item.strip(_STRIP) for item in value.split(";") if item.strip(_STRIP)]
    parse = _PARSERS.get(col.kind, _parse_text)
    return parse(col, value, file, line, problems, scale)


def _parse_enum(col: Column, value: str, file: str, line: int, problems: Problems, scale: Any) -> Any:
    if value in col.choices:
        return value
    folded = value.lower().replace(" ", "_").replace("-", "_")
    if folded in col.choices:
        problems.warning(file, line, col.name, f"'{value}' was read as '{folded}'; write '{folded}'", code="AK105")
        return folded
    problems.error(
        file,
        line,
        col.name,
        f"'{value}' is not one of: {one_of(col.choices)}{suggest(value, col.choices)}",
        code="AK104",
    )
    return None


def _parse_int(col: Column, value: str, file: str, line: int, problems: Problems, scale: Any) -> Any:
    if _WHOLE.fullmatch(value):
        number = int(value)
    else:
        try:
            as_float: float | None = float(value)
        except ValueError:
            as_float = None
        if as_float is not None and as_float.is_integer() and re.fullmatch(r"[+-]?[0-9]+\.0*", value):
            number = int(as_float)
        elif scale is not None and as_float is None:
            return _rating_from_label(scale, col, value, file, line, problems)
        else:
            problems.error(file, line, col.name, f"'{value}' is not a whole number", code="AK108")
            return None
    if (col.minimum is not None and number < col.minimum) or (col.maximum is not None and number > col.maximum):
        problems.error(
            file, line, col.name, f"{number} is outside the range {col.minimum} to {col.maximum}", code="AK109"
        )
        return None
    return number


def _parse_date(col: Column, value: str, file: str, line: int, problems: Problems, scale: Any) -> Any:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.error(file, line, col.name, f"'{value}' is not a date in the form YYYY-MM-DD", code="AK110")
        return None


def _parse_bool(col: Column, value: str, file: str, line: int, problems: Problems, scale: Any) -> Any:
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    problems.error(file, line, col.name, f"'{value}' is not yes or no", code="AK111")
    return None


def _parse_text(col: Column, value: str, file: str, line: int, problems: Problems, scale: Any) -> Any:
    if col.pattern and not _pattern(col.pattern).fullmatch(value):
        problems.error(
            file,
            line,
            col.name,
            f"'{value}' is not a valid {col.name}: use at most 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            code="AK112",
        )
        return None
    return value


_PARSERS = {"enum": _parse_enum, "int": _parse_int, "date": _parse_date, "bool": _parse_bool}


def _drop_ghost_columns(
    header: list[str], rows: list[tuple[int, list[str]]], hline: int, file: str, problems: Problems
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Drop empty unnamed columns at the end of the header when no row has a value in them
    (spreadsheets write such "ghost" columns for cells that were once formatted), with one warning.
    A trailing unnamed column holding a value is kept, for the header check to report; a row longer
    than the header is left as it is (an unquoted comma is reported, not guessed away)."""
    width = len(header)
    while width and not header[width - 1] and all(len(c) < width or not c[width - 1].strip(_STRIP) for _, c in rows):
        width -= 1
    ghosts = len(header) - width
    if not ghosts:
        return header, rows
    trimmed = [(line, cells[:width] if width <= len(cells) <= len(header) else cells) for line, cells in rows]
    problems.warning(
        file,
        hline,
        "",
        f"{plural(ghosts, 'empty unnamed column')} at the end ignored (a spreadsheet's 'ghost' columns); "
        "delete them to silence this warning",
        code="AK011",
    )
    return header[:width], trimmed


_UNPARSED = object()


def _plain_text(col: Column) -> bool:
    """A free-text column: :func:`_parse_value` gives a non-empty cell stripped, with no check, and any
    cell with nothing but whitespace what it gives an empty cell."""
    return col.kind not in ("enum", "int", "date", "bool", "list") and not col.pattern


def validate_table(
    path: Path, schema: TableSchema, file: str, problems: Problems, scales: dict[str, Any] | None = None
) -> list[Record]:
    """Read ``path`` against ``schema``: typed records, with every problem added to ``problems``.

    ``scales`` maps a rating column to its configured scale (:class:`aimskit.engagement.criteria.Scale`): a
    rating written as a level's label is read as its value (with a warning)."""
    text = read_csv(path, file, problems)
    header, rows, hline = text.header, text.records, text.header_line
    if not header or _wrong_separator(header, schema, hline, file, problems):
        return []
    header, rows = _drop_ghost_columns(header, rows, hline, file, problems)
    seen = _check_header(header, hline, schema, file, problems)
    width = len(header)
    complete = [cells for _, cells in rows if len(cells) == width]
    columns, in_place = _parse_columns(schema, seen, complete, file, scales or {})
    built = list(zip(*columns, strict=True)) if columns else [() for _ in complete]
    return _records(schema, header, rows, seen, (built, in_place), file, problems, scales or {})


def _wrong_separator(header: list[str], schema: TableSchema, hline: int, file: str, problems: Problems) -> bool:
    """Whether the header is one cell holding semicolons or tabs (reported): a file with another separator."""
    if len(header) != 1 or header[0] in schema.names:
        return False
    for sep, name in ((";", "semicolons"), ("\t", "tabs")):
        if sep in header[0]:
            problems.error(
                file,
                hline,
                "",
                f"the columns are separated by {name}; aimskit reads comma-separated files "
                "(in Excel: save as 'CSV UTF-8 (Comma delimited)')",
                code="AK007",
            )
            return True
    return False


def _check_header(header: list[str], hline: int, schema: TableSchema, file: str, problems: Problems) -> dict[str, int]:
    """The position of each header name (its first); empty, repeated, unknown and missing columns reported."""
    known = set(schema.names)
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            problems.error(file, hline, f"#{index + 1}", "a header cell is empty", code="AK008")
        elif name in seen:
            problems.error(file, hline, name, f"column '{name}' appears twice in the header", code="AK009")
        elif name not in known:
            problems.warning(
                file, hline, name, f"unknown column '{name}' is ignored{suggest(name, known)}", code="AK101"
            )
        seen.setdefault(name, index)
    missing = [c.name for c in schema.columns if c.required and c.name not in seen]
    for name in missing:
        problems.error(
            file, hline, name, f"missing column '{name}' (expected columns: {one_of(schema.names)})", code="AK102"
        )
    return seen


# A cell parsed without a problem gives the same value wherever it is (the value depends only on the
# column, the text and the scale): each distinct text of a column is parsed once, into a scratch list
# of problems, and the texts that give none are the column's known values. A record whose cells are
# all known values is built from them column by column; any other record (a cell with a problem or a
# warning) goes through the per-cell path, which parses and reports each such cell where it is, so the
# problems come in the same order as when every cell was parsed in turn. Lists are copied.


def _parse_columns(
    schema: TableSchema, seen: dict[str, int], complete: list[list[str]], file: str, scales: dict[str, Any]
) -> tuple[list[list[Any]], set[int]]:
    """Each column's values for the complete records (``_UNPARSED`` where a cell has a problem), and the
    indices of the records with a cell to parse where it is."""
    columns: list[list[Any]] = []
    in_place: set[int] = set()  # indices (in ``complete``) of the records with a cell to parse where it is
    for c in schema.columns:
        if c.name not in seen:
            columns.append([None] * len(complete))
            continue
        texts = [cells[seen[c.name]] for cells in complete]
        parse = _parse_text_column if _plain_text(c) else _parse_typed_column
        columns.append(parse(c, texts, file, scales.get(c.name), in_place))
    return columns, in_place


def _parse_text_column(c: Column, texts: list[str], file: str, scale: Any, in_place: set[int]) -> list[Any]:
    """Free text: the stripped cell; an empty one is None, or a problem when mandatory."""
    scratch = Problems()
    empty = _parse_value(c, "", file, 0, scratch, scale)
    stripped = [cell.strip(_STRIP) for cell in texts]
    if scratch.items:
        empty = _UNPARSED
        if "" in stripped:
            in_place.update(i for i, cell in enumerate(stripped) if not cell)
    return [cell or empty for cell in stripped]


def _parse_typed_column(c: Column, texts: list[str], file: str, scale: Any, in_place: set[int]) -> list[Any]:
    """A typed column: each distinct text parsed once; the texts with a problem are parsed where they are."""
    scratch = Problems()
    good: dict[str, Any] = {}
    distinct = set(texts)
    for cell in distinct:
        value = _parse_value(c, cell, file, 0, scratch, scale)
        if scratch.items:
            scratch.items.clear()
        else:
            good[cell] = value
    if len(good) == len(distinct):  # every text parsed (the usual case): the look-ups in C
        parsed = list(map(good.__getitem__, texts))
    else:
        in_place.update(i for i, cell in enumerate(texts) if cell not in good)
        parsed = [good.get(cell, _UNPARSED) for cell in texts]
    if c.kind == "list":
        parsed = [list(v) if v.__class__ is list else v for v in parsed]
    return parsed


def _records(
    schema: TableSchema,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    seen: dict[str, int],
    parsed: tuple[list[tuple[Any, ...]], set[int]],
    file: str,
    problems: Problems,
    scales: dict[str, Any],
) -> list[Record]:
    """The records of the rows, in file order: a row of the wrong width reported, an unanswered pre-listed
    row skipped, a row with a cell to parse where it is parsed cell by cell. ``parsed``: the values of the
    complete rows, and the indices of those with a cell to parse where it is (:func:`_parse_columns`)."""
    built, in_place = parsed
    names = [c.name for c in schema.columns]
    width = len(header)
    positions = list(seen.items())
    prelisted = schema.prelisted
    # the first cell outside the pre-listed columns: a row whose cell there starts with a non-blank
    # character is answered (the usual case, decided without unanswered())
    answer_at = next((i for name, i in positions if name not in prelisted), None) if prelisted else None
    records: list[Record] = []
    k = -1
    for line, cells in rows:
        if len(cells) != width:
            problems.error(
                file,
                line,
                "",
                f"the row has {len(cells)} values but the header has {len(header)} columns "
                "(an unquoted comma, or a missing value?)",
                code="AK010",
            )
            continue
        k += 1
        if prelisted:
            answer = cells[answer_at] if answer_at is not None else ""
            if not (answer and answer[0] not in _BLANK) and unanswered(schema, _raw(cells, positions)):
                continue
        if k not in in_place:
            records.append(Record(line, dict(zip(names, built[k], strict=True)), cells=cells, positions=positions))
            continue
        record = Record(line=line, cells=cells, positions=positions)
        raw = record.raw
        for name, col, value in zip(names, schema.columns, built[k], strict=True):
            record.values[name] = (
                _parse_value(col, raw[name], file, line, problems, scales.get(name)) if value is _UNPARSED else value
            )
        records.append(record)
    return records


def _raw(cells: list[str], positions: list[tuple[str, int]]) -> dict[str, str]:
    return {name: cells[i] for name, i in positions}


def unanswered(schema: TableSchema, raw: dict[str, str]) -> bool:
    """Whether a row is a pre-listed row nobody has answered yet (values only in ``schema.prelisted``)."""
    prelisted = schema.prelisted
    for name, value in raw.items():  # an answered row has a value outside the pre-listed columns: the usual case
        if name not in prelisted and value.strip(_STRIP):
            return False
    return bool("".join([raw.get(n, "") for n in prelisted]).strip(_STRIP))


def check_duplicates(records: list[Record], schema: TableSchema, file: str, problems: Problems) -> list[Record]:
    """Report rows whose key columns repeat an earlier row; returns the rows to keep (the first of each)."""
    if not schema.key:
        return records
    first: dict[tuple, int] = {}
    kept = []
    for rec in records:
        key = tuple([rec.values.get(k) for k in schema.key])
        if key[0] is None:
            kept.append(rec)
            continue
        if key in first:
            shown = ", ".join(f"{k} '{v if v is not None else ''}'" for k, v in zip(schema.key, key, strict=True))
            problems.error(
                file, rec.line, schema.key[0], f"duplicate row: {shown} is already on line {first[key]}", code="AK113"
            )
            continue
        first[key] = rec.line
        kept.append(rec)
    return kept


def to_frame(records: list[Record], names: Sequence[str], dtype: Any = None) -> pd.DataFrame:
    """The records as a DataFrame: a ``line`` column (where each row starts in the file), then ``names``."""
    if not records:
        return pd.DataFrame([], columns=["line", *names], dtype=dtype)
    # column by column: the frame one dict per record gives (the same values, the same inferred dtypes)
    columns: dict[str, list[Any]] = {"line": [r.line for r in records]}
    values = [r.values for r in records]
    for c in names:
        try:  # every record has the column (the usual case): the look-ups in C
            columns[c] = list(map(operator.itemgetter(c), values))
        except KeyError:
            columns[c] = [v.get(c) for v in values]
    return pd.DataFrame(columns, columns=["line", *names], dtype=dtype)


def template_csv(schema: TableSchema, examples: Sequence[dict[str, str]] = ()) -> str:
    """A CSV text with the header, a comment per column and commented example rows."""
    out = io.StringIO()
    for col in schema.columns:
        need = "required" if col.mandatory else "optional"
        extra = f" One of: {one_of(col.choices)}." if col.choices else ""
        out.write(f"# {col.name} ({need}): {col.description}.{extra}\n")
    out.write("# Lines starting with # are comments. Delete the example row(s) and add your own.\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(schema.names)
    for example in examples:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([example.get(n, "") for n in schema.names])
        out.write("# " + buf.getvalue())
    return out.getvalue()
