"""SQL for incremental re-audits (table page_state, migration 0007): the last known state of each URL of a site,
and copying an earlier run's results of an unchanged page into the current run (one transaction)."""

from __future__ import annotations

import json

from sqlalchemy import delete, insert, literal, select, update

from .db import Store, now
from .schema import findings, page_state, pages, rule_results, runs

_PAGE_FIELDS = ("http_status", "final_url", "title", "lang", "content_type")


def previous_states(store: Store, site_id: str, reuse_key: str) -> dict[str, dict]:
    """URL → newest stored state of that URL in any earlier run of the site audited with the same reuse key
    (same tool, rules, axe-core, profile and viewports), for pages that were audited successfully."""
    q = (select(pages.c.url, pages.c.id.label("page_id"), pages.c.run_id, page_state.c.etag,
                page_state.c.last_modified, page_state.c.dom_hash, page_state.c.subresources_json,
                page_state.c.links_json, *(pages.c[f] for f in _PAGE_FIELDS))
         .select_from(page_state.join(pages, pages.c.id == page_state.c.page_id)
                      .join(runs, runs.c.id == page_state.c.run_id))
         .where(runs.c.site_id == site_id, page_state.c.reuse_key == reuse_key, pages.c.state == "done")
         .order_by(pages.c.run_id))
    out: dict[str, dict] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(q).mappings():
            d = dict(row)
            d["subresources"] = json.loads(d.pop("subresources_json") or "[]")
            d["links"] = json.loads(d.pop("links_json") or "[]")
            out[d["url"]] = d          # later runs overwrite earlier ones
    return out


def _state_row(run_id: int, page_id: int, state: dict) -> dict:
    return {"page_id": page_id, "run_id": run_id, "reuse_key": state["reuse_key"], "etag": state.get("etag"),
            "last_modified": state.get("last_modified"), "dom_hash": state.get("dom_hash"),
            "subresources_json": json.dumps(state.get("subresources") or [], ensure_ascii=False),
            "links_json": json.dumps(state.get("links") or [], ensure_ascii=False),
            "reused_from": state.get("reused_from"), "reuse_via": state.get("reuse_via")}


def save_state(store: Store, run_id: int, page_id: int, state: dict) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(page_state).where(page_state.c.page_id == page_id))
        conn.execute(insert(page_state).values(**_state_row(run_id, page_id, state)))


def record_reused_page(store: Store, run_id: int, page_id: int, src_page_id: int, page_values: dict, state: dict,
                       new_pages: list[dict]) -> int:
    """Copy the rule results and findings of `src_page_id` (an earlier run's page) to `page_id` of this run, with
    the page's values, its state (marked reused) and the links it revealed — one transaction. Returns the number of
    findings copied. Findings keep their fingerprints (same site, path, viewport, rule and target)."""
    with store.engine.begin() as conn:
        conn.execute(delete(rule_results).where(rule_results.c.page_id == page_id))
        conn.execute(delete(findings).where(findings.c.page_id == page_id))
        rr_cols = [c.name for c in rule_results.columns if c.name not in ("id", "run_id", "page_id")]
        conn.execute(insert(rule_results).from_select(
            ["run_id", "page_id", *rr_cols],
            select(literal(run_id), literal(page_id), *(rule_results.c[c] for c in rr_cols))
            .where(rule_results.c.page_id == src_page_id)))
        f_cols = [c.name for c in findings.columns if c.name not in ("id", "run_id", "page_id")]
        n = conn.execute(insert(findings).from_select(
            ["run_id", "page_id", *f_cols],
            select(literal(run_id), literal(page_id), *(findings.c[c] for c in f_cols))
            .where(findings.c.page_id == src_page_id).order_by(findings.c.id))).rowcount or 0
        if new_pages:
            store.enqueue(run_id, new_pages, conn=conn)
        conn.execute(update(pages).where(pages.c.id == page_id).values(fetched_at=now(), **page_values))
        conn.execute(delete(page_state).where(page_state.c.page_id == page_id))
        conn.execute(insert(page_state).values(**_state_row(run_id, page_id, state)))
    return n


def reuse_markers(store: Store, run_id: int) -> dict[str, dict]:
    """URL → {reuse_via, reused_from} for every page of a run that has a state (tests, reports, benchmarks)."""
    q = (select(pages.c.url, page_state.c.reuse_via, page_state.c.reused_from)
         .select_from(page_state.join(pages, pages.c.id == page_state.c.page_id))
         .where(page_state.c.run_id == run_id))
    with store.engine.connect() as conn:
        return {r.url: {"reuse_via": r.reuse_via, "reused_from": r.reused_from} for r in conn.execute(q)}
