"""Stated document sizes against the real files: the audit HEADs linked PDFs/Office files over real HTTP (once per
URL and run) and JP19 compares them with the size written next to the link."""

from __future__ import annotations

import asyncio
from pathlib import Path

from a11yaudit.audit import AuditOptions, Auditor
from a11yaudit.config import load_sites
from a11yaudit.discover.urls import OriginMap
from a11yaudit.gather.browser import PageLoad
from a11yaudit.rules.context import CheckContext
from a11yaudit.rules.engine import run_rule
from a11yaudit.rules.loader import load_rules
from a11yaudit.store.db import Store

ROOT = Path(__file__).resolve().parents[2]


def test_document_sizes_are_fetched_once_and_compared(serve, db_url, tmp_path):
    site = load_sites(ROOT / "sites.yaml").get("sample")
    base = serve(ROOT / "examples" / "sample-site")
    rules = load_rules()
    auditor = Auditor(site, Store(db_url), rules, AuditOptions(profile="jis2016+gov-style", viewports=["pc"],
                                                               artifacts_root=tmp_path))
    auditor.origin_map = OriginMap(site.base_url, base)
    assert auditor._wants_documents
    page = "/kurashi/gomi/sodai/"
    html = (ROOT / "examples" / "sample-site" / "kurashi" / "gomi" / "sodai" / "index.html").read_text("utf-8")
    links = [["/docs/shinsei-sho.pdf", base + "/docs/shinsei-sho.pdf", 1],
             ["/docs/gomi-calendar-2026.pdf", base + "/docs/gomi-calendar-2026.pdf", 2],
             ["/docs/missing.pdf", base + "/docs/missing.pdf", 3],
             ["/kurashi/", base + "/kurashi/", 4]]
    ctx = CheckContext.from_html(html, url=site.base_url + page)
    load = PageLoad(url=base + page, viewport="pc", artifacts=ctx.artifacts, links=links)
    asyncio.run(auditor._document_sizes({"pc": load}))
    sizes = ctx.artifacts["documents"]
    real = (ROOT / "examples" / "sample-site" / "docs" / "shinsei-sho.pdf").stat().st_size
    assert sizes["http://sample.invalid/docs/shinsei-sho.pdf"] == {"status": 200, "bytes": real, "error": None}
    assert sizes["http://sample.invalid/docs/missing.pdf"]["status"] == 404
    assert "http://sample.invalid/kurashi/" not in sizes           # only documents are asked for
    assert len(auditor.doc_sizes) == 3
    result = run_rule(rules.get("JP19"), ctx)
    failed = [f for f in result.findings if f.outcome == "failed"]
    assert len(failed) == 1 and "350KB" in failed[0].message and "shinsei-sho.pdf" in failed[0].snippet
