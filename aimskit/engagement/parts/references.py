"""The ids a declared reference may name, and the one check of every loaded table's references.

A column of a :class:`~aimskit.formats.csvschema.TableSchema` declares what its values refer to
(``refers_to=SYSTEM``). While the parts are read, each table a part loads is registered in the
:class:`~aimskit.engagement.parts.base.ReadContext` (``ctx.table``), which keeps the rows whose
references resolve, and each file others refer to provides its ids (``ctx.provide``). After the last
part, :meth:`ReadContext.check_references <aimskit.engagement.parts.base.ReadContext.check_references>`
reports every dangling reference once, at ``file:line:column``, with the code of
its kind of reference.
"""

from __future__ import annotations

import functools

from aimskit import catalog
from aimskit.base.problems import one_of, suggest_id
from aimskit.base.vocab import SYSTEMS_FILE
from aimskit.formats.csvschema import Ref, Target

#: an AI system of the inventory
SYSTEM = Ref(SYSTEMS_FILE, "id", "system", code="AK125")
#: an ISO/IEC 42001 requirement: a clause sub-clause or an Annex A control
REQUIREMENT = Ref.catalog("iso42001", "requirement", code="AK127")


def _requirement_problem(children: dict[str, list[str]], rid: str) -> tuple[str, str] | None:
    """A heading or an Annex B number written where a requirement id is needed: its own code and message."""
    if rid in children:
        return "AK129", f"'{rid}' is a heading; assess its sub-clauses instead: {one_of(children[rid])}"
    if rid.startswith("B."):
        return "AK128", f"'{rid}' is an Annex B guidance number; use the Annex A control 'A.{rid[2:]}'"
    return None


@functools.cache
def catalog_target(name: str) -> Target:
    """The ids of the catalog ``name`` as a reference's target."""
    ids = catalog.load(name)["id"]
    if name != "iso42001":
        return Target(frozenset(ids), where=f"an id of the {name} catalog", hint=suggest_id)
    children: dict[str, list[str]] = {}
    clauses = catalog.load("iso42001-clauses")
    for cid, parent in zip(clauses["id"], clauses["parent"], strict=True):
        if parent:
            children.setdefault(parent, []).append(cid)
    return Target(
        # a dict keeps the catalog's order, which the "did you mean" of equally close ids follows
        dict.fromkeys(ids),
        where="an ISO/IEC 42001 clause sub-clause or Annex A control",
        special=functools.partial(_requirement_problem, children),
        hint=suggest_id,
    )


def target(provided: dict[tuple[str, str], Target | None], ref: Ref) -> Target | None:
    """The ids ``ref`` may name: a catalog's, or those a file provided (None: unknown, not judged)."""
    if ref.in_catalog:
        return catalog_target(ref.in_catalog)
    return provided.get((ref.file, ref.column))
