"""The documents section of the site report: the PDF / Office files the audit fetched and checked —
counts by type, the share with problems, the documents with most problems and the pages that link to each. Only
failures of rules of category "conformance" count as problems (criterion failures); candidates are counted apart.
Document content (titles, locations, messages) is hostile: the templates escape it like page content."""

from __future__ import annotations

import json
from collections import defaultdict

from ..rules.model import CANT_TELL, ERROR, FAILED

KINDS = ("pdf", "docx", "xlsx", "pptx")
TOP = 30            # documents listed with their problems
LINKED_FROM = 5     # pages named per document


def linking_pages(store, run_id: int) -> dict[str, list[str]]:
    """Document URL → the audited pages whose links include it (page_state.links_json of the run)."""
    from sqlalchemy import select

    from ..store.schema import page_state, pages
    q = (select(pages.c.url, page_state.c.links_json)
         .select_from(page_state.join(pages, pages.c.id == page_state.c.page_id))
         .where(page_state.c.run_id == run_id, pages.c.kind == "html"))
    out: dict[str, list[str]] = defaultdict(list)
    with store.engine.connect() as conn:
        for url, links in conn.execute(q):
            for link in json.loads(links or "[]"):
                out[link].append(url)
    return out


def is_conformance_failure(ruleset, code: str) -> bool:
    rule = ruleset.get(code)
    return rule is None or rule.category == "conformance"


def build_documents(store, run_id: int, pages: list[dict], findings: list[dict], ruleset, t) -> dict:
    """The view model of the documents section; `findings` are the document pages' findings."""
    from ..docaudit import is_scan, run_documents
    rows = {d["page_id"]: d for d in run_documents(store, run_id)}
    doc_pages = [p for p in pages if p["kind"] == "document"]
    by_page = defaultdict(list)
    for f in findings:
        by_page[f["page_id"]].append(f)
    links = linking_pages(store, run_id) if doc_pages else {}
    by_kind = {k: {"kind": k, "found": 0, "checked": 0, "errors": 0, "with_problems": 0} for k in KINDS}
    listed = []
    for p in doc_pages:
        d = rows.get(p["id"])
        kind = (d or {}).get("kind") or _kind_of(p["url"])
        if kind not in by_kind:
            continue
        k = by_kind[kind]
        k["found"] += 1
        if d is None:
            continue
        fs = by_page.get(p["id"], [])
        failed = [f for f in fs if f["outcome"] == FAILED and is_conformance_failure(ruleset, f["rule"])]
        cant = [f for f in fs if f["outcome"] == CANT_TELL or (f["outcome"] == FAILED and f not in failed)]
        if p["state"] == "done":
            k["checked"] += 1
            if failed:
                k["with_problems"] += 1
        elif p["state"] == "error":
            k["errors"] += 1
        items = []
        for f in sorted(fs, key=lambda f: (f not in failed, f["rule"], f["selector"] or "")):
            rule = ruleset.get(f["rule"])
            items.append({"rule": f["rule"], "rule_title": t.pick(rule.title) if rule else f["rule"],
                          "outcome": FAILED if f in failed else CANT_TELL, "criteria": [c for c in
                          (f["criteria"] or "").split(",") if c], "location": f["selector"],
                          "message": t.message(f)})
        listed.append({"id": p["id"], "url": p["url"], "kind": kind, "title": d.get("title"), "size": d.get("size"),
                       "pages": d.get("pages"), "state": p["state"], "error": p["error"] if p["state"] == "error"
                       else None, "failed": len(failed), "cant_tell": len(cant), "findings": items[:40],
                       "findings_more": max(0, len(items) - 40),
                       "scan": is_scan(d.get("pages"), d.get("image_only_pages")),
                       "linked_from": sorted(set(links.get(p["url"], []) or ([p["referrer"]] if p.get("referrer")
                                                                              else [])))[:LINKED_FROM]})
    checked = sum(k["checked"] for k in by_kind.values())
    problems = sum(k["with_problems"] for k in by_kind.values())
    top = sorted((d for d in listed if d["failed"] or d["cant_tell"] or d["error"]),
                 key=lambda d: (d["error"] is not None, -d["failed"], -d["cant_tell"], d["url"]))
    return {"by_kind": [k for k in by_kind.values() if k["found"]], "found": sum(k["found"] for k in by_kind.values()),
            "checked": checked, "with_problems": problems,
            "problem_share": round(100 * problems / checked, 1) if checked else None,
            "errors": sum(k["errors"] for k in by_kind.values()), "scans": sum(1 for d in listed if d["scan"]),
            "top": top[:TOP], "more": max(0, len(top) - TOP)}


def _kind_of(url: str) -> str | None:
    from ..docaudit import checkable_kind
    return checkable_kind(url)


def document_result_ids(results: list[dict], doc_ids: set) -> tuple[list, list]:
    """Split a run's (not passing) results into pages' and documents'."""
    pages_, docs = [], []
    for r in results:
        (docs if r["page_id"] in doc_ids else pages_).append(r)
    return pages_, docs


__all__ = ["build_documents", "linking_pages", "is_conformance_failure", "ERROR"]
