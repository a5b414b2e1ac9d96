"""aimskit.engagement.edit: CSV rows and YAML values written in place, with conflicts refused and backups kept."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from aimskit import engagement
from aimskit.engagement import edit

GAP_KEY = ("requirement_id", "system_id")


def test_csv_row_replaced_everything_else_kept_byte_for_byte(tmp_path: Path):
    path = tmp_path / "gap.csv"
    text = (
        "\ufeff# assessed in the November workshop\r\n"
        "requirement_id,system_id,status,maturity,notes,extra\r\n"
        '4.1,,compliant,3,"a, b",keep me\r\n'
        "\r\n"
        "# a comment between rows\r\n"
        '4.2,,partially_compliant,2,"two\r\nlines",x\r\n'
    )
    path.write_bytes(text.encode("utf-8"))
    snap = edit.snapshot(path)
    result = edit.write_csv_rows(snap, GAP_KEY, [{"requirement_id": "4.1", "system_id": "", "status": "non_compliant"}])
    new = path.read_bytes().decode("utf-8")
    assert new == text.replace("4.1,,compliant,3", "4.1,,non_compliant,3")
    assert result.lines == {("4.1", ""): 3}
    assert result.backup is not None and result.backup.read_bytes() == text.encode("utf-8")
    assert result.backup.parent == tmp_path / edit.BACKUP_DIR
    assert result.snapshot == edit.snapshot(path)


def test_csv_append_new_row_and_new_column(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n# trailing comment\n", encoding="utf-8")
    edit.write_csv_rows(edit.snapshot(path), ("a",), [{"a": "3", "c": "new, quoted"}, {"a": "1", "b": "9"}])
    assert path.read_text(encoding="utf-8") == 'a,b,c\n1,9,\n# trailing comment\n3,,"new, quoted"\n'


def test_csv_new_file_gets_the_schema_header(tmp_path: Path):
    path = tmp_path / "risks.csv"
    result = edit.write_csv_rows(
        edit.snapshot(path), ("risk_id",), [{"risk_id": "R-01", "title": "T"}], columns=["risk_id", "title", "status"]
    )
    assert path.read_text(encoding="utf-8") == "risk_id,title,status\nR-01,T,\n"
    assert result.backup is None


def test_csv_multiline_and_unicode_separators_survive(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"x\u2028y\nz"\n2,3\n', encoding="utf-8")
    edit.write_csv_rows(edit.snapshot(path), ("a",), [{"a": "2", "b": "q\nr"}])
    assert path.read_text(encoding="utf-8") == 'a,b\n1,"x\u2028y\nz"\n2,"q\nr"\n'


def test_csv_delete_rows(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    edit.write_csv_rows(edit.snapshot(path), ("a",), [], delete=[("1",)])
    assert path.read_text(encoding="utf-8") == "a,b\n3,4\n"


def test_conflict_when_the_file_changed_since_loaded(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    snap = edit.snapshot(path)
    path.write_text("a,b\n1,2\n5,6\n", encoding="utf-8")  # someone else saved
    with pytest.raises(edit.ConflictError, match="changed on disk since it was loaded"):
        edit.write_csv_rows(snap, ("a",), [{"a": "1", "b": "7"}])
    assert path.read_text(encoding="utf-8") == "a,b\n1,2\n5,6\n"
    assert not (tmp_path / edit.BACKUP_DIR).exists()
    # a file created since the snapshot of an absent file is a conflict too
    other = tmp_path / "new.csv"
    absent = edit.snapshot(other)
    other.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(edit.ConflictError):
        edit.write_csv_rows(absent, ("a",), [{"a": "2"}])


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")

    def crash(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        edit.write_csv_rows(edit.snapshot(path), ("a",), [{"a": "1", "b": "7"}])
    assert path.read_text(encoding="utf-8") == "a,b\n1,2\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_backups_are_bounded(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,0\n", encoding="utf-8")
    snap = edit.snapshot(path)
    for i in range(edit.KEEP_BACKUPS + 5):
        snap = edit.write_csv_rows(snap, ("a",), [{"a": "1", "b": str(i + 1)}]).snapshot
    assert len(list((tmp_path / edit.BACKUP_DIR).glob("t.csv.*.bak"))) == edit.KEEP_BACKUPS


TEMPLATE = """\
# profile
role: [deployer]          # EU AI Act role
screening:                # answers
  art5.a: no  # Art. 5(1)(a)
  annex_i: none  # Annex I
  # art6.1.b: no  # Art. 6(1)(b) [when annex_i lists an act]
  annex_iii: none
  art50.1: yes   # chats with customers
