"""``aimskit compare`` on the example before and after a quarter of edits (tests/fixtures/quarter-after).

The edits, and what they must show (counted by hand from the files, not from the code):

- engagement.yaml: assessment date 2026-11-20 -> 2027-03-01.
- gap.csv (organisation rows): 9.3.3 non-compliant 0 -> compliant 3 and 4.4 partially 2 -> compliant 3
  (improved), 4.1 compliant 3 -> partially 2 (worsened), A.4.4 added as compliant 3 (newly assessed:
  it had no row), 7.4 maturity 2 -> 3 with the same status (maturity only).
  Conformity = (compliant + 0.5 x partially) / assessed: before 64 assessed, 24 C, 22 P, 18 N ->
  (24 + 11) / 64 = 54.7 %; after 65 assessed, 26 C, 22 P, 17 N -> (26 + 11) / 65 = 56.9 %.
  Clause 9 (9.1, 9.2.1, 9.2.2, 9.3.1, 9.3.2, 9.3.3): one more compliant of 6 -> +16.7 points;
  clause 4: 4.1 down a half, 4.4 up a half -> unchanged at 87.5 %; A.4: A.4.4 assessed compliant.
- risks.csv: R-31 added (cv-screen, 4 x 4, residual 3 x 4 = 12, above the appetite 'Low'),
  R-14 closed (was open), R-01 likelihood 4 -> 3 (inherent 16 -> 12): 1 added, 1 closed, 1 re-rated;
  residual above appetite: 20 before, 21 after, R-31 newly above.
- soa.csv: A.6.2.7 added (was missing), A.4.5 planned -> implemented: 2 SoA changes.
- audits.yaml: IA-2027-01 done; findings.csv: F-19 (minor NC, new), F-20 (observation, new), F-02
  (major NC) closed: 2 new findings of which 1 NC, 1 closed NC.
- systems/fraud-detect.yaml: Annex III 5(b) (counsel's opinion), systems.csv tier high: fraud-detect
  minimal -> high.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from aimskit.results import compare
from aimskit.ui.cli import cli


@pytest.fixture(scope="module")
def comparison(example_run: Path, after_run: Path) -> compare.Comparison:
    return compare.compare(example_run, after_run)


def test_conformity_and_maturity(comparison):
    head = {(h["report"], h["figure"]): h for h in comparison.headline}
    assert head[("gap/organisation", "conformity")]["old"] == 54.7
    assert head[("gap/organisation", "conformity")]["new"] == 56.9
    clauses = {r["group_id"]: r for r in comparison.by_clause}
    assert clauses["9"]["conformity_old"] == 0.0 and clauses["9"]["conformity_new"] == 16.7
    assert clauses["4"]["conformity_change"] == 0.0 and clauses["4"]["conformity_new"] == 87.5
    # maturity, clause 9: 9.3.3 0 -> 3 over 6 assessed: +0.5
    assert clauses["9"]["maturity_change"] == 0.5
    # clause 7: 7.4 2 -> 3 over 7 assessed: +0.14
    assert clauses["7"]["maturity_change"] == 0.14
    changed = [r["group_id"] for r in comparison.by_clause if r["conformity_change"]]
    assert changed == ["9"]
    objectives = {r["group_id"]: r for r in comparison.by_objective}
    assert [g for g, r in objectives.items() if r["conformity_change"]] == ["A.4"]
    assert len(comparison.systems) == 5


def test_requirements_that_changed(comparison):
    org = {r["id"]: r["change"] for r in comparison.requirements if r["scope"] == "organisation"}
    assert org == {
        "4.1": "worsened",
        "4.4": "improved",
        "7.4": "maturity only",
        "9.3.3": "improved",
        "A.4.4": "newly assessed",
    }
    # the organisation-wide rows reach the systems that have no row of their own
    cv = {r["id"] for r in comparison.requirements if r["scope"] == "cv-screen"}
    assert {"4.1", "4.4", "9.3.3"} <= cv


def test_risks(comparison):
    changes = {(r["risk_id"], r["change"]) for r in comparison.risks}
    assert changes == {("R-31", "added"), ("R-14", "closed"), ("R-01", "re-rated")}
    r01 = next(r for r in comparison.risks if r["risk_id"] == "R-01")
    assert (r01["inherent_old"], r01["inherent_new"]) == (16, 12)
    above = {r["risk_id"]: r["change"] for r in comparison.residual_above}
    assert sum(1 for c in above.values() if c != "no longer above") == 21
    assert sum(1 for c in above.values() if c != "newly above") == 20
    assert [k for k, c in above.items() if c == "newly above"] == ["R-31"]


def test_soa_findings_tiers_inputs(comparison):
    assert {r["control_id"]: r["change"] for r in comparison.soa} == {"A.4.5": "changed", "A.6.2.7": "included"}
    assert {(f["finding_id"], f["change"], f["nonconformity"]) for f in comparison.findings} == {
        ("F-02", "closed", True),
        ("F-19", "new", True),
        ("F-20", "new", False),
    }
    assert comparison.tiers == [
        {
            "system_id": "fraud-detect",
            "name": "Application and Transaction Fraud Model",
            "tier_old": "minimal",
            "tier_new": "high",
        }
    ]
    assert [i["file"] for i in comparison.inputs] == [
        "audits.yaml",
        "engagement.yaml",
        "findings.csv",
        "gap.csv",
        "risks.csv",
        "soa.csv",
        "systems.csv",
        "systems/fraud-detect.yaml",
    ]
    assert not comparison.has_security and comparison.to_json()["security_verdicts_changed"] is None
    assert comparison.warnings == []


def test_summary_words(comparison):
    s = compare.summary(comparison)
    assert s[0] == "Overall conformity moved from 54.7% to 56.9% (+2.2 points)."
    assert s[1] == "4 organisation-wide requirements changed status: 2 improved, 1 worsened, 1 newly assessed."
    assert "1 added, 1 closed, 1 re-rated, 0 removed; 21 risks above appetite after treatment (1 newly)" in s[2]
    assert "Audit findings: 2 new (1 nonconformity), 1 closed (1 nonconformity)." in s


def test_cli_writes_html_and_json(example_run: Path, after_run: Path, tmp_path: Path):
    result = CliRunner().invoke(cli, ["compare", str(example_run), str(after_run), "--dest", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Overall conformity moved from 54.7% to 56.9%" in result.output
    data = json.loads((tmp_path / "compare.json").read_text())
    assert len(data["risks_changed"]) == 3 and data["eu_ai_act_tiers_changed"][0]["tier_new"] == "high"
    page = (tmp_path / "compare.html").read_text()
    assert page.count('class="plotly-graph-div"') == 4  # a dumbbell per area: clauses, objectives, x2
    assert '<script src="assets/plotly.min.js">' in page and (tmp_path / "assets" / "plotly.min.js").is_file()
    assert "cdn" not in page.lower()
    assert "Application and Transaction Fraud Model" in page and "minimal" in page


def test_same_run_shows_nothing(example_run: Path):
    c = compare.compare(example_run, example_run)
    assert not (c.requirements or c.risks or c.soa or c.findings or c.tiers or c.inputs or c.headline)
    assert compare.summary(c)[-1] == "No input file changed."


def _copy(run: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(run, target, ignore=shutil.ignore_patterns("assets"))  # every file the manifest lists
    return target


def test_refuses_different_engagements(example_run: Path, tmp_path: Path):
    other = _copy(example_run, tmp_path, "other")
    m = json.loads((other / "manifest.json").read_text())
    m["engagement"]["organisation"] = "Another Ltd"
    (other / "manifest.json").write_text(json.dumps(m))
    result = CliRunner().invoke(cli, ["compare", str(example_run), str(other)])
    assert result.exit_code == 1
    assert "different engagements" in result.output and "Another Ltd" in result.output


def test_refuses_incompatible_catalogs_and_warns_on_a_compatible_one(example_run: Path, tmp_path: Path):
    other = _copy(example_run, tmp_path, "other")
    m = json.loads((other / "manifest.json").read_text())
    m["catalog_version"] = "2027.6.0"
    (other / "manifest.json").write_text(json.dumps(m))
    c = compare.compare(example_run, other)
    assert any("catalog version changed" in w for w in c.warnings)
    gap = json.loads((other / "gap" / "organisation.json").read_text())
    gap["requirements"][0]["id"] = "4.9"
    (other / "gap" / "organisation.json").write_text(json.dumps(gap))
    expected = r"incompatible catalog versions: 2026\.12\.0 and 2027\.6\.0.*4\.1, 4\.9"
    with pytest.raises(compare.CompareError, match=expected):
        compare.compare(example_run, other)


def test_refuses_a_folder_that_is_not_a_run(example_run: Path, tmp_path: Path):
    result = CliRunner().invoke(cli, ["compare", str(tmp_path), str(example_run)])
    assert result.exit_code == 1 and "old run:" in result.output and "manifest.json" in result.output


def test_run_with_a_baseline_adds_the_comparison_to_the_index(example_run, quarter_after, tmp_path):
    from aimskit import batch

    out = tmp_path / "after"
    # the gap step alone keeps this quick; the comparison then has no risk, audit or impact results to compare
    result = batch.run(quarter_after, steps=("gap",), out=out, jobs=2, baseline=example_run)
    assert result.ok
    index = (out / "index.html").read_text()
    assert "Changes since the baseline run of 2026-11-20" in index
    assert "Overall conformity moved from 54.7% to 56.9% (+2.2 points)." in index
    assert '<a href="compare.html">' in index and (out / "compare.html").is_file()
    data = json.loads((out / "compare.json").read_text())
    assert len(data["requirements_changed"]) > 0 and data["risks_changed"] == []


def test_run_refuses_a_baseline_of_another_engagement_before_running(example_run, minimal, tmp_path):
    result = CliRunner().invoke(
        cli, ["run", str(minimal), "--out", str(tmp_path / "o"), "--baseline", str(example_run)]
    )
    assert result.exit_code == 1
    assert "is a run of 'Brightwater Consumer Finance Ltd'" in result.output
    assert not (tmp_path / "o").exists()
