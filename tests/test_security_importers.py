"""Importers of red-team results, tested on files the real tools wrote and on hostile input.

Expected counts are the tools' own summary rows (garak eval rows, promptfoo results.stats,
PyRIT outcomes, Inspect results.scores), read independently here with the standard library.
"""

from __future__ import annotations

import io
import json
import resource
import sqlite3
import zipfile
from pathlib import Path

import pytest
from conftest import shared_folder

from aimskit.formats.redteam import detect, import_file

FIX = Path(__file__).parent / "fixtures" / "redteam"
SAMPLES = shared_folder() / "redteam-samples"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared red-team samples not on this machine")


def _garak_evals(path: Path) -> dict[tuple[str, str], tuple[int, int]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["entry_type"] == "eval":
            total = row.get("total_evaluated", row.get("total"))
            out[(row["probe"], row["detector"])] = (total, row.get("fails", total - row["passed"]))
    return out


@pytest.mark.parametrize("name", ["test-Repeat.report.jsonl", "test-Blank.report.jsonl"])
def test_garak_017_fixture_counts_match_eval_rows(name):
    path = FIX / "garak" / name
    assert detect(path) == "garak"
    r = import_file(path)
    assert r.tool_version == "0.17.1" and r.complete
    assert not [p for p in r.problems if p[2] == "error"]
    got = {(f.test, f.detector): (f.attempts, f.successes) for f in r.findings}
    assert got == _garak_evals(path)
    enc = next(f for f in r.findings if f.test == "encoding.InjectBase64")
    assert "owasp:llm01" in enc.tags  # from the plugin_cache rows
    assert r.digest and "encoding.InjectBase64" in r.digest["probe_pass_rate"]


def test_garak_repeat_has_hits_with_examples():
    r = import_file(FIX / "garak" / "test-Repeat.report.jsonl")
    pi = next(f for f in r.findings if f.test == "promptinject.HijackHateHumans")
    assert (pi.attempts, pi.successes) == (12, 12)
    assert pi.examples and pi.examples[0].prompt and pi.examples[0].score == 1.0
    assert r.target == "test.Repeat"


@needs_samples
@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [
        ("test_with_ci.report.jsonl", "0.14.0.pre1", (50, 13)),
        ("report_test.report.jsonl", "0.13.3.pre1", None),
        ("quack.report.jsonl", "0.14.0.pre1", None),
    ],
)
def test_garak_shared_samples(name, version, expected):
    path = SAMPLES / "garak" / name
    r = import_file(path)
    assert r.tool == "garak" and r.tool_version == version
    got = {(f.test, f.detector): (f.attempts, f.successes) for f in r.findings}
    assert got == _garak_evals(path)
    if expected:
        assert (r.attempts, r.successes) == expected


@needs_samples
def test_garak_digest_only_file():
    r = import_file(SAMPLES / "garak" / "tbsa_digest_0.json")
    assert r.tool == "garak" and r.tool_version == "0.14.0.pre1"
    assert r.digest["probe_pass_rate"]
    assert any("digest without counts" in p[1] for p in r.problems)


def test_promptfoo_fixture_matches_stats():
    for name, fails in (("promptfooconfig.results.json", 7), ("promptfooconfig-hardened.results.json", 0)):
        path = FIX / "promptfoo" / name
        stats = json.loads(path.read_text(encoding="utf-8"))["results"]["stats"]
        assert stats["failures"] == fails
        r = import_file(path)
        assert r.tool == "promptfoo" and r.tool_version == "0.123.1"
        assert (r.attempts, r.successes) == (stats["successes"] + stats["failures"], stats["failures"])
        assert {f.test for f in r.findings} == {"intent"}
        assert {f.strategy for f in r.findings} == {"basic", "base64", "rot13", "leetspeak"}
        assert not r.problems


def test_promptfoo_example_keeps_attack_text_as_data():
    r = import_file(FIX / "promptfoo" / "promptfooconfig.results.json")
    b64 = next(f for f in r.findings if f.strategy == "base64")
    assert b64.successes == 3 and b64.examples[0].output.startswith("SYSTEM PROMPT")


@needs_samples
def test_promptfoo_plain_eval_sample_warns_it_cannot_map():
    r = import_file(SAMPLES / "promptfoo" / "simple-cli.output.json")
    assert r.tool == "promptfoo" and r.attempts == 8 and r.successes == 0
    assert any("no red-team plugin id" in p[1] for p in r.problems)


@pytest.mark.parametrize(("name", "hits"), [("pyrit-baseline.db", 3), ("pyrit-hardened.db", 0)])
def test_pyrit_fixture_counts_match_outcomes(name, hits):
    path = FIX / "pyrit" / name
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        outcomes = [r[0] for r in con.execute("select outcome from AttackResultEntries")]
    r = import_file(path)
    assert r.tool == "pyrit" and r.tool_version == "1.1.0" and r.target == "CannedTarget"
    assert (r.attempts, r.successes) == (len(outcomes), outcomes.count("success")) == (6, hits)
    assert r.findings[0].test == "PromptSendingAttack" and r.findings[0].categories == ["jailbreak"]
    if hits:
        assert "hunter2" in r.findings[0].examples[0].output


