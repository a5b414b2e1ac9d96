"""The JupyterLab forms, headless: set widget values, click the buttons, check the files and the status.

``Button.click()`` swallows handler exceptions (ipywidgets logs them); the forms catch them into
``form.errors`` and the status line, so every test asserts ``form.errors == []`` and one test checks
that a failing handler is shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml

from aimskit import engagement
from aimskit.base import resources
from aimskit.steps import gap as gap_step
from aimskit.steps import impact
from aimskit.ui.forms import GapQuestionnaire, RiskEditor, ScreeningWizard


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# -- gap questionnaire -----------------------------------------------------------------------


def test_gap_answer_saved_in_place(example_copy: Path):
    before = lines_of(example_copy / "gap.csv")
    form = GapQuestionnaire(example_copy)
    form.pick.value = "4.4"
    assert "Questions to ask" in form.guidance.value and "Typical evidence" in form.guidance.value
    assert form.status_w.value == "partially_compliant"
    form.status_w.value = "compliant"
    form.maturity.value = "3"
    form.owner.value = "COO (A. Person)"
    assert "1 unsaved" in form.progress_text.value
    form.save_b.click()
    assert form.errors == []
    assert form.status_text.startswith("Saved 1 answer to gap.csv; the previous version is kept as .aimskit-backup/")
    after = lines_of(example_copy / "gap.csv")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1
    assert after[changed[0]].startswith("4.4,,compliant,3,") and "COO (A. Person)" in after[changed[0]]
    assert not [p for p in engagement.validate(example_copy) if p.severity == "error"]
    assert form.drafts == {}


def test_gap_invalid_answer_not_saved_with_validate_message(example_copy: Path):
    original = (example_copy / "gap.csv").read_bytes()
    form = GapQuestionnaire(example_copy)
    form.pick.value = "4.4"
    form.status_w.value = "compliant"
    form.maturity.value = ""
    assert "maturity (0-5) is required when status is compliant" in form.problems_html.value
    form.save_b.click()
    assert form.errors == []
    assert form.status_text.startswith("Not saved: 1 problem(s) to fix first")
    assert (example_copy / "gap.csv").read_bytes() == original
    form.status_w.value = "not_applicable"  # clauses cannot be excluded: the validate rule, live
    assert "clause 4.4 cannot be not_applicable" in form.problems_html.value


def test_gap_new_row_for_a_system_and_filters(example_copy: Path):
    form = GapQuestionnaire(example_copy)
    form.f_system.value = "llm-assist"
    ids = [v for _, v in form.pick.options]
    assert ids and all(i.startswith("A.") for i in ids)  # clauses are organisation-wide
    form.f_open.value = True
    open_ids = [v for _, v in form.pick.options]
    assert open_ids and all(not form.answered((i, "llm-assist")) for i in open_ids)
    form.f_group.value = "A.7"
    assert all(i.startswith("A.7.") for _, i in form.pick.options)
    rid = form.pick.value
    form.status_w.value = "non_compliant"
    form.maturity.value = "1"
    form.owner.value = "Head of Data"
    form.evidence.value = "DQ-STD-002\nJira DATA-311"
    form.notes.value = 'No checks, "none" at all'
    import datetime as dt

    form.target_date.value = dt.date(2027, 3, 31)
    form.save_b.click()
    assert form.errors == [], form.status_text
    last = lines_of(example_copy / "gap.csv")[-1]
    cells = 'non_compliant,1,DQ-STD-002; Jira DATA-311,Head of Data,"No checks, ""none"" at all",2027-03-31'
    assert last == f"{rid},llm-assist,{cells}"
    # now answered: gone from the "not yet answered" list
    assert rid not in [v for _, v in form.pick.options]


def test_gap_live_figures_match_the_gap_step(example_copy: Path):
    form = GapQuestionnaire(example_copy)
    head = gap_step.organisation_headline(engagement.load(example_copy))
    f = form.figures()
    assert f["conformity"] == head["conformity"]
    assert f["conformity_clauses"] == head["conformity_clauses"]
    assert f["total"] == 70
    assert f"Conformity now: <b>{head['conformity']:.1f}%</b>" in form.conformity.value
    form.pick.value = "4.4"  # partially compliant -> compliant raises the score
    form.status_w.value = "compliant"
    assert form.figures()["conformity"] > head["conformity"]


def test_gap_conflict_refused_then_reload_keeps_draft(example_copy: Path):
    form = GapQuestionnaire(example_copy)
    form.pick.value = "4.4"
    form.status_w.value = "compliant"
    form.maturity.value = "3"
    path = example_copy / "gap.csv"
    edited = path.read_text(encoding="utf-8") + "A.2.2,fraud-detect,compliant,3,,,,\n"  # someone else
    path.write_text(edited, encoding="utf-8")
    form.save_b.click()
    assert form.errors == []
    assert "gap.csv was changed on disk since it was loaded" in form.status_text
    assert form.reload_button.layout.display == ""
    assert path.read_text(encoding="utf-8") == edited
    form.reload_button.click()
    assert "1 unsaved answer(s) are kept" in form.status_text
    form.save_b.click()
    assert form.errors == [] and form.status_text.startswith("Saved 1 answer")
    text = path.read_text(encoding="utf-8")
    assert "A.2.2,fraud-detect,compliant,3,,,," in text and "\n4.4,,compliant,3," in text


def test_handler_exception_is_shown_not_swallowed(example_copy: Path):
    form = GapQuestionnaire(example_copy)

    def boom():
        raise RuntimeError("disk on fire")

    form.save = boom
    form.save_b.click()
    assert len(form.errors) == 1 and isinstance(form.errors[0], RuntimeError)
    assert "Internal error in the form (RuntimeError: disk on fire)" in form.status_text


def test_gap_on_a_blank_engagement_creates_rows(tmp_path: Path):
    from aimskit.engagement.scaffold import init_engagement

    init_engagement(tmp_path / "blank")
    form = GapQuestionnaire(tmp_path / "blank")
    assert form.figures()["answered"] == 0
    form.pick.value = "5.2"
    form.status_w.value = "partially_compliant"
    form.maturity.value = "2"
    form.owner.value = "CEO"
    form.save_b.click()
    assert form.errors == [] and form.status_text.startswith("Saved 1 answer"), form.status_text
    text = (tmp_path / "blank" / "gap.csv").read_text(encoding="utf-8")
    assert text.splitlines()[-1] == "5.2,,partially_compliant,2,,CEO,,"
    assert "#" in text  # the template's comment lines are kept


# -- risk editor -----------------------------------------------------------------------------


def test_risk_new_risk_with_live_rating(example_copy: Path):
    before = (example_copy / "risks.csv").read_text(encoding="utf-8")
    form = RiskEditor(example_copy)
    assert form.pick.value == "__new__" and form.risk_id.value == "R-31"
    labels = [label for label, _ in form.likelihood.options]
    assert "3 Possible - once in 1 to 3 years" in labels  # the configured scale, labelled
    form.f["title"].value = "Prompt injection through uploaded documents"
    assert "&#x27;description&#x27; is empty; a value is required" in form.problems_html.value
    form.f["description"].value = "Hidden instructions in a document make the assistant disclose data"
    form.source.value = "machine-learning"
    form.objective.value = "security"
    form.system.value = "llm-assist"
    form.likelihood.value = "3"
    form.impact.value = "4"
    assert "score <b>12</b>" in form.rating.value and ">High<" in form.rating.value
    form.treatment.value = "modify"
    form.controls.value = ("A.6.2.4", "A.8.2")
    form.res_likelihood.value = "2"
    assert "give both residual_likelihood and residual_impact, or neither" in form.problems_html.value
    form.res_impact.value = "4"
    assert ">Medium<" in form.residual.value
    assert "may be accepted by <b>AI Governance Committee, Chief Risk Officer, Executive Committee</b>" in (
        form.residual.value
    )
    form.save_b.click()
    assert form.errors == [] and form.status_text.startswith("Saved risk R-31 to risks.csv"), form.status_text
    after = (example_copy / "risks.csv").read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before) :] == (
        "R-31,llm-assist,Prompt injection through uploaded documents,Hidden instructions in a document make the "
        "assistant disclose data,machine-learning,security,,,,3,4,modify,A.6.2.4; A.8.2,,,,2,4,,,open\n"
    )
    assert not [p for p in engagement.validate(example_copy) if p.severity == "error"]
    assert form.pick.value == "R-31"


def test_risk_edit_existing_and_duplicate_id(example_copy: Path):
    form = RiskEditor(example_copy)
    form.pick.value = "R-01"
    assert form.controls.value == ("A.6.2.6", "A.6.2.4")
    assert "score <b>16</b>" in form.rating.value
    form.status_w.value = "accepted"
    form.f["accepted_by"].value = ""
    form.save_b.click()  # R-01 has accepted_on but no accepted_by now: the validate rule
    assert form.status_text.startswith("Not saved"), form.status_text
    assert "accepted_on is set but accepted_by is empty" in form.problems_html.value
    form.f["accepted_by"].value = "Chief Risk Officer (M. Adeyemi)"
    form.save_b.click()
    assert form.errors == [] and form.status_text.startswith("Saved risk R-01")
    row = next(line for line in lines_of(example_copy / "risks.csv") if line.startswith("R-01,"))
    assert row.endswith(",Chief Risk Officer (M. Adeyemi),2026-10-14,accepted")
    form.new_b.click()
    form.risk_id.value = "R-02"
    assert "risk &#x27;R-02&#x27; already exists" in form.problems_html.value


def test_risk_register_created_when_absent(tmp_path: Path):
    from aimskit.engagement.scaffold import init_engagement

    init_engagement(tmp_path / "blank")
    (tmp_path / "blank" / "risks.csv").unlink()
    form = RiskEditor(tmp_path / "blank")
    assert "not created yet" in form.status_text
    assert "default scales" in form.criteria_html.value
    form.f["title"].value = "T"
    form.f["description"].value = "D"
    form.source.value = "other"
    form.objective.value = "other"
    form.likelihood.value = "1"
    form.impact.value = "1"
    form.save_b.click()
    assert form.errors == [] and "(a new file)" in form.status_text, form.status_text
    header = lines_of(tmp_path / "blank" / "risks.csv")[0]
    assert header.split(",")[:3] == ["risk_id", "system_id", "title"]


# -- screening wizard ------------------------------------------------------------------------


def test_screening_live_tier_and_unanswered_kept(example_copy: Path):
    path = example_copy / "systems" / "llm-assist.yaml"
    original = path.read_text(encoding="utf-8")
    form = ScreeningWizard(example_copy, "llm-assist")
    assert "Transparency obligations (Art. 50)" in form.tier.value and "all questions answered" in form.tier.value
    expected = impact.classify("llm-assist", engagement.load(example_copy).parts["impact"].answers["llm-assist"])
    assert form.classification.tier == expected.tier
    assert form.rows["art6.1.b"].layout.display == "none"  # no Annex I act: Art. 6(1)(b) is not asked
    form.answer_w["art50.1"].value = False
    form.answer_w["art50.2"].value = "not answered"
    assert "Provisional tier: Minimal risk" in form.tier.value and "Art. 50(2)" in form.tier.value
    assert "missing answer to &#x27;art50.2&#x27; (Art. 50(2))" in form.problems_html.value
    form.save_b.click()
    assert form.errors == []
    assert "1 question(s) are still unanswered" in form.status_text
    new = path.read_text(encoding="utf-8")
    assert new == original.replace("  art50.1: yes ", "  art50.1: no ", 1).replace(
        "  art50.2: yes", "  # art50.2: yes", 1
    )
    data = yaml.safe_load(new)
    assert data["screening"]["art50.1"] is False and "art50.2" not in data["screening"]
    assert "# customers chat with it directly" in new  # comments kept


def test_screening_skips_irrelevant_questions(example_copy: Path):
    form = ScreeningWizard(example_copy, "collections-forecast")
    derogation = ["art6.3.profiling", "art6.3.a", "art6.3.b", "art6.3.c", "art6.3.d"]
    assert all(form.rows[q].layout.display == "none" for q in derogation)
    form.answer_w["annex_iii"].value = "some"
    form.lists["annex_iii"].value = ("4(a)",)
    assert all(form.rows[q].layout.display == "" for q in derogation)
    assert "Provisional tier: High-risk" in form.tier.value
    for q in derogation:
        form.answer_w[q].value = False
    still = form.unanswered(form.answers())  # e.g. Art. 111(2), Art. 26(8): asked because a use case is listed
    assert still and all(form.rows[q].layout.display == "" for q in still)
    for q in still:
        form.answer_w[q].value = False
    assert form.unanswered(form.answers()) == []
    assert "EU AI Act tier: High-risk" in form.tier.value
    form.answer_w["art6.3.a"].value = True
    assert "Not high-risk by derogation" in form.reasoning.value


def test_screening_new_profile(example_copy: Path):
    (example_copy / "systems" / "cv-screen.yaml").unlink()
    form = ScreeningWizard(example_copy, "cv-screen")
    assert form.profile_box.layout.display == ""
    assert form.p_purpose.value.startswith("Parses CVs")  # prefilled from systems.csv
    form.save_b.click()
    assert form.status_text.startswith("Not saved") and "missing required key" in form.problems_html.value
    form.p_role.value = ("deployer",)
    form.p_affected.value = "Job applicants"
    form.p_geo.value = "United Kingdom, Ireland"
    form.p_automation.value = "decision_support"
    form.p_data.value = ("personal",)
    form.p_significant.value = True
    answers = {"annex_i": "none", "gpai": "none"}
    for q in form.questions.itertuples():
        if q.answer == "yes_no":
            form.answer_w[q.id].value = False
    form.answer_w["annex_iii"].value = "some"
    form.lists["annex_iii"].value = ("4(a)",)
    for qid, value in answers.items():
        form.answer_w[qid].value = value
    form.save_b.click()
    assert form.errors == [] and "(a new file)" in form.status_text, form.status_text
    assert not [p for p in engagement.validate(example_copy) if p.severity == "error"]
    eng = engagement.load(example_copy)
    assert impact.classify("cv-screen", eng.parts["impact"].answers["cv-screen"]).tier == "high"


# -- workbooks, lab, render ------------------------------------------------------------------

WORKBOOKS = sorted(resources.workbooks_dir().glob("*.ipynb"))


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_workbooks_are_clean_and_thin(path: Path):
    import ast

    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert ["parameters" in c.metadata.get("tags", []) for c in code].count(True) == 1
    for cell in code:
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, ast.For | ast.While | ast.FunctionDef | ast.ClassDef | ast.If)


def test_workbooks_listed():
    assert [p.name for p in WORKBOOKS] == [
        "eu_ai_act_screening.ipynb",
        "gap_questionnaire.ipynb",
        "risk_register.ipynb",
    ]


def test_copy_notebooks_includes_workbooks(tmp_path: Path):
    from aimskit.engagement.scaffold import copy_notebooks

    copied, _ = copy_notebooks(tmp_path / "nb")
    names = {p.name for p in copied}
    assert {"gap_questionnaire.ipynb", "risk_register.ipynb", "gap_assessment.ipynb"} <= names


def test_lab_working_copy(example_copy: Path, tmp_path: Path):
    from aimskit.ui import lab

    folder, written, _ = lab.prepare(example_copy, tmp_path / "lab")
    assert {p.name for p in written} >= {"gap_questionnaire.ipynb", "gap_assessment.ipynb"}
    nb = nbformat.read(str(folder / "gap_questionnaire.ipynb"), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and json.dumps(str(example_copy.resolve())) in injected[0].source
    nbformat.validate(nb)
    (folder / "gap_questionnaire.ipynb").write_text("{}", encoding="utf-8")  # the user's own changes
    _, written2, _ = lab.prepare(example_copy, tmp_path / "lab")
    assert written2 == [] and (folder / "gap_questionnaire.ipynb").read_text(encoding="utf-8") == "{}"
    argv = lab.command(folder, port=8899, browser=False)
    assert "--no-browser" in argv and str(folder / "gap_questionnaire.ipynb") in argv
    with pytest.raises(lab.LabError, match="bundled example"):
        lab.prepare(resources.example_engagement(), tmp_path / "x")
    with pytest.raises(lab.LabError, match="not an engagement folder"):
        lab.prepare(tmp_path, tmp_path / "y")


def test_render_report_guard_skips_inside_a_render(monkeypatch):
    from aimskit.ui.notebook_render import RENDERING_ENV, render_report

    monkeypatch.setenv(RENDERING_ENV, "1")
    result = render_report("whatever.ipynb")
    assert result.skipped and result._repr_html_() == ""


def test_notebook_parameters_read_without_running_code():
    from aimskit.ui.notebook_render import notebook_parameters

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('engagement_path: str = "x"  # c\nsystem_id = None\nz = open("f")')
    cell.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell('engagement_path = "/e"')
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells = [cell, injected]
    assert notebook_parameters(nb) == {"engagement_path": "/e", "system_id": None}


def test_render_report_of_the_current_notebook(example_copy: Path, tmp_path: Path, monkeypatch):
    from aimskit.ui import lab
    from aimskit.ui.notebook_render import render_report

    folder, _, _ = lab.prepare(example_copy, tmp_path / "lab")
    notebook = folder / "gap_assessment.ipynb"
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import aimskit\n\naimskit.render_report()"))  # as a user would
    nbformat.write(nb, str(notebook))
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))  # what JupyterLab tells its kernels
    monkeypatch.chdir(folder)
    result = render_report()
    assert result.error is None and result.html == (folder / "gap_assessment.html").resolve()
    page = result.html.read_text(encoding="utf-8")
    assert "Brightwater Consumer Finance Ltd" in page
    assert "How to use this notebook" not in page and "engagement_path" not in page  # removed cells
    assert "render_report" not in page and "Report written to" not in page  # the cell ran, quietly
    import re

    from aimskit.present import render

    plotly_js = render.plotly_js_path().read_text(encoding="utf-8")
    assert plotly_js in page  # inlined once: the single file works offline
    rest = page.replace(plotly_js, "")
    assert not re.findall(r"<script[^>]+src=", rest)  # nothing loaded from elsewhere
    for remote in ("cdn.plot.ly", "cdnjs.cloudflare.com", "unpkg.com", "require.min.js"):
        assert remote not in rest
    assert rest.count('id="ak-fig-') == 5  # the charts of the organisation-wide gap report
    assert "Report written to" in result._repr_html_()


def test_cli_lab_and_render_errors(tmp_path: Path, monkeypatch):
    from click.testing import CliRunner

    from aimskit.ui import cli

    runner = CliRunner()
    result = runner.invoke(cli.cli, ["lab", str(tmp_path)])
    assert result.exit_code == 1 and "is not an engagement folder" in result.output
    result = runner.invoke(cli.cli, ["render", str(tmp_path / "missing.ipynb")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_cli_lab_starts_jupyterlab_on_the_copy(example_copy: Path, tmp_path: Path, monkeypatch):
    import subprocess

    from click.testing import CliRunner

    from aimskit.ui import cli

    calls = []
    monkeypatch.setattr(subprocess, "call", lambda argv: calls.append(argv) or 0)
    monkeypatch.chdir(example_copy)  # no PATH: the current folder
    result = CliRunner().invoke(cli.cli, ["lab", "--dir", str(tmp_path / "w"), "--no-browser"])
    assert result.exit_code == 0, result.output
    assert "copied" in result.output and (tmp_path / "w" / "risk_register.ipynb").is_file()
    assert calls and calls[0][1:3] == ["-m", "jupyterlab"] and "--no-browser" in calls[0]


def test_risk_unsaved_changes_are_not_lost_by_opening_another(example_copy: Path):
    form = RiskEditor(example_copy)
    form.pick.value = "R-01"
    form.f["title"].value = "Score drift (edited)"
    form.pick.value = "R-02"  # the user picks another risk with changes not saved
    assert form.errors == []
    assert form.pick.value == "R-01" and form.f["title"].value == "Score drift (edited)"
    assert "Unsaved changes to risk R-01" in form.status_text
    form.new_b.click()
    assert form.pick.value == "R-01"
    form.discard_b.click()
    assert form.f["title"].value == "Score drift after a change in the applicant mix"
    form.pick.value = "R-02"
    assert form.errors == [] and form.risk_id.value == "R-02"


def test_screening_switching_system_keeps_unsaved_answers(example_copy: Path):
    form = ScreeningWizard(example_copy, "llm-assist")
    form.answer_w["art50.1"].value = False
    form.pick.value = "credit-score"
    assert form.errors == [] and form.pick.value == "llm-assist" and form.answer_w["art50.1"].value is False
    assert "Unsaved answers for llm-assist" in form.status_text
    form.reload_button.click()  # drop them
    assert form.answer_w["art50.1"].value is True
    form.pick.value = "credit-score"
    assert form.system_id == "credit-score" and "EU AI Act tier: High-risk" in form.tier.value
