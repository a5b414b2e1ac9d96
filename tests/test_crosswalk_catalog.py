"""The NIST AI RMF, ISO/IEC 27001 and EU AI Act catalogs, the crosswalk tables and aimskit.catalog.crosswalk."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from conftest import shared_folder

from aimskit import catalog
from aimskit.catalog import crosswalk
from aimskit.ui.cli import cli

REFERENCE = shared_folder() / "reference"
CROSSWALKS = {
    "crosswalk-iso42001-nist-ai-rmf": "nist-ai-rmf",
    "crosswalk-iso42001-eu-ai-act": "eu-ai-act-articles",
    "crosswalk-iso42001-iso27001": "iso27001-2022",
}


# ---------------------------------------------------------------------------------------------
# NIST AI RMF


def test_nist_structure_counts():
    functions = catalog.load("nist-ai-rmf-functions")
    assert functions["id"].tolist() == ["GV", "MP", "MS", "MG"]
    assert functions["display_id"].tolist() == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    cats = catalog.load("nist-ai-rmf-categories")
    assert len(cats) == 19
    # AI RMF Core tables 1-4 (CATALOG-NOTES section 3): subcategories per category
    assert dict(zip(cats["display_id"], cats["subcategories"], strict=True)) == {
        "GOVERN 1": 7, "GOVERN 2": 3, "GOVERN 3": 2, "GOVERN 4": 3, "GOVERN 5": 2, "GOVERN 6": 2,
        "MAP 1": 6, "MAP 2": 3, "MAP 3": 5, "MAP 4": 2, "MAP 5": 2,
        "MEASURE 1": 3, "MEASURE 2": 13, "MEASURE 3": 3, "MEASURE 4": 3,
        "MANAGE 1": 4, "MANAGE 2": 4, "MANAGE 3": 2, "MANAGE 4": 3,
    }  # fmt: skip
    subs = catalog.load("nist-ai-rmf")
    assert len(subs) == 72 and subs["id"].is_unique
    assert subs.groupby("function_id").size().to_dict() == {"GV": 19, "MP": 18, "MS": 22, "MG": 13}


def test_nist_machine_and_display_ids_agree():
    subs = catalog.load("nist-ai-rmf")
    names = {"GV": "GOVERN", "MP": "MAP", "MS": "MEASURE", "MG": "MANAGE"}
    for row in subs.itertuples():
        prefix, number = row.id.split("-")
        assert row.display_id == f"{names[prefix]} {number}"
        assert row.category_id == f"{prefix}-{number.split('.')[0]}"
        assert row.text and row.text.endswith(".")
    by_id = subs.set_index("id")
    assert (
        by_id.loc["GV-1.1", "text"]
        == "Legal and regulatory requirements involving AI are understood, managed, and documented."
    )
    assert by_id.loc["MS-2.13", "display_id"] == "MEASURE 2.13"
    assert by_id.loc["MG-4.3", "category_text"].startswith("Risk treatments, including response and recovery")


def test_nist_text_agrees_with_ai_600_1_where_both_give_it():
    """AI 600-1 repeats the subcategory text of 49 subcategories: same words (typography aside)."""
    path = REFERENCE / "nist-ai-600-1-actions.json"
    if not path.exists():
        pytest.skip("shared reference folder not available")
    import re

    def norm(s: str) -> str:
        for a, b in {"ﬁ": "fi", "ﬀ": "ff", "ﬂ": "fl", "ﬃ": "ffi", "’": "'", "–": "-", "“": '"', "”": '"'}.items():
            s = s.replace(a, b)
        return re.sub(r"[\s,.-]+", " ", s).strip().lower()

    theirs = {a["subcategory_id"]: a["subcategory_text"] for a in json.loads(path.read_text(encoding="utf-8"))}
    subs = catalog.load("nist-ai-rmf").set_index("display_id")["text"]
    # 600-1 rewords GOVERN 1.5 slightly ("planned, and ... are clearly defined")
    drift = {"GOVERN 1.5"}
    for sid, text in theirs.items():
        if sid not in drift:
            assert norm(subs[sid]) == norm(text), sid


def test_genai_actions():
    acts = catalog.load("nist-ai-600-1-actions")
    assert len(acts) == 212 and acts["id"].is_unique
    assert set(acts["subcategory_id"]) <= set(catalog.load("nist-ai-rmf")["id"])
    assert acts["subcategory_id"].nunique() == 49
    assert acts["subcategory_id"].str[:2].value_counts().to_dict() == {"MS": 72, "GV": 58, "MG": 43, "MP": 39}
    assert "GV-4.3-001" in set(acts["id"]) and not acts["id"].str.contains("--").any()
    assert not acts["suggested_action"].str.contains("ﬁ|ﬀ").any()
    # risk tags normalised to the 12 official names (counts as in CATALOG-NOTES section 3)
    tags = acts["gai_risks"].explode().value_counts().to_dict()
    assert len(tags) == 12
    assert tags["Information Integrity"] == 73
    assert tags["Human-AI Configuration"] == 58
    assert tags["CBRN Information or Capabilities"] == 31
    assert tags["Environmental Impacts"] == 4
    subs = catalog.load("nist-ai-rmf").set_index("id")
    assert subs.loc["GV-1.2", "genai_actions"] == ["GV-1.2-001", "GV-1.2-002"]
    assert subs.loc["MP-1.3", "genai_actions"] == []


# ---------------------------------------------------------------------------------------------
# ISO/IEC 27001:2022 and the EU AI Act articles


def test_iso27001_annex_a_has_93_namespaced_controls():
    df = catalog.load("iso27001-2022")
    controls = df[df["kind"] == "control"]
    assert len(controls) == 93
    assert controls.groupby("group_id").size().to_dict() == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}
    expected = [f"A.{t}.{n}" for t, k in ((5, 37), (6, 8), (7, 14), (8, 34)) for n in range(1, k + 1)]
    assert controls["id"].tolist() == expected
    clauses = df[df["kind"] == "clause"]
    assert len(clauses) == 30
    # namespaced: no control ID is a clause ID (5.1 Leadership and commitment vs A.5.1 Policies ...)
    assert not set(controls["id"]) & set(clauses["id"])
    by_id = df.set_index("id")["title"]
    assert by_id["5.1"] == "Leadership and commitment"
    assert by_id["A.5.1"] == "Policies for information security"
    assert by_id["A.8.34"] == "Protection of information systems during audit testing"
    assert by_id["6.3"] == "Planning of changes"


def test_iso27001_clauses_share_the_harmonized_structure_with_42001():
    ours = catalog.load("iso42001")
    ours = set(ours.loc[ours["kind"] == "clause", "id"])
    theirs = catalog.load("iso27001-2022")
    theirs = set(theirs.loc[theirs["kind"] == "clause", "id"])
    assert ours - theirs == {"6.1.4", "8.4"}  # AI system impact assessment: ISO 42001 only
    assert theirs <= ours


def test_eu_articles():
    df = catalog.load("eu-ai-act-articles")
    assert df["id"].tolist() == [f"Art. {n}" for n in range(1, 114)]
    by_id = df.set_index("id")
    assert by_id.loc["Art. 1", "title"] == "Subject matter"
    assert by_id.loc["Art. 9", "title"] == "Risk management system"
    assert by_id.loc["Art. 50", "chapter"] == "IV"


# ---------------------------------------------------------------------------------------------
# the crosswalk tables


@pytest.mark.parametrize(("name", "other"), CROSSWALKS.items())
def test_every_crosswalk_id_exists_in_its_catalog(name, other):
    df = catalog.load(name)
    assert set(df["iso42001_id"]) <= set(catalog.load("iso42001")["id"])
    unknown = set(df["target_id"]) - set(catalog.load(other)["id"])
    assert not unknown, unknown


@pytest.mark.parametrize("name", CROSSWALKS)
def test_every_crosswalk_row_is_sourced(name):
    df = catalog.load(name)
    assert set(df["relationship"]) <= set(crosswalk.RELATIONSHIPS)
    assert set(df["source_kind"]) <= {"published", "own_analysis"}
    assert (df["source"] != "").all() and (df["relationship_basis"] != "").all()
    assert (df["iso42001_edition"] != "").all() and (df["target_edition"] != "").all()
    analysis = df[df["source_kind"] == "own_analysis"]
    assert (analysis["rationale"].str.len() > 20).all(), "every aimskit-analysis row needs a one-line rationale"
    assert analysis["source"].str.startswith("aimskit").all()


def test_published_nist_rows_match_the_published_source_row_for_row():
    source = list(csv.DictReader((catalog.DATA / "nist-airmf-to-iso42001-crosswalk.csv").open(encoding="utf-8")))
    assert len(source) == 281
    df = catalog.load("crosswalk-iso42001-nist-ai-rmf")
    published = df[df["source_kind"] == "published"]
    assert len(published) == 281
    names = {"GOVERN": "GV", "MAP": "MP", "MEASURE": "MS", "MANAGE": "MG"}
    for row, src in zip(published.to_dict(orient="records"), source, strict=True):
        f, n = src["nist_subcategory"].split(" ")
        assert row["target_id"] == f"{names[f]}-{n}"
        assert row["iso42001_id"] == src["iso42001_ref_normalized"]
        assert row["published_ref"] == src["iso42001_ref_published"]
        assert row["note"] == src["note"]
    reference = REFERENCE / "nist-airmf-to-iso42001-crosswalk.csv"
    if reference.exists():  # the shipped copy is the reference file, unmodified
        assert (catalog.DATA / "nist-airmf-to-iso42001-crosswalk.csv").read_bytes() == reference.read_bytes()


def test_nist_crosswalk_coverage_and_fan_out():
    df = catalog.load("crosswalk-iso42001-nist-ai-rmf")
    published = df[df["source_kind"] == "published"].drop_duplicates(["iso42001_id", "target_id"])
    assert len(published) == 280  # MANAGE 1.1 -> A.6.2.4 is published twice
    assert set(published["target_id"]) == set(catalog.load("nist-ai-rmf")["id"])  # all 72
    reqs = catalog.load("iso42001")
    controls = set(reqs.loc[reqs["kind"] == "control", "id"])
    assert controls <= set(published["iso42001_id"])  # all 38 Annex A controls
    clauses = set(reqs.loc[reqs["kind"] == "clause", "id"])
    assert clauses - set(published["iso42001_id"]) == {"4.2", "6.3", "7.5.1", "7.5.2", "8.1"}
    fan = published.groupby("iso42001_id").size()
    # CATALOG-NOTES section 4.1: highest fan-out
    assert (fan["A.5.4"], fan["A.6.2.6"], fan["A.5.5"], fan["A.6.2.4"]) == (16, 15, 13, 12)
    assert fan["A.5.2"] == fan["A.6.1.3"] == fan["A.6.2.7"] == 11
    analysis = df[df["source_kind"] == "own_analysis"]
    assert set(analysis["iso42001_id"]) <= {"4.2", "6.3", "7.5.1", "7.5.2", "8.1"}


def test_eu_crosswalk_leaves_the_acts_own_procedures_unmapped():
    df = catalog.load("crosswalk-iso42001-eu-ai-act")
    mapped = set(df["target_id"])
    # prohibitions, declaration of conformity, CE marking, registration: nothing in ISO 42001
    assert not {"Art. 5", "Art. 47", "Art. 48", "Art. 49"} & mapped
    assert {"Art. 9", "Art. 10", "Art. 17", "Art. 27", "Art. 73"} <= mapped
    assert set(df["source_kind"]) == {"own_analysis"}


def test_iso27001_crosswalk_structure():
    df = catalog.load("crosswalk-iso42001-iso27001")
    clauses = df[~df["iso42001_id"].str.startswith("A.")]
    assert len(clauses) == 30 and (clauses["iso42001_id"] == clauses["target_id"]).all()
    assert not {"6.1.4", "8.4"} & set(df["iso42001_id"])
    assert set(clauses.loc[clauses["relationship"] == "equivalent", "iso42001_id"]) >= {"7.5.3", "9.2.2", "10.2"}
    assert clauses.set_index("iso42001_id").loc["6.1.2", "relationship"] == "intersects"
    # AI-specific controls with no ISO 27001 counterpart
    assert not {"A.5.2", "A.5.5", "A.7.4"} & set(df["iso42001_id"])


# ---------------------------------------------------------------------------------------------
# aimskit.catalog.crosswalk


def test_map_nist_to_iso_direct():
    m = crosswalk.map_ids(["GOVERN 1.1"], "nist-ai-rmf", "iso42001")
    assert m["to_id"].tolist() == ["4.1", "6.2", "A.2.2", "A.2.4"]
    assert (m["hops"] == 1).all() and (m["path"] == "direct").all()
    assert (m["hop1_source_kind"] == "published").all()


def test_id_forms_are_normalised():
    assert crosswalk.normalise("nist-ai-rmf", "GOVERN 1.1") == ["GV-1.1"]
    assert crosswalk.normalise("nist-ai-rmf", "gv-1.1") == ["GV-1.1"]
    assert crosswalk.normalise("nist-ai-rmf", "MAP 5") == ["MP-5.1", "MP-5.2"]
    assert len(crosswalk.normalise("nist", "MEASURE")) == 22
    assert crosswalk.normalise("eu-ai-act", "Article 26") == ["Art. 26"]
    assert crosswalk.normalise("eu-ai-act", "50(2)") == ["Art. 50"]
    with pytest.raises(crosswalk.CrosswalkError, match=r"did you mean 'A\.9\.4'"):
        crosswalk.normalise("iso42001", "A.9.9")
    with pytest.raises(crosswalk.CrosswalkError, match="not an ID"):
        crosswalk.normalise("nist-ai-rmf", "GOVERN 9.1")


def test_reverse_direction_inverts_the_relationship():
    forward = crosswalk.table("iso42001", "iso27001")
    back = crosswalk.table("iso27001", "iso42001")
    assert forward["from_id"].tolist() == back["to_id"].tolist()
    inverse = {"subset": "superset", "superset": "subset", "equivalent": "equivalent", "intersects": "intersects"}
    assert back["relationship"].tolist() == [inverse[r] for r in forward["relationship"]]


def test_two_hop_mapping_is_labelled_and_keeps_both_sources():
    """GOVERN 1.6 -> ISO 27001: no table exists, so the chain goes through ISO 42001.

    Published: GOVERN 1.6 -> A.4.2, A.4.3, A.4.4, A.4.5, A.4.6. aimskit analysis: A.4.6 -> 7.1,
    7.2 and A.6.3; A.4.2-A.4.5 -> A.5.9 (four chains); A.4.3 -> A.5.12; A.4.4 -> A.8.19;
    A.4.5 -> A.8.6, A.5.23. That is 3 + 4 + 1 + 1 + 2 = 11 chains.
    """
    m = crosswalk.map_ids(["GV-1.6"], "nist-ai-rmf", "iso27001")
    assert len(m) == 11
    assert (m["hops"] == 2).all() and (m["path"] == crosswalk.TWO_HOPS).all()
    assert (m["relationship"] == "not inferred (two hops)").all()
    assert set(m["hop1_source_kind"]) == {"published"} and set(m["hop2_source_kind"]) == {"own_analysis"}
    assert "GV-1.6 -> A.4.6 -> A.6.3" in set(m["chain"])
    assert (m["to_id"] == "A.5.9").sum() == 4


def test_unmapped_id_is_reported_not_dropped():
    m = crosswalk.map_ids(["Art. 5", "Art. 9"], "eu-ai-act", "iso42001")
    art5 = m[m["from_id"] == "Art. 5"]
    assert len(art5) == 1 and art5.iloc[0]["path"] == "no mapping" and art5.iloc[0]["to_id"] == ""
    assert set(m.loc[m["from_id"] == "Art. 9", "to_id"]) == {
        "6.1.2",
        "6.1.3",
        "6.1.4",
        "8.2",
        "8.3",
        "A.5.4",
        "A.6.2.4",
    }


def test_same_framework_and_unknown_framework():
    with pytest.raises(crosswalk.CrosswalkError, match="same"):
        crosswalk.map_ids(["4.1"], "iso42001", "iso-42001")
    with pytest.raises(crosswalk.CrosswalkError, match="unknown framework"):
        crosswalk.map_ids(["4.1"], "iso9001", "iso42001")


def test_cli_catalog_crosswalk():
    runner = CliRunner()
    res = runner.invoke(cli, ["catalog", "crosswalk", "nist-ai-rmf", "iso42001", "GV-1.1", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [d["to_id"] for d in data] == ["4.1", "6.2", "A.2.2", "A.2.4"]
    res = runner.invoke(cli, ["catalog", "crosswalk", "iso42001", "nist-ai-rmf", "--format", "csv"])
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert lines[0].startswith("from_framework,from_id,to_framework,to_id")
    assert len(lines) == 1 + 280 + 5 + 1  # unique published pairs + analysis rows + 7.5.2 unmapped
    res = runner.invoke(cli, ["catalog", "crosswalk", "nist", "iso27001", "GV-1.6"])
    assert res.exit_code == 0 and "two hops via ISO/IEC 42001" in res.output
    res = runner.invoke(cli, ["catalog", "crosswalk", "nist"])
    assert res.exit_code == 2 and "usage" in res.output
    res = runner.invoke(cli, ["catalog", "crosswalk", "iso42001", "nist", "Z.1"])
    assert res.exit_code == 2 and "not an ID" in res.output
    res = runner.invoke(cli, ["catalog", "iso42001", "extra"])
    assert res.exit_code == 2
