from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


def shared_folder() -> Path:
    """The project's shared/ folder (reference data, real red-team outputs): beside the checkout, as CI lays it."""
    for candidate in (REPO.parent / "shared", Path("/work/shared")):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    """With ``AIMSKIT_REQUIRE_SHARED=1`` (CI) a missing shared/ folder (real red-team outputs, reference
    data) stops the run instead of skipping the tests that read it."""
    import os

    if os.environ.get("AIMSKIT_REQUIRE_SHARED") == "1" and not (shared_folder() / "redteam-samples").is_dir():
        raise pytest.UsageError(
            f"AIMSKIT_REQUIRE_SHARED=1 but {shared_folder()} has no redteam-samples/: "
            "lay the project's shared/ folder beside the checkout"
        )


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A writable copy of the minimal valid engagement."""
    target = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "valid-minimal", target)
    return target


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    from aimskit.base import resources

    target = tmp_path / "example"
    shutil.copytree(resources.example_engagement(), target)
    return target


# Finished runs of the example and of the example after a quarter of edits (tests/fixtures/quarter-after),
# shared by the OSCAL and compare tests: executing the notebooks is the slow part.
RUN_STEPS = ("gap", "risk", "impact", "audit")


def _run(engagement: Path, out: Path) -> Path:
    from aimskit import batch

    result = batch.run(engagement, steps=RUN_STEPS, out=out, jobs=2)
    assert not result.failed, [r.error for r in result.failed]
    return out


@pytest.fixture(scope="session")
def example_run(tmp_path_factory) -> Path:
    from aimskit.base import resources

    return _run(resources.example_engagement(), tmp_path_factory.mktemp("runs") / "before")


@pytest.fixture(scope="session")
def quarter_after(tmp_path_factory) -> Path:
    """A copy of the example with the files of tests/fixtures/quarter-after laid over it."""
    from aimskit.base import resources

    target = tmp_path_factory.mktemp("eng") / "example"
    shutil.copytree(resources.example_engagement(), target)
    shutil.copytree(FIXTURES / "quarter-after", target, dirs_exist_ok=True)
    return target


@pytest.fixture(scope="session")
def after_run(quarter_after, tmp_path_factory) -> Path:
    return _run(quarter_after, tmp_path_factory.mktemp("runs") / "after")
