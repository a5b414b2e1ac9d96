"""The text of the blank YAML templates that ``aimskit init`` writes (CSV templates come from the schemas)."""

ENGAGEMENT_TEMPLATE = """\
# aimskit engagement, format version 1. Lines starting with # are comments.
# Fill in every key; see the README ("The engagement folder") for the meaning of each.
format_version: 1
organisation:
  name: Example Organisation Ltd         # required
  sector: ""                             # e.g. Consumer finance
  country: ""
  # employees: 250
  description: ""
scope: >-
  Describe the scope of the AI management system: the organisational units, AI systems,
  locations and the organisation's role(s) for AI.
assessors:
  - name: Your Name                      # at least one assessor
    role: Lead assessor
    organisation: ""
assessment_date: 2026-01-31              # YYYY-MM-DD
ai_roles: [deployer]                     # provider, producer, developer, deployer, user, customer, partner, importer, distributor
target_maturity:
  default: 3                             # 0 incomplete ... 5 optimizing
  # "6.1.2": 4                           # overrides by requirement, clause or Annex A objective ("A.7")
branding:
  name: ""                               # shown as "Prepared by"
  colour: "#1F4E79"
  # logo: logo.png                       # an image file in this folder
  # word_template: template.docx         # your own Word template (styles, logo, boilerplate) for the .docx reports
document_control:                        # shown on every report, PDF and Word file
  prepared_for: ""                       # default: the organisation's name
  version: "0.1"                         # quoted: 1.10 written as a number would read 1.1
  status: draft                          # draft or final (final needs approver and approval_date)
  confidentiality: Confidential
  # approver: Name, role
  # approval_date: 2026-02-15
  # commentary:                          # optional: a paragraph per step, shown first in its report
  #   gap: Your own reading of the gap assessment for the board.
context:
  external_issues: []
  internal_issues: []
# Certification (optional): the certification body and the target audit dates (readiness step).
# certification:
#   body: ""                             # the certification body, once chosen
#   stage_1: 2027-03-15                  # target date of the stage-1 audit, YYYY-MM-DD
#   stage_2: 2027-05-10                  # target date of the stage-2 audit
# Risk criteria (optional; these are the defaults). Every reachable score must fall in exactly one band.
# risk_criteria:
#   likelihood: {name: Likelihood, levels: [{value: 1, label: Rare}, {value: 2, label: Unlikely},
#                {value: 3, label: Possible}, {value: 4, label: Likely}, {value: 5, label: Almost certain}]}
#   impact: {name: Impact, levels: [{value: 1, label: Negligible}, {value: 2, label: Minor},
#            {value: 3, label: Moderate}, {value: 4, label: Major}, {value: 5, label: Severe}]}
#   method: product                      # product, sum, or matrix (with matrix: one row of scores per likelihood)
#   bands:
#     - {id: very_low, label: Very low, min: 1, max: 2, colour: "#2E7D32"}
#     - {id: low, label: Low, min: 3, max: 4, colour: "#8BC34A"}
#     - {id: medium, label: Medium, min: 5, max: 9, colour: "#F2A900"}
#     - {id: high, label: High, min: 10, max: 16, colour: "#EF6C00"}
#     - {id: very_high, label: Very high, min: 17, max: 25, colour: "#C62828"}
#   acceptance:                          # who may accept a residual risk above the appetite
#     medium: [AI governance committee, Chief Risk Officer]
#     high: [Executive committee]        # a level not listed may not be accepted
#   appetite: low                        # highest level retained without a recorded acceptance
# Impact criteria (optional): the same keys as risk_criteria, with the impact axis named Severity, plus
# the level from which a negative impact counts as severe (it must then be linked to a risk).
# impact_criteria:
#   severe_level: high
"""


AUDITS_TEMPLATE = """\
# aimskit internal audit programme (ISO/IEC 42001 9.2). Lines starting with # are comments.
# Every key: docs/engagement-format.md, "The audit programme and management reviews".
programme:
  name: AIMS internal audit programme
  # start: 2026-09-01
  # end: 2027-08-31
  objectives: []
audits: []
# audits:
#   - id: IA-2026-01                     # referenced by findings.csv
#     title: First internal audit of the AIMS
#     start: 2026-10-05                  # YYYY-MM-DD
#     end: 2026-10-16
#     status: planned                    # planned or done
#     lead_auditor: Full Name            # people, matched against the owners in gap.csv (independence)
#     team: [Full Name]
#     criteria: [ISO/IEC 42001:2023, AI policy]
#     scope:
#       clauses: ["5", "6.1", "9.2.1"]   # sub-clauses or clause headings (quote them)
#       controls: [A.2, A.6.2.4]         # Annex A controls, objectives or sub-groups
#       systems: [credit-score]          # ids from systems.csv
"""


REVIEWS_TEMPLATE = """\
# aimskit management reviews (ISO/IEC 42001 9.3). Lines starting with # are comments.
# Every key: docs/engagement-format.md, "The audit programme and management reviews".
reviews: []
# reviews:
#   - id: MR-2026-01
#     date: 2026-07-09
#     title: Management review of the AIMS
#     chair: Chief Risk Officer (Full Name)
#     attendees: [Chief Risk Officer (Full Name), AI Governance Lead (Full Name)]
#     performance:                       # the figures this review saw (baseline for the next review)
#       gap_conformity: 41.0
#       open_nonconformities: 0
#     issues:                            # the context issues as they stood at this review
#       external: []
#       internal: []
#     decisions: [Hold the first internal audit in October]
#     actions:
#       - id: MR-2026-01-A1
#         kind: improvement              # improvement, aims_change, resources or other
#         description: Plan and hold the first internal audit
#         owner: Head of Internal Audit (Full Name)
#         due: 2026-10-31
#         status: open                   # open, in_progress or done (then completed_on: YYYY-MM-DD)
# next_review:
#   date: 2027-03-18
"""
