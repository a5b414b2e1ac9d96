"""The run's validated engagement snapshot: used only while it matches the folder, and equal to a fresh load."""

from __future__ import annotations

import importlib
import json

import pytest

from aimskit import engagement
from aimskit.steps import STEPS


@pytest.fixture
def snapshot(tmp_path, example_copy, monkeypatch):
    path = engagement.save_snapshot(engagement.load(example_copy), tmp_path / "scratch" / "engagement.pickle")
    monkeypatch.setenv(engagement.SNAPSHOT_ENV, str(path))
    return path


def _no_parsing(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the folder was parsed although the snapshot matches")

    monkeypatch.setattr(engagement, "_read", refuse)


def _results(step_name: str, eng) -> str:
    step = STEPS[step_name]
    compute, view = importlib.import_module(step.compute), importlib.import_module(step.view)
    return json.dumps(view.results(compute.assess(eng)), sort_keys=True, default=str)


@pytest.mark.parametrize("step_name", list(STEPS))
def test_a_report_loads_the_snapshot_and_computes_the_same_results(example_copy, snapshot, monkeypatch, step_name):
    step = STEPS[step_name]
    monkeypatch.delenv(engagement.SNAPSHOT_ENV)
    fresh = engagement.load(example_copy, parts=step.needs)
    monkeypatch.setenv(engagement.SNAPSHOT_ENV, str(snapshot))
    _no_parsing(monkeypatch)
    snap = engagement.load(example_copy, parts=step.needs)
    assert snap.loaded == fresh.loaded and set(snap.parts) == set(fresh.parts)
    assert snap.files == fresh.files and snap.input_hashes() == fresh.input_hashes()
    assert snap.systems.equals(fresh.systems) and snap.gap.equals(fresh.gap)
    assert list(snap.gap.dtypes) == list(fresh.gap.dtypes)
    assert _results(step_name, snap) == _results(step_name, fresh)


def test_a_part_the_step_did_not_declare_is_refused_from_the_snapshot_too(example_copy, snapshot, monkeypatch):
    from aimskit.steps import risk

    _no_parsing(monkeypatch)
    eng = engagement.load(example_copy, parts=STEPS["gap"].needs)
    with pytest.raises(engagement.PartNotLoaded, match="'risk' part"):
        risk.assess(eng)


def _count_parsing(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = engagement._read

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(engagement, "_read", counted)
    return calls


@pytest.mark.parametrize("change", ["none", "edit", "new file", "remove optional file"])
def test_a_snapshot_that_no_longer_matches_the_folder_is_ignored(example_copy, snapshot, monkeypatch, change):
    calls = _count_parsing(monkeypatch)
    if change == "edit":
        gap = example_copy / "gap.csv"
        gap.write_text(gap.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "new file":  # a profile added to the systems folder
        (example_copy / "systems" / "_notes.yaml").write_text("a: 1\n", encoding="utf-8")
    elif change == "remove optional file":
        (example_copy / "impacts.csv").unlink()
    eng = engagement.load(example_copy)
    assert len(calls) == (0 if change == "none" else 1)
    if change == "remove optional file":
        assert "impacts.csv" not in eng.files


def test_a_snapshot_of_another_folder_or_a_damaged_file_is_ignored(tmp_path, example_copy, snapshot, monkeypatch):
    import shutil

    calls = _count_parsing(monkeypatch)
    other = tmp_path / "other"
    shutil.copytree(example_copy, other)
    assert engagement.load(other).path == other and len(calls) == 1  # the snapshot names another folder
    snapshot.write_bytes(b"not a pickle")
    assert engagement.load(example_copy).organisation and len(calls) == 2
