"""AI security test evidence: importers for red-team tool outputs (see :mod:`aimskit.security.importers`)."""
