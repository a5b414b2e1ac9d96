"""The gap questionnaire: gap.csv answered requirement by requirement in JupyterLab.

Each of the 32 clause sub-clauses and 38 Annex A controls is shown with aimskit's own guidance
(summary, questions to ask, typical evidence, from the catalog guidance files) beside the fields
of its gap.csv row: status, maturity, evidence, owner, notes and target date. Filters narrow the
list (clause or objective, AI system, status, not yet answered); progress and the conformity
score (the gap step's formula) are always visible and include the answers not yet saved.

Answers are kept as drafts while the user moves between requirements; *Save* checks them with
the rules of ``aimskit validate`` and writes them into gap.csv (other rows, comments and column
order kept) through :mod:`aimskit.engagement.edit`.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
import yaml

from aimskit import catalog
from aimskit.engagement import (
    ASSESSED_STATUSES,
    GAP_FILE,
    GAP_SCHEMA,
    MATURITY_LEVELS,
    STATUS_LABELS,
    STATUSES,
    SYSTEMS_FILE,
    edit,
    resolve_target,
)
from aimskit.ui.forms.base import CSS, DESC, WIDE, FileState, Form, esc, options_with

KEY = ("requirement_id", "system_id")
FIELDS = ("status", "maturity", "evidence", "owner", "notes", "target_date")
UNANSWERED = "__unanswered__"


def _split_evidence(text: str) -> list[str]:
    return [p.strip() for line in (text or "").splitlines() for p in line.split(";") if p.strip()]


def _pct(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1f}%"


class GapQuestionnaire(Form):
    """The gap questionnaire of the engagement at ``engagement`` (display it in a notebook)."""

    title = "Gap questionnaire (gap.csv)"

    def __init__(self, engagement: str | Path) -> None:
        super().__init__(engagement)
        self.reqs = catalog.load("iso42001").set_index("id", drop=False)
        self.file = FileState(self.folder, GAP_FILE)
        self.drafts: dict[tuple[str, str], dict[str, str]] = {}
        self._loading = False
        self._build()
        self.reload()

    # -- data ----------------------------------------------------------------------------------

    def _read(self) -> None:
        self.file.load()
        self.rows: dict[tuple[str, str], dict[str, str]] = {}
        self.lines: dict[tuple[str, str], int] = {}
        if self.file.exists:
            _, records = edit.read_csv_rows(self.file.text or "")
            for line, values in records:
                k = (values.get("requirement_id", ""), values.get("system_id", ""))
                self.rows.setdefault(k, {f: values.get(f, "") for f in FIELDS})
                self.lines.setdefault(k, line)
        self.systems = self._systems()
        self.target = self._target()

    def _systems(self) -> list[tuple[str, str]]:
        path = self.folder / SYSTEMS_FILE
        if not path.is_file():
            return []
        try:
            _, records = edit.read_csv_rows(path.read_text(encoding="utf-8-sig"))
        except (edit.EditError, UnicodeDecodeError):
            return []
        out = []
        for _line, v in records:
            if v.get("id") and v.get("in_scope", "").lower() in ("yes", "y", "true", "1"):
                out.append((v["id"], v.get("name") or v["id"]))
        return out

    def _target(self) -> Any:
        try:
            data = yaml.safe_load((self.folder / "engagement.yaml").read_text(encoding="utf-8"))
            target = data.get("target_maturity", 3) if isinstance(data, dict) else 3
            resolve_target(target, "4.1")
            return target
        except Exception:  # an invalid engagement.yaml: 'aimskit validate' reports it; use the default
            return 3

    def current(self, key: tuple[str, str]) -> dict[str, str] | None:
        """The answer for a requirement: the unsaved draft, else the saved row, else None."""
        return self.drafts.get(key, self.rows.get(key))

    def answered(self, key: tuple[str, str]) -> bool:
        row = self.current(key)
        return bool(row and row.get("status") and row["status"] != "not_assessed")

    # -- widgets -------------------------------------------------------------------------------

    def _build(self) -> None:
        groups = self.reqs.drop_duplicates("group_id")
        clause_opts = [("All clauses and Annex A controls", "")]
        for g in groups.itertuples():
            label = f"Clause {g.group_id} {g.group_title}" if g.kind == "clause" else f"{g.group_id} {g.group_title}"
            clause_opts.append((label, g.group_id))
        self.f_group = w.Dropdown(options=clause_opts, description="Clause / objective", style=DESC, layout=WIDE)
        self.f_system = w.Dropdown(description="Assessed for", style=DESC, layout=WIDE)
        self.f_status = w.Dropdown(
            options=[("Any status", ""), ("Not yet answered", UNANSWERED)] + [(STATUS_LABELS[s], s) for s in STATUSES],
            description="Filter by status",
            style=DESC,
            layout=WIDE,
        )
        self.f_open = w.Checkbox(description="Only requirements not yet answered", indent=False)
        self.pick = w.Dropdown(description="Requirement", style=DESC, layout=WIDE)
        self.prev_b = w.Button(description="Previous", icon="arrow-left", layout=w.Layout(width="auto"))
        self.next_b = w.Button(description="Next", icon="arrow-right", layout=w.Layout(width="auto"))
        self.progress = w.IntProgress(min=0, max=1, layout=w.Layout(width="40%"))
        self.progress_text = w.HTML()
        self.conformity = w.HTML()
        self.guidance = w.HTML(layout=WIDE)
        self.status_w = w.Dropdown(
            options=[("(not answered)", "")] + [(STATUS_LABELS[s], s) for s in STATUSES],
            description="Status",
            style=DESC,
        )
        self.maturity = w.Dropdown(
            options=[("(none)", "")] + [(f"{k} {v}", str(k)) for k, v in MATURITY_LEVELS.items()],
            description="Maturity",
            style=DESC,
        )
        self.evidence = w.Textarea(
            description="Evidence",
            placeholder="one reference per line, e.g. POL-AI-001 AI Policy v1.2",
            style=DESC,
            layout=w.Layout(width="95%", height="70px"),
            continuous_update=False,
        )
        self.owner = w.Text(description="Owner", style=DESC, layout=WIDE, continuous_update=False)
        self.notes = w.Textarea(
            description="Notes",
            placeholder="what you found; the justification when not applicable",
            style=DESC,
            layout=w.Layout(width="95%", height="70px"),
            continuous_update=False,
        )
        self.target_date = w.DatePicker(description="Target date", style=DESC)
        self.save_b = w.Button(description="Save to gap.csv", button_style="primary", icon="save")
        self.discard_b = w.Button(description="Discard unsaved answers", layout=w.Layout(width="auto"))
        for widget in (self.f_group, self.f_system, self.f_status, self.f_open):
            self.observe(widget, lambda _c: self._refresh_list())
        self.observe(self.pick, lambda _c: self._show())
        for widget in (self.status_w, self.maturity, self.evidence, self.owner, self.notes, self.target_date):
            self.observe(widget, lambda _c: self._edited())
        self.prev_b.on_click(self.handler(lambda _b: self._move(-1)))
        self.next_b.on_click(self.handler(lambda _b: self._move(1)))
        self.save_b.on_click(self.handler(lambda _b: self.save()))
        self.discard_b.on_click(self.handler(lambda _b: self.discard()))

    def widget(self) -> w.Widget:
        head = w.HBox([self.progress, self.progress_text])
        filters = w.VBox([self.f_group, self.f_system, self.f_status, self.f_open])
        nav = w.HBox([self.prev_b, self.next_b])
        fields = w.VBox(
            [self.status_w, self.maturity, self.evidence, self.owner, self.notes, self.target_date],
        )
        buttons = w.HBox([self.save_b, self.discard_b, self.reload_button])
        return w.VBox(
            [
                w.HTML(CSS + f"<h3>{esc(self.title)}</h3>"),
                head,
                self.conformity,
                w.HTML("<b>Filters</b>"),
                filters,
                self.pick,
                nav,
                self.guidance,
                fields,
                self.problems_html,
                buttons,
                self.status,
            ],
            layout=w.Layout(width="100%"),
        ).add_class("ak-form")

    # -- behaviour -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read gap.csv again (drafts are kept and shown over the reloaded rows)."""
        self._read()
        system = self.f_system.value or ""
        opts = [("The organisation (all clauses; Annex A organisation-wide)", "")]
        opts += [(f"AI system: {name} ({sid})", sid) for sid, name in self.systems]
        self._loading = True
        try:
            self.f_system.options = opts
            self.f_system.value = system if system in [v for _, v in opts] else ""
        finally:
            self._loading = False
        self.reload_button.layout.display = "none"
        self._refresh_list()
        where = GAP_FILE if self.file.exists else f"{GAP_FILE} (not created yet)"
        kept = f"; your {len(self.drafts)} unsaved answer(s) are kept: Save writes them" if self.drafts else ""
        self.say(f"Loaded {where}: {len(self.rows)} row(s){kept}.")

    def _candidates(self) -> list[str]:
        sid = self.f_system.value or ""
        out = []
        for rid, req in self.reqs.iterrows():
            if sid and req["kind"] == "clause":
                continue
            if self.f_group.value and req["group_id"] != self.f_group.value:
                continue
            key = (rid, sid)
            status = (self.current(key) or {}).get("status", "")
            if self.f_open.value and self.answered(key):
                continue
            if self.f_status.value == UNANSWERED and self.answered(key):
                continue
            if self.f_status.value not in ("", UNANSWERED) and status != self.f_status.value:
                continue
            out.append(rid)
        return out

    def _refresh_list(self) -> None:
        if self._loading:
            return
        sid = self.f_system.value or ""
        keep = self.pick.value
        ids = self._candidates()
        opts = []
        for rid in ids:
            mark = "✓" if self.answered((rid, sid)) else "○"
            unsaved = " (unsaved)" if (rid, sid) in self.drafts else ""
            opts.append((f"{mark} {rid} {self.reqs.loc[rid, 'title']}{unsaved}", rid))
        self._loading = True
        try:
            self.pick.options = opts
            self.pick.value = keep if keep in ids else (ids[0] if ids else None)
        finally:
            self._loading = False
        self._show()

    def _move(self, step: int) -> None:
        ids = [v for _, v in self.pick.options]
        if not ids:
            return
        i = ids.index(self.pick.value) if self.pick.value in ids else -1
        self.pick.value = ids[max(0, min(len(ids) - 1, i + step))]

    def key(self) -> tuple[str, str] | None:
        return (self.pick.value, self.f_system.value or "") if self.pick.value else None

    def _show(self) -> None:
        if self._loading:
            return
        self._update_summary()
        key = self.key()
        disabled = key is None
        for widget in (self.status_w, self.maturity, self.evidence, self.owner, self.notes, self.target_date):
            widget.disabled = disabled
        if key is None:
            self.guidance.value = "<p>No requirement matches the filters.</p>"
            self.show_problems([])
            return
        self.guidance.value = self._guidance_html(key[0])
        row = self.current(key) or {}
        self._loading = True
        try:
            for widget, col, n in ((self.status_w, "status", len(STATUSES) + 1), (self.maturity, "maturity", 7)):
                opts = options_with(row.get(col), list(widget.options[:n]))
                if opts != list(widget.options):  # re-sending the options re-renders the control
                    widget.options = opts
                widget.value = row.get(col, "")
            self.evidence.value = "\n".join(_split_evidence(row.get("evidence", "")))
            self.owner.value = row.get("owner", "")
            self.notes.value = row.get("notes", "")
            try:
                self.target_date.value = dt.date.fromisoformat(row["target_date"]) if row.get("target_date") else None
            except ValueError:
                self.target_date.value = None
        finally:
            self._loading = False
        self._check()

    def _guidance_html(self, rid: str) -> str:
        req = self.reqs.loc[rid]
        kind = "Clause" if req["kind"] == "clause" else "Annex A control"
        target = resolve_target(self.target, rid)
        parts = [
            '<div class="ak-guidance">',
            f"<h4>{esc(rid)} {esc(req['title'])} <span class='ak-muted'>({kind}; "
            f"{esc(req['group_id'])} {esc(req['group_title'])}; target maturity {target})</span></h4>",
            f"<p>{esc(req['summary'])}</p>",
        ]
        if req["questions"]:
            parts.append("<b>Questions to ask</b><ul>" + "".join(f"<li>{esc(q)}</li>" for q in req["questions"]))
            parts.append("</ul>")
        if req["evidence"]:
            parts.append("<b>Typical evidence</b><ul>" + "".join(f"<li>{esc(e)}</li>" for e in req["evidence"]))
            parts.append("</ul>")
        if req["documented_information"] not in ("none", "", None):
            parts.append(f"<p class='ak-muted'>Documented information: {esc(req['documented_information'])}.</p>")
        parts.append(
            "<p class='ak-muted'>Guidance written by aimskit (paraphrased; not the text of the standard).</p></div>"
        )
        return "".join(parts)

    def _from_widgets(self) -> dict[str, str]:
        return {
            "status": self.status_w.value or "",
            "maturity": self.maturity.value or "",
            "evidence": "; ".join(_split_evidence(self.evidence.value)),
            "owner": self.owner.value.strip(),
            "notes": self.notes.value.strip(),
            "target_date": self.target_date.value.isoformat() if self.target_date.value else "",
        }

    def _edited(self) -> None:
        if self._loading:
            return
        key = self.key()
        if key is None:
            return
        row = self._from_widgets()
        saved = self.rows.get(key)
        empty = {f: "" for f in FIELDS}
        if row == (saved or empty):
            self.drafts.pop(key, None)
        else:
            self.drafts[key] = row
        self._relabel(key)
        self._update_summary()
        self._check()

    def _relabel(self, key: tuple[str, str]) -> None:
        """Refresh the list's labels (answered mark, unsaved) without changing the selection."""
        sid = key[1]
        self._loading = True
        try:
            value = self.pick.value
            opts = []
            for _label, rid in self.pick.options:
                mark = "✓" if self.answered((rid, sid)) else "○"
                unsaved = " (unsaved)" if (rid, sid) in self.drafts else ""
                opts.append((f"{mark} {rid} {self.reqs.loc[rid, 'title']}{unsaved}", rid))
            self.pick.options = opts
            self.pick.value = value
        finally:
            self._loading = False

    # -- figures -------------------------------------------------------------------------------

    def frame(self) -> pd.DataFrame:
        """The answers (saved and drafts) as the gap step reads them."""
        in_scope = {sid for sid, _ in self.systems}
        rows = []
        for (rid, sid), row in {**self.rows, **self.drafts}.items():
            if rid not in self.reqs.index or row.get("status") not in STATUSES or (sid and sid not in in_scope):
                continue
            maturity = row.get("maturity", "")
            rows.append(
                {
                    "line": self.lines.get((rid, sid), 0),
                    "requirement_id": rid,
                    "system_id": sid or None,
                    "status": row["status"],
                    "maturity": int(maturity) if maturity.isdigit() else None,
                    "evidence": _split_evidence(row.get("evidence", "")),
                    "owner": row.get("owner") or None,
                    "notes": row.get("notes") or None,
                    "target_date": None,
                }
            )
        df = pd.DataFrame(rows, columns=["line", *GAP_SCHEMA.names])
        df["maturity"] = df["maturity"].astype("Int64")
        return df

    def figures(self) -> dict[str, Any]:
        """Answered / total for the current system filter and the live conformity score."""
        from aimskit.steps import gap as step

        sid = self.f_system.value or ""
        view = step.requirement_view(
            step.requirements(), self.frame(), lambda r: resolve_target(self.target, r), system_id=sid or None
        )
        if sid:
            view = view[view["kind"] == "control"]
        keys = [(rid, sid) for rid in view["id"]]
        counts = view["status"].value_counts()
        clauses = view[view["kind"] == "clause"]["status"].value_counts()
        controls = view[view["kind"] == "control"]["status"].value_counts()
        return {
            "answered": sum(1 for k in keys if self.answered(k)),
            "total": len(keys),
            "assessed": int(sum(counts.get(s, 0) for s in ASSESSED_STATUSES)),
            "conformity": step.conformity_score(counts),
            "conformity_clauses": step.conformity_score(clauses),
            "conformity_controls": step.conformity_score(controls),
            "unsaved": len(self.drafts),
        }

    def _update_summary(self) -> None:
        f = self.figures()
        sid = self.f_system.value or ""
        who = f"AI system {sid}" if sid else "the organisation"
        self.progress.max = max(1, f["total"])
        self.progress.value = f["answered"]
        unsaved = f"; <b>{f['unsaved']} unsaved</b>" if f["unsaved"] else ""
        self.progress_text.value = (
            f"&nbsp;Answered <b>{f['answered']} of {f['total']}</b> requirements for {who}{unsaved}"
        )
        if sid:
            detail = ""
        else:
            detail = f" (clauses 4-10: {_pct(f['conformity_clauses'])}; Annex A: {_pct(f['conformity_controls'])})"
        self.conformity.value = (
            f"Conformity now: <b>{_pct(f['conformity'])}</b>{detail} over {f['assessed']} assessed requirement(s), "
            "counting unsaved answers. <span class='ak-muted'>(compliant + 0.5 x partially compliant) / assessed, "
            "as in the gap report.</span>"
        )

    # -- validation and saving -----------------------------------------------------------------

    def _candidate(self) -> tuple[str, dict[tuple[str, ...], int]]:
        rows = [{"requirement_id": rid, "system_id": sid, **row} for (rid, sid), row in self.drafts.items()]
        return edit.edit_csv_text(self.file.text or "", KEY, rows, columns=GAP_SCHEMA.names)

    def check(self) -> list:
        """The problems ``aimskit validate`` would report on the unsaved answers."""
        if not self.drafts:
            return []
        text, lines = self._candidate()
        return self.validate({GAP_FILE: text}, GAP_FILE, lines.values())

    def _check(self) -> None:
        self.show_problems(self.check())

    def save(self) -> bool:
        """Write the unsaved answers into gap.csv; False (with the reason shown) when they were not written."""
        if not self.drafts:
            self.say("Nothing to save: no unsaved answers.")
            return False
        if not self.checked_before_saving():
            return False
        rows = [{"requirement_id": rid, "system_id": sid, **row} for (rid, sid), row in self.drafts.items()]
        try:
            result = edit.write_csv_rows(
                self.file.snapshot, KEY, rows, columns=GAP_SCHEMA.names, backup_dir=self.backup_dir
            )
        except edit.ConflictError as exc:
            self.conflict(exc)
            return False
        except edit.EditError as exc:
            self.say(f"Not saved: {exc}", "error")
            return False
        n = len(rows)
        self.drafts.clear()
        self._read()
        self._refresh_list()
        self.say(self.saved_message(result, f"{n} answer{'s' if n != 1 else ''}"))
        return True

    def discard(self) -> None:
        n = len(self.drafts)
        self.drafts.clear()
        self._refresh_list()
        self.say(f"Discarded {n} unsaved answer(s).")
