"""The aimskit catalog: framework content shipped as data files, loaded as DataFrames.

>>> from aimskit import catalog
>>> catalog.load("iso42001-annex-a").shape[0]
38
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from aimskit.base.ids import natural_key
from aimskit.base.problems import UsageError

DATA = Path(str(resources.files("aimskit.catalog") / "data"))
# the catalog is our own plain YAML: libyaml reads it about 10x faster when PyYAML has it (the same data)
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_LOADERS: dict[str, Callable[[], pd.DataFrame]] = {}
_DESCRIPTIONS: dict[str, str] = {}


class UnknownCatalogError(KeyError, UsageError):
    """The catalog name is not one aimskit ships."""


def _register(name: str, description: str):
    def deco(fn: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
        _LOADERS[name] = functools.lru_cache(maxsize=1)(fn)
        _DESCRIPTIONS[name] = description
        return fn

    return deco


def names() -> dict[str, str]:
    """Catalog names with a one-line description each."""
    return dict(_DESCRIPTIONS)


def load(name: str) -> pd.DataFrame:
    """Load the catalog ``name`` as a new DataFrame (safe to modify)."""
    if name not in _LOADERS:
        from aimskit.base.problems import suggest

        raise UnknownCatalogError(
            f"unknown catalog '{name}'{suggest(name, _LOADERS)} (available: {', '.join(_LOADERS)})"
        )
    return _LOADERS[name]().copy(deep=True)


@functools.lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """The catalog manifest (``catalog.yaml``): version, frameworks, files with sources."""
    return yaml.load((DATA / "catalog.yaml").read_text(encoding="utf-8"), Loader=_YAML_LOADER)


def version() -> str:
    return str(manifest()["catalog_version"])


def data_files() -> list[Path]:
    return sorted(p for p in DATA.iterdir() if p.is_file())


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@functools.cache
def _guidance(name: str) -> dict[str, dict[str, Any]]:
    """A guidance file, parsed once (callers read it, never change it)."""
    return yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=_YAML_LOADER)


def _with_guidance(df: pd.DataFrame, guidance: dict[str, dict[str, Any]]) -> pd.DataFrame:
    df = df.copy()
    df["summary"] = [guidance.get(i, {}).get("summary", "") for i in df["id"]]
    df["questions"] = [list(guidance.get(i, {}).get("questions", [])) for i in df["id"]]
    df["evidence"] = [list(guidance.get(i, {}).get("evidence", [])) for i in df["id"]]
    return df


@_register("iso42001-clauses", "ISO/IEC 42001:2023 clauses 4-10 with sub-clauses, documented information and guidance")
def _clauses() -> pd.DataFrame:
    df = _csv("iso42001-clauses.csv")
    parents = set(df["parent"]) - {""}
    df["clause"] = df["id"].str.split(".").str[0]
    df["level"] = df["id"].str.count(r"\.") + 1
    df["assessable"] = ~df["id"].isin(parents)
    df["documented_information"] = df["documented_information"].replace("", "none")
    return _with_guidance(df, _guidance("iso42001-clauses-guidance.yaml"))


@_register("iso42001-annex-a", "ISO/IEC 42001:2023 Annex A: the 38 controls with objective and guidance")
def _annex_a() -> pd.DataFrame:
    df = _csv("iso42001-annex-a.csv")
    objectives = _csv("iso42001-annex-a-objectives.csv").set_index("id")
    df.insert(3, "objective_title", df["objective_id"].map(objectives["title"]))
    # the gist of the objective a control serves: A.6.1 and A.6.2 have their own, the others their objective's
    df.insert(
        4,
        "objective_gist",
        [
            objectives["gist"].get(g, objectives["gist"].get(o, ""))
            for g, o in zip(df["group_id"], df["objective_id"], strict=True)
        ],
    )
    return _with_guidance(df, _guidance("iso42001-annex-a-guidance.yaml"))


@_register("iso42001-annex-a-objectives", "ISO/IEC 42001:2023 Annex A: the 9 control objectives")
def _objectives() -> pd.DataFrame:
    df = _csv("iso42001-annex-a-objectives.csv")
    return df[df["parent"] == ""].drop(columns="parent").reset_index(drop=True)


@_register(
    "iso42001-annex-a-sub-objectives", "ISO/IEC 42001:2023 Annex A: the two objectives inside A.6 (A.6.1 and A.6.2)"
)
def _sub_objectives() -> pd.DataFrame:
    df = _csv("iso42001-annex-a-objectives.csv")
    return df[df["parent"] != ""].reset_index(drop=True)


@_register("iso42001-annex-c", "ISO/IEC 42001:2023 Annex C: 11 AI-related objectives and 7 risk sources")
def _annex_c() -> pd.DataFrame:
    return _csv("iso42001-annex-c.csv")


@_register(
    "iso42001",
    "Every assessable ISO/IEC 42001 requirement: 32 clause sub-clauses and 38 Annex A controls",
)
def _requirements() -> pd.DataFrame:
    clauses = _clauses()
    clauses = clauses[clauses["assessable"]]
    clause_titles = _csv("iso42001-clauses.csv").set_index("id")["title"]
    rows = pd.DataFrame(
        {
            "id": clauses["id"],
            "title": clauses["title"],
            "kind": "clause",
            "group_id": clauses["clause"],
            "group_title": clauses["clause"].map(clause_titles),
            "mandatory": True,
            "documented_information": clauses["documented_information"],
            "summary": clauses["summary"],
            "questions": clauses["questions"],
            "evidence": clauses["evidence"],
        }
    )
    controls = _annex_a()
    rows_a = pd.DataFrame(
        {
            "id": controls["id"],
            "title": controls["title"],
            "kind": "control",
            "group_id": controls["objective_id"],
            "group_title": controls["objective_title"],
            "mandatory": False,
            "documented_information": "none",
            "summary": controls["summary"],
            "questions": controls["questions"],
            "evidence": controls["evidence"],
        }
    )
    out = pd.concat([rows, rows_a], ignore_index=True)
    out = out.sort_values("id", key=lambda s: s.map(natural_key)).reset_index(drop=True)
    return out


@_register("eu-ai-act", "EU AI Act (Regulation (EU) 2024/1689): the screening questions aimskit asks per AI system")
def _eu_ai_act() -> pd.DataFrame:
    df = _csv("eu-ai-act-screening.csv")
    df["choices"] = df["choices"].map(lambda v: v.split("|") if v else [])
    return df


@_register("eu-ai-act-annex-iii", "EU AI Act Annex III: the 8 high-risk areas and their 25 points")
def _eu_annex_iii() -> pd.DataFrame:
    return _csv("eu-ai-act-annex-iii.csv")


@_register("eu-ai-act-annex-i", "EU AI Act Annex I: the 20 acts of Union harmonisation legislation (sections A and B)")
def _eu_annex_i() -> pd.DataFrame:
    return _csv("eu-ai-act-annex-i.csv")


@_register("eu-ai-act-obligations", "EU AI Act obligations per role and condition, with their date of application")
def _eu_obligations() -> pd.DataFrame:
    return _csv("eu-ai-act-obligations.csv")


@_register("eu-ai-act-dates", "EU AI Act dates of application, with their verification status")
def _eu_dates() -> pd.DataFrame:
    return _csv("eu-ai-act-dates.csv")


@_register(
    "iso42005-map",
    "ISO/IEC 42005:2025 clauses mapped to the impact step's inputs and report sections (aimskit's alignment)",
)
def _iso42005_map() -> pd.DataFrame:
    return _csv("iso42005-impact-assessment-map.csv")


def to_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records (lists kept as lists, booleans as booleans)."""
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in df.to_dict(orient="records")
    ]


