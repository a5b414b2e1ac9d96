"""Impact assessment: EU AI Act classification per tier and edge case, obligations and dates,
Art. 27 FRIA, impact scoring, consistency rules (triggered and not), validation, the example."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from aimskit import catalog, engagement
from aimskit.base import resources
from aimskit.engagement.parts.impact import default_impact
from aimskit.engagement.scaffold import blank_files
from aimskit.steps import impact

AS_OF = dt.date(2026, 11, 20)


def answers(**changes):
    """Screening answers of a minimal-risk system, with changes (keys with '_' for '.')."""
    base = {f"art5.{x}": False for x in "abcdefgh"}
    base["art5.omnibus"] = False
    base.update(
        {
            "annex_i": [],
            "annex_iii": [],
            "art50.1": False,
            "art50.2": False,
            "art50.3": False,
            "art50.4.deepfake": False,
            "art50.4.text": False,
            "gpai": "none",
            "art27.public_service": False,
        }
    )
    for key, value in changes.items():
        base[key.replace("__", ".")] = value
    return base


def annex_iii(points, profiling=False, placed_before=False, **conditions):
    extra = {"art6.3.profiling": profiling}
    if placed_before is not None:  # None: the Art. 111(2) question left unanswered
        extra["art111.placed_before"] = placed_before
    for c in "abcd":
        extra[f"art6.3.{c}"] = conditions.get(c, False)
    return answers(annex_iii=points, **{k.replace(".", "__"): v for k, v in extra.items()})


def articles(c, roles=("provider", "deployer")):
    return list(impact.obligations(c, list(roles), AS_OF)["article"])


# ---------------------------------------------------------------------------------------------
# catalog


def test_catalog_has_the_eight_prohibitions_the_annexes_and_dates():
    q = catalog.load("eu-ai-act")
    practices = q[(q["group"] == "prohibited") & q["id"].str.fullmatch(r"art5\.[a-h]")]
    assert list(practices["reference"]) == [f"Art. 5(1)({x})" for x in "abcdefgh"]
    # plus the Art. 5(1)(g) exception and the prohibition the Digital Omnibus is reported to add
    assert set(q.loc[q["group"] == "prohibited", "id"]) - set(practices["id"]) == {"art5.g.exception", "art5.omnibus"}
    iii = catalog.load("eu-ai-act-annex-iii")
    assert iii["area"].nunique() == 8 and len(iii) == 25
    assert "fraud" in iii.set_index("point").loc["5(b)", "title"]
    i = catalog.load("eu-ai-act-annex-i")
    assert len(i) == 20 and (i["section"] == "A").sum() == 12
    dates = catalog.load("eu-ai-act-dates").set_index("id")
    assert set(dates["status"]) <= {"verified", "as_amended", "unverified"}
    assert dates.loc["high-risk-annex-iii", "original_date"] == "2026-08-02"  # Art. 113 of the 2024 text
    assert dates.loc["high-risk-annex-iii", "status"] == "as_amended"
    assert dates.loc["high-risk-annex-i", "original_date"] == "2027-08-02"  # Art. 113(c)
    assert dates.loc["prohibitions-literacy", "applies_from"] == "2025-02-02"  # Art. 113(a)
    obligations = catalog.load("eu-ai-act-obligations")
    assert set(obligations["date_id"]) - {"by_route"} <= set(dates.index)


# ---------------------------------------------------------------------------------------------
# classification: every tier and edge case


def test_minimal():
    c = impact.classify("s", answers())
    assert c.tier == "minimal"
    assert articles(c) == ["Art. 4", "Art. 4"]  # AI literacy, provider and deployer


def test_prohibited_practice_answered_yes():
    c = impact.classify("s", answers(art5__c=True, annex_iii=["5(b)"], art6__3__profiling=True, art50__1=True))
    assert c.tier == "prohibited"
    assert c.prohibited == ["Art. 5(1)(c)"]
    assert set(articles(c)) == {"Art. 5", "Art. 4"}  # nothing else matters for a prohibited practice
    assert "Art. 5(1)(c)" in c.steps.iloc[-1]["consequence"]


def test_annex_iii_credit_scoring_with_profiling_is_high_risk():
    c = impact.classify("s", annex_iii(["5(b)"], profiling=True, d=True))
    assert c.tier == "high" and c.annex_iii_route and not c.derogation
    assert "profiling" in c.steps.iloc[-1]["consequence"] or "profiling" in " ".join(c.steps["consequence"])
    arts = articles(c)
    for a in ("Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15", "Art. 17", "Art. 43"):
        assert a in arts
    for a in ("Art. 47", "Art. 48", "Art. 49(1)", "Art. 72", "Art. 73", "Art. 26", "Art. 27"):
        assert a in arts
    assert "Art. 6(4)" not in arts


def test_art_6_3_derogation_without_profiling():
    c = impact.classify("s", annex_iii(["4(a)"], profiling=False, d=True))
    assert c.tier == "minimal" and c.derogation and not c.annex_iii_route
    arts = articles(c, ["provider"])
    assert "Art. 6(4)" in arts and "Art. 49(2)" in arts
    assert "Art. 9" not in arts and "Art. 27" not in articles(c, ["deployer"])


def test_derogation_needs_a_condition():
    c = impact.classify("s", annex_iii(["4(a)"], profiling=False))
    assert c.tier == "high" and not c.derogation


def test_derogated_system_still_has_its_transparency_tier():
    c = impact.classify("s", {**annex_iii(["4(a)"], a=True), "art50.1": True})
    assert c.tier == "limited" and c.derogation


def test_annex_i_product_with_third_party_assessment():
    c = impact.classify("s", answers(annex_i=[11], art6__1__b=True))
    assert c.tier == "high" and c.annex_i_route and not c.annex_iii_route
    ob = impact.obligations(c, ["provider", "deployer"], AS_OF).set_index("article")
    assert str(ob.loc["Art. 9", "applies_from"]) == "2028-08-02"  # Annex I route, as amended
    assert ob.loc["Art. 9", "date_status"] == "as_amended"
    assert "Art. 49(1)" not in ob.index  # registration under 49(1) is for Annex III systems
    assert "Art. 27" not in ob.index  # the FRIA concerns Art. 6(2) systems
    assert "Medical devices" in c.steps.loc[c.steps["reference"] == "Art. 6(1)(a); Annex I", "consequence"].iloc[0]


def test_annex_i_product_without_third_party_assessment_is_not_high_risk():
    c = impact.classify("s", answers(annex_i=[11], art6__1__b=False))
    assert c.tier == "minimal" and not c.annex_i_route


def test_both_routes_take_the_earlier_date():
    c = impact.classify("s", {**annex_iii(["5(b)"], profiling=True), "annex_i": [11], "art6.1.b": True})
    ob = impact.obligations(c, ["provider"], AS_OF).set_index("article")
    assert str(ob.loc["Art. 9", "applies_from"]) == "2027-12-02"


def test_chatbot_transparency():
    c = impact.classify("s", answers(art50__1=True, art50__2=True, gpai="uses_gpai_model"))
    assert c.tier == "limited"
    ob = impact.obligations(c, ["provider", "deployer"], AS_OF).set_index("article")
    assert list(ob.index) == ["Art. 4", "Art. 4", "Art. 50(1)", "Art. 50(2)"]
    assert str(ob.loc["Art. 50(1)", "applies_from"]) == "2026-08-02" and bool(ob.loc["Art. 50(1)", "in_force"])
    assert ob.loc["Art. 50(1)", "date_status"] == "verified"
    # a deployer-only organisation has no provider duty under Art. 50(1)-(2)
    assert articles(c, ["deployer"]) == ["Art. 4"]


def test_deployer_transparency_triggers():
    c = impact.classify("s", answers(art50__3=True, art50__4__text=True))
    assert articles(c, ["deployer"]) == ["Art. 4", "Art. 50(3)", "Art. 50(4)"]


def test_high_risk_with_transparency_keeps_both():
    c = impact.classify("s", {**annex_iii(["4(a)"], profiling=True), "art50.1": True})
    assert c.tier == "high" and "Art. 50(1)" in articles(c)


def test_fraud_detection_carve_out():
    c = impact.classify("s", answers(fraud_detection=True))
    assert c.tier == "minimal"
    row = c.steps[c.steps["reference"] == "Annex III point 5(b)"].iloc[0]
    assert "excludes" in row["consequence"] and row["answer"] == "yes"


def test_fraud_detection_listed_under_5b_is_kept_and_flagged():
    c = impact.classify("s", {**annex_iii(["5(b)"], profiling=True), "fraud_detection": True})
    assert c.tier == "high" and c.notes


def test_gpai_model_provider():
    c = impact.classify("s", answers(gpai="gpai_provider_systemic"))
    assert {"Art. 53", "Art. 55"} <= set(articles(c, ["deployer"]))
    c = impact.classify("s", answers(gpai="gpai_provider"))
    assert "Art. 53" in articles(c, ["deployer"]) and "Art. 55" not in articles(c, ["deployer"])


def test_unknown_when_no_profile():
    c = impact.unknown("s")
    assert c.tier == "unknown" and impact.obligations(c, ["provider"], AS_OF).empty


# ---------------------------------------------------------------------------------------------
# Art. 27 FRIA


@pytest.mark.parametrize(
    ("screening", "roles", "required"),
    [
        (annex_iii(["5(b)"], profiling=True), ["deployer"], True),  # credit scoring
        (annex_iii(["5(c)"], profiling=True), ["deployer"], True),  # life and health insurance
        (annex_iii(["5(b)"], profiling=True), ["provider"], False),  # Art. 27 binds deployers
        (annex_iii(["4(a)"], profiling=True), ["deployer"], False),  # private, not 5(b)/(c)
        ({**annex_iii(["4(a)"], profiling=True), "art27.public_service": True}, ["deployer"], True),
        ({**annex_iii(["2"]), "art27.public_service": True}, ["deployer"], False),  # area 2 excluded
        ({**annex_iii(["5(b)"], a=True)}, ["deployer"], False),  # derogation: not high-risk
        (answers(annex_i=[11], art6__1__b=True, art27__public_service=True), ["deployer"], False),  # Art. 6(1)
    ],
)
def test_fria_applicability(screening, roles, required):
    c = impact.classify("s", screening)
    assert impact.fria_required(c, roles)[0] is required
    assert ("Art. 27" in articles(c, roles)) is required


# ---------------------------------------------------------------------------------------------
# impacts: scores, levels, severe


def _impacts(*rows):
    cols = [
        "impact_id",
        "system_id",
        "party",
        "affected_group",
        "area",
        "direction",
        "description",
        "severity",
        "likelihood",
        "scale",
        "reversibility",
        "mitigations",
        "residual_severity",
        "residual_likelihood",
        "risk_ids",
    ]
    out = []
    for r in rows:
        base = dict.fromkeys(cols)
        base.update(
            {"party": "individual", "area": "privacy", "direction": "negative", "description": "d", "risk_ids": []}
        )
        base.update(r)
        out.append(base)
    return pd.DataFrame(out, columns=cols)


def test_scores_levels_and_severe():
    df = _impacts(
        {
            "impact_id": "I1",
            "system_id": "s",
            "severity": 4,
            "likelihood": 4,
            "residual_severity": 4,
            "residual_likelihood": 2,
        },
        {"impact_id": "I2", "system_id": "s", "severity": 3, "likelihood": 3},  # 9 medium; residual = inherent
        {"impact_id": "I3", "system_id": "s", "severity": 5, "likelihood": 5, "direction": "positive"},
    )
    s = impact.score_impacts(df, default_impact(), "high").set_index("impact_id")
    assert (s.loc["I1", "inherent_score"], s.loc["I1", "inherent_level"]) == (16, "high")
    assert (s.loc["I1", "residual_score"], s.loc["I1", "residual_level"]) == (8, "medium")
    assert (s.loc["I2", "residual_score"], s.loc["I2", "residual_level"]) == (9, "medium")
    assert list(s["severe"]) == [True, False, False]  # a positive impact is never "severe"
    lower = impact.score_impacts(df, default_impact(), "medium")
    assert list(lower["severe"]) == [True, True, False]


def test_matrix_counts_place_negative_impacts():
    df = _impacts(
        {
            "impact_id": "I1",
            "system_id": "s",
            "severity": 4,
            "likelihood": 2,
            "residual_severity": 2,
            "residual_likelihood": 1,
        }
    )
    s = impact.score_impacts(df, default_impact(), "high")
    counts, ids = impact.matrix_counts(s, default_impact())
    assert counts.loc[2, 4] == 1 and counts.to_numpy().sum() == 1 and ids.loc[2, 4] == "I1"
    counts, _ = impact.matrix_counts(s, default_impact(), residual=True)
    assert counts.loc[1, 2] == 1


# ---------------------------------------------------------------------------------------------
# consistency rules, each triggered and not


def _scored(**row):
    df = _impacts({"impact_id": "I1", "system_id": "s", "severity": 4, "likelihood": 4, **row})
    return impact.score_impacts(df, default_impact(), "high")


def test_severe_impact_must_be_linked():
    assert list(impact.check_links(_scored(), {"R-1"})["rule"]) == ["severe_impact_unlinked"]
    assert impact.check_links(_scored(risk_ids=["R-1"]), {"R-1"}).empty
    assert impact.check_links(_scored(severity=2, likelihood=2), {"R-1"}).empty  # not severe


def test_linked_risk_must_exist():
    assert list(impact.check_links(_scored(risk_ids=["R-9"]), {"R-1"})["rule"]) == ["unknown_risk"]
    assert list(impact.check_links(_scored(risk_ids=["R-9"]), None)["rule"]) == ["no_risk_register"]
    assert impact.check_links(_scored(severity=1, likelihood=1), None).empty


def test_linked_risk_of_another_system_is_flagged():
    systems = {"R-1": "s", "R-2": "other", "R-3": ""}
    flagged = impact.check_links(_scored(risk_ids=["R-2"]), set(systems), systems)
    assert list(flagged["rule"]) == ["risk_of_another_system"]
    assert impact.check_links(_scored(risk_ids=["R-1", "R-3"]), set(systems), systems).empty


def test_coverage_rules():
    high = impact.classify("s", annex_iii(["5(b)"], profiling=True))
    minimal = impact.classify("m", answers())
    scored = _scored(risk_ids=["R-1"])
    complete = impact.fria_elements(impact.ImpactInputs(), "s").assign(present=True)
    missing = complete.assign(present=[True] * 5 + [False])

    def rules(classes, declared, fria=None, impacts=scored):
        return list(impact.check_coverage(classes, impacts, declared, fria or {})["rule"])

    assert rules({"s": high, "m": minimal}, {"s": "high", "m": "minimal"}, {"s": (True, complete)}) == []
    assert rules({"s": high}, {"s": "limited"}, {"s": (True, complete)}) == ["tier_disagreement"]
    assert rules({"s": high}, {"s": "unknown"}, {"s": (True, complete)}) == ["tier_disagreement"]
    assert rules({"s": high}, {"s": "high"}, {"s": (True, missing)}) == ["fria_incomplete"]
    assert rules({"s": high}, {"s": "high"}, {"s": (True, complete)}, scored.iloc[0:0]) == ["high_risk_not_assessed"]
    assert rules({"m": minimal}, {"m": "minimal"}, {}, scored.iloc[0:0]) == []  # minimal needs no impacts
    assert rules({"u": impact.unknown("u")}, {"u": "high"}) == ["screening_incomplete"]
    unanswered = impact.classify("s", annex_iii(["5(b)"], profiling=True, placed_before=None))
    assert rules({"s": unanswered}, {"s": "high"}, {"s": (True, complete)}) == ["legacy_unanswered"]


# ---------------------------------------------------------------------------------------------
# validation messages


PROFILE = """\
role: [deployer]
intended_purpose: Answers questions
affected_persons: [Customers]
deployment_context: Website
geography: [Ireland]
automation: decision_support
data_categories: [personal]
significant_decisions: no
screening:
{screening}
"""


def _screening(**answers_):
    lines = [f"  art5.{x}: no" for x in "abcdefgh"] + ["  art5.omnibus: no"]
    base = {
        "annex_i": "none",
        "annex_iii": "none",
        "art50.1": "yes",
        "art50.2": "no",
        "art50.3": "no",
        "art50.4.deepfake": "no",
        "art50.4.text": "no",
        "gpai": "none",
        "art27.public_service": "no",
    }
    base.update(answers_)
    lines += [f"  {k}: {v}" for k, v in base.items() if v is not None]
    return "\n".join(lines)


def _messages(folder: Path) -> list[str]:
    return [p.format().replace(str(folder) + "/", "") for p in engagement.validate(folder)]


def test_valid_profile_and_classification(minimal):
    (minimal / "systems").mkdir()
    (minimal / "systems" / "chat.yaml").write_text(PROFILE.format(screening=_screening()), encoding="utf-8")
    assert _messages(minimal) == []
    eng = engagement.load(minimal)
    result = impact.assess(eng, "chat")
    assert result.classifications["chat"].tier == "limited"
    assert "systems/chat.yaml" in eng.input_hashes()


def test_profile_problems_are_reported_with_positions(minimal):
    (minimal / "systems").mkdir()
    text = PROFILE.format(
        screening=_screening(annex_iii="[5b, 5, 9(z)]", gpai="gpia", **{"art50.2": "maybe", "art50.3": None})
        + "\n  art5.z: no"
    ).replace("automation: decision_support", "automation: full")
    (minimal / "systems" / "chat.yaml").write_text(text, encoding="utf-8")
    misnamed = PROFILE.format(screening=_screening()).replace("significant_decisions: no", "significant_decisions: 2")
    assert "significant_decisions: 2" in misnamed
    (minimal / "systems" / "chatt.yaml").write_text(misnamed, encoding="utf-8")
    (minimal / "systems" / "legacy.yaml").write_text("role: [deployer]\n", encoding="utf-8")
    assert _messages(minimal) == [
        "systems/chat.yaml:6:13: 'full' is not one of: decision_support, human_in_the_loop, human_on_the_loop, "
        "fully_automated; did you mean 'fully_automated'? [AK104]",
        "systems/chat.yaml:9:1: missing answer to 'art6.3.profiling' (Art. 6(3) third subparagraph) (needed because "
        "annex_iii lists a use case) [AK409]",
        "systems/chat.yaml:9:1: missing answer to 'art6.3.a' (Art. 6(3)(a)) (needed because annex_iii "
        "lists a use case) [AK409]",
        "systems/chat.yaml:9:1: missing answer to 'art6.3.b' (Art. 6(3)(b)) (needed because annex_iii "
        "lists a use case) [AK409]",
        "systems/chat.yaml:9:1: missing answer to 'art6.3.c' (Art. 6(3)(c)) (needed because annex_iii "
        "lists a use case) [AK409]",
        "systems/chat.yaml:9:1: missing answer to 'art6.3.d' (Art. 6(3)(d)) (needed because annex_iii "
        "lists a use case) [AK409]",
        "systems/chat.yaml:9:1: warning: no answer to 'art111.placed_before' (Art. 111(2); Art. 50(2) grace period "
        "(Digital Omnibus on AI)) (needed because annex_i or annex_iii lists an entry): answer it (until then aimskit "
        "does not assume a yes) [AK408]",
        "systems/chat.yaml:9:1: warning: no answer to 'art26.8.public_authority' (Art. 26(8); Art. 49(3)) (needed "
        "because annex_iii lists a use case): answer it (until then aimskit does not assume a yes) [AK408]",
        "systems/chat.yaml:9:1: warning: no answer to 'financial_institution' (Art. 17(4); Art. 19(2); Art. 26(5) "
        "second subparagraph; Art. 26(6)) (needed because annex_i or annex_iii lists an entry): answer it (until "
        "then aimskit does not assume a yes) [AK408]",
        "systems/chat.yaml:9:1: missing answer to 'art50.3' (Art. 50(3)) [AK409]",
        "systems/chat.yaml:20:15: warning: annex_iii: '5b' was read as '5(b)'; write '5(b)' [AK105]",
        "systems/chat.yaml:20:19: annex_iii: '5' is an Annex III area; name its point(s): 5(a), 5(b), 5(c), 5(d)"
        " [AK404]",
        "systems/chat.yaml:20:22: annex_iii: unknown Annex III point '9(z)' (points: 1(a) ... 8(b)) [AK405]",
        "systems/chat.yaml:22:12: art50.2: 'maybe' is not yes or no [AK111]",
        "systems/chat.yaml:25:9: gpai: 'gpia' is not one of: none, uses_gpai_model, gpai_provider, "
        "gpai_provider_systemic [AK104]",
        "systems/chat.yaml:27:3: unknown screening question 'art5.z'; did you mean 'art5.h'? [AK401]",
        "systems/chatt.yaml:1:1: no system 'chatt' in systems.csv: name the file after a system id; did you mean "
        "'chat'? [AK125]",
        # the misnamed file's own problems come at once, not after renaming it
        "systems/chatt.yaml:8:24: significant_decisions must be yes or no, found the number 2 [AK111]",
        "systems/legacy.yaml:0: warning: system 'legacy' is out of scope (in_scope = no); its profile is ignored"
        " [AK126]",
    ]


def test_impacts_csv_problems(minimal):
    header = ",".join(impact_schema_names())
    (minimal / "impacts.csv").write_text(
        header
        + "\nI1,chat,group,,privacy,negative,Leak,4,3,thousands,reversible,,5,2,R-1\n"
        + "I2,chatt,societey,,privacy,negative,Leak,6,3,,,,,,\n"
        + "I1,chat,group,,privacy,negative,Dup,1,1,,,,,,\n"
        + "I3,legacy,group,,privacy,negative,Old,1,1,,,,,,\n",
        encoding="utf-8",
    )
    assert _messages(minimal) == [
        "impacts.csv:2:residual_severity: warning: residual_severity 5 is higher than severity 4: "
        "mitigation made it worse? [AK412]",
        "impacts.csv:3:party: 'societey' is not one of: individual, group, society, environment; "
        "did you mean 'society'? [AK104]",
        "impacts.csv:3:system_id: unknown system 'chatt': not an id in systems.csv; did you mean 'chat'? [AK125]",
        "impacts.csv:3:severity: 6 is not a level of the severity scale (1, 2, 3, 4, 5) [AK115]",
        "impacts.csv:4:impact_id: duplicate row: impact_id 'I1' is already on line 2 [AK113]",
        "impacts.csv:5:system_id: warning: system 'legacy' is out of scope (in_scope = no); this impact is not counted"
        " [AK126]",
    ]


def impact_schema_names():
    from aimskit.engagement.parts.impact import IMPACTS_SCHEMA

    return IMPACTS_SCHEMA.names


def test_severe_level_must_be_a_band(minimal):
    path = minimal / "engagement.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "impact_criteria:\n  severe_level: hihg\n", encoding="utf-8")
    msgs = _messages(minimal)
    assert len(msgs) == 1 and "severe_level 'hihg' is not a band" in msgs[0] and "did you mean 'high'?" in msgs[0]


def test_blank_profile_template_is_a_valid_profile(minimal):
    (minimal / "systems").mkdir()
    text = blank_files()["systems/_example.yaml"]
    (minimal / "systems" / "_example.yaml").write_text(text, encoding="utf-8")
    assert _messages(minimal) == []  # ignored: starts with _
    # copied as a profile, its screening is unanswered (empty), never a silent "no"
    (minimal / "systems" / "chat.yaml").write_text(text, encoding="utf-8")
    msgs = [m for m in _messages(minimal) if "placeholder text from the blank template" not in m]
    always = [q for q in catalog.load("eu-ai-act").to_dict(orient="records") if q["required_when"] == "always"]
    assert msgs and all("missing answer to" in m or "no answer to" in m for m in msgs), msgs
    assert len(msgs) == len(always)
    answered = re.sub(
        r"^(  [a-z0-9_.]+):", lambda m: m.group(1) + ": " + _blank_answer(m.group(1).strip()), text, flags=re.M
    )
    (minimal / "systems" / "chat.yaml").write_text(answered, encoding="utf-8")
    assert [m for m in _messages(minimal) if "placeholder text from the blank template" not in m] == []
    assert impact.assess(engagement.load(minimal), "chat").classifications["chat"].tier == "minimal"


def _blank_answer(qid: str) -> str:
    q = catalog.load("eu-ai-act").set_index("id").loc[qid]
    return {"yes_no": "no", "annex_i": "none", "annex_iii": "none"}.get(q["answer"]) or q["choices"][0]


def test_missing_profile_gives_unknown_tier_not_a_crash(minimal):
    result = impact.assess(engagement.load(minimal), "chat")
    assert result.classifications["chat"].tier == "unknown"
    assert "screening_incomplete" in set(result.findings["rule"])
    assert impact.severe_impacts(engagement.load(minimal)).empty


# ---------------------------------------------------------------------------------------------
# the example engagement


def test_example_spans_the_tiers_with_one_disagreement():
    eng = engagement.load(resources.example_engagement())
    result = impact.assess(eng)
    tiers = {sid: c.tier for sid, c in result.classifications.items()}
    assert tiers == {
        "credit-score": "high",
        "llm-assist": "limited",
        "cv-screen": "high",
        "collections-forecast": "minimal",
        "fraud-detect": "minimal",
    }
    assert result.classifications["credit-score"].annex_iii == ["5(b)"]
    assert result.classifications["cv-screen"].annex_iii == ["4(a)"]
    assert list(result.findings.loc[result.findings["rule"] == "tier_disagreement", "system_id"]) == ["fraud-detect"]
    # both high-risk systems are legacy systems (in use before 2 Aug 2026, not significantly changed since)
    assert {s: c.legacy for s, c in result.classifications.items() if c.tier == "high"} == {
        "credit-score": "legacy",
        "cv-screen": "legacy",
    }
    required = {sid: r for sid, (r, _, _) in result.fria.items()}
    assert required == {s: False for s in tiers}  # Art. 27 waits for a significant change of credit-score
    assert "legacy system" in result.fria["credit-score"][1]
    assert result.fria["credit-score"][2]["present"].sum() == 5  # the draft FRIA is still shown
    ob = result.obligations["credit-score"].set_index("article")
    assert ob.loc["Art. 9", "applicability"] == "legacy_exempt" and not ob.loc["Art. 9", "in_force"]
    assert ob.loc["Art. 17(4)", "applicability"] == "legacy_exempt"  # the lender's financial-institution rules
    assert set(ob.loc[["Art. 4"], "applicability"]) == {"applies"}
    assert "Art. 111(2)" in result.classifications["credit-score"].tier_label
    assert result.has_register  # links are checked against the example risk register
    assert not {"unknown_risk", "risk_of_another_system"} & set(result.findings["rule"])
    assert list(result.findings.loc[result.findings["rule"] == "severe_impact_unlinked", "impact_id"]) == ["IMP-06"]


def test_severe_impacts_for_the_management_review():
    df = impact.severe_impacts(engagement.load(resources.example_engagement()))
    assert list(df.columns) == [
        "impact_id",
        "system_id",
        "party",
        "area",
        "description",
        "residual_score",
        "residual_level",
    ]
    assert len(df) == 8 and list(df["residual_score"]) == sorted(df["residual_score"], reverse=True)
    assert df.iloc[0]["impact_id"] == "IMP-01" and df.iloc[0]["residual_score"] == 12


# ---------------------------------------------------------------------------------------------
# the notebook, end to end


@pytest.fixture(scope="module")
def impact_run(tmp_path_factory):
    from aimskit import batch

    return batch.run(None, steps=["impact"], out=tmp_path_factory.mktemp("impact") / "out")


def test_notebook_renders_a_report_per_system_and_the_overview(impact_run):
    assert impact_run.ok, [r.error for r in impact_run.reports]
    names = [r.name for r in impact_run.reports]
    assert names == ["impact/organisation"] + [
        f"impact/system-{s}"
        for s in ("credit-score", "llm-assist", "cv-screen", "collections-forecast", "fraud-detect")
    ]
    out = impact_run.out
    credit = (out / "impact" / "system-credit-score.html").read_text(encoding="utf-8")
    for text in (
        "high-risk under Art. 6(2) Annex III point 5(b)",
        "Profiling: always high-risk (Art. 6(3) third subparagraph)",
        "Art. 27(1)(f)",
        "as amended",
        "2027-12-02",
        "Commission Decision 2011/833/EU",
        "Art. 111(2)",
    ):
        assert text in credit, text
    fraud = (out / "impact" / "system-fraud-detect.html").read_text(encoding="utf-8")
    assert "excludes AI systems used for the purpose of detecting financial fraud" in fraud
    overview = (out / "impact" / "organisation.html").read_text(encoding="utf-8")
    assert "fraud-detect: the inventory leaves the tier" in overview
    results = __import__("json").loads((out / "impact" / "organisation.json").read_text(encoding="utf-8"))
    assert results["headline"]["high_risk"] == 2 and results["headline"]["disagreements"] == 1
    assert results["headline"]["severe_unlinked"] == 1 and results["headline"]["fria_incomplete"] == 0
    for text in ("legacy system", "only after a significant change (Art. 111(2))", "ISO/IEC 42005"):
        assert text in credit, text
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Tier disagreements" in index


def test_engagement_without_profiles_or_impacts_renders(minimal, tmp_path):
    from aimskit import batch

    run = batch.run(minimal, steps=["impact"], out=tmp_path / "out")
    assert run.ok, [r.error for r in run.reports]
    html = (tmp_path / "out" / "impact" / "system-chat.html").read_text(encoding="utf-8")
    assert "the EU AI Act screening is incomplete" in html and "Unknown - screening incomplete" in html
    assert "No impacts.csv in the engagement" in (tmp_path / "out" / "impact" / "organisation.html").read_text(
        encoding="utf-8"
    )


def test_report_escapes_user_text(example_copy):
    from aimskit.steps.impact import view

    path = example_copy / "systems" / "llm-assist.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("intended_purpose: >-", "intended_purpose: >-\n  <script>x</script>"),
        encoding="utf-8",
    )
    eng = engagement.load(example_copy)
    html = view.profile(eng, impact.assess(eng, "llm-assist")).data
    assert "<script>x" not in html and "&lt;script&gt;x" in html


# --- review findings: Art. 2(2), derogation vs Art. 6(1), labels, duplicate profiles ------------


def test_annex_i_section_b_lists_no_obligations_of_the_act():
    c = impact.classify("s", answers(annex_i=[18], art6__1__b=True))  # 18: motor vehicles, Section B
    assert c.tier == "high" and c.sectoral_only
    assert articles(c) == []
    assert "Art. 2(2)" in c.tier_label
    mixed = impact.classify("s", answers(annex_i=[18, 11], art6__1__b=True))  # a Section A act as well
    assert not mixed.sectoral_only and "Art. 9" in articles(mixed)


def test_derogation_does_not_apply_to_a_system_high_risk_under_art_6_1():
    c = impact.classify("s", {**annex_iii(["5(d)"], a=True), "annex_i": [11], "art6.1.b": True})
    assert c.tier == "high" and not c.derogation
    assert not {"Art. 6(4)", "Art. 49(2)"} & set(articles(c))
    assert "already high-risk under Art. 6(1)" in " ".join(c.steps["consequence"])


def test_a_derogated_system_says_so_in_its_label():
    c = impact.classify("s", annex_iii(["5(a)"], a=True))
    assert c.tier == "minimal" and c.derogation
    assert "Art. 6(3) derogation" in c.tier_label and "Art. 49(2)" in c.tier_label
    assert {"Art. 6(4)", "Art. 49(2)"} <= set(articles(c))


def test_a_second_profile_for_a_system_is_an_error(minimal):
    (minimal / "systems").mkdir()
    text = PROFILE.format(screening=_screening())
    (minimal / "systems" / "chat.yaml").write_text(text, encoding="utf-8")
    (minimal / "systems" / "chat.yml").write_text(text.replace("art5.a: no", "art5.a: yes"), encoding="utf-8")
    assert _messages(minimal) == [
        "systems/chat.yml:1:1: a second profile for 'chat' (also systems/chat.yaml): keep one file per system [AK414]"
    ]


def test_systems_must_be_a_folder_and_duplicate_points_are_warned(minimal):
    (minimal / "systems").write_text("not a folder", encoding="utf-8")
    assert _messages(minimal) == [
        "systems:1:1: must be a folder holding one <system id>.yaml profile per AI system [AK413]"
    ]
    (minimal / "systems").unlink()
    (minimal / "systems").mkdir()
    (minimal / "systems" / "chat.yaml").write_text(
        PROFILE.format(
            screening=_screening(
                annex_iii="[4(a), 4(a)]",
                **{"art6.3.profiling": "yes", "art6.3.a": "no", "art6.3.b": "no", "art6.3.c": "no", "art6.3.d": "no"},
            )
        ),
        encoding="utf-8",
    )
    assert any("'4(a)' is listed twice" in m for m in _messages(minimal))
    assert impact.assess(engagement.load(minimal), "chat").classifications["chat"].annex_iii == ["4(a)"]


def test_importer_role_is_not_called_incomplete(minimal):
    from aimskit.steps.impact import view

    (minimal / "systems").mkdir()
    text = PROFILE.format(screening=_screening(**{"art50.1": "no"}))
    (minimal / "systems" / "chat.yaml").write_text(
        text.replace("role: [deployer]", "role: [importer]"), encoding="utf-8"
    )
    result = impact.assess(engagement.load(minimal), "chat")
    html = str(view.obligations(result))
    assert "screening is incomplete" not in html and "importers Art. 23" in html


# ---------------------------------------------------------------------------------------------
# Digital Omnibus, exceptions, legacy systems (Art. 111(2)) and the obligations added in catalog 2026.12


def obligation_rows(c, roles=("provider", "deployer")):
    return impact.obligations(c, list(roles), AS_OF).set_index("article")


def test_new_omnibus_prohibition_is_screened_with_its_status():
    c = impact.classify("s", answers(art5__omnibus=True))
    assert c.tier == "prohibited" and c.prohibited_omnibus and not c.prohibited_2024
    ob = obligation_rows(c)
    assert set(ob.index) == {"Art. 5 (Digital Omnibus)", "Art. 4"}  # not the Art. 5 rows of the 2024 text
    row = ob.loc["Art. 5 (Digital Omnibus)"].iloc[0]
    assert str(row["applies_from"]) == "2026-12-02" and row["date_status"] == "as_amended"
    assert row["rule_status"] == "as_amended"
    assert not row["in_force"]  # 20 Nov 2026 is before 2 Dec 2026


def test_unanswered_omnibus_prohibition_is_noted_not_assumed():
    base = answers()
    del base["art5.omnibus"]
    c = impact.classify("s", base)
    assert c.tier == "minimal"
    assert any("Digital Omnibus" in n for n in c.notes)
    assert "Not answered" in c.steps.loc[c.steps["reference"].str.contains("Omnibus"), "consequence"].iloc[0]


def test_art_5_1_g_exception_for_lawful_dataset_labelling():
    prohibited = impact.classify("s", answers(art5__g=True, art5__g__exception=False))
    assert prohibited.tier == "prohibited" and prohibited.prohibited == ["Art. 5(1)(g)"]
    excepted = impact.classify("s", answers(art5__g=True, art5__g__exception=True))
    assert excepted.tier == "minimal" and excepted.exceptions == ["Art. 5(1)(g) second part"]
    assert "lawfully acquired biometric datasets" in " ".join(excepted.steps["consequence"])


def test_annex_iii_8b_exception_for_campaign_logistics():
    kept = impact.classify("s", {**annex_iii(["8(b)"], profiling=True), "annex_iii.8b.exception": False})
    assert kept.tier == "high" and kept.annex_iii == ["8(b)"]
    out = impact.classify("s", {**annex_iii(["8(b)"], profiling=True), "annex_iii.8b.exception": True})
    assert out.tier == "minimal" and out.annex_iii == [] and not out.annex_iii_route
    assert "Annex III point 8(b) second sentence" in out.exceptions
    # another point listed with 8(b) still makes the system high-risk
    both = impact.classify("s", {**annex_iii(["8(b)", "4(a)"], profiling=True), "annex_iii.8b.exception": True})
    assert both.tier == "high" and both.annex_iii == ["4(a)"]


def test_new_provider_obligations_of_a_high_risk_system():
    c = impact.classify("s", annex_iii(["4(a)"], profiling=True))
    arts = set(obligation_rows(c, ["provider"]).index)
    assert {"Art. 16", "Art. 18", "Art. 19", "Art. 20", "Art. 49(1)"} <= arts
    assert not {"Art. 17(4)", "Art. 49(5)", "Art. 26(8)"} & arts
    summary = obligation_rows(c, ["provider"]).loc["Art. 49(1)", "summary"]
    assert "placing it on the market or putting it into service" in summary
    assert "10 years" in obligation_rows(c, ["provider"]).loc["Art. 18", "summary"]


def test_new_deployer_obligations_of_a_high_risk_system():
    c = impact.classify("s", annex_iii(["4(a)"], profiling=True))
    arts = set(obligation_rows(c, ["deployer"]).index)
    assert {"Art. 26", "Art. 26(9)", "Art. 25(1)", "Art. 86"} <= arts
    assert not {"Art. 26(8)", "Art. 49(3)", "Art. 26(10)", "Art. 26(5)", "Art. 26(6)"} & arts


def test_public_authority_deployer_registers_its_use_except_point_2():
    c = impact.classify("s", {**annex_iii(["4(a)"], profiling=True), "art26.8.public_authority": True})
    assert {"Art. 26(8)", "Art. 49(3)"} <= set(obligation_rows(c, ["deployer"]).index)
    point_2 = impact.classify("s", {**annex_iii(["2"], profiling=True), "art26.8.public_authority": True})
    ob = obligation_rows(point_2)
    assert not {"Art. 26(8)", "Art. 49(3)", "Art. 49(1)", "Art. 86"} & set(ob.index)
    assert "Art. 49(5)" in ob.index and "national level" in ob.loc["Art. 49(5)", "summary"]


def test_financial_institution_provisions():
    c = impact.classify("s", {**annex_iii(["5(b)"], profiling=True), "financial_institution": True})
    ob = obligation_rows(c)
    assert {"Art. 17(4)", "Art. 26(5)", "Art. 26(6)"} <= set(ob.index)
    assert "(g), (h) and (i)" in ob.loc["Art. 17(4)", "summary"]


def test_post_remote_biometric_identification_deployer():
    c = impact.classify("s", annex_iii(["1(a)"], profiling=True))
    assert "Art. 26(10)" in obligation_rows(c, ["deployer"]).index


def test_gpai_open_source_exemption_notification_and_representative():
    open_model = impact.classify("s", answers(gpai="gpai_provider", gpai__open_source=True, gpai__third_country=True))
    arts = list(obligation_rows(open_model, []).index)
    assert "Art. 53(2)" in arts and "Art. 54" in arts and "Art. 52(1)" not in arts
    closed = impact.classify("s", answers(gpai="gpai_provider", gpai__open_source=False))
    assert "Art. 53(2)" not in obligation_rows(closed, []).index
    systemic = impact.classify("s", answers(gpai="gpai_provider_systemic", gpai__open_source=True))
    arts = list(obligation_rows(systemic, []).index)
    assert "Art. 52(1)" in arts and "Art. 55" in arts and "Art. 53(2)" not in arts  # no exemption for systemic risk


def test_legacy_system_not_significantly_changed_holds_back_high_risk_duties():
    c = impact.classify(
        "s",
        {**annex_iii(["5(b)"], profiling=True, placed_before=True), "art111.significant_change": False},
    )
    assert c.tier == "high" and c.legacy == "legacy" and c.legacy_exempt
    assert "legacy system" in c.tier_label and "Art. 111(2)" in c.tier_label
    ob = obligation_rows(c)
    held = ob[ob["applicability"] == "legacy_exempt"]
    assert {"Art. 9", "Art. 16", "Art. 26", "Art. 27", "Art. 86", "Art. 49(1)"} <= set(held.index)
    assert not held["in_force"].any()
    assert set(ob.loc[["Art. 4", "Art. 25(1)"], "applicability"]) == {"applies"}
    assert impact.fria_required(c, ["deployer"])[0] is False
    assert "do not apply to it now" in impact.legacy_note(c)


def test_legacy_system_significantly_changed_carries_the_duties():
    c = impact.classify(
        "s",
        {**annex_iii(["5(b)"], profiling=True, placed_before=True), "art111.significant_change": True},
    )
    assert c.legacy == "legacy_changed" and not c.legacy_exempt
    ob = obligation_rows(c)
    assert ob.loc["Art. 9", "applicability"] == "significant_change"
    assert str(ob.loc["Art. 9", "applies_from"]) == "2027-12-02"
    assert impact.fria_required(c, ["deployer"])[0] is True


def test_legacy_system_for_public_authorities_has_the_2030_deadline():
    c = impact.classify(
        "s",
        {
            **annex_iii(["5(a)"], profiling=True, placed_before=True),
            "art111.significant_change": False,
            "art111.public_authority": True,
        },
    )
    assert c.legacy == "legacy" and c.legacy_public_authority and not c.legacy_exempt
    row = obligation_rows(c).loc["Art. 9"]
    assert str(row["applies_from"]) == "2030-08-02" and row["applicability"] == "legacy_public_authority"


def test_system_placed_after_the_cut_off_is_not_legacy():
    c = impact.classify("s", annex_iii(["5(b)"], profiling=True, placed_before=False))
    assert c.legacy == "not_legacy"
    assert set(obligation_rows(c)["applicability"]) == {"applies"}


def test_art_50_2_grace_period_follows_the_placing_date():
    old = impact.classify("s", answers(art50__2=True, art111__placed_before=True))
    row = obligation_rows(old, ["provider"]).loc["Art. 50(2)"]
    assert str(row["applies_from"]) == "2026-12-02" and row["date_status"] == "as_amended"
    new = impact.classify("s", answers(art50__2=True, art111__placed_before=False))
    assert str(obligation_rows(new, ["provider"]).loc["Art. 50(2)", "applies_from"]) == "2026-08-02"


def test_minimal_risk_carries_ai_literacy_not_no_obligations():
    c = impact.classify("s", answers())
    assert "Art. 4 AI literacy still applies" in c.tier_label
    assert "no specific obligations" not in c.tier_label
    ob = obligation_rows(c)
    assert list(ob.index) == ["Art. 4", "Art. 4"] and set(ob["rule_status"]) == {"as_amended"}


def test_omnibus_dates_and_rules_carry_their_status():
    dates = catalog.load("eu-ai-act-dates").set_index("id")
    for did in ("prohibitions-omnibus", "transparency-marking-legacy", "high-risk-annex-iii", "high-risk-annex-i"):
        assert dates.loc[did, "status"] == "as_amended", did
        assert "Official Journal publication unconfirmed" in dates.loc[did, "source"], did
    assert dates.loc["derogation-registration", "status"] == "unverified"
    assert dates.loc["legacy-public-authorities", "applies_from"] == "2030-08-02"
    ob = catalog.load("eu-ai-act-obligations")
    assert set(ob["rule_status"]) == {"verified", "as_amended"}
    assert set(ob.loc[ob["rule_status"] == "as_amended", "id"]) == {
        "art4-provider",
        "art4-deployer",
        "art5-omnibus-provider",
        "art5-omnibus-deployer",
        "art50-2-legacy",
    }
    assert not ob["summary"].str.contains("before placing on the market$|before placing on the market \\(").any()
    amendment = catalog.manifest()["frameworks"]["eu-ai-act"]["amendment"]
    assert "2025/0359(COD)" in amendment["procedure"] and "UNCONFIRMED" in amendment["status"]


def test_machinery_entry_is_noted():
    c = impact.classify("s", answers(annex_i=[1], art6__1__b=True))
    assert any("2023/1230" in n for n in c.notes)


def test_iso42005_map_covers_the_assessment_clauses():
    df = catalog.load("iso42005-map")
    assert df["clause"].is_unique
    assert set(df["clause_status"]) == {"verified", "unverified"}
    assert set(df["coverage"]) <= {"full", "partial", "none"}
    assert {"5.7", "5.8", "5.9", "6.3.3", "6.3.5", "6.8", "6.9"} <= set(df["clause"])
    assert df.set_index("clause").loc["5.11", "coverage"] == "none"  # approval is not recorded: said, not hidden
