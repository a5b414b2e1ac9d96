"""The risk register editor: add and edit rows of risks.csv in JupyterLab.

The likelihood and impact scales configured in engagement.yaml (``risk_criteria``, or the
defaults) are offered as labelled choices; the score and level are computed live with the
criteria's method and bands (:func:`aimskit.engagement.criteria.rate`), before and after treatment, with
who may accept the residual level. Controls are picked from Annex A (and the organisation's own
controls in soa.csv). *Save* checks the row with the rules of ``aimskit validate`` and writes it
through :mod:`aimskit.engagement.edit` (other rows, comments and column order kept).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import ipywidgets as w

from aimskit import catalog
from aimskit.base.problems import Problems
from aimskit.engagement import ENGAGEMENT_FILE, SYSTEMS_FILE, criteria, edit
from aimskit.engagement.parts.risk import (
    OTHER,
    RISK_STATUSES,
    RISKS_FILE,
    RISKS_SCHEMA,
    SOA_FILE,
    TREATMENT_LABELS,
    TREATMENTS,
)
from aimskit.formats.yamlio import load_yaml
from aimskit.ui.forms.base import CSS, DESC, WIDE, FileState, Form, esc, options_with

KEY = ("risk_id",)
NEW = "__new__"
STATUS_LABELS = {
    "open": "Open",
    "in_treatment": "In treatment",
    "treated": "Treated",
    "accepted": "Accepted",
    "closed": "Closed",
}
TEXT_FIELDS = (
    "title",
    "description",
    "consequence_organisation",
    "consequence_individuals",
    "consequence_society",
    "actions",
    "owner",
    "accepted_by",
)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


class RiskEditor(Form):
    """The risk register editor of the engagement at ``engagement`` (display it in a notebook)."""

    title = "Risk register (risks.csv)"

    def __init__(self, engagement: str | Path) -> None:
        super().__init__(engagement)
        self.file = FileState(self.folder, RISKS_FILE)
        annex_c = catalog.load("iso42001-annex-c")
        self.sources = [(r.name, r.id) for r in annex_c.itertuples() if r.kind == "risk_source"] + [("Other", OTHER)]
        self.objectives = [(r.name, r.id) for r in annex_c.itertuples() if r.kind == "objective"] + [("Other", OTHER)]
        self.annex = catalog.load("iso42001-annex-a")
        self._loading = False
        self.shown = NEW
        self._build()
        self.reload()

    # -- data ----------------------------------------------------------------------------------

    def _read(self) -> None:
        self.file.load()
        self.rows: dict[str, dict[str, str]] = {}
        if self.file.exists:
            _, records = edit.read_csv_rows(self.file.text or "")
            for _line, values in records:
                if values.get("risk_id"):
                    self.rows.setdefault(values["risk_id"], values)
        self.criteria, self.criteria_note = self._criteria()
        self.systems = self._systems()
        self.own_controls = self._own_controls()

    def _criteria(self) -> tuple[criteria.Criteria, str]:
        problems = Problems()
        path = self.folder / ENGAGEMENT_FILE
        doc = load_yaml(path, str(path), problems) if path.is_file() else None
        raw = doc.data.get("risk_criteria") if doc is not None and isinstance(doc.data, dict) else None
        crit = criteria.parse(raw, doc, ("risk_criteria",), str(path), problems, criteria.default_risk_raw())
        if crit is None or problems.errors:
            return criteria.default_risk(), (
                "risk_criteria in engagement.yaml has problems ('aimskit validate' lists them): the default "
                "scales are shown meanwhile."
            )
        if raw is None:
            return crit, "engagement.yaml sets no risk_criteria: the default scales and bands apply."
        return crit, "Scales and bands from risk_criteria in engagement.yaml."

    def _csv(self, rel: str) -> list[dict[str, str]]:
        path = self.folder / rel
        if not path.is_file():
            return []
        try:
            return [v for _line, v in edit.read_csv_rows(path.read_text(encoding="utf-8-sig"))[1]]
        except (edit.EditError, UnicodeDecodeError):
            return []

    def _systems(self) -> list[tuple[str, str]]:
        return [(f"{v.get('name') or v['id']} ({v['id']})", v["id"]) for v in self._csv(SYSTEMS_FILE) if v.get("id")]

    def _own_controls(self) -> list[tuple[str, str]]:
        annex = set(self.annex["id"])
        return [
            (f"{v['control_id']} {v.get('title', '')} (own control)", v["control_id"])
            for v in self._csv(SOA_FILE)
            if v.get("control_id") and v["control_id"] not in annex
        ]

    def next_id(self) -> str:
        numbers = [int(m.group(1)) for rid in self.rows if (m := re.fullmatch(r"R-(\d+)", rid))]
        return f"R-{(max(numbers) + 1 if numbers else 1):02d}"

    # -- widgets -------------------------------------------------------------------------------

    def _scale_options(self, scale: criteria.Scale, empty: str) -> list[tuple[str, str]]:
        opts = [(empty, "")]
        for lv in scale.levels:
            desc = f" - {lv.description}" if lv.description else ""
            opts.append((f"{lv.value} {lv.label}{desc}", str(lv.value)))
        return opts

    def _build(self) -> None:
        self.pick = w.Dropdown(description="Risk", style=DESC, layout=w.Layout(width="75%"))
        self.risk_id = w.Text(description="Risk ID", style=DESC, continuous_update=False)
        self.system = w.Dropdown(description="AI system", style=DESC, layout=WIDE)
        self.f = {
            name: (
                w.Textarea(style=DESC, layout=w.Layout(width="95%", height="60px"), continuous_update=False)
                if name in ("description", "actions")
                else w.Text(style=DESC, layout=WIDE, continuous_update=False)
            )
            for name in TEXT_FIELDS
        }
        labels = {
            "title": "Title",
            "description": "Description",
            "consequence_organisation": "Consequence: organisation",
            "consequence_individuals": "Consequence: individuals",
            "consequence_society": "Consequence: society",
            "actions": "Treatment actions",
            "owner": "Risk owner",
            "accepted_by": "Accepted by",
        }
        for name, widget in self.f.items():
            widget.description = labels[name]
        self.source = w.Dropdown(description="Risk source", style=DESC, layout=WIDE)
        self.objective = w.Dropdown(description="Objective", style=DESC, layout=WIDE)
        self.likelihood = w.Dropdown(description="Likelihood", style=DESC, layout=WIDE)
        self.impact = w.Dropdown(description="Impact", style=DESC, layout=WIDE)
        self.rating = w.HTML()
        self.treatment = w.Dropdown(
            options=[("(not decided)", "")] + [(TREATMENT_LABELS[t], t) for t in TREATMENTS],
            description="Treatment",
            style=DESC,
        )
        self.controls = w.SelectMultiple(
            description="Controls", style=DESC, layout=w.Layout(width="95%", height="150px")
        )
        self.due_date = w.DatePicker(description="Due date", style=DESC)
        self.res_likelihood = w.Dropdown(description="Residual likelihood", style=DESC, layout=WIDE)
        self.res_impact = w.Dropdown(description="Residual impact", style=DESC, layout=WIDE)
        self.residual = w.HTML()
        self.accepted_on = w.DatePicker(description="Accepted on", style=DESC)
        self.status_w = w.Dropdown(
            options=[(STATUS_LABELS[s], s) for s in RISK_STATUSES], description="Risk status", style=DESC
        )
        self.criteria_html = w.HTML()
        self.save_b = w.Button(description="Save to risks.csv", button_style="primary", icon="save")
        self.new_b = w.Button(description="New risk", icon="plus", layout=w.Layout(width="auto"))
        self.observe(self.pick, lambda _c: self._show())
        self.inputs = [
            self.risk_id,
            self.system,
            *self.f.values(),
            self.source,
            self.objective,
            self.likelihood,
            self.impact,
            self.treatment,
            self.controls,
            self.due_date,
            self.res_likelihood,
            self.res_impact,
            self.accepted_on,
            self.status_w,
        ]
        for widget in self.inputs:
            self.observe(widget, lambda _c: self._edited())
        self.save_b.on_click(self.handler(lambda _b: self.save()))
        self.new_b.on_click(self.handler(lambda _b: self.open(NEW)))
        self.discard_b = w.Button(description="Discard changes", layout=w.Layout(width="auto"))
        self.discard_b.on_click(self.handler(lambda _b: self.discard()))

    def widget(self) -> w.Widget:
        f = self.f
        return w.VBox(
            [
                w.HTML(CSS + f"<h3>{esc(self.title)}</h3>"),
                self.criteria_html,
                w.HBox([self.pick, self.new_b]),
                w.HTML("<b>The risk</b>"),
                self.risk_id,
                self.system,
                f["title"],
                f["description"],
                self.source,
                self.objective,
                f["consequence_organisation"],
                f["consequence_individuals"],
                f["consequence_society"],
                w.HTML("<b>Inherent rating</b>"),
                self.likelihood,
                self.impact,
                self.rating,
                w.HTML("<b>Treatment</b>"),
                self.treatment,
                self.controls,
                f["actions"],
                f["owner"],
                self.due_date,
                w.HTML("<b>Residual rating and acceptance</b>"),
                self.res_likelihood,
                self.res_impact,
                self.residual,
                f["accepted_by"],
                self.accepted_on,
                self.status_w,
                self.problems_html,
                w.HBox([self.save_b, self.discard_b, self.reload_button]),
                self.status,
            ],
            layout=w.Layout(width="100%"),
        ).add_class("ak-form")

    # -- behaviour -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the files again; changes not saved yet stay in the form."""
        pending = self.values() if self.dirty() else None
        self._read()
        c = self.criteria
        self._loading = True
        try:
            self.likelihood.options = self._scale_options(c.likelihood, "(choose)")
            self.impact.options = self._scale_options(c.impact, "(choose)")
            self.res_likelihood.options = self._scale_options(c.likelihood, "(not rated yet)")
            self.res_impact.options = self._scale_options(c.impact, "(not rated yet)")
            self.system.options = [("Organisation-wide (no single AI system)", ""), *self.systems]
            self.source.options = [("(choose)", ""), *self.sources]
            self.objective.options = [("(choose)", ""), *self.objectives]
            annex = [(f"{r.id} {r.title}", r.id) for r in self.annex.itertuples()]
            self.controls.options = annex + self.own_controls
        finally:
            self._loading = False
        bands = ", ".join(f"{b.label} {b.min}-{b.max}" for b in c.bands)
        self.criteria_html.value = (
            f"<span class='ak-muted'>{esc(self.criteria_note)} {esc(criteria.formula(c))}; levels: "
            f"{esc(bands)}; appetite: {esc(c.band(c.appetite).label)}.</span>"
        )
        self.reload_button.layout.display = "none"
        keep = self.shown if self.shown in self.rows else NEW
        self._select(keep)
        kept = ""
        if pending is not None:
            self._fill(pending, new=keep == NEW)
            self._edited()
            kept = "; your unsaved changes are kept in the form: Save writes them"
        where = RISKS_FILE if self.file.exists else f"{RISKS_FILE} (not created yet: Save creates it)"
        self.say(f"Loaded {where}: {len(self.rows)} risk(s){kept}.")

    def _select(self, value: str) -> None:
        """Show risk ``value`` (or a new one), whatever the form holds."""
        opts = [("New risk", NEW)] + [(f"{rid} {row.get('title', '')}", rid) for rid, row in self.rows.items()]
        self._loading = True
        try:
            self.pick.options = opts
            self.pick.value = value
        finally:
            self._loading = False
        self._show(force=True)

    def open(self, value: str) -> bool:
        """Show another risk, unless the form holds unsaved changes (then say so and stay)."""
        if value != self.shown and self.dirty():
            what = "the new risk" if self.shown == NEW else f"risk {self.shown}"
            self._loading = True
            try:
                self.pick.value = self.shown
            finally:
                self._loading = False
            self.say(
                f"Unsaved changes to {what}: Save them, or Discard changes, before opening another risk.", "warning"
            )
            return False
        self._select(value)
        return True

    def discard(self) -> None:
        self._select(self.shown)
        self.say("Changes discarded.")

    def _show(self, force: bool = False) -> None:
        if self._loading:
            return
        rid = self.pick.value
        if not force and rid != self.shown:
            self.open(rid)
            return
        row = dict(self.rows.get(rid, {})) if rid != NEW else {"risk_id": self.next_id(), "status": "open"}
        self.shown = rid
        self._fill(row, new=rid == NEW)

    def dirty(self) -> bool:
        """Whether the widgets hold changes not saved to risks.csv."""
        if not hasattr(self, "rows"):
            return False
        saved = self.rows.get(self.shown) if self.shown != NEW else None
        if saved is None:
            return any(v for k, v in self.values().items() if k not in ("risk_id", "status"))
        return any(saved.get(k, "") != v for k, v in self.values().items())

    def _fill(self, row: dict[str, str], new: bool) -> None:
        self._loading = True
        try:
            self.risk_id.value = row.get("risk_id", "")
            self.risk_id.disabled = not new
            opts = options_with(row.get("system_id"), list(self.system.options))
            if opts != list(self.system.options):
                self.system.options = opts
            self.system.value = row.get("system_id", "")
            for name, widget in self.f.items():
                widget.value = row.get(name, "")
            for widget, col in (
                (self.source, "risk_source"),
                (self.objective, "objective"),
                (self.likelihood, "likelihood"),
                (self.impact, "impact"),
                (self.res_likelihood, "residual_likelihood"),
                (self.res_impact, "residual_impact"),
                (self.treatment, "treatment"),
                (self.status_w, "status"),
            ):
                opts = options_with(row.get(col), list(widget.options))
                if opts != list(widget.options):
                    widget.options = opts
                widget.value = row.get(col, "") if col != "status" else (row.get(col) or "open")
            chosen = [c.strip() for c in (row.get("controls") or "").split(";") if c.strip()]
            extra = [
                (f"{c} (not a known control)", c) for c in chosen if c not in [v for _, v in self.controls.options]
            ]
            if extra:
                self.controls.options = list(self.controls.options) + extra
            self.controls.value = tuple(chosen)
            self.due_date.value = _date(row.get("due_date", ""))
            self.accepted_on.value = _date(row.get("accepted_on", ""))
        finally:
            self._loading = False
        self._rate()
        self.show_problems([])

    def values(self) -> dict[str, str]:
        """The row as the widgets hold it (risks.csv cells)."""
        return {
            "risk_id": self.risk_id.value.strip(),
            "system_id": self.system.value or "",
            **{name: widget.value.strip() for name, widget in self.f.items()},
            "risk_source": self.source.value or "",
            "objective": self.objective.value or "",
            "likelihood": self.likelihood.value or "",
            "impact": self.impact.value or "",
            "treatment": self.treatment.value or "",
            "controls": "; ".join(self.controls.value),
            "due_date": self.due_date.value.isoformat() if self.due_date.value else "",
            "residual_likelihood": self.res_likelihood.value or "",
            "residual_impact": self.res_impact.value or "",
            "accepted_on": self.accepted_on.value.isoformat() if self.accepted_on.value else "",
            "status": self.status_w.value or "",
        }

    def _edited(self) -> None:
        if self._loading:
            return
        self._rate()
        self.show_problems(self.check())

    def rating_of(self, likelihood: str, impact: str) -> tuple[int | None, criteria.Band | None]:
        c = self.criteria
        try:
            lk, im = int(likelihood), int(impact)
        except (TypeError, ValueError):
            return None, None
        if lk not in c.likelihood.values or im not in c.impact.values:
            return None, None
        score, band = criteria.rate(c, lk, im)
        return score, c.band(band) if band else None

    def _pill(self, likelihood: str, impact: str, what: str) -> str:
        score, band = self.rating_of(likelihood, impact)
        if band is None:
            return (
                f"<span class='ak-muted'>{what}: choose a likelihood and an impact to see the score and level.</span>"
            )
        return (
            f"{what}: score <b>{score}</b> ({esc(criteria.formula(self.criteria))}) - level "
            f"<span class='ak-pill' style='background:{esc(band.colour)}'>{esc(band.label)}</span>"
        )

    def _rate(self) -> None:
        self.rating.value = self._pill(self.likelihood.value, self.impact.value, "Inherent")
        text = self._pill(self.res_likelihood.value, self.res_impact.value, "Residual")
        _, band = self.rating_of(self.res_likelihood.value, self.res_impact.value)
        if band is not None:
            c = self.criteria
            if not c.above_appetite(band.id):
                text += f"<br>Within the appetite ({esc(c.band(c.appetite).label)}): the risk owner may retain it."
            else:
                who = c.authorities(band.id)
                text += (
                    f"<br>Above the appetite ({esc(c.band(c.appetite).label)}): may be accepted by "
                    f"<b>{esc(', '.join(who))}</b>."
                    if who
                    else f"<br>Above the appetite: a residual {esc(band.label)} risk may not be accepted; treat it "
                    "further."
                )
        self.residual.value = text

    # -- validation and saving -----------------------------------------------------------------

    def _candidate(self) -> tuple[str, dict[tuple[str, ...], int]]:
        return edit.edit_csv_text(self.file.text or "", KEY, [self.values()], columns=RISKS_SCHEMA.names)

    def check(self) -> list:
        """The problems ``aimskit validate`` would report on the row as it stands."""
        row = self.values()
        if not row["risk_id"]:
            from aimskit.base.problems import Problem

            return [
                Problem(
                    str(self.folder / RISKS_FILE), 0, "risk_id", "'risk_id' is empty; a value is required", code="AK107"
                )
            ]
        problems = []
        if self.pick.value == NEW and row["risk_id"] in self.rows:
            from aimskit.base.problems import Problem

            problems.append(
                Problem(
                    str(self.folder / RISKS_FILE),
                    0,
                    "risk_id",
                    f"risk '{row['risk_id']}' already exists; choose another id (next free: {self.next_id()})",
                    code="AK113",
                )
            )
            return problems
        text, lines = self._candidate()
        return self.validate({RISKS_FILE: text}, RISKS_FILE, lines.values())

    def save(self) -> bool:
        """Write the risk into risks.csv; False (with the reason shown) when it was not written."""
        if not self.checked_before_saving():
            return False
        row = self.values()
        try:
            result = edit.write_csv_rows(
                self.file.snapshot, KEY, [row], columns=RISKS_SCHEMA.names, backup_dir=self.backup_dir
            )
        except edit.ConflictError as exc:
            self.conflict(exc)
            return False
        except edit.EditError as exc:
            self.say(f"Not saved: {exc}", "error")
            return False
        self._read()
        self._select(row["risk_id"])
        self.say(self.saved_message(result, f"risk {row['risk_id']}"))
        return True