def to_flat(df: pd.DataFrame, sep: str = " | ") -> pd.DataFrame:
    """A copy with list cells joined by ``sep``: for CSV and table output."""
    out = df.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, list)).any():
            out[col] = out[col].map(lambda v: sep.join(v) if isinstance(v, list) else v)
    return out


# ---------------------------------------------------------------------------------------------
# other frameworks and the crosswalks (see aimskit.catalog.crosswalk)


def _split(value: str) -> list[str]:
    return value.split("|") if value else []


def _nist() -> pd.DataFrame:
    return _csv("nist-ai-rmf.csv")


@_register("nist-ai-rmf-functions", "NIST AI RMF 1.0: the 4 functions (GOVERN, MAP, MEASURE, MANAGE)")
def _nist_functions() -> pd.DataFrame:
    df = _nist()
    return df[df["level"] == "function"][["id", "display_id", "function", "text"]].reset_index(drop=True)


@_register("nist-ai-rmf-categories", "NIST AI RMF 1.0: the 19 categories with NIST's text")
def _nist_categories() -> pd.DataFrame:
    df = _nist()
    out = df[df["level"] == "category"][["id", "display_id", "function_id", "function", "text"]]
    subs = df[df["level"] == "subcategory"].groupby("parent_id").size()
    out = out.assign(subcategories=out["id"].map(subs).astype(int))
    return out.reset_index(drop=True)


