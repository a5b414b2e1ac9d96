"""The EU AI Act screening wizard: systems/<id>.yaml answered question by question in JupyterLab.

The questions of the ``eu-ai-act`` catalog are asked in order, each with its article. Questions
that earlier answers make irrelevant are not shown (Art. 6(1)(b) only when an Annex I act is
listed; the Art. 6(3) derogation only when an Annex III point is listed; the fraud carve-out only
once Annex III is answered). The tier and every step of its reasoning update as the user answers,
computed by :func:`aimskit.steps.impact.classify` (the same function as the impact report).

An unanswered question stays unanswered: it is not written to the file (or, if it was answered
before, its line is commented out), the tier is shown as provisional, and the questions still
open are listed. When the system has no profile yet, the wizard also asks for the profile fields
the impact assessment requires (prefilled from systems.csv) and creates the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as w
import yaml

from aimskit import catalog
from aimskit.engagement import SYSTEMS_FILE, edit
from aimskit.engagement.parts import impact as impact_part
from aimskit.engagement.parts.impact import AUTOMATION, DATA_CATEGORIES, EU_ROLES, PROFILE_DIR
from aimskit.ui.forms.base import CSS, DESC, WIDE, FileState, Form, esc

GPAI_LABELS = {
    "none": "No general-purpose AI model is involved",
    "uses_gpai_model": "Built on a third party's general-purpose AI model",
    "gpai_provider": "We provide the general-purpose AI model",
    "gpai_provider_systemic": "We provide a general-purpose AI model with systemic risk (Art. 51)",
}
GPAI_QUESTION = "Is a general-purpose AI model involved (for example a large language model), and whose is it?"
AUTOMATION_LABELS = {
    "decision_support": "Decision support (a person decides)",
    "human_in_the_loop": "Human in the loop (a person approves each output)",
    "human_on_the_loop": "Human on the loop (a person monitors and can intervene)",
    "fully_automated": "Fully automated",
}
NOT_ANSWERED = "not answered"
NEW_FILE = (
    "# Impact-assessment profile and EU AI Act screening of one AI system (aimskit format v1).\n"
    "# Created by the aimskit screening wizard; edit it freely (comments are kept).\n"
)
PROFILE_REQUIRED = (
    "role",
    "intended_purpose",
    "affected_persons",
    "deployment_context",
    "geography",
    "automation",
    "data_categories",
    "significant_decisions",
)


def _lines(text: str) -> list[str]:
    return [p.strip() for p in (text or "").splitlines() if p.strip()]


class ScreeningWizard(Form):
    """The EU AI Act screening of one AI system of the engagement at ``engagement``."""

    title = "EU AI Act screening (systems/<id>.yaml)"

    def __init__(self, engagement: str | Path, system_id: str | None = None) -> None:
        super().__init__(engagement)
        self.questions = catalog.load("eu-ai-act")
        self.points = catalog.load("eu-ai-act-annex-iii")
        self.acts = catalog.load("eu-ai-act-annex-i")
        self.systems = self._systems()
        self._loading = False
        self._build()
        ids = [sid for sid, _ in self.systems]
        self._loading = True
        self.pick.options = [(f"{v.get('name') or sid} ({sid})", sid) for sid, v in self.systems]
        self.pick.value = system_id if system_id in ids else (ids[0] if ids else None)
        self._loading = False
        self.reload()

    def _systems(self) -> list[tuple[str, dict[str, str]]]:
        path = self.folder / SYSTEMS_FILE
        if not path.is_file():
            return []
        _, records = edit.read_csv_rows(path.read_text(encoding="utf-8-sig"))
        return [
            (v["id"], v)
            for _line, v in records
            if v.get("id") and v.get("in_scope", "").lower() in ("yes", "y", "true", "1")
        ]

    # -- widgets -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.pick = w.Dropdown(description="AI system", style=DESC, layout=WIDE)
        self.observe(self.pick, lambda change: self._switch(change["old"]))
        self.answer_w: dict[str, w.Widget] = {}
        self.rows: dict[str, w.Widget] = {}
        self.lists: dict[str, w.SelectMultiple] = {}
        for q in self.questions.itertuples():
            if q.answer == "yes_no":
                widget = w.ToggleButtons(options=[("Not answered", NOT_ANSWERED), ("Yes", True), ("No", False)])
                widget.style.button_width = "110px"
            elif q.answer in ("annex_i", "annex_iii"):
                widget = w.ToggleButtons(
                    options=[("Not answered", NOT_ANSWERED), ("None", "none"), ("Yes, these:", "some")]
                )
                widget.style.button_width = "110px"
                if q.answer == "annex_iii":
                    opts = [(f"{r.point} {r.area_title}: {r.title}", r.point) for r in self.points.itertuples()]
                else:
                    opts = [
                        (f"{r.entry} {r.title} ({r.act}, section {r.section})", int(r.entry))
                        for r in self.acts.itertuples()
                    ]
                self.lists[q.id] = w.SelectMultiple(options=opts, layout=w.Layout(width="95%", height="140px"))
                self.observe(self.lists[q.id], lambda _c: self._edited())
            else:
                widget = w.Dropdown(
                    options=[("(not answered)", NOT_ANSWERED)] + [(GPAI_LABELS.get(c, c), c) for c in q.choices],
                    layout=w.Layout(width="60%"),
                )
            self.answer_w[q.id] = widget
            self.observe(widget, lambda _c: self._edited())
            text = GPAI_QUESTION if q.id == "gpai" else q.question
            parts: list[w.Widget] = [
                w.HTML(f"<b>{esc(q.reference)}</b> - {esc(text)}", layout=WIDE),
                widget,
            ]
            if q.id in self.lists:
                parts.append(self.lists[q.id])
            self.rows[q.id] = w.VBox(parts, layout=w.Layout(margin="4px 0 8px 0"))
        # the profile fields the impact assessment requires
        self.p_role = w.SelectMultiple(options=list(EU_ROLES), description="EU AI Act role", style=DESC, rows=4)
        self.p_purpose = w.Textarea(
            description="Intended purpose", style=DESC, layout=w.Layout(width="95%", height="50px")
        )
        self.p_affected = w.Textarea(
            description="Affected persons",
            placeholder="one group per line",
            style=DESC,
            layout=w.Layout(width="95%", height="50px"),
        )
        self.p_context = w.Textarea(
            description="Deployment context", style=DESC, layout=w.Layout(width="95%", height="50px")
        )
        self.p_geo = w.Text(description="Geography", placeholder="countries, separated by ','", style=DESC, layout=WIDE)
        self.p_automation = w.Dropdown(
            options=[("(choose)", "")] + [(AUTOMATION_LABELS[a], a) for a in AUTOMATION],
            description="Automation",
            style=DESC,
        )
        self.p_data = w.SelectMultiple(options=list(DATA_CATEGORIES), description="Data categories", style=DESC, rows=5)
        self.p_significant = w.ToggleButtons(
            options=[("Not answered", NOT_ANSWERED), ("Yes", True), ("No", False)],
            description="Significant decisions",
            style=DESC,
        )
        self.profile_widgets = [
            self.p_role,
            self.p_purpose,
            self.p_affected,
            self.p_context,
            self.p_geo,
            self.p_automation,
            self.p_data,
            self.p_significant,
        ]
        for widget in self.profile_widgets:
            self.observe(widget, lambda _c: self._edited())
        self.profile_box = w.VBox(
            [
                w.HTML(
                    "<b>System profile</b> <span class='ak-muted'>(this system has no profile yet; these fields are "
                    "needed for the impact assessment and are prefilled from systems.csv)</span>"
                ),
                *self.profile_widgets,
            ]
        )
        self.tier = w.HTML(layout=WIDE)
        self.reasoning = w.HTML(layout=WIDE)
        self.save_b = w.Button(description="Save screening", button_style="primary", icon="save")
        self.save_b.on_click(self.handler(lambda _b: self.save()))

    def widget(self) -> w.Widget:
        return w.VBox(
            [
                w.HTML(CSS + f"<h3>{esc(self.title)}</h3>"),
                self.pick,
                self.tier,
                self.profile_box,
                w.HTML("<b>Screening questions</b>"),
                *self.rows.values(),
                self.problems_html,
                w.HBox([self.save_b, self.reload_button]),
                self.status,
                w.HTML("<b>Reasoning</b>"),
                self.reasoning,
            ],
            layout=w.Layout(width="100%"),
        ).add_class("ak-form")

    # -- data ----------------------------------------------------------------------------------

    @property
    def system_id(self) -> str | None:
        return self.pick.value

    def _switch(self, previous: str | None) -> None:
        """Another system was picked: keep the form on the previous one if it holds unsaved answers."""
        if self._loading:
            return
        if previous is not None and hasattr(self, "file") and self.updates():
            self._loading = True
            try:
                self.pick.value = previous
            finally:
                self._loading = False
            self.say(
                f"Unsaved answers for {previous}: Save them, or Reload from disk to drop them, before screening "
                "another system.",
                "warning",
            )
            self.reload_button.layout.display = ""
            return
        self.reload()

    def reload(self) -> None:
        """Read systems/<id>.yaml of the chosen system again."""
        if self._loading:
            return
        sid = self.system_id
        self.reload_button.layout.display = "none"
        if sid is None:
            self.say("No AI system in scope: add one to systems.csv (in_scope = yes).", "warning")
            return
        self.file = FileState(self.folder, f"{PROFILE_DIR}/{sid}.yaml")
        self.data: dict[str, Any] = {}
        if self.file.exists:
            try:
                loaded = yaml.safe_load(self.file.text or "")
            except yaml.YAMLError as exc:
                self.say(f"{self.file.rel} cannot be read ({exc}); fix it by hand first.", "error")
                self.save_b.disabled = True
                return
            self.data = loaded if isinstance(loaded, dict) else {}
        self.save_b.disabled = False
        answers = self.data.get("screening") if isinstance(self.data.get("screening"), dict) else {}
        self._loading = True
        try:
            for qid, widget in self.answer_w.items():
                self._set_answer(qid, widget, answers.get(qid, NOT_ANSWERED) if answers else NOT_ANSWERED)
            self._fill_profile(dict(self.systems).get(sid, {}))
        finally:
            self._loading = False
        self.profile_box.layout.display = "none" if self.file.exists else ""
        self._edited(check=False)
        state = (
            f"Loaded {self.file.rel}." if self.file.exists else f"{self.file.rel} does not exist yet: Save creates it."
        )
        self.say(state)

    def _set_answer(self, qid: str, widget: w.Widget, value: Any) -> None:
        if qid in self.lists:
            items = value if isinstance(value, list) else ([] if value in (None, "none", NOT_ANSWERED) else [value])
            if value == NOT_ANSWERED:
                widget.value = NOT_ANSWERED
            else:
                widget.value = "some" if items else "none"
            known = [v for _, v in self.lists[qid].options]
            self.lists[qid].value = tuple(i for i in items if i in known)
            return
        known = [v for _, v in widget.options]
        if (isinstance(value, bool) and True in known) or value in known:
            widget.value = value
        else:
            widget.value = NOT_ANSWERED

    def _fill_profile(self, system: dict[str, str]) -> None:
        d = self.data
        roles = _list(d.get("role"))
        self.p_role.value = tuple(r for r in roles if r in EU_ROLES)
        self.p_purpose.value = str(d.get("intended_purpose") or system.get("purpose", ""))
        affected = _list(d.get("affected_persons"))
        self.p_affected.value = "\n".join(map(str, affected))
        self.p_context.value = str(d.get("deployment_context") or system.get("deployment_context", ""))
        geo = _list(d.get("geography"))
        self.p_geo.value = ", ".join(map(str, geo))
        self.p_automation.value = d.get("automation") if d.get("automation") in AUTOMATION else ""
        cats = _list(d.get("data_categories"))
        self.p_data.value = tuple(c for c in cats if c in DATA_CATEGORIES)
        sig = d.get("significant_decisions")
        self.p_significant.value = sig if isinstance(sig, bool) else NOT_ANSWERED

    def answers(self) -> dict[str, Any]:
        """The answers given in the form (unanswered questions are absent)."""
        out: dict[str, Any] = {}
        for qid, widget in self.answer_w.items():
            value = widget.value
            if value == NOT_ANSWERED or value is None:
                continue
            if qid in self.lists:
                out[qid] = list(self.lists[qid].value) if value == "some" else []
            else:
                out[qid] = value
        return out

    def relevant(self, answers: dict[str, Any]) -> dict[str, bool]:
        """Which questions the earlier answers make relevant: the validation's own rule
        (:func:`aimskit.engagement.parts.impact.required`); the optional fraud carve-out once Annex III is answered."""
        out = {}
        for q in self.questions.itertuples():
            if q.required_when == "optional":
                out[q.id] = "annex_iii" in answers
            else:
                out[q.id] = impact_part.required(q.required_when, answers)
        return out

    def unanswered(self, answers: dict[str, Any]) -> list[str]:
        """The questions ``aimskit validate`` still needs an answer to."""
        rel = self.relevant(answers)
        return [
            q.id
            for q in self.questions.itertuples()
            if rel[q.id] and q.required_when != "optional" and q.id not in answers
        ]

    def profile_values(self) -> dict[str, Any]:
        sig = self.p_significant.value
        values: dict[str, Any] = {
            "role": list(self.p_role.value),
            "intended_purpose": self.p_purpose.value.strip(),
            "affected_persons": _lines(self.p_affected.value),
            "deployment_context": self.p_context.value.strip(),
            "geography": [g.strip() for g in self.p_geo.value.split(",") if g.strip()],
            "automation": self.p_automation.value,
            "data_categories": list(self.p_data.value),
            "significant_decisions": None if sig == NOT_ANSWERED else sig,
        }
        return {k: v for k, v in values.items() if v not in ("", [], None)}

    # -- live classification -------------------------------------------------------------------

    def _edited(self, check: bool = True) -> None:
        if self._loading:
            return
        answers = self.answers()
        for qid, rel in self.relevant(answers).items():
            self.rows[qid].layout.display = "" if rel else "none"
            if qid in self.lists:
                shown = self.answer_w[qid].value == "some"
                self.lists[qid].layout.display = "" if shown else "none"
        self._classify(answers)
        if check:
            self.show_problems(self.check())

    def _classify(self, answers: dict[str, Any]) -> None:
        from aimskit.steps import impact

        sid = self.system_id or ""
        c = impact.classify(sid, answers)
        open_q = self.unanswered(answers)
        if open_q:
            refs = "; ".join(self.questions.set_index("id").loc[q, "reference"] for q in open_q[:4])
            refs += "; ..." if len(open_q) > 4 else ""
            head = (
                f"<b>Provisional tier: {esc(c.tier_label)}</b> - {len(open_q)} question(s) not answered yet "
                f"({esc(refs)}); the tier is computed as if they were answered no, and the impact report will "
                "show the system as not screened until they are answered."
            )
        else:
            head = f"<b>EU AI Act tier: {esc(c.tier_label)}</b> (all questions answered)"
        self.tier.value = f"<div class='ak-guidance'>{head}</div>"
        rows = "".join(
            f"<tr><td>{r.step}</td><td>{esc(r.reference)}</td><td>{esc(r.answer)}</td><td>{esc(r.consequence)}</td></tr>"
            for r in c.steps.itertuples()
        )
        self.reasoning.value = (
            "<table class='ak-table'><tr><th>#</th><th>Article</th><th>Answer</th><th>Consequence</th></tr>"
            f"{rows}</table>"
        )
        self.classification = c

    # -- validation and saving -----------------------------------------------------------------

    def updates(self) -> dict[tuple[str, ...], Any]:
        """The key paths to write: changed answers, unanswered ones commented out, new profile fields."""
        screening = self.data.get("screening")
        old: dict[str, Any] = screening if isinstance(screening, dict) else {}
        new = self.answers()
        out: dict[tuple[str, ...], Any] = {}
        if not self.file.exists:
            for key, value in self.profile_values().items():
                out[(key,)] = value
        for q in self.questions.itertuples():
            if q.id in new and (q.id not in old or _normal(old[q.id]) != _normal(new[q.id])):
                out[("screening", q.id)] = new[q.id]
            elif q.id not in new and q.id in old and self.rows[q.id].layout.display != "none":
                out[("screening", q.id)] = edit.DELETE
        return out

    def _candidate(self) -> str:
        return edit.edit_yaml_text(self.file.text or NEW_FILE, self.updates())

    def check(self) -> list:
        if self.system_id is None:
            return []
        try:
            text = self._candidate()
        except edit.EditError as exc:
            from aimskit.base.problems import Problem

            return [Problem(str(self.file.path), 0, "", str(exc), code="AK036")]
        return self.validate({self.file.rel: text}, self.file.rel, None)

    def save(self) -> bool:
        """Write the answers into systems/<id>.yaml; False (with the reason shown) when not written."""
        if self.system_id is None:
            self.say("No AI system to screen.", "warning")
            return False
        updates = self.updates()
        if not updates:
            self.say("Nothing to save: no answer changed.")
            return False
        problems = self.check()
        self.show_problems(problems)
        open_msgs = [p for p in self.blocking(problems) if p.message.startswith("missing answer to")]
        errors = [p for p in self.blocking(problems) if p not in open_msgs]
        if errors:
            self.say(
                f"Not saved: {len(errors)} problem(s) to fix first (listed above, as 'aimskit validate' reports them).",
                "error",
            )
            return False
        try:
            result = edit.update_yaml(self.file.snapshot, updates, backup_dir=self.backup_dir, new_file=NEW_FILE)
        except edit.ConflictError as exc:
            self.conflict(exc)
            return False
        except edit.EditError as exc:
            self.say(f"Not saved: {exc}", "error")
            return False
        self.reload()
        n = len(updates)
        message = self.saved_message(result, f"{n} change{'s' if n != 1 else ''} to the screening")
        if open_msgs:
            message += (
                f" {len(open_msgs)} question(s) are still unanswered: 'aimskit validate' reports them and "
                "'aimskit run' needs them answered."
            )
            self.say(message, "warning")
        else:
            self.say(message)
        return True


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _normal(value: Any) -> Any:
    """An answer as compared: ``none`` and an empty list are the same answer to a list question."""
    return [] if value is None or value == "none" else value
