"""Problems found in user input, reported all at once as ``file:line:column: message``."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


_FIELD = re.compile(r"\{([a-z_]+)\}")


def fill(template: str, **values: object) -> str:
    """``template`` (text written in aimskit's code) with each ``{name}`` replaced by ``values[name]``.

    One pass over the template only: braces, ``%`` or ``$`` inside a value are written as they are,
    never read as fields. Use it, not ``str.format``, whenever a value may come from the user."""
    return _FIELD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def plural(n: int, singular: str, many: str | None = None) -> str:
    """``"1 system"``, ``"2 systems"``, ``"0 systems"`` (``many`` for irregular plurals)."""
    return f"{n} {singular if n == 1 else (many or singular + 's')}"


def safe_text(text: object) -> str:
    """``text`` as it can be shown on a terminal, in a log or a message: every control character
    (escape sequences, carriage return, newline, backspace, C1 controls) and every invisible format
    character (bidirectional overrides, zero-width spaces) is shown escaped (``\\x1b``, ``\\u202e``),
    so a value quoted in a message can neither rewrite the terminal nor hide what it holds."""
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif ch in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[ch])
        elif unicodedata.category(ch) in ("Zs",):  # other spaces (no-break, thin) are visible enough
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one place of one file.

    ``line`` is 1-based (0 when the problem concerns the whole file); ``column`` is a CSV column
    name, a 1-based YAML column number, or empty.
    """

    file: str
    line: int
    column: str
    message: str
    severity: str = ERROR
    code: str = ""  # a stable code (AK101), listed in docs/problem-codes.md: filter or suppress by it

    def format(self) -> str:
        """``file:line:column: message``, safe to print (control characters shown escaped)."""
        where = f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"
        prefix = "warning: " if self.severity == WARNING else ""
        suffix = f" [{self.code}]" if self.code else ""
        return safe_text(f"{where}: {prefix}{self.message}{suffix}")

    def __str__(self) -> str:
        return self.format()


@dataclass
class Problems:
    """An ordered collection of problems that never raises while it collects."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int, column: str | int, message: str, severity: str = ERROR, code: str = "") -> None:
        self.items.append(Problem(file, int(line), str(column), message, severity, code))

    def error(self, file: str, line: int, column: str | int, message: str, code: str = "") -> None:
        self.add(file, line, column, message, ERROR, code)

    def warning(self, file: str, line: int, column: str | int, message: str, code: str = "") -> None:
        self.add(file, line, column, message, WARNING, code)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == WARNING]

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __iter__(self):
        return iter(self.items)


class AimskitError(Exception):
    """The base of every error aimskit raises on purpose (the CLI turns these into messages, not tracebacks).

    The command line maps them to exit codes in one place (:mod:`aimskit.ui.cli`): 1 for problems in
    the input or failed reports, 2 for a :class:`UsageError`; anything that is not an
    ``AimskitError`` is an aimskit bug (exit 3).
    """


class UsageError(AimskitError):
    """The command was asked for something that does not exist (an unknown step, system, option value)."""


class InvalidEngagementError(AimskitError):
    """Raised by loaders when the input has errors; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == ERROR]
        lines = "\n".join(p.format() for p in errors)
        super().__init__(f"{plural(len(errors), 'problem')} in the engagement:\n{lines}")


def suggest(value: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or an empty string."""
    choices = list(choices)
    if not value or not choices:
        return ""
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return f"; did you mean '{lowered[value.lower()]}'?"
    folded = value.lower().replace(" ", "_").replace("-", "_")
    starting = [c for c in choices if len(folded) >= 3 and c.lower().startswith(folded)]
    if len(starting) == 1:  # an abbreviation: partial -> partially_compliant
        return f"; did you mean '{starting[0]}'?"
    match = difflib.get_close_matches(value, choices, n=1, cutoff=cutoff)
    if not match:
        match = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=cutoff)
        match = [lowered[m] for m in match]
    return f"; did you mean '{match[0]}'?" if match else ""


def suggest_id(value: str, choices: Iterable[str]) -> str:
    """Like :func:`suggest`, preferring IDs that share the longest dotted prefix (A.3.4 -> A.3.3)."""
    choices = list(choices)
    parts = value.split(".")
    for n in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:n]) + "."
        near = [c for c in choices if c.startswith(prefix)]
        if near:
            hint = suggest(value, near, cutoff=0.5)
            if hint:
                return hint
    return suggest(value, choices)


_SEPARATORS = re.compile(r"[,\s/|]+")


def separator_hint(value: str, choices: Iterable[str]) -> str:
    """For a list cell written with commas or spaces (``A.6.2.6, A.7.4``) whose parts are all valid:
    the hint to separate them with ``;``; otherwise an empty string."""
    parts = [p for p in _SEPARATORS.split(value.strip()) if p]
    known = {c.lower() for c in choices}
    if len(parts) > 1 and all(p.lower() in known for p in parts):
        return f"; separate several values with ';' ('{'; '.join(parts)}')"
    return ""


def one_of(choices: Iterable[str]) -> str:
    return ", ".join(choices)


def kind_of(value: Any) -> str:
    """How a YAML value is named in a message: nothing, a mapping, a list, yes/no, the number 3, 'text'."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, (int, float)):
        return f"the number {getattr(value, 'yaml_text', value)}"  # as written: 001, not 1
    return f"'{value}'"
