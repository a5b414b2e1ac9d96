from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A writable copy of the minimal valid engagement."""
    target = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "valid-minimal", target)
    return target


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    from aimskit import resources

    target = tmp_path / "example"
    shutil.copytree(resources.example_engagement(), target)
    return target