@pytest.mark.parametrize("name", ["injection.eval", "injection.json"])
def test_inspect_logs(name):
    path = FIX / "inspect" / name
    assert detect(path) == "inspect"
    r = import_file(path, score_meaning="attack")
    assert r.tool_version == "0.3.285" and r.target == "mockllm/model"
    scored = json.loads((FIX / "inspect" / "injection.json").read_text(encoding="utf-8"))["results"]["scores"][0]
    assert r.attempts == scored["scored_samples"] == 4
    assert r.successes == 0  # accuracy 0.0: the injected string never appeared
    flipped = import_file(path, score_meaning="pass")
    assert flipped.successes == 4
    assert not [p for p in r.problems if p[2] == "error"]


def test_eval_members_are_zstandard():
    with zipfile.ZipFile(FIX / "inspect" / "injection.eval") as zf:
        assert {i.compress_type for i in zf.infolist()} == {93}


# ---------------------------------------------------------------------------------------------
# hostile input


def _errors(r):
    return [p for p in r.problems if p[2] == "error"]


def test_garak_corrupt_and_truncated_lines(tmp_path):
    lines = (FIX / "garak" / "test-Blank.report.jsonl").read_bytes().splitlines(keepends=True)
    bad = tmp_path / "bad.report.jsonl"
    bad.write_bytes(
        b"".join(lines[:5]) + b'{"entry_type": "attempt", "status": 2, oops\n' + b"".join(lines[5:40]) + b'{"entry_ty'
    )
    r = import_file(bad, tool="garak")
    errs = _errors(r)
    assert [e[0] for e in errs] == [6, 42]  # 5 good lines, the bad one, 35 good, the cut one
    assert "truncated" in errs[1][1]
    assert [e[3] for e in errs] == ["AK661", "AK661"]
    assert not r.complete and [p[3] for p in r.problems if "completion" in p[1]] == ["AK674"]


