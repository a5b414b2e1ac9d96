"""OSCAL export: every document validates with compliance-trestle's models and loads back with trestle,
every cross-document reference resolves, and exporting the same run twice gives identical bytes."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from aimskit import catalog
from aimskit.results import oscal
from aimskit.ui.cli import cli

# compliance-trestle is in the test extra: these tests fail, not skip, without it


@pytest.fixture(scope="module")
def exported(example_run: Path, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("oscal") / "a"
    oscal.export(example_run, dest)
    return dest


def _load(dest: Path, kind: str) -> dict:
    return json.loads((dest / oscal.FILES[kind]).read_text(encoding="utf-8"))[kind]


def test_control_ids_are_valid_oscal_tokens():
    assert oscal.control_id("6.1.3") == "iso42001-6.1.3"
    assert oscal.control_id("A.6.2.4") == "iso42001-A.6.2.4"
    for rid in catalog.load("iso42001")["id"]:
        assert oscal.TOKEN.match(oscal.control_id(rid))
    with pytest.raises(oscal.OscalError):
        oscal.control_id("6 1")


def test_trestle_loads_every_exported_file(exported: Path):
    from trestle.oscal.assessment_plan import AssessmentPlan
    from trestle.oscal.assessment_results import AssessmentResults
    from trestle.oscal.catalog import Catalog
    from trestle.oscal.poam import PlanOfActionAndMilestones
    from trestle.oscal.profile import Profile

    models = {
        "catalog": Catalog,
        "profile": Profile,
        "assessment-plan": AssessmentPlan,
        "assessment-results": AssessmentResults,
        "plan-of-action-and-milestones": PlanOfActionAndMilestones,
    }
    assert sorted(p.name for p in exported.iterdir()) == sorted(oscal.FILES.values())
    for kind, model in models.items():
        path = exported / oscal.FILES[kind]
        obj = model.oscal_read(path)  # trestle's own reader: the file's wrapper, aliases and types
        assert obj is not None and str(obj.uuid)
        # and the pydantic model accepts the document as written
        model.model_validate(_load(exported, kind))


def test_trestle_rejects_a_broken_document(exported: Path):
    from pydantic import ValidationError

    ar = _load(exported, "assessment-results")
    bad = copy.deepcopy(ar)
    bad["results"][0]["findings"][0]["target"]["status"]["state"] = "passed"
    with pytest.raises(ValidationError):
        oscal.validate("assessment-results", bad)
    bad = copy.deepcopy(ar)
    bad["results"][0]["findings"][0]["target"]["target-id"] = "6.1.3"  # a bare clause number is not a token
    with pytest.raises(ValidationError):
        oscal.validate("assessment-results", bad)


def test_catalog_outline_counts_and_no_iso_text(exported: Path):
    cat = _load(exported, "catalog")
    controls, parts = oscal.catalog_controls(cat)
    reqs = catalog.load("iso42001")
    assert len(reqs) == 70
    assert controls == {oscal.control_id(i) for i in reqs["id"]}
    clause_ids = [c for c in controls if not c.startswith("iso42001-A.")]
    assert len(clause_ids) == 32 and len(controls) - len(clause_ids) == 38
    assert [g["id"] for g in cat["groups"]] == [f"iso42001-{n}" for n in range(4, 11)] + ["iso42001-annex-a"]
    assert [g["id"] for g in cat["groups"][-1]["groups"]] == [f"iso42001-A.{n}" for n in range(2, 11)]
    # every requirement has its aimskit objective (the target of the findings)
    assert {oscal.objective_id(i) for i in reqs["id"]} <= parts
    text = json.dumps(cat)
    assert "not the text of the standard" in text and "does not reproduce the text" in text


def test_profile_selects_clauses_and_the_soa(exported: Path, example_run: Path):
    prof = _load(exported, "profile")
    ids = prof["imports"][0]["include-controls"][0]["with-ids"]
    risk = json.loads((example_run / "risk" / "organisation.json").read_text())
    in_soa = [r["control_id"] for r in risk["soa"] if r["in_soa"] and r["applicable"] and r["origin"] == "Annex A"]
    # 38 Annex A controls: 2 excluded as not applicable, A.6.2.7 missing from soa.csv
    assert len(in_soa) == 38 - 2 - 1 == risk["headline"]["soa_included"]
    assert "A.6.2.7" not in in_soa
    own = [r["control_id"] for r in risk["soa"] if r["in_soa"] and r["origin"] == "own"]
    assert own == ["BW-SEC-07", "BW-FC-02", "BW-MRM-01"]
    assert len(ids) == 32 + len(in_soa)
    assert {oscal.control_id(c) for c in in_soa} <= set(ids)
    assert "BW-SEC-07" in prof["metadata"]["remarks"]


def test_assessment_results_findings_match_the_gap_results(exported: Path, example_run: Path):
    ar = _load(exported, "assessment-results")
    gap = json.loads((example_run / "gap" / "organisation.json").read_text())
    org = ar["results"][0]
    assert org["title"] == "Gap assessment: the organisation"
    prof = _load(exported, "profile")
    selected = set(prof["imports"][0]["include-controls"][0]["with-ids"])
    reqs = [r for r in gap["requirements"] if oscal.control_id(r["id"]) in selected]
    states = {f["target"]["target-id"]: f["target"]["status"]["state"] for f in org["findings"]}
    for r in reqs:
        oid = oscal.objective_id(r["id"])
        if r["status"] == "compliant":
            assert states[oid] == "satisfied"
        elif r["status"] in ("partially_compliant", "non_compliant"):
            assert states[oid] == "not-satisfied"
        else:  # not applicable / not assessed: an observation, no finding
            assert oid not in states
    assert len(org["observations"]) == len(reqs)
    # one gap result per in-scope AI system, then the audit that was done
    titles = [r["title"] for r in ar["results"]]
    systems = sorted(p.stem.removeprefix("system-") for p in (example_run / "gap").glob("system-*.json"))
    assert len(systems) == 5
    assert titles[1:6] == [f"Gap assessment: AI system {s}" for s in systems]
    assert titles[6:] == ["Internal audit IA-2026-01"]
    audit = ar["results"][6]
    # 18 findings in IA-2026-01: 11 nonconformities not satisfied, the 7 others satisfied
    assert len(audit["findings"]) == 18
    assert sum(f["target"]["status"]["state"] == "not-satisfied" for f in audit["findings"]) == 11
    # evidence: observations point at the results file in the back-matter, with its manifest hash
    res = {r["uuid"]: r for r in ar["back-matter"]["resources"]}
    ev = org["observations"][0]["relevant-evidence"][0]
    target = res[ev["href"][1:]]
    assert target["rlinks"][0]["href"] == "gap/organisation.json"
    manifest = json.loads((example_run / "manifest.json").read_text())
    sha = next(r["files_sha256"]["json"] for r in manifest["reports"] if r["name"] == "gap/organisation")
    assert target["rlinks"][0]["hashes"][0]["value"] == sha


def test_poam_items(exported: Path, example_run: Path):
    poam = _load(exported, "plan-of-action-and-milestones")
    gap = json.loads((example_run / "gap" / "organisation.json").read_text())
    risk = json.loads((example_run / "risk" / "organisation.json").read_text())
    audit = json.loads((example_run / "audit" / "organisation.json").read_text())
    kinds: dict[str, int] = {}
    for item in poam["poam-items"]:
        kind = next(p["value"] for p in item["props"] if p["name"] == "kind")
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["gap-remediation"] == len(gap["remediation"]) == 40
    # 30 risks: 3 closed; accepted and retained without actions;
    # are open without actions, so they are items too (flagged as such)
    treatable = [r for r in risk["risks"] if r["status"] != "closed" and (r["actions"] or r["status"] != "accepted")]
    assert kinds["risk-treatment"] == len(treatable) == 25
    no_action = [i for i in poam["poam-items"] if i["description"].startswith("No treatment action")]
    assert sorted(i["title"].split()[2] for i in no_action) == ["R-18", "R-29"]
    open_ncs = [f for f in audit["findings"] if f["open"] and f["nonconformity"]]
    assert kinds["corrective-action"] == len(open_ncs) == 8
    assert len(poam["risks"]) == 30
    statuses = {r["title"].split()[0]: r["status"] for r in poam["risks"]}
    assert statuses["R-15"] == "closed" and statuses["R-20"] == "deviation-approved"
    # owners are parties; every item with an owner names its party
    parties = {p["uuid"]: p["name"] for p in poam["metadata"]["parties"]}
    item = next(i for i in poam["poam-items"] if i["title"].startswith("P1 remediate 9.3.3"))
    assert parties[item["origins"][0]["actors"][0]["actor-uuid"]] == "Chief Risk Officer (M. Adeyemi)"
    assert {"name": "target-date", "ns": oscal.NS, "value": "2027-03-31"} in item["props"]


def test_every_reference_resolves(exported: Path):
    docs = {k: _load(exported, k) for k in oscal.FILES}
    assert oscal.check_references(docs) == []
    # the links the validators never check are there to be checked
    text = json.dumps(docs["plan-of-action-and-milestones"])
    assert "iso42001-assessment-results.json#" in text
    assert docs["assessment-results"]["import-ap"]["href"] == "iso42001-assessment-plan.json"
    assert docs["assessment-plan"]["import-ssp"]["href"].startswith("#")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["profile"]["imports"][0]["include-controls"][0]["with-ids"].append("iso42001-11.1"), "with-ids"),
        (
            lambda d: (
                d["assessment-results"]["results"][0]["findings"][0]["target"].update(target_id=None)
                or d["assessment-results"]["results"][0]["findings"][0]["target"].update(
                    {"target-id": "iso42001-x_obj"}
                )
            ),
            "target-id iso42001-x_obj",
        ),
        (
            lambda d: d["assessment-results"]["results"][0]["findings"][0]["related-observations"][0].update(
                {"observation-uuid": "00000000-0000-5000-8000-000000000000"}
            ),
            "observation-uuid",
        ),
        (lambda d: d["assessment-results"].update({"import-ap": {"href": "elsewhere.json"}}), "import-ap"),
        (
            lambda d: d["plan-of-action-and-milestones"]["poam-items"][0]["links"][0].update(
                {"href": "iso42001-assessment-results.json#00000000-0000-5000-8000-000000000000"}
            ),
            "does not resolve",
        ),
        (
            lambda d: d["assessment-results"]["results"][0]["observations"][0]["relevant-evidence"][0].update(
                {"href": "#00000000-0000-5000-8000-000000000000"}
            ),
            "link #",
        ),
        (
            lambda d: d["assessment-plan"]["reviewed-controls"]["control-selections"][0]["include-controls"].append(
                {"control-id": "A.6.2.4"}
            ),
            "control-id A.6.2.4",
        ),
        (
            lambda d: (
                d["catalog"]["groups"][0]["controls"].append(copy.deepcopy(d["catalog"]["groups"][0]["controls"][0]))
                or d["catalog"].update(
                    {"back-matter": {"resources": [d["catalog"]["back-matter"]["resources"][0]] * 2}}
                )
            ),
            "defined 2 times",
        ),
    ],
)
def test_reference_check_catches(exported: Path, mutate, message):
    docs = {k: _load(exported, k) for k in oscal.FILES}
    mutate(docs)
    problems = oscal.check_references(docs)
    assert any(message in p for p in problems), problems


def test_two_exports_are_byte_identical(example_run: Path, exported: Path, tmp_path: Path):
    again = tmp_path / "b"
    result = CliRunner().invoke(cli, ["export", "oscal", str(example_run), "--dest", str(again)])
    assert result.exit_code == 0, result.output
    for name in oscal.FILES.values():
        assert (again / name).read_bytes() == (exported / name).read_bytes(), name
    # a copy of the run elsewhere gives the same documents (nothing depends on the folder or the clock)
    moved = tmp_path / "moved"
    shutil.copytree(example_run, moved)
    oscal.export(moved, tmp_path / "c")
    for name in oscal.FILES.values():
        assert (tmp_path / "c" / name).read_bytes() == (exported / name).read_bytes(), name


def test_export_refuses_a_folder_that_is_not_a_run(tmp_path: Path):
    result = CliRunner().invoke(cli, ["export", "oscal", str(tmp_path)])
    assert result.exit_code == 1
    assert "no manifest.json" in result.output


def _with_security(run: Path, dest: Path, verdicts: dict[str, str]) -> Path:
    """A copy of a run with a security results file as the security step writes it (``evidence`` rows per
    control and red-team run, ``categories`` per system and OWASP category) and its manifest entry."""
    shutil.copytree(run, dest, ignore=shutil.ignore_patterns("assets"))  # every file the manifest lists
    rows = [
        {
            "control_id": c,
            "control": "",
            "system_id": "llm-assist",
            "run_id": "RT-1",
            "run_date": "2026-11-10",
            "tool": "garak",
            "verdict": v,
            "sha256": "ab" * 32,
            "evidence": "",
        }
        for c, v in verdicts.items()
    ]
    cats = [{"system_id": "llm-assist", "category": "LLM01", "verdict": next(iter(verdicts.values()))}]
    (dest / "security").mkdir()
    (dest / "security" / "system-llm-assist.json").write_text(
        json.dumps({"system_id": "llm-assist", "evidence": rows, "categories": cats})
    )
    m = json.loads((dest / "manifest.json").read_text())
    m["reports"].append(
        {
            "name": "security/system-llm-assist",
            "step": "security",
            "system_id": "llm-assist",
            "status": "ok",
            "files": {"json": "security/system-llm-assist.json"},
            "files_sha256": {"json": "cd" * 32},
        }
    )
    (dest / "manifest.json").write_text(json.dumps(m))
    return dest


def test_security_verdicts_become_findings(example_run: Path, tmp_path: Path):
    run = _with_security(
        example_run, tmp_path / "run", {"A.6.2.4": "fail", "A.6.2.5": "pass", "A.6.2.6": "inconclusive"}
    )
    docs = oscal.build(run)
    sec = [r for r in docs["assessment-results"]["results"] if r["title"].startswith("Security testing")]
    assert len(sec) == 1
    states = {f["target"]["target-id"]: f["target"]["status"]["state"] for f in sec[0]["findings"]}
    # fail -> not satisfied, pass -> satisfied, inconclusive -> an observation without a finding
    assert states == {"iso42001-A.6.2.4_obj": "not-satisfied", "iso42001-A.6.2.5_obj": "satisfied"}
    assert len(sec[0]["observations"]) == 3
    assert oscal.check_references(docs) == []


def test_compare_shows_security_verdict_changes(example_run: Path, tmp_path: Path):
    from aimskit.results import compare

    old = _with_security(example_run, tmp_path / "old", {"A.6.2.4": "fail"})
    new = _with_security(example_run, tmp_path / "new", {"A.6.2.4": "pass"})
    c = compare.compare(old, new)
    assert c.has_security
    assert c.security == [
        {"system_id": "llm-assist", "category": "LLM01", "verdict_old": "fail", "verdict_new": "pass"}
    ]
    assert "1 red-team verdict changed." in compare.summary(c)


def test_real_security_results_become_findings(tmp_path: Path):
    """The example's red-team runs, through the security step itself, as OSCAL findings."""
    from aimskit import batch
    from aimskit.base import resources

    out = tmp_path / "run"
    result = batch.run(resources.example_engagement(), steps=("gap", "security"), out=out, jobs=2)
    assert result.ok
    sec_json = json.loads((out / "security" / "organisation.json").read_text())
    docs = oscal.build(out)
    assert oscal.check_references(docs) == []
    sec = [r for r in docs["assessment-results"]["results"] if r["title"].startswith("Security testing")]
    assert len(sec) == 1  # the organisation-wide report only: the per-system one repeats its runs
    pairs = [(e["run_id"], c, e["verdict"]) for e in sec_json["evidence"] for c in e["controls"]]
    assert len(sec[0]["observations"]) == len(pairs)
    judged = [p for p in pairs if p[2] in ("pass", "fail")]
    assert len(sec[0]["findings"]) == len(judged) > 0
    failed = sum(1 for p in judged if p[2] == "fail")
    assert sum(f["target"]["status"]["state"] == "not-satisfied" for f in sec[0]["findings"]) == failed
