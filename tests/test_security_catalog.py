"""Security catalogs: OWASP LLM Top 10 (2025, 2023), MITRE ATLAS 5.6.0 and the mapping tables."""

from __future__ import annotations

import re

import pytest
import yaml

from aimskit import catalog

OWASP_2025 = {
    "LLM01": "Prompt Injection",
    "LLM02": "Sensitive Information Disclosure",
    "LLM03": "Supply Chain",
    "LLM04": "Data and Model Poisoning",
    "LLM05": "Improper Output Handling",
    "LLM06": "Excessive Agency",
    "LLM07": "System Prompt Leakage",
    "LLM08": "Vector and Embedding Weaknesses",
    "LLM09": "Misinformation",
    "LLM10": "Unbounded Consumption",
}
OWASP_2023 = {
    "LLM01": "Prompt Injection",
    "LLM02": "Insecure Output Handling",
    "LLM03": "Training Data Poisoning",
    "LLM04": "Model Denial of Service",
    "LLM05": "Supply Chain Vulnerabilities",
    "LLM06": "Sensitive Information Disclosure",
    "LLM07": "Insecure Plugin Design",
    "LLM08": "Excessive Agency",
    "LLM09": "Overreliance",
    "LLM10": "Model Theft",
}
TACTICS = [
    ("AML.TA0002", "Reconnaissance"),
    ("AML.TA0003", "Resource Development"),
    ("AML.TA0004", "Initial Access"),
    ("AML.TA0000", "AI Model Access"),
    ("AML.TA0005", "Execution"),
    ("AML.TA0006", "Persistence"),
    ("AML.TA0012", "Privilege Escalation"),
    ("AML.TA0007", "Defense Evasion"),
    ("AML.TA0013", "Credential Access"),
    ("AML.TA0008", "Discovery"),
    ("AML.TA0015", "Lateral Movement"),
    ("AML.TA0009", "Collection"),
    ("AML.TA0001", "AI Attack Staging"),
    ("AML.TA0014", "Command and Control"),
    ("AML.TA0010", "Exfiltration"),
    ("AML.TA0011", "Impact"),
]
REFERENCE = "/work/shared/reference/ATLAS.yaml"


def test_owasp_2025_ids_and_titles():
    df = catalog.load("owasp-llm-2025")
    assert dict(zip(df["id"], df["title"], strict=True)) == OWASP_2025
    assert list(df["ref"]) == [f"LLM{i:02d}:2025" for i in range(1, 11)]


def test_owasp_2023_ids_and_titles():
    df = catalog.load("owasp-llm-2023")
    assert dict(zip(df["id"], df["title"], strict=True)) == OWASP_2023


def test_translation_covers_every_2023_id_and_known_pairs():
    df = catalog.load("owasp-llm-2023-to-2025").set_index("owasp2023_id")
    assert sorted(df.index) == sorted(OWASP_2023)
    assert set(df["owasp2025_id"]) <= set(OWASP_2025)
    pairs = dict(df["owasp2025_id"])
    assert pairs["LLM02"] == "LLM05" and pairs["LLM06"] == "LLM02" and pairs["LLM04"] == "LLM10"
    assert pairs["LLM05"] == "LLM03" and pairs["LLM03"] == "LLM04" and pairs["LLM08"] == "LLM06"
    # LLM07 System Prompt Leakage and LLM08 Vector and Embedding Weaknesses are new in 2025
    assert "LLM07" not in set(df["owasp2025_id"]) and "LLM08" not in set(df["owasp2025_id"])


def test_atlas_tactics_in_matrix_order():
    df = catalog.load("mitre-atlas-tactics")
    assert list(zip(df["id"], df["name"], strict=True)) == TACTICS
    assert list(df["matrix_order"]) == list(range(1, 17))


def test_atlas_techniques_counts_and_known_ids():
    df = catalog.load("mitre-atlas").set_index("id")
    assert len(df) == 170
    assert (~df["subtechnique"]).sum() == 101 and df["subtechnique"].sum() == 69
    assert df.loc["AML.T0051", "name"] == "LLM Prompt Injection"
    assert df.loc["AML.T0051.000", "parent_id"] == "AML.T0051"
    assert df.loc["AML.T0054", "name"] == "LLM Jailbreak"
    assert df.loc["AML.T0056", "name"] == "Extract LLM System Prompt"
    assert df.loc["AML.T0053", "name"] == "AI Agent Tool Invocation"
    assert set(df.loc["AML.T0054", "tactic_ids"]) == {"AML.TA0012", "AML.TA0007"}
    # sub-techniques carry their parent's tactics
    assert df.loc["AML.T0051.001", "tactic_ids"] == df.loc["AML.T0051", "tactic_ids"] == ["AML.TA0005"]
    tactic_ids = {t for t, _ in TACTICS}
    assert all(t and set(t) <= tactic_ids for t in df["tactic_ids"])
    assert all(re.fullmatch(r"AML\.T\d{4}(\.\d{3})?", i) for i in df.index)