@_register(
    "nist-ai-rmf",
    "NIST AI RMF 1.0: the 72 subcategories (ID GV-1.1, display GOVERN 1.1) with NIST's text and AI 600-1 actions",
)
def _nist_subcategories() -> pd.DataFrame:
    df = _nist()
    cats = df[df["level"] == "category"].set_index("id")
    subs = df[df["level"] == "subcategory"].rename(columns={"parent_id": "category_id"})
    actions = _genai_actions().groupby("subcategory_id")["id"].agg(list)
    out = pd.DataFrame(
        {
            "id": subs["id"],
            "display_id": subs["display_id"],
            "function_id": subs["function_id"],
            "function": subs["function"],
            "category_id": subs["category_id"],
            "category_display_id": subs["category_id"].map(cats["display_id"]),
            "category_text": subs["category_id"].map(cats["text"]),
            "text": subs["text"],
        }
    )
    out["genai_actions"] = [list(actions.get(i, [])) for i in out["id"]]
    return out.reset_index(drop=True)


@_register(
    "nist-ai-600-1-actions",
    "NIST AI 600-1 (Generative AI Profile): the 212 suggested actions, linked to their AI RMF subcategory",
)
def _genai_actions() -> pd.DataFrame:
    df = _csv("nist-ai-600-1-actions.csv")
    df["gai_risks"] = df["gai_risks"].map(_split)
    df["ai_actor_tasks"] = df["ai_actor_tasks"].map(_split)
    return df


@_register(
    "iso27001-2022",
    "ISO/IEC 27001:2022: 30 clause sub-clauses (4-10) and the 93 Annex A controls (A.5.1-A.8.34), IDs and short titles",
)
def _iso27001() -> pd.DataFrame:
    df = _csv("iso27001-2022.csv")
    parents = set(df["parent"]) - {""}
    titles = df.set_index("id")["title"]
    out = df[(df["kind"] == "control") | ((df["kind"] == "clause") & ~df["id"].isin(parents))].copy()
    out["group_title"] = out["group_id"].map(titles)
    return out[["id", "title", "kind", "group_id", "group_title"]].reset_index(drop=True)


@_register("eu-ai-act-articles", "EU AI Act (Regulation (EU) 2024/1689): the 113 articles with title and chapter")
def _eu_articles() -> pd.DataFrame:
    df = _csv("eu-ai-act-articles.csv")
    df["number"] = df["number"].astype(int)
    return df


def _crosswalk(name: str) -> pd.DataFrame:
    return _csv(name)


