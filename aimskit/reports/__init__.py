"""Presentation of computed results: one module per step, turning results into report blocks
(figures, escaped tables, plain-language text). No metric is computed here."""
