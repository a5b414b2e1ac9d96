"""Python packages a feature imports when it runs: one place that says which one is missing and how to install it.

Most of aimskit's packages are in its base install (``pyproject.toml``, ``dependencies``); two heavy
ones are extras for a few users (``oscal``: compliance-trestle; ``dask``: distributed). A feature
imports its package with :func:`require`, which raises :class:`MissingDependency` (an
:class:`~aimskit.base.problems.AimskitError`: one line and exit 1 on the command line) whose message
names the feature, the package and the exact ``pip install`` command. The command is read from the
installed aimskit's own metadata, so it cannot drift from ``pyproject.toml``.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from importlib import metadata
from types import ModuleType

from aimskit.base.problems import AimskitError

DISTRIBUTIONS = {
    "yaml": "pyyaml",
    "bs4": "beautifulsoup4",
    "docx": "python-docx",
    "trestle": "compliance-trestle",
}
"""Top-level module -> the distribution that installs it, where the names differ; any other module is
installed by the distribution of its own name."""

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
_AGGREGATES = {"all", "test"}  # extras that only gather others


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _requirements() -> tuple[tuple[str, str, str | None], ...]:
    """(normalised name, requirement without its marker, extra or None) for each of aimskit's requirements."""
    try:
        lines = metadata.requires("aimskit") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return ()
    out = []
    for line in lines:
        name = _NAME.match(line)
        if not name:
            continue
        spec, _, marker = line.partition(";")
        extra = _EXTRA.search(marker)
        out.append((_normalise(name.group(1)), spec.strip(), extra.group(1) if extra else None))
    return tuple(out)


def install_command(distribution: str) -> str:
    """The ``pip install`` command that brings ``distribution`` as aimskit declares it.

    A base requirement: ``pip install 'zstandard>=0.22'`` (the package belongs to aimskit's own
    install; the environment lost it). A package of an extra: ``pip install 'aimskit[oscal]'``."""
    wanted = _normalise(distribution)
    base = [spec for name, spec, extra in _requirements() if name == wanted and extra is None]
    if base:
        return f"pip install '{base[0]}'"
    extras = [extra for name, _, extra in _requirements() if name == wanted and extra not in _AGGREGATES]
    if extras and extras[0]:
        return f"pip install 'aimskit[{extras[0]}]'"
    return f"pip install '{distribution}'"


class MissingDependency(AimskitError):
    """A feature needs a Python package that is not installed."""

    def __init__(self, module: str, feature: str, missing: str | None = None, reason: str | None = None) -> None:
        self.module = module
        self.distribution = DISTRIBUTIONS.get(module, module)
        self.feature = feature
        self.command = install_command(self.distribution)
        if reason:  # installed, but importing it fails
            super().__init__(
                f"{feature} needs the Python package '{self.distribution}', which is installed but cannot be "
                f"imported ({reason}); install it again with: {self.command}"
            )
        elif missing and missing.split(".", 1)[0] != module:  # installed, but something it imports is not
            super().__init__(
                f"{feature} needs the Python package '{self.distribution}', which is installed but cannot import "
                f"'{missing}'; install it again with: {self.command}"
            )
        else:
            super().__init__(
                f"{feature} needs the Python package '{self.distribution}', which is not installed here; "
                f"install it with: {self.command}"
            )


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` (a top-level name or a dotted one) or raise :class:`MissingDependency` for ``feature``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(module.split(".", 1)[0], feature, exc.name) from exc


def from_import_error(exc: ImportError) -> MissingDependency | None:
    """The package behind an import that failed while aimskit ran, as a :class:`MissingDependency`.

    The innermost module that was not found, along the chain of causes (a package that is there but
    cannot import one of its own dependencies names the missing one); else the package that failed to
    import. None when the module is aimskit's own: that is a bug, not the environment."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 20:
        chain.append(current)
        current = current.__cause__ or current.__context__
    not_found = [e for e in chain if isinstance(e, ModuleNotFoundError) and e.name]
    if not_found:
        top = str(not_found[-1].name).split(".", 1)[0]
        return None if top == "aimskit" else MissingDependency(top, "aimskit")
    if exc.name:
        top = exc.name.split(".", 1)[0]
        return None if top == "aimskit" else MissingDependency(top, "aimskit", reason=str(exc).split("\n", 1)[0])
    return None
