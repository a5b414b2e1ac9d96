"""IDs that name report files must not collide on case-insensitive (macOS, Windows) file systems."""

from __future__ import annotations

from pathlib import Path

from aimskit import engagement
from aimskit.base.names import check_file_names, file_key
from aimskit.base.problems import Problems


def _errors(folder: Path, fragment: str) -> list[str]:
    return [p.format() for p in engagement.validate(folder) if p.severity == "error" and fragment in p.message]


def test_system_ids_differing_only_in_case_are_refused_naming_both_rows(example_copy: Path):
    systems = example_copy / "systems.csv"
    lines = systems.read_text(encoding="utf-8").splitlines()
    lines.append(lines[2].replace("llm-assist,", "LLM-Assist,", 1))
    systems.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = _errors(example_copy, "upper/lower case")
    assert errors == [
        f"{systems}:{len(lines)}:id: system 'LLM-Assist' and 'llm-assist' (line 3) differ only in upper/lower case "
        "or Unicode form: their reports would be the same file on macOS and Windows; give one of them a different id"
        " [AK122]"
    ]


def test_audit_and_review_ids_differing_only_in_case_are_refused(example_copy: Path):
    audits = example_copy / "audits.yaml"
    audits.write_text(audits.read_text(encoding="utf-8").replace("id: IA-2027-01", "id: ia-2026-01"), encoding="utf-8")
    reviews = example_copy / "reviews.yaml"
    text = reviews.read_text(encoding="utf-8")
    start, end = text.index("  - id: MR-2026-01\n"), text.index("next_review:")
    copy = text[start:end].replace("id: MR-2026-01\n", "id: mr-2026-01\n").replace("MR-2026-01-A", "MR-X-A")
    reviews.write_text(text[:end] + copy + text[end:], encoding="utf-8")
    errors = _errors(example_copy, "upper/lower case")
    assert len(errors) == 2
    assert f"{audits}:26: audit 'ia-2026-01' and 'IA-2026-01' (line 10)" in errors[0]
    assert "review 'mr-2026-01' and 'MR-2026-01' (line 3)" in errors[1]


def test_file_key_folds_case_and_unicode_compatibility_forms():
    assert file_key("LLM-Assist") == file_key("llm-assist")
    assert file_key("\ufb01le") == file_key("FILE")  # the ligature fi
    assert file_key("Ａ1") == file_key("a1")  # full-width letter
    assert file_key("a-1") != file_key("a_1")


def test_identical_ids_are_left_to_the_duplicate_check():
    problems = Problems()
    refused = check_file_names([("a", 1), ("a", 2), ("B", 3), ("b", 4)], "f.csv", "system", problems)
    assert refused == {"b"} and len(problems.errors) == 1
