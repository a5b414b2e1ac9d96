"""The catalog: counts, exact IDs and titles, guidance, sources."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from aimskit import catalog
from aimskit.ui.cli import cli

ANNEX_A_IDS = [
    "A.2.2",
    "A.2.3",
    "A.2.4",
    "A.3.2",
    "A.3.3",
    "A.4.2",
    "A.4.3",
    "A.4.4",
    "A.4.5",
    "A.4.6",
    "A.5.2",
    "A.5.3",
    "A.5.4",
    "A.5.5",
    "A.6.1.2",
    "A.6.1.3",
    "A.6.2.2",
    "A.6.2.3",
    "A.6.2.4",
    "A.6.2.5",
    "A.6.2.6",
    "A.6.2.7",
    "A.6.2.8",
    "A.7.2",
    "A.7.3",
    "A.7.4",
    "A.7.5",
    "A.7.6",
    "A.8.2",
    "A.8.3",
    "A.8.4",
    "A.8.5",
    "A.9.2",
    "A.9.3",
    "A.9.4",
    "A.10.2",
    "A.10.3",
    "A.10.4",
]
CLAUSE_IDS = [
    "4",
    "4.1",
    "4.2",
    "4.3",
    "4.4",
    "5",
    "5.1",
    "5.2",
    "5.3",
    "6",
    "6.1",
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.1.4",
    "6.2",
    "6.3",
    "7",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.5.1",
    "7.5.2",
    "7.5.3",
    "8",
    "8.1",
    "8.2",
    "8.3",
    "8.4",
    "9",
    "9.1",
    "9.2",
    "9.2.1",
    "9.2.2",
    "9.3",
    "9.3.1",
    "9.3.2",
    "9.3.3",
    "10",
    "10.1",
    "10.2",
]
ASSESSABLE_CLAUSES = [
    c for c in CLAUSE_IDS if c not in {"4", "5", "6", "6.1", "7", "7.5", "8", "9", "9.2", "9.3", "10"}
]


def test_annex_a_has_38_controls_with_exact_ids():
    df = catalog.load("iso42001-annex-a")
    assert len(df) == 38
    assert df["id"].tolist() == ANNEX_A_IDS
    assert df["id"].is_unique


def test_annex_a_objectives_are_the_nine():
    df = catalog.load("iso42001-annex-a-objectives")
    assert df["id"].tolist() == [f"A.{n}" for n in range(2, 11)]
    controls = catalog.load("iso42001-annex-a")
    counts = controls.groupby("objective_id").size().to_dict()
    assert counts == {"A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9, "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3}


@pytest.mark.parametrize(
    ("cid", "title"),
    [
        ("A.2.2", "AI policy"),
        ("A.3.3", "Reporting of concerns"),
        ("A.5.4", "Assessing AI system impact on individuals or groups of individuals"),
        ("A.6.1.3", "Processes for responsible AI system design and development"),
        ("A.6.2.8", "AI system recording of event logs"),
        ("A.10.4", "Customers"),
    ],
)
def test_annex_a_published_titles(cid, title):
    df = catalog.load("iso42001-annex-a").set_index("id")
    assert df.loc[cid, "title"] == title


@pytest.mark.parametrize(
    "invented",
    ["Segregation of duties in AI", "Contact with AI authorities", "Internal use AI policy", "AI Risk Assessment"],
)
def test_no_invented_control_titles(invented):
    titles = set(catalog.load("iso42001-annex-a")["title"])
    assert invented not in titles
    assert "A.3.4" not in set(catalog.load("iso42001-annex-a")["id"])


def test_clauses_have_every_subclause_and_parents():
    df = catalog.load("iso42001-clauses")
    assert df["id"].tolist() == CLAUSE_IDS
    assert df.loc[df["assessable"], "id"].tolist() == ASSESSABLE_CLAUSES
    assert len(ASSESSABLE_CLAUSES) == 32
    by_id = df.set_index("id")
    assert by_id.loc["6.1.3", "parent"] == "6.1"
    assert by_id.loc["9.3.3", "parent"] == "9.3"
    assert by_id.loc["4", "parent"] == ""


def test_documented_information_flags():
    df = catalog.load("iso42001-clauses").set_index("id")
    di = df["documented_information"]
    assert di["4.3"] == "maintained"
    assert di["5.2"] == "maintained"
    assert di["6.1.3"] == "maintained_and_retained"
    assert di["9.2.2"] == "retained"
    assert di["4.1"] == "none"
    required = set(df.index[di != "none"])
    assert required == {
        "4.3",
        "5.2",
        "6.1.1",
        "6.1.2",
        "6.1.3",
        "6.1.4",
        "6.2",
        "7.2",
        "8.1",
        "8.2",
        "8.3",
        "8.4",
        "9.1",
        "9.2.2",
        "9.3.3",
        "10.2",
    }


def test_annex_c_names():
    df = catalog.load("iso42001-annex-c")
    assert (df["kind"] == "objective").sum() == 11
    assert (df["kind"] == "risk_source").sum() == 7
    assert "Transparency and explainability" in set(df["name"])
    assert "Technology readiness" in set(df["name"])


def test_requirements_universe_is_70():
    df = catalog.load("iso42001")
    assert len(df) == 70
    assert df["id"].tolist() == ASSESSABLE_CLAUSES + ANNEX_A_IDS
    assert df.loc[df["kind"] == "clause", "mandatory"].all()
    assert not df.loc[df["kind"] == "control", "mandatory"].any()


@pytest.mark.parametrize("name", ["iso42001-clauses", "iso42001-annex-a"])
def test_every_requirement_has_own_guidance(name):
    df = catalog.load(name)
    if "assessable" in df:
        df = df[df["assessable"]]
    for row in df.itertuples():
        assert row.summary, row.id
        assert 2 <= len(row.questions) <= 4, row.id
        assert all(q.strip().endswith("?") for q in row.questions), row.id
        assert 2 <= len(row.evidence) <= 5, row.id


def test_guidance_has_no_unknown_ids():
    import yaml

    for fname, name in [
        ("iso42001-clauses-guidance.yaml", "iso42001-clauses"),
        ("iso42001-annex-a-guidance.yaml", "iso42001-annex-a"),
    ]:
        keys = set(yaml.safe_load((catalog.DATA / fname).read_text(encoding="utf-8")))
        assert keys <= set(catalog.load(name)["id"])


def test_every_data_file_is_listed_with_source_and_licence():
    man = catalog.manifest()
    on_disk = {p.name for p in catalog.data_files()}
    assert on_disk == set(man["files"])
    for info in man["files"].values():
        assert info["source"] and info["licence"]
        assert info["kind"] in {"published", "own_analysis"}
    assert catalog.version() == man["catalog_version"]


def test_load_returns_a_copy():
    df = catalog.load("iso42001-annex-a")
    df.loc[0, "title"] = "changed"
    assert catalog.load("iso42001-annex-a").loc[0, "title"] == "AI policy"


def test_unknown_catalog_suggests():
    with pytest.raises(catalog.UnknownCatalogError, match="did you mean 'iso42001-annex-a'"):
        catalog.load("iso42001-annexa")


def test_cli_catalog_csv_and_json():
    runner = CliRunner()
    res = runner.invoke(cli, ["catalog", "iso42001-annex-a", "--format", "csv"])
    assert res.exit_code == 0
    header = res.output.splitlines()[0].split(",")
    assert header[:2] == ["id", "title"]
    assert len([line for line in res.output.splitlines() if line.startswith("A.")]) == 38
    res = runner.invoke(cli, ["catalog", "iso42001-clauses", "--format", "json"])
    data = json.loads(res.output)
    assert len(data) == 43 and isinstance(data[1]["questions"], list)
    res = runner.invoke(cli, ["catalog", "nope"])
    assert res.exit_code == 2 and "unknown catalog" in res.output
    res = runner.invoke(cli, ["catalog", "--sources"])
    assert "iso42001-annex-a.csv" in res.output


def test_annex_c_numbers_beside_the_slugs():
    df = catalog.load("iso42001-annex-c")
    objectives = df[df["kind"] == "objective"]
    sources = df[df["kind"] == "risk_source"]
    assert list(objectives["number"]) == [f"C.2.{n}" for n in range(1, 12)]
    assert list(sources["number"]) == [f"C.3.{n}" for n in range(1, 8)]
    by_slug = df.set_index("id")
    assert by_slug.loc["accountability", "number"] == "C.2.1"
    assert by_slug.loc["technology-readiness", "number"] == "C.3.7"


def test_a6_has_two_objectives_with_their_own_gists():
    subs = catalog.load("iso42001-annex-a-sub-objectives").set_index("id")
    assert list(subs.index) == ["A.6.1", "A.6.2"] and set(subs["parent"]) == {"A.6"}
    assert subs.loc["A.6.1", "gist"] != subs.loc["A.6.2", "gist"]
    controls = catalog.load("iso42001-annex-a").set_index("id")
    assert controls.loc["A.6.1.2", "objective_gist"] == subs.loc["A.6.1", "gist"]
    assert controls.loc["A.6.2.6", "objective_gist"] == subs.loc["A.6.2", "gist"]
    objectives = catalog.load("iso42001-annex-a-objectives")
    assert objectives["gist"].str.endswith("(aimskit paraphrase)").all()


def test_a83_is_the_inbound_channel_and_a85_the_reporting_duties():
    g = catalog.load("iso42001-annex-a").set_index("id")
    inbound = " ".join([g.loc["A.8.3", "summary"], *g.loc["A.8.3", "questions"]]).lower()
    assert "tell the organisation" in inbound and "report" in inbound
    assert "regulatory submissions" not in " ".join(g.loc["A.8.3", "evidence"]).lower()
    outbound = " ".join([g.loc["A.8.5", "summary"], *g.loc["A.8.5", "questions"], *g.loc["A.8.5", "evidence"]])
    assert "registration" in outbound and "transparency reports" in outbound


def test_a626_covers_repairs_updates_and_support():
    row = catalog.load("iso42001-annex-a").set_index("id").loc["A.6.2.6"]
    text = " ".join([row["summary"], *row["questions"], *row["evidence"]]).lower()
    for word in ("monitor", "repair", "update", "support"):
        assert word in text, word


def test_catalog_version_is_bumped_for_the_content_fixes():
    assert catalog.version() == "2026.12.0"
    assert "iso42005-impact-assessment-map.csv" in catalog.manifest()["files"]
