"""Problems found in user input, reported all at once as ``file:line:column: message``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


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

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{where}: {prefix}{self.message}"

    def __str__(self) -> str:
        return self.format()


@dataclass
class Problems:
    """An ordered collection of problems that never raises while it collects."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int, column: str | int, message: str, severity: str = ERROR) -> None:
        self.items.append(Problem(file, int(line), str(column), message, severity))

    def error(self, file: str, line: int, column: str | int, message: str) -> None:
        self.add(file, line, column, message, ERROR)

    def warning(self, file: str, line: int, column: str | int, message: str) -> None:
        self.add(file, line, column, message, WARNING)

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

    The command line maps them to exit codes in one place (:mod:`aimskit.cli`): 1 for problems in
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
        super().__init__(f"{len(errors)} problem(s) in the engagement:\n{lines}")


def suggest(value: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or an empty string."""
    choices = list(choices)
    if not value or not choices:
        return ""
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return f"; did you mean '{lowered[value.lower()]}'?"
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
