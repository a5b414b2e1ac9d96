"""What every importer returns, and the guards against hostile input they share.

An importer turns one result file of a red-team tool into an :class:`Imported`: one
:class:`Finding` per (test, strategy, detector) with its attempts and attack successes, a few
worst :class:`Example` s, and problems as ``(line, message, severity)``. Importers never raise
on bad content: they report it and keep what they could read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_JSON_BYTES = 256 * 1024 * 1024  # a whole-file JSON document larger than this is refused
MAX_LINE_BYTES = 64 * 1024 * 1024  # one JSONL line larger than this is skipped
MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one decompressed zip member larger than this is refused
MAX_RATIO = 200  # decompressed / compressed size above which a zip member is treated as a bomb
MAX_EXAMPLES = 5  # worst examples kept per finding
MAX_TEXT = 2000  # characters of prompt / output kept per example (the report truncates further)


@dataclass
class Example:
    """One attempt the tool scored as an attack success (attack text: data, never markup)."""

    prompt: str
    output: str
    score: float | None = None
    where: str = ""  # attempt id / line in the raw file


@dataclass
class Finding:
    """Counts for one (test, strategy, detector) of one run."""

    test: str  # garak probe "module.Class", promptfoo plugin id, PyRIT attack class, Inspect task
    detector: str = ""  # garak detector, promptfoo assertion metric, PyRIT scorer, Inspect scorer
    strategy: str = ""  # promptfoo strategy, PyRIT converter (empty = basic)
    attempts: int = 0  # scored attempts (outputs for garak)
    successes: int = 0  # attack successes (hits)
    errors: int = 0  # attempts the tool could not score
    severity: str = ""  # the tool's own severity when it has one
    tags: list[str] = field(default_factory=list)  # the tool's own taxonomy tags (raw)
    categories: list[str] = field(default_factory=list)  # tool categories (PyRIT harm categories)
    examples: list[Example] = field(default_factory=list)

    def add_example(self, ex: Example) -> None:
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(Example(ex.prompt[:MAX_TEXT], ex.output[:MAX_TEXT], ex.score, ex.where))


@dataclass
class Imported:
    tool: str
    tool_version: str = ""
    format: str = ""
    started: str = ""  # ISO time the tool recorded
    target: str = ""
    findings: list[Finding] = field(default_factory=list)
    summary_source: str = ""  # where the counts came from (e.g. "garak eval rows")
    digest: dict[str, Any] | None = None  # tool's own summary (garak digest scores per probe)
    # (line, message, "error"|"warning", problem code of aimskit.base.codes: each kind of importer problem has its own)
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)
    complete: bool = True  # False when the run was interrupted or the file truncated

    def error(self, line: int, message: str, code: str) -> None:
        self.problems.append((line, message, "error", code))

    def warning(self, line: int, message: str, code: str) -> None:
        self.problems.append((line, message, "warning", code))

    @property
    def attempts(self) -> int:
        return sum(f.attempts for f in self.findings)

    @property
    def successes(self) -> int:
        return sum(f.successes for f in self.findings)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def loads(text: str | bytes) -> tuple[Any, str | None]:
    """``json.loads`` that never raises: (value, None) or (None, why)."""
    try:
        return json.loads(text), None
    except RecursionError:
        return None, "JSON nested too deeply to read"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"not valid JSON ({exc})"


def json_code(why: str) -> str:
    """The problem code of a :func:`loads` failure: too deeply nested, or not valid JSON."""
    return "AK663" if "too deeply" in why else "AK661"


def load_json_file(path: Path, out: Imported) -> Any:
    """Read a whole-file JSON document within :data:`MAX_JSON_BYTES`; None (with a problem) otherwise."""
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        out.error(
            0,
            f"the file is {size / 1e6:.0f} MB; JSON results larger than {MAX_JSON_BYTES // 2**20} MB are not read",
            "AK664",
        )
        return None
    value, why = loads(path.read_bytes())
    if why:
        out.error(0, why, json_code(why))
    return value


def obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (tool files are untrusted)."""
    return value if isinstance(value, dict) else {}


def text_of(value: Any) -> str:
    """The text of a tool message: a string, ``{text}``, ``{content}``, a list of parts, or ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("text", "content", "output", "completion"):
            if key in value:
                return text_of(value[key])
        return ""
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value)
    return str(value)
