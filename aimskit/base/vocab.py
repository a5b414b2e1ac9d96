"""The shared vocabulary of an engagement: file names, the ID pattern and the value lists.

The lowest layer of the package: it imports nothing of aimskit, so every module (the catalog, the
inputs, the steps, the reports) can use it without import cycles.
"""

from __future__ import annotations

FORMAT_VERSION = 1
ENGAGEMENT_FILE = "engagement.yaml"
SYSTEMS_FILE = "systems.csv"
GAP_FILE = "gap.csv"
CORE_FILES = (ENGAGEMENT_FILE, SYSTEMS_FILE, GAP_FILE)
"""The files every engagement has; every report reads them."""

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"

AI_ROLES = (
    "provider",
    "producer",
    "developer",
    "deployer",
    "user",
    "customer",
    "partner",
    "importer",
    "distributor",
)
SYSTEM_TYPES = ("predictive_ml", "generative_ai", "agentic", "rule_based", "other")
LIFECYCLE_STAGES = (
    "inception",
    "design_development",
    "verification_validation",
    "deployment",
    "operation_monitoring",
    "re_evaluation",
    "retirement",
)
LIFECYCLE_LABELS = {
    "inception": "Inception",
    "design_development": "Design and development",
    "verification_validation": "Verification and validation",
    "deployment": "Deployment",
    "operation_monitoring": "Operation and monitoring",
    "re_evaluation": "Re-evaluation",
    "retirement": "Retirement",
}
SYSTEM_TYPE_LABELS = {
    "predictive_ml": "Predictive ML",
    "generative_ai": "Generative AI",
    "agentic": "Agentic",
    "rule_based": "Rule-based",
    "other": "Other",
}
EU_AI_ACT_TIERS = ("prohibited", "high", "limited", "minimal", "unknown")
STATUSES = (
    "compliant",
    "partially_compliant",
    "non_compliant",
    "not_applicable",
    "not_assessed",
)
ASSESSED_STATUSES = ("compliant", "partially_compliant", "non_compliant")
STATUS_LABELS = {
    "compliant": "Compliant",
    "partially_compliant": "Partially compliant",
    "non_compliant": "Non-compliant",
    "not_applicable": "Not applicable",
    "not_assessed": "Not assessed",
}
MATURITY_LEVELS = {
    0: "Incomplete",
    1: "Initial",
    2: "Managed",
    3: "Defined",
    4: "Quantitatively managed",
    5: "Optimizing",
}