@pytest.mark.skipif(not __import__("os").path.exists(REFERENCE), reason="reference ATLAS.yaml not on this machine")
def test_atlas_matches_the_reference_file():
    with open(REFERENCE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert data["version"] == "5.6.0"
    ref = {t["id"]: t["name"] for t in data["matrices"][0]["techniques"]}
    df = catalog.load("mitre-atlas")
    assert dict(zip(df["id"], df["name"], strict=True)) == ref


def test_owasp_atlas_crosswalk_ids_exist_and_published_rows_are_owasps():
    df = catalog.load("security-owasp-atlas")
    techniques = set(catalog.load("mitre-atlas")["id"]) | set(catalog.load("mitre-atlas-tactics")["id"])
    assert set(df["atlas_id"]) <= techniques
    assert set(df["owasp_id"]) == set(OWASP_2025)
    published = df[df["provenance"] == "owasp_crosswalk"]
    assert (published["status"] == "published").all()
    assert len(published) == 15
    assert set(published["owasp_id"]) == {"LLM01", "LLM02", "LLM03", "LLM04", "LLM07", "LLM09", "LLM10"}
    assert set(published.loc[published["owasp_id"] == "LLM01", "atlas_id"]) == {
        "AML.T0051.000",
        "AML.T0051.001",
        "AML.T0054",
    }
    assert (df.loc[df["provenance"] != "owasp_crosswalk", "status"] == "own_analysis").all()
    # exactly one primary technique per category
    assert df[df["primary"]].groupby("owasp_id").size().to_dict() == dict.fromkeys(OWASP_2025, 1)


def test_tool_map_targets_exist_and_rows_are_sourced():
    df = catalog.load("security-tool-map")
    techniques = set(catalog.load("mitre-atlas")["id"])
    tactics = set(catalog.load("mitre-atlas-tactics")["id"])
    assert set(df.loc[df["maps_to"] == "atlas", "target"]) <= techniques
    assert set(df.loc[df["maps_to"] == "atlas_tactic", "target"]) <= tactics
    assert set(df.loc[df["maps_to"] == "owasp", "target"]) <= set(OWASP_2025) | {"-"}
    assert set(df["provenance"]) == {"tool_tag", "tool_preset", "aimskit_analysis"}
    assert set(df["status"]) <= {"published", "own_analysis"}
    assert (df["source"] != "").all() and (df["edition"] != "").all()
    assert set(df["tool"]) == {"garak", "promptfoo", "pyrit", "inspect"}
    tags = df[(df["tool"] == "garak") & (df["kind"] == "tag")].set_index("key")["target"].to_dict()
    assert tags["owasp:llm02"] == "LLM05" and tags["owasp:llm06"] == "LLM02" and len(tags) == 10
    pf = df[(df["tool"] == "promptfoo") & (df["maps_to"] == "owasp") & (df["kind"] == "plugin")]
    assert set(pf.loc[pf["key"] == "prompt-extraction", "target"]) == {"LLM01", "LLM02", "LLM07"}
    assert set(pf.loc[pf["key"] == "divergent-repetition", "target"]) == {"LLM10"}
    assert "LLM03" not in set(pf["target"])  # promptfoo's preset has no plugin for Supply Chain


def test_annex_a_mapping_uses_real_controls_and_every_category():
    df = catalog.load("security-annex-a")
    annex = set(catalog.load("iso42001-annex-a")["id"])
    assert set(df["control_id"]) <= annex
    assert set(df.loc[df["applies_to"] == "owasp", "key"]) == set(OWASP_2025)
    assert (df["status"] == "own_analysis").all()


def test_security_catalogs_are_listed_with_licences():
    man = catalog.manifest()
    assert "CC BY-SA" in man["frameworks"]["owasp-llm"]["note"]
    assert "Apache" in man["frameworks"]["mitre-atlas"]["note"]
    for name in ("owasp-llm-2025", "mitre-atlas", "security-tool-map", "security-owasp-atlas", "security-annex-a"):
        assert name in catalog.names()
    assert "Copyright 2021-2025 MITRE" in (catalog.DATA / "ATLAS.LICENSE.txt").read_text(encoding="utf-8")
