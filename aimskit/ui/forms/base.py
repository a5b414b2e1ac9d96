"""What every form shares: the engagement files it edits, the status line, and handlers whose
exceptions are shown instead of swallowed.

ipywidgets' ``Button.on_click`` logs an exception raised by a handler and carries on (the user
sees nothing, a test passes). Every handler of a form is therefore wrapped by :meth:`Form.handler`:
an exception is shown in the status line as an internal error, kept in ``form.errors`` (tests
assert it is empty) and logged.
"""

from __future__ import annotations

import functools
import html
import logging
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as w

from aimskit.base.problems import ERROR, AimskitError, Problem
from aimskit.engagement import edit

log = logging.getLogger("aimskit.ui.forms")

CSS = """
<style>
.ak-form { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.ak-form .ak-guidance { background: #F4F7FB; border-left: 4px solid #1F4E79; padding: 6px 12px; margin: 4px 0; }
.ak-form .ak-guidance h4 { margin: 2px 0 4px 0; }
.ak-form .ak-guidance ul { margin: 2px 0 6px 0; padding-left: 20px; }
.ak-status-ok { color: #1B5E20; }
.ak-status-error { color: #B71C1C; }
.ak-status-warning { color: #8D6E00; }
.ak-problems { margin: 2px 0; padding-left: 20px; }
.ak-problems li.error { color: #B71C1C; }
.ak-problems li.warning { color: #8D6E00; }
.ak-pill { display: inline-block; padding: 1px 8px; border-radius: 10px; color: white; font-weight: 600; }
.ak-muted { color: #555; }
</style>
"""

WIDE = w.Layout(width="95%")
DESC = {"description_width": "190px"}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def problem_list(problems: Sequence[Problem], folder: Path | None = None) -> str:
    """Problems as an HTML list, worded exactly as ``aimskit validate`` prints them."""
    if not problems:
        return ""
    items = []
    for p in problems:
        text = p.format()
        if folder is not None:
            text = text.replace(str(folder) + "/", "", 1)
        items.append(f'<li class="{esc(p.severity)}">{esc(text)}</li>')
    return '<ul class="ak-problems">' + "".join(items) + "</ul>"


class FileState:
    """One engagement file as loaded by a form: its text and its snapshot (for conflict detection)."""

    def __init__(self, folder: Path, rel: str) -> None:
        self.folder = Path(folder)
        self.rel = rel
        self.path = self.folder / rel
        self.load()

    def load(self) -> None:
        self.snapshot = edit.snapshot(self.path)
        self.text = self.path.read_text(encoding="utf-8-sig") if self.snapshot.sha256 else None

    @property
    def exists(self) -> bool:
        return self.text is not None

    @property
    def changed_on_disk(self) -> bool:
        return self.snapshot.changed


class Form:
    """Base of the forms: the status line, the reload button and exception-safe handlers."""

    title = ""

    def __init__(self, engagement: str | Path) -> None:
        self.folder = Path(engagement).resolve()
        self.errors: list[BaseException] = []
        self.status = w.HTML(layout=WIDE)
        self.problems_html = w.HTML(layout=WIDE)
        self.reload_button = w.Button(
            description="Reload from disk", icon="refresh", layout=w.Layout(display="none", width="auto")
        )
        self.reload_button.on_click(self.handler(lambda _b: self.reload()))
        self.backup_dir = self.folder / edit.BACKUP_DIR

    # -- handlers ------------------------------------------------------------------------------

    def handler(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a widget callback so an exception is shown and kept, never swallowed."""

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except AimskitError as exc:  # a deliberate refusal (e.g. a file that cannot be edited): its message
                self.say(str(exc.args[0] if exc.args else exc), "error")
                return None
            except Exception as exc:  # an aimskit bug: shown to the user and kept for tests
                self.errors.append(exc)
                log.error("aimskit form handler failed:\n%s", traceback.format_exc())
                self.say(
                    f"Internal error in the form ({type(exc).__name__}: {exc}). Nothing was lost on disk; "
                    "please report this with the message.",
                    "error",
                )
                return None

        return run

    def observe(self, widget: w.Widget, fn: Callable[[Any], Any], names: str = "value") -> None:
        widget.observe(self.handler(fn), names=names)

    # -- status --------------------------------------------------------------------------------

    def say(self, message: str, level: str = "ok") -> None:
        self.status.value = f'<span class="ak-status-{level}">{esc(message)}</span>'

    @property
    def status_text(self) -> str:
        """The status line as plain text (for tests and logs)."""
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value))

    def show_problems(self, problems: Sequence[Problem]) -> None:
        self.problems_html.value = problem_list(problems, self.folder)

    def conflict(self, exc: edit.ConflictError) -> None:
        self.say(str(exc), "error")
        self.reload_button.layout.display = ""

    def reload(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- validation ----------------------------------------------------------------------------

    def validate(
        self, changes: Mapping[str, str | None], file: str, lines: Iterable[int] | None = None
    ) -> list[Problem]:
        """What ``aimskit validate`` would report for ``file`` (at ``lines``, or whole-file problems) after
        ``changes``."""
        target = str(self.folder / file)
        wanted = set(lines) if lines is not None else None
        out = []
        for p in edit.validate_changes(self.folder, changes):
            if p.file != target:
                continue
            if wanted is not None and p.line not in wanted and p.line > 1:
                continue
            out.append(p)
        return out

    @staticmethod
    def blocking(problems: Sequence[Problem]) -> list[Problem]:
        return [p for p in problems if p.severity == ERROR]

    def check(self) -> list[Problem]:
        """The problems ``aimskit validate`` would report once the unsaved changes are written."""
        raise NotImplementedError

    def checked_before_saving(self) -> bool:
        """Check the unsaved changes and show the problems; False (and the reason shown) when errors block saving."""
        problems = self.check()
        self.show_problems(problems)
        errors = self.blocking(problems)
        if errors:
            self.say(
                f"Not saved: {len(errors)} problem(s) to fix first (listed above, as 'aimskit validate' reports them).",
                "error",
            )
            return False
        return True

    def saved_message(self, result: edit.WriteResult, what: str) -> str:
        rel = edit.relative(self.folder, result.path)
        if not result.changed:
            return f"Nothing to save: {rel} already holds {what}."
        if result.backup is None:
            return f"Saved {what} to {rel} (a new file)."
        return f"Saved {what} to {rel}; the previous version is kept as {edit.relative(self.folder, result.backup)}."

    # -- display -------------------------------------------------------------------------------

    def widget(self) -> w.Widget:  # pragma: no cover - overridden
        raise NotImplementedError

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())


def options_with(current: Any, options: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """``options`` plus the current value when it is not among them (so loading never loses it)."""
    if current not in (None, "") and current not in [v for _, v in options]:
        return [*options, (f"{current} (not a valid choice)", current)]
    return options
