"""Contradictions inside the encoded policy, found from the rules in the store.

Conflicts are data the reports show, not errors: the policy really does promise both
"erase within 30 days of account deletion" (table) and "within 10 days" (text), and
Indonesia's five-year minimum outlasts every erasure rule. The query is
sql/policy_conflicts.sql; its header says what counts as a conflict.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ..paths import read_sql

CONFLICT_KINDS = ("minimum_vs_erasure", "different_erasure_delays")


def find_conflicts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per pair of conflicting retention rules, sorted by kind and rule ids.

    Columns: conflict_kind, rule_a, rule_b, rule_set_a, rule_set_b, jurisdiction_a,
    jurisdiction_b, category_a, category_b (NULL = every category), recipient,
    trigger_a, trigger_b, max_delay_a, max_delay_b, stricter_rule (the shorter delay, for
    different_erasure_delays), description.
    """
    return con.sql(read_sql("policy_conflicts.sql")).pl().sort(["conflict_kind", "rule_a", "rule_b"])
