"""Catalogs for AI security testing: OWASP Top 10 for LLM Applications, MITRE ATLAS and the
mapping tables the ``security`` step uses (tool tags and plugins, OWASP 2023 -> 2025,
OWASP -> ATLAS, OWASP / test runs -> ISO/IEC 42001 Annex A).

Every mapping row carries its ``provenance`` (``tool_tag``, ``tool_preset``, ``owasp_crosswalk``
or ``aimskit_analysis``), the ``edition`` it was written against, its ``source`` and ``status``
(``published`` or ``own_analysis``).
"""

from __future__ import annotations

import pandas as pd

from aimskit.catalog import _csv, _register

OWASP_EDITION = "owasp-llm@2025"
ATLAS_VERSION = "5.6.0"
ATLAS_EDITION = f"atlas@{ATLAS_VERSION}"
ATLAS_NOTICE = (
    "MITRE ATLAS 5.6.0 data (c) 2021-2025 MITRE, licensed under the Apache License 2.0 "
    "(aimskit/catalog/data/ATLAS.LICENSE.txt); IDs, names and tactics only."
)
OWASP_NOTICE = (
    "OWASP Top 10 for LLM Applications 2025 (c) the OWASP Foundation, CC BY-SA 4.0: IDs and titles only "
    "(https://genai.owasp.org)."
)


def _split(value: str) -> list[str]:
    return [v for v in value.split("|") if v]


@_register("owasp-llm-2025", "OWASP Top 10 for LLM Applications 2025: LLM01-LLM10 IDs and titles (CC BY-SA 4.0)")
def _owasp_2025() -> pd.DataFrame:
    return _csv("owasp-llm-2025.csv")


@_register("owasp-llm-2023", "OWASP Top 10 for LLM Applications v1.1 (2023): IDs and titles, for legacy tool tags")
def _owasp_2023() -> pd.DataFrame:
    return _csv("owasp-llm-2023.csv")


@_register("owasp-llm-2023-to-2025", "OWASP LLM Top 10: translation of the 2023 (v1.1) IDs to the 2025 IDs")
def _owasp_translation() -> pd.DataFrame:
    df = _csv("owasp-llm-2023-to-2025.csv")
    df["also"] = df["also"].map(_split)
    return df


@_register("mitre-atlas-tactics", "MITRE ATLAS 5.6.0: the 16 tactics in matrix order (Apache-2.0, (c) MITRE)")
def _atlas_tactics() -> pd.DataFrame:
    df = _csv("mitre-atlas-tactics.csv")
    df["matrix_order"] = df["matrix_order"].astype(int)
    return df


@_register(
    "mitre-atlas",
    "MITRE ATLAS 5.6.0: 170 techniques and sub-techniques with their tactics (Apache-2.0, (c) MITRE)",
)
def _atlas() -> pd.DataFrame:
    df = _csv("mitre-atlas-techniques.csv")
    df["tactic_ids"] = df["tactic_ids"].map(_split)
    df["tactic_names"] = df["tactic_names"].map(_split)
    df.insert(3, "subtechnique", df["parent_id"] != "")
    return df


@_register(
    "security-owasp-atlas", "OWASP LLM 2025 -> MITRE ATLAS: OWASP's published references and aimskit's additions"
)
def _owasp_atlas() -> pd.DataFrame:
    df = _csv("security-owasp-atlas.csv")
    df["primary"] = df["primary"] == "yes"
    return df


@_register(
    "security-tool-map",
    "Red-team tool tags, probes, plugins and strategies -> OWASP LLM 2025 and MITRE ATLAS, with provenance",
)
def _tool_map() -> pd.DataFrame:
    return _csv("security-tool-map.csv")


@_register(
    "security-annex-a", "Security test runs and OWASP LLM 2025 categories -> ISO/IEC 42001 Annex A (aimskit analysis)"
)
def _annex_a() -> pd.DataFrame:
    return _csv("security-annex-a.csv")
