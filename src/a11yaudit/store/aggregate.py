"""Aggregates of a run's rule results for reports, computed by the database: a 10,000-page run has ~2 million
rule_results rows (mostly passed/inapplicable), which must not be loaded into Python one dict per row. Both queries
are answered from the covering index ix_results_run_outcome (migration 0007)."""

from __future__ import annotations

from sqlalchemy import select

from ..rules.model import CANT_TELL, ERROR, FAILED, OUTCOMES
from .db import Store
from .schema import rule_results

NOT_PASSING = (FAILED, CANT_TELL, ERROR)


def not_passing_results(store: Store, run_id: int, outcomes: tuple = NOT_PASSING) -> list[tuple]:
    """(page_id, rule, outcome, criteria) of every failed / cantTell / error result of the run (or of `outcomes`)."""
    q = (select(rule_results.c.page_id, rule_results.c.rule, rule_results.c.outcome, rule_results.c.criteria)
         .where(rule_results.c.run_id == run_id, rule_results.c.outcome.in_(outcomes)))
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def rule_criteria_pairs(store: Store, run_id: int) -> list[tuple]:
    """Distinct (rule, criteria) of the run's results. One query per outcome, so that each is a walk of the covering
    index (a single DISTINCT over the run sorts all of its rows: 8 s of CPU on a 10,000-page run, 0.4 s this way)."""
    out: set[tuple] = set()
    with store.engine.connect() as conn:
        for outcome in OUTCOMES:
            q = (select(rule_results.c.rule, rule_results.c.criteria)
                 .where(rule_results.c.run_id == run_id, rule_results.c.outcome == outcome).distinct())
            out.update(tuple(r) for r in conn.execute(q))
    return sorted(out)


def results_of_pages(store: Store, run_id: int, page_ids) -> list[tuple]:
    """(page_id, rule, outcome, criteria) of every result of the given pages (e.g. the 試験 sample's 40 pages of a
    10,000-page run): the filter runs in the database, over the covering index, not over 2 million dicts."""
    ids = sorted(set(page_ids))
    out: list[tuple] = []
    with store.engine.connect() as conn:
        for i in range(0, len(ids), 500):
            q = (select(rule_results.c.page_id, rule_results.c.rule, rule_results.c.outcome, rule_results.c.criteria)
                 .where(rule_results.c.run_id == run_id, rule_results.c.page_id.in_(ids[i:i + 500])))
            out.extend(tuple(r) for r in conn.execute(q))
    return out
