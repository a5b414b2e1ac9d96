"""aimskit: parameterised notebooks and a library for ISO/IEC 42001:2023 AI management system work.

Importing :mod:`aimskit` is kept cheap (no pandas, no plotly): the heavy modules are
imported by the submodules that need them.
"""

from __future__ import annotations

import sys

# jsonschema imports ``rfc3987_syntax`` when it is installed (jupyterlab pulls it in), and that
# import compiles ~35 grammars: about 2 s, paid by every papermill/nbconvert import and, through
# plotly -> nbformat, by the first figure in every kernel. No Jupyter schema uses the 'iri'
# format it serves, so we tell Python it is absent. Measured in shared/research/notebook-engineering.md.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__version__ = "0.1.0"

__all__ = ["__version__", "render_report"]

# the module names of earlier releases import with a DeprecationWarning (aimskit.base.moved)
from aimskit.base import moved as _moved  # noqa: E402

_moved.install()


def __getattr__(name: str):
    # aimskit.render_report() from a notebook, without making 'import aimskit' import nbconvert
    # (imported by name at call time, so the package itself depends on nothing: no import cycle)
    if name == "render_report":
        import importlib

        return importlib.import_module("aimskit.ui.notebook_render").render_report
    raise AttributeError(f"module 'aimskit' has no attribute {name!r}")