def test_garak_rows_of_the_wrong_shape_are_skipped_not_raised(tmp_path):
    fixture = FIX / "garak" / "test-Repeat.report.jsonl"
    good = import_file(fixture)
    hostile = [
        {"entry_type": ["eval"]},  # not a kind of row: ignored
        {"entry_type": {"k": 1}},
        {
            "entry_type": "attempt",
            "status": 2,
            "probe_classname": "probes.x.Y",
            "prompt": {"turns": ["text"]},
            "outputs": 7,
            "detector_results": {"detector.d.D": [1.0]},
        },
        {"entry_type": "attempt", "status": 1, "probe_classname": "probes.x.Z", "detector_results": {"d": [1.0]}},
        {"entry_type": "digest", "eval": {"g": {"x.Y": {"_summary": "text", "d.D": {"passed": 1}}}}},
    ]
    p = tmp_path / "hostile.report.jsonl"
    lines = [fixture.read_text(encoding="utf-8").rstrip("\n"), *(json.dumps(r) for r in hostile)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = import_file(p)
    assert [(f.test, f.detector, f.attempts, f.successes) for f in r.findings] == [
        (f.test, f.detector, f.attempts, f.successes) for f in good.findings
    ]  # the eval rows count; the status-1 attempt and the odd rows add nothing
    assert not _errors(r) and r.digest == {"probe_pass_rate": {}, "counts": {}}


def test_promptfoo_fields_of_the_wrong_shape_are_read_as_absent(tmp_path):
    doc = json.loads((FIX / "promptfoo" / "promptfooconfig.results.json").read_text(encoding="utf-8"))
    stats = doc["results"]["stats"]
    doc["results"]["results"][0]["gradingResult"]["componentResults"] = 3
    doc["results"]["stats"] = {**stats, "failures": str(stats["failures"])}
    p = tmp_path / "odd.results.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    r = import_file(p)
    assert (r.attempts, r.successes) == (stats["successes"] + stats["failures"], stats["failures"])
    assert not r.problems  # the text count is not compared; the row without components still counts
    doc["results"]["stats"] = {**stats, "failures": stats["failures"] + 1}
    p.write_text(json.dumps(doc), encoding="utf-8")
    assert [c for _, m, _, c in import_file(p).problems if "graded rows" in m] == ["AK675"]


def test_garak_unknown_version_warns(tmp_path):
    text = (FIX / "garak" / "test-Blank.report.jsonl").read_text(encoding="utf-8").replace('"0.17.1"', '"0.99.0"')
    p = tmp_path / "future.report.jsonl"
    p.write_text(text, encoding="utf-8")
    r = import_file(p)
    assert [c for _, m, _, c in r.problems if "outside the versions" in m] == ["AK673"] and r.findings


def test_deeply_nested_json(tmp_path):
    deep = "[" * 10000 + "]" * 10000
    p = tmp_path / "deep.jsonl"
    p.write_text('{"entry_type": "init", "garak_version": "0.17.1"}\n{"entry_type": "x", "v": ' + deep + "}\n")
    r = import_file(p)
    assert _errors(r) and _errors(r)[0][0] == 2 and "nested" in _errors(r)[0][1] and _errors(r)[0][3] == "AK663"
    q = tmp_path / "deep.json"
    q.write_text('{"evalId": "x", "results": ' + deep + "}")
    r = import_file(q)
    assert r.tool == "promptfoo" and "nested" in _errors(r)[0][1] and _errors(r)[0][3] == "AK663"


def test_unrecognised_and_unsupported_files(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("hello")
    assert _errors(import_file(p))[0][3] == "AK660" and "not recognised" in _errors(import_file(p))[0][1]
    q = tmp_path / "old.json"
    q.write_text(json.dumps({"evalId": "e", "results": {"version": 2, "table": {}}}))
    assert "version 2 is not supported" in _errors(import_file(q))[0][1] and _errors(import_file(q))[0][3] == "AK670"
    s = tmp_path / "other.db"
    sqlite3.connect(s).execute("create table t(x)").connection.commit()
    assert "not a PyRIT memory database" in _errors(import_file(s))[0][1] and _errors(import_file(s))[0][3] == "AK669"
    c = tmp_path / "corrupt.db"
    c.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    assert [e[3] for e in _errors(import_file(c))] == ["AK668"]


def test_zip_bomb_member_is_refused(tmp_path):
    p = tmp_path / "bomb.eval"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.json", json.dumps({"version": 2, "status": "success", "eval": {"task": "t"}}))
        zf.writestr("samples/1_epoch_1.json", b"\0" * (300 * 2**20))
    r = import_file(p)
    assert r.tool == "inspect"
    assert any(("zip bomb" in m or "limit" in m) and c in ("AK664", "AK665") for _, m, _, c in _errors(r))


def test_zip_member_lying_about_its_size_is_capped(tmp_path, monkeypatch):
    from aimskit.formats.redteam import base, inspect_ai

    monkeypatch.setattr(inspect_ai, "MAX_MEMBER_BYTES", 1000)
    monkeypatch.setattr(base, "MAX_MEMBER_BYTES", 1000)
    p = tmp_path / "big.eval"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("header.json", json.dumps({"version": 2, "eval": {"task": "t"}, "pad": "x" * 5000}))
    r = import_file(p)
    assert any("header.json" in m and c in ("AK664", "AK665") for _, m, _, c in _errors(r))


def test_huge_jsonl_line_is_skipped_with_bounded_memory(tmp_path, monkeypatch):
    from aimskit.formats.redteam import garak

    monkeypatch.setattr(garak, "MAX_LINE_BYTES", 1 << 20)
    p = tmp_path / "huge.report.jsonl"
    with p.open("wb") as fh:
        fh.write(b'{"entry_type": "init", "garak_version": "0.17.1"}\n{"entry_type": "attempt", "x": "')
        fh.write(b"a" * (20 << 20))
        fh.write(b'"}\n{"entry_type": "completion"}\n')
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = import_file(p)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert _errors(r)[0][0] == 2 and "longer than" in _errors(r)[0][1] and _errors(r)[0][3] == "AK662"
    assert grown_mb < 15


def test_huge_json_document_refused(tmp_path, monkeypatch):
    from aimskit.formats.redteam import base

    monkeypatch.setattr(base, "MAX_JSON_BYTES", 1000)
    p = tmp_path / "results.json"
    p.write_text(json.dumps({"evalId": "x", "results": {"version": 3, "results": [], "pad": "y" * 5000}}))
    assert "not read" in _errors(import_file(p))[0][1] and _errors(import_file(p))[0][3] == "AK664"


# A missing zstandard: tests/test_dependencies.py (one problem per file, the base install's command).


def test_not_a_zip_eval(tmp_path):
    p = tmp_path / "x.eval"
    p.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    r = import_file(p, tool="inspect")
    assert _errors(r)
    _ = io


def test_every_importer_problem_has_its_own_registered_code(tmp_path):
    """The importers' codes are registered, and distinct kinds of problem do not share one."""
    from aimskit.base import codes

    p = tmp_path / "bad.report.jsonl"
    p.write_text('{"entry_type": "init", "garak_version": "0.17.1"}\n{oops\n', encoding="utf-8")
    r = import_file(p)
    found = {c for *_, c in r.problems}
    assert found <= set(codes.CODES)
    assert {"AK661", "AK674"} <= found  # a corrupt line and the missing completion row: two codes
    assert "AK615" not in found and "AK616" not in found
