"""Runs made without crawling: `audit --from-artifacts DIR` re-evaluates saved artifacts; and the site-level rules
every finished run ends with."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, settings
from .config import Site
from .discover.scope import ScopeClassifier
from .discover.urls import path_of
from .gather.artifacts import ArtifactStore
from .pagework import evaluate_page
from .progress import Progress
from .rules.loader import RuleSet
from .rules.site import evaluate_site, site_rules
from .store.db import Store

if TYPE_CHECKING:
    from .audit import AuditOptions


def site_config_dict(site: Site) -> dict:
    d = dataclasses.asdict(site)
    d["serve"] = str(site.serve) if site.serve else None
    for rules in [d["policy"]["include"], d["policy"]["exclude"]] + [ph["include"] for ph in d["policy"]["phases"]]:
        for rule in rules:
            rule.pop("regex", None)
    return d


def run_site_rules(store: Store, run_id: int, site_id: str, ruleset: RuleSet, profile: str,
                   viewports: list[str]) -> None:
    """Site-level rules (duplicate titles …) over the run's audited pages, after the crawl."""
    rules = site_rules(ruleset, profile)
    if not rules:
        return
    pages = store.run_pages(run_id)
    results = evaluate_site(pages, ruleset, profile, viewports[0] if viewports else "pc")
    store.replace_site_results(run_id, site_id, [r.code for r in rules], results,
                               {p["id"]: path_of(p["url"]) for p in pages})


def reevaluate_artifacts(site: Site, store: Store, ruleset: RuleSet, options: AuditOptions, folder: Path) -> int:
    """`audit --from-artifacts DIR`: a new run from saved artifacts, without a browser."""
    arts = ArtifactStore(folder)
    by_url: dict[str, dict] = {}
    for payload in arts.iter_all():
        by_url.setdefault(payload["url"], {})[payload["viewport"]] = payload["artifacts"]
    viewports = sorted({vp for d in by_url.values() for vp in d}, key=lambda v: list(settings.VIEWPORTS).index(v)
                       if v in settings.VIEWPORTS else 99)
    scope = ScopeClassifier(site)
    progress = Progress(site.id, quiet=options.quiet)
    progress.found = len(by_url)
    axe_versions = {((a.get("axe") or {}).get("version")) for d in by_url.values() for a in d.values()}
    axe_versions.discard(None)
    run_id = store.create_run(site, profile=options.profile, viewports=viewports,
                              axe_version=",".join(sorted(axe_versions)) or None, tool_version=__version__,
                              source="artifacts", artifacts_dir=str(folder), config=site_config_dict(site))
    started = time.monotonic()
    for url in sorted(by_url):
        decision = scope.classify(url)
        entry = {"url": url, "kind": "html", "doc_type": None, "depth": 0, "found_via": "artifacts",
                 "referrer": None, "scope": decision.status, "scope_reason": decision.reason, "state": "queued",
                 "skip_reason": None}
        store.enqueue(run_id, [entry])
        page_id = store.ids_for(run_id, [url])[url]
        results = evaluate_page(by_url[url], ruleset, options.profile, url)      # the page pipeline's rules
        any_page = next(iter(by_url[url].values())).get("page") or {}
        store.record_page(run_id, site.id, page_id, path_of(url), {
            "state": "done", "http_status": any_page.get("status"), "title": any_page.get("title"),
            "lang": any_page.get("lang"), "content_type": any_page.get("content_type"),
            "final_url": any_page.get("final_url")}, results, [])
        progress.page(url, True, f"指摘 {sum(r.n_failed for r in results)}")
    run_site_rules(store, run_id, site.id, ruleset, options.profile, viewports)
    elapsed = time.monotonic() - started
    store.finish_run(run_id, "finished", {"pages_done": len(by_url), "elapsed_s": round(elapsed, 2),
                                          "counts": store.count_pages(run_id)})
    return run_id