@_register(
    "crosswalk-iso42001-nist-ai-rmf",
    "Crosswalk ISO/IEC 42001 <-> NIST AI RMF: the published NIST crosswalk row for row, plus aimskit rows",
)
def _xw_nist() -> pd.DataFrame:
    return _crosswalk("crosswalk-iso42001-nist-ai-rmf.csv")


@_register("crosswalk-iso42001-eu-ai-act", "Crosswalk ISO/IEC 42001 <-> EU AI Act articles (aimskit analysis)")
def _xw_eu() -> pd.DataFrame:
    return _crosswalk("crosswalk-iso42001-eu-ai-act.csv")


@_register(
    "crosswalk-iso42001-iso27001",
    "Crosswalk ISO/IEC 42001 <-> ISO/IEC 27001:2022 (Harmonized Structure clauses; Annex A by aimskit analysis)",
)
def _xw_27001() -> pd.DataFrame:
    return _crosswalk("crosswalk-iso42001-iso27001.csv")


# ---------------------------------------------------------------------------------------------
# AI security testing: OWASP LLM Top 10, MITRE ATLAS and the mappings (see aimskit.catalog.security)


def _sec_split(value: str) -> list[str]:
    return [v for v in value.split("|") if v]


@_register("owasp-llm-2025", "OWASP Top 10 for LLM Applications 2025: LLM01-LLM10 IDs and titles (CC BY-SA 4.0)")
def _sec_owasp_2025() -> pd.DataFrame:
    return _csv("owasp-llm-2025.csv")


@_register("owasp-llm-2023", "OWASP Top 10 for LLM Applications v1.1 (2023): IDs and titles, for legacy tool tags")
def _sec_owasp_2023() -> pd.DataFrame:
    return _csv("owasp-llm-2023.csv")


@_register("owasp-llm-2023-to-2025", "OWASP LLM Top 10: translation of the 2023 (v1.1) IDs to the 2025 IDs")
def _sec_owasp_translation() -> pd.DataFrame:
    df = _csv("owasp-llm-2023-to-2025.csv")
    df["also"] = df["also"].map(_sec_split)
    return df


@_register("mitre-atlas-tactics", "MITRE ATLAS 5.6.0: the 16 tactics in matrix order (Apache-2.0, (c) MITRE)")
def _sec_atlas_tactics() -> pd.DataFrame:
    df = _csv("mitre-atlas-tactics.csv")
    df["matrix_order"] = df["matrix_order"].astype(int)
    return df


@_register(
    "mitre-atlas",
    "MITRE ATLAS 5.6.0: 170 techniques and sub-techniques with their tactics (Apache-2.0, (c) MITRE)",
)
def _sec_atlas() -> pd.DataFrame:
    df = _csv("mitre-atlas-techniques.csv")
    df["tactic_ids"] = df["tactic_ids"].map(_sec_split)
    df["tactic_names"] = df["tactic_names"].map(_sec_split)
    df.insert(3, "subtechnique", df["parent_id"] != "")
    return df


@_register(
    "security-owasp-atlas", "OWASP LLM 2025 -> MITRE ATLAS: OWASP's published references and aimskit's additions"
)
def _sec_owasp_atlas() -> pd.DataFrame:
    df = _csv("security-owasp-atlas.csv")
    df["primary"] = df["primary"] == "yes"
    return df


@_register(
    "security-tool-map",
    "Red-team tool tags, probes, plugins and strategies -> OWASP LLM 2025 and MITRE ATLAS, with provenance",
)
def _sec_tool_map() -> pd.DataFrame:
    return _csv("security-tool-map.csv")


@_register(
    "security-annex-a", "Security test runs and OWASP LLM 2025 categories -> ISO/IEC 42001 Annex A (aimskit analysis)"
)
def _sec_annex_a() -> pd.DataFrame:
    return _csv("security-annex-a.csv")