# fria:
#   deployment_process: ...
"""


def test_yaml_values_set_in_place_comments_kept(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    updates = {
        ("screening", "art5.a"): True,
        ("screening", "annex_i"): [11],
        ("screening", "art6.1.b"): True,
        ("screening", "art50.1"): edit.DELETE,
        ("screening", "gpai"): "none",
        ("intended_purpose",): "Scores: loans # not a comment",
    }
    edit.update_yaml(edit.snapshot(path), updates)
    new = path.read_text(encoding="utf-8")
    assert new.splitlines()[:9] == [
        "# profile",
        "role: [deployer]          # EU AI Act role",
        "screening:                # answers",
        "  art5.a: yes  # Art. 5(1)(a)",
        "  annex_i: [11]  # Annex I",
        "  art6.1.b: yes  # Art. 6(1)(b) [when annex_i lists an act]",
        "  annex_iii: none",
        "  gpai: none",  # added after the last key of the mapping
        "  # art50.1: yes   # chats with customers",
    ]
    data = yaml.safe_load(new)
    assert data["screening"] == {"art5.a": True, "annex_i": [11], "art6.1.b": True, "annex_iii": "none", "gpai": "none"}
    assert data["intended_purpose"] == "Scores: loans # not a comment"
    assert "# fria:" in new


def test_yaml_refuses_flow_mappings_and_conflicts(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text("screening: {art5.a: no}\n", encoding="utf-8")
    with pytest.raises(edit.EditError, match="flow style"):
        edit.update_yaml(edit.snapshot(path), {("screening", "art5.b"): False})
    snap = edit.snapshot(path)
    path.write_text("screening: {art5.a: yes}\n", encoding="utf-8")
    with pytest.raises(edit.ConflictError):
        edit.update_yaml(snap, {("screening", "art5.a"): False})


def test_validate_changes_reports_like_aimskit_validate(example_copy: Path):
    text = (example_copy / "gap.csv").read_text(encoding="utf-8")
    new, lines = edit.edit_csv_text(text, GAP_KEY, [{"requirement_id": "4.1", "system_id": "", "maturity": ""}])
    problems = edit.validate_changes(example_copy, {"gap.csv": new})
    assert [p.format() for p in problems if p.severity == "error"] == [
        f"{example_copy / 'gap.csv'}:{lines[('4.1', '')]}:maturity: maturity (0-5) is required when status is compliant"
        " [AK213]"
    ]
    # the same message as validating the file itself
    (example_copy / "gap.csv").write_text(new, encoding="utf-8")
    assert [p for p in engagement.validate(example_copy) if p.severity == "error"] == [
        p for p in problems if p.severity == "error"
    ]


YAML_SHAPES = "a:\nb:  # note\nc:\n  - 1\n  - 2\nd: |\n  text\ne:\n  f: 1\n"


@pytest.mark.parametrize(
    ("updates", "expected"),
    [
        ({("a",): "x"}, "a: x\nb:  # note\nc:\n  - 1\n  - 2\nd: |\n  text\ne:\n  f: 1\n"),  # an empty value
        ({("b",): 3}, "a:\nb: 3  # note\nc:\n  - 1\n  - 2\nd: |\n  text\ne:\n  f: 1\n"),  # before its comment
        ({("c",): [4]}, "a:\nb:  # note\nc: [4]\nd: |\n  text\ne:\n  f: 1\n"),  # a block list becomes flow
        ({("e", "g", "h"): "deep"}, YAML_SHAPES + "  g:\n    h: deep\n"),  # new keys after the last one
    ],
)
def test_yaml_value_shapes_are_replaced_in_place(updates, expected):
    assert edit.edit_yaml_text(YAML_SHAPES, updates) == expected


@pytest.mark.parametrize(
    ("text", "updates", "message"),
    [
        (YAML_SHAPES, {("d",): edit.DELETE}, "cannot comment out the multi-line value of 'd'"),
        (YAML_SHAPES, {("a",): {"k": 1}}, "'a' already exists; set its keys one by one"),
        ("x: {}\n", {("x", "y"): 1}, "'x' is written in flow style"),
    ],
)
def test_yaml_edits_that_cannot_be_made_in_place_are_refused(text, updates, message):
    with pytest.raises(edit.EditError, match=re.escape(message)):
        edit.edit_yaml_text(text, updates)


def test_csv_rows_replaced_appended_and_deleted_with_their_lines():
    text = "id,name\r\n# c\r\na,1\r\n\r\n"
    new, lines = edit.edit_csv_text(text, ("id",), [{"id": "b", "new": "x"}, {"id": "a", "name": "2"}])
    assert (new, lines) == ("id,name,new\r\n# c\r\na,2,\r\nb,,x\r\n", {("a",): 3, ("b",): 4})
    assert edit.edit_csv_text("id,name\na,1\nb,2\n", ("id",), [], delete=[("a",)]) == ("id,name\nb,2\n", {})
