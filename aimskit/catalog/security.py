"""Catalogs for AI security testing: OWASP Top 10 for LLM Applications, MITRE ATLAS and the
mapping tables the ``security`` step uses (tool tags and plugins, OWASP 2023 -> 2025,
OWASP -> ATLAS, OWASP / test runs -> ISO/IEC 42001 Annex A).

Every mapping row carries its ``provenance`` (``tool_tag``, ``tool_preset``, ``owasp_crosswalk``
or ``aimskit_analysis``), the ``edition`` it was written against, its ``source`` and ``status``
(``published`` or ``own_analysis``).
"""

from __future__ import annotations

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
