"""Placeholder text from the blank templates is warned about wherever it is left."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from aimskit import engagement
from aimskit.base import resources
from aimskit.engagement import placeholders
from aimskit.engagement.scaffold import blank_files, init_engagement
from aimskit.ui.cli import cli


def test_every_placeholder_is_in_the_templates_it_comes_from():
    text = "\n".join(blank_files().values())
    flat = " ".join(text.split())
    for placeholder in placeholders.PLACEHOLDERS:
        assert placeholder in flat, placeholder


def test_a_fresh_blank_engagement_warns_on_each_placeholder_and_strict_fails(tmp_path: Path):
    folder = tmp_path / "blank"
    init_engagement(folder)
    found = placeholders.find(folder)
    assert [(Path(p.file).name, p.line) for p in found] == [
        ("engagement.yaml", 5),
        ("engagement.yaml", 10),
        ("engagement.yaml", 14),
    ]
    assert all("placeholder text from the blank template" in p.message for p in found)
    assert placeholders.count(folder) == 3
    assert [p for p in engagement.validate(folder) if "placeholder" in p.message] == found
    assert CliRunner().invoke(cli, ["validate", "--strict", str(folder)]).exit_code == 1


def test_a_profile_copied_from_the_template_and_an_uncommented_example_row(tmp_path: Path):
    folder = tmp_path / "blank"
    init_engagement(folder)
    profile = (folder / "systems" / "_example.yaml").read_text(encoding="utf-8")
    (folder / "systems" / "credit-score.yaml").write_text(profile, encoding="utf-8")
    systems = folder / "systems.csv"
    lines = systems.read_text(encoding="utf-8").splitlines()
    lines = [line[2:] if line.startswith("# credit-score,") else line for line in lines]
    systems.write_text("\n".join(lines) + "\n", encoding="utf-8")
    messages = [(Path(p.file).name, p.message) for p in placeholders.find(folder)]
    assert ("credit-score.yaml", placeholders._message("What the system is for, in one or two sentences")) in messages
    assert ("credit-score.yaml", placeholders._message("Where, by whom and how the system is used")) in messages
    assert ("systems.csv", "this row is the template's example row; replace it with your own or delete it") in messages


def test_the_example_engagement_has_no_placeholder():
    # no template text; the blank profile leaves every screening answer unanswered, so an answered
    # all-"no" screening (the minimal-risk forecast) is the assessor's own, not the template's
    assert placeholders.find(resources.example_engagement()) == []


def test_a_placeholder_inside_a_name_and_role(tmp_path: Path):
    folder = tmp_path / "blank"
    init_engagement(folder)
    meta = folder / "engagement.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("Your Name", "Chief Risk Officer (Full Name)"), "utf-8")
    assert any("'Chief Risk Officer (Full Name)'" in p.message for p in placeholders.find(folder))
