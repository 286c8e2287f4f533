"""The page pipeline: the one code path that turns a target into checked results.

Its stages — `render_viewports` (every viewport through the engine seam, the in-page gatherers the rules request by
name, a renderer crash retried once), `document_sizes` (the linked PDF/Office files) and `evaluate_page` (the rules
of every viewport, the smartphone rendering with its PC peer) — are used by every way a page is checked: the site
audit (`audit_page`, local asyncio workers and Dask tasks), the gate and serve-gate (gate/run.py), the ACT harness
(act.py) and `audit --from-artifacts` (evaluate_page on saved artifacts).
"""

from __future__ import annotations

import asyncio
import re
import dataclasses
import time
from typing import Awaitable, Callable

from . import __version__
from .config import Site
from .discover.scope import ScopeClassifier
from .discover.sources import head_size
from .discover.urls import OriginMap, document_type
from .gather.artifacts import ArtifactStore
from .gather.gatherers import names as gatherer_names
from .rules.engine import evaluate
from .rules.loader import RuleSet


def gatherers_for(ruleset: RuleSet, profile, viewport: str) -> frozenset:
    """The in-page gatherers (gather/gatherers/) whose artifacts the rules of a profile request on a viewport."""
    return ruleset.required_artifacts(profile, viewport) & gatherer_names()


def gatherers_of(rules) -> frozenset:
    """The in-page gatherers that these rules request (a chosen set of rules: the ACT harness)."""
    return frozenset(a for r in rules for a in r.requires) & gatherer_names()


def evaluate_rules(artifacts: dict, viewport: str, url: str, rules, *, axe: bool) -> list:
    """Chosen rules on one rendering, without a profile (the ACT harness judges rule by rule): axe-core's results
    as they came (when axe ran) and each of `rules`."""
    from .rules.axe import axe_results
    from .rules.context import CheckContext
    from .rules.engine import run_rule
    results = axe_results(artifacts["axe"], viewport) if axe else []
    if rules:
        ctx = CheckContext(artifacts, viewport, url)
        results += [run_rule(rule, ctx) for rule in rules]
    return results


def evaluate_page(artifacts: dict, ruleset: RuleSet, profile, url: str) -> list:
    """The rules on every viewport's artifacts of one page ({viewport: artifacts}); a non-PC rendering gets the PC
    rendering as its peer (cross-viewport rules, SP08)."""
    results = []
    for viewport, arts in artifacts.items():
        peer = artifacts.get("pc") if viewport != "pc" else None
        results.extend(evaluate(arts, viewport, ruleset, profile, url, peer=peer))
    return results


async def _noop_polite(_url: str) -> None:
    return None


async def render_viewport(session, physical: str, viewport: str, *, ruleset: RuleSet, profile, timeout: float,
                          settle: float, polite=_noop_polite):
    """One viewport of a page through the engine seam with the gatherers its rules need. A renderer (or browser)
    that died under it gets one more try on a fresh context / browser (both engines drop a crashed context or
    driver, and restart a dead browser, before the next load). Returns (PageLoad, crash retries)."""
    gatherers = gatherers_for(ruleset, profile, viewport)
    await polite(physical)
    load = await session.gather(physical, viewport, timeout=timeout, settle=settle, interactions=gatherers)
    if load.error_kind != "renderer_crash":
        return load, 0
    first_error = load.error
    await polite(physical)
    load = await session.gather(physical, viewport, timeout=timeout, settle=settle, interactions=gatherers)
    if not load.artifacts and load.error_kind:
        load.error = f"{load.error} (after a renderer crash and a retry on a fresh browser context; " \
                     f"first: {first_error})"[:1000]
    return load, 1


async def render_viewports(session, physical: str, viewports, *, ruleset: RuleSet, profile, timeout: float,
                           settle: float, polite=_noop_polite, parallel: bool = False) -> tuple[dict, int]:
    """Every viewport of a page: one after the other (site audits: one renderer per worker), or at once (the gate:
    each viewport has its own context, and one page's answer is wanted in seconds). Returns ({viewport: PageLoad},
    crash retries)."""
    async def one(vp):
        return await render_viewport(session, physical, vp, ruleset=ruleset, profile=profile, timeout=timeout,
                                     settle=settle, polite=polite)
    if parallel:
        done = await asyncio.gather(*(one(vp) for vp in viewports))
    else:
        done = [await one(vp) for vp in viewports]
    return {vp: load for vp, (load, _) in zip(viewports, done)}, sum(n for _, n in done)


@dataclasses.dataclass
class PageJob:
    """Everything a page task needs that is fixed for a run (sent once to every Dask worker)."""

    run_id: int
    site: Site
    profile: str
    viewports: list[str]
    ruleset: RuleSet
    physical: str | None           # physical origin of a served site (127.0.0.1:port), else None
    robots: object | None          # discover.sources.Robots, or None
    allowed_hosts: frozenset = frozenset()
    axe_locale: str | None = None  # axe.configure({locale}) as read on the coordinator (workers may lack rules/)

    def __post_init__(self):
        self.origin_map = OriginMap(self.site.base_url, self.physical)
        self.scope = ScopeClassifier(self.site)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("origin_map", None)
        state.pop("scope", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def crawl(self):
        return self.site.crawl

    @property
    def key(self) -> tuple:
        """Browser policy of this job: engine, the hosts it may reach and the resources it blocks."""
        return (self.crawl.engine, self.crawl.grid, tuple(sorted(self.allowed_hosts)),
                tuple(sorted(self.crawl.block_resources)))

    @property
    def wants_documents(self) -> bool:
        return any("documents?" in r.requires for r in self.ruleset.python_rules(self.profile))


@dataclasses.dataclass
class PageOutcome:
    """What one page produced, ready for the coordinator to store (picklable, no browser objects)."""

    ok_viewports: list[str]
    page_values: dict              # columns of the pages row
    results: list                  # RuleResult
    raw_links: list[str]           # absolute (physical) or raw hrefs from every rendered viewport
    base: str                      # URL the links are relative to
    timings: dict                  # viewport → timings of its load
    errors: dict                   # viewport → "kind: message" for failed viewports
    viewport_loads: int
    python_ms: float
    artifacts: dict | None = None  # viewport → artifacts, when the coordinator saves them (Dask)
    browser: str | None = None     # browser version of the worker that rendered it (Dask)
    render_state: dict | None = None   # validators, script/style validators, DOM digests (incremental re-audit)
    screenshot: bytes | None = None    # the smartphone picture (JPEG) taken on a Dask worker, saved by the coordinator
    artifacts_missing: list = dataclasses.field(default_factory=list)   # [what, error] of files not written
    crash_retries: int = 0             # viewports rendered again after a renderer/browser crash


async def document_sizes(job: PageJob, loads: dict, polite, doc_sizes: dict) -> None:
    """Sizes of the PDF/Office files a page links to (HEAD, once per URL and cache, same site and robots only),
    added to every viewport's artifacts as `documents` for the rule comparing them with the stated sizes."""
    sizes: dict = {}
    crawl, om = job.crawl, job.origin_map
    for load in loads.values():
        for _raw, absolute, _nid in (load.links or []):
            logical = om.to_logical(absolute) if absolute else None
            if not logical or document_type(logical) is None or logical in sizes:
                continue
            if not job.scope.same_site(logical):
                continue
            if crawl.obey_robots and job.robots and not job.robots.allowed(om.to_physical(logical), "a11yaudit"):
                continue
            cached = doc_sizes.get(logical)
            if cached is None:
                physical = om.to_physical(logical)
                await polite(physical)
                cached = await asyncio.to_thread(head_size, physical, timeout=crawl.timeout,
                                                 user_agent=f"a11yaudit/{__version__}")
                doc_sizes[logical] = cached
            sizes[logical] = cached
            sizes[absolute] = cached
    for load in loads.values():
        if load.artifacts is not None:
            load.artifacts["documents"] = sizes


def _sp_failing(results) -> list:
    from .rules.smartphone import SMARTPHONE_RULES
    return [r for r in results if r.viewport == "sp" and r.rule in SMARTPHONE_RULES and r.n_failed]


def results_signature(results) -> str | None:
    """problem_signature of a page's failures of the 「スマートフォン対応」 rules on the smartphone (None: nothing to
    photograph); pages built on one template share it."""
    from .gather.mobile import problem_signature
    failing = _sp_failing(results)
    if not failing:
        return None
    return problem_signature((r.rule, f.selector) for r in failing for f in r.findings if f.outcome == "failed")


def smartphone_shot(results) -> tuple[str, list[int]] | None:
    """What the smartphone picture of a page shows: (signature, node ids to outline), or None. The cross-viewport
    rules' nodes are PC nodes, not outlined."""
    from .rules.smartphone import PEER_RULES
    sig = results_signature(results)
    if sig is None:
        return None
    nids = sorted({f.nid for r in _sp_failing(results) if r.rule not in PEER_RULES for f in r.findings
                   if f.outcome == "failed" and f.nid is not None})
    return sig, nids


def write_failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def save_artifacts(store: ArtifactStore, url: str, artifacts: dict) -> list:
    """Save each viewport's artifacts; a file that cannot be written (disk full, read-only, permissions) is
    returned as [viewport, error] — the page's results do not depend on it and are still stored."""
    missing = []
    for viewport, arts in artifacts.items():
        try:
            store.save(url, viewport, arts)
        except OSError as exc:
            missing.append([viewport, write_failure(exc)])
    return missing


def _evaluate(job: PageJob, url: str, ok: dict, artifacts_dir) -> tuple[list, float, list]:
    t0 = time.perf_counter()
    results = evaluate_page({vp: load.artifacts for vp, load in ok.items()}, job.ruleset, job.profile, url)
    missing = []
    if artifacts_dir is not None:
        missing = save_artifacts(ArtifactStore(artifacts_dir), url, {vp: load.artifacts for vp, load in ok.items()})
    return results, (time.perf_counter() - t0) * 1000, missing


# A screenshot error that means the file could not be written (not that the page could not be photographed).
_WRITE_ERROR = re.compile(r"ENOSPC|EDQUOT|EROFS|EACCES|EPERM|No space left|Read-only file system|Permission denied|"
                          r"Disk quota|\[Errno \d+\]", re.I)


# Titles of error pages served with HTTP 200 (a CMS's "not found" page): auditing them as pages of the site only gives
# duplicate-title candidates and puts them into the JIS sample.
_ERROR_TITLE = re.compile(r"(?:^|[\s|｜:：\-－–—【\[(（])(?:404(?:\s*(?:error|not\s*found|エラー))?|page\s+not\s+found|"
                          r"not\s+found|file\s+not\s+found|お探しの(?:ページ|ファイル)(?:は|が)見つかりません(?:でした)?|"
                          r"(?:ページ|ファイル)が見つかりません(?:でした)?|(?:この)?ページは(?:存在しません|見つかりません"
                          r"(?:でした)?)|指定された(?:ページ|URL)は(?:存在しません|見つかりません))"
                          r"(?:$|[\s|｜:：\-－–—】\])）。])", re.I)


def _soft_error_page(ok: dict) -> str | None:
    """An error page served with a success status: its title says so (「ページが見つかりません」, "404 Not Found")."""
    for load in ok.values():
        title = ((load.artifacts or {}).get("page") or {}).get("title") or ""
        if load.http_status and load.http_status < 300 and _ERROR_TITLE.search(title.strip()):
            return f"HTTP {load.http_status} but an error page (title {title.strip()[:80]!r})"
    return None


async def audit_page(job: PageJob, session, url: str, *,
                     polite: Callable[[str], Awaitable[None]] = _noop_polite, doc_sizes: dict | None = None,
                     artifacts_dir=None, return_artifacts: bool = False, shots_seen: set | None = None) -> PageOutcome:
    """Render `url` (a logical URL) at every viewport of the job with an engine session (gather/engine.py), run the
    rules and describe the page.

    `artifacts_dir`: save artifacts there (local audits); `return_artifacts`: hand them back in the outcome for
    the coordinator to save (Dask workers, whose disks the coordinator may not see)."""
    om, crawl = job.origin_map, job.crawl
    doc_sizes = {} if doc_sizes is None else doc_sizes
    physical = om.to_physical(url)
    loads, crash_retries = await render_viewports(session, physical, job.viewports, ruleset=job.ruleset,
                                                  profile=job.profile, timeout=crawl.timeout, settle=crawl.settle,
                                                  polite=polite)
    if job.wants_documents:
        await document_sizes(job, loads, polite, doc_sizes)
    first = next(iter(loads.values()))
    final_logical = om.to_logical(first.final_url) if first.final_url else None
    if final_logical and not job.scope.same_site(final_logical):
        for load in loads.values():
            load.artifacts, load.error_kind, load.error = None, "redirect_offsite", f"redirected to {final_logical}"
    ok = {vp: load for vp, load in loads.items() if load.artifacts}
    # Links from every rendered viewport (a smartphone rendering may link elsewhere).
    raw_links: list[str] = []
    for load in ok.values():
        raw_links.extend(link[1] or link[0] for link in load.links)
    soft = _soft_error_page(ok)
    if soft:
        for load in ok.values():
            load.artifacts, load.error_kind, load.error = None, "soft_404", soft
        ok = {}
    failed = [vp for vp, load in loads.items() if not load.artifacts]
    errors = {vp: f"{load.error_kind}: {load.error}" for vp in failed for load in (loads[vp],)}
    error_kind = first.error_kind
    partial = bool(ok and failed)
    if partial:
        # A page is checked (チェック済み) only with every viewport's results: one viewport lost (its renderer
        # crashed twice, it timed out …) makes the page an error, never a page with that viewport silently missing.
        error_kind = loads[failed[0]].error_kind or "error"
        errors.update({vp: "rendered, but the page is incomplete without the other viewport(s)" for vp in ok})
        primary_title = (next(iter(ok.values())).artifacts.get("page") or {}).get("title")
        for load in ok.values():
            load.artifacts = None
        ok = {}
    else:
        primary_title = None
    results, python_ms = [], 0.0
    screenshot = None
    missing: list = []
    if ok:
        results, python_ms, missing = await asyncio.to_thread(_evaluate, job, url, ok, artifacts_dir)
        if "sp" in ok and (artifacts_dir is not None or return_artifacts) and hasattr(session, "screenshot"):
            # A phone-width picture of the smartphone failures (the page is still loaded). On a Dask worker the JPEG
            # goes back with the artifacts and the coordinator saves it.
            try:
                shot = None
                what = smartphone_shot(results)
                if what is not None:
                    shot = await session.screenshot(what[1], what[0], artifacts_dir, url, shots_seen)
            except OSError as exc:
                shot = {"error": write_failure(exc)}
            if shot and "ms" in shot:
                ok["sp"].timings["sp_screenshot_ms"] = shot["ms"]
            if shot and shot.get("jpeg"):
                screenshot = shot["jpeg"]
            if shot and shot.get("error") and artifacts_dir is not None and _WRITE_ERROR.search(str(shot["error"])):
                missing.append(["screenshot", str(shot["error"])[:300]])
    primary = next(iter(ok.values())).artifacts["page"] if ok else {}
    page_values = {
        "state": "done" if ok else "error", "http_status": first.http_status,
        "final_url": final_logical, "content_type": first.content_type,
        "title": primary.get("title", primary_title), "lang": primary.get("lang"),
        "error_kind": None if ok else error_kind,
        "error": "; ".join(f"{vp}: {e}" for vp, e in errors.items()) or None,
        "load_ms": first.timings.get("total_ms") if first.timings else None,
    }
    if not ok and error_kind == "not_html" and not partial:
        page_values.update(kind="document", state="skipped", skip_reason="document")
    render_state = None
    if ok:
        import hashlib
        render_state = {
            "validators": first.validators or {},
            "subresources": [sub for load in ok.values() for sub in (load.subresources or [])],
            "dom_sha1": {vp: hashlib.sha1(((load.artifacts.get("dom") or {}).get("html") or "")
                                          .encode("utf-8", "replace")).hexdigest() for vp, load in ok.items()}}
    return PageOutcome(
        render_state=render_state,
        ok_viewports=list(ok), page_values=page_values, results=results, raw_links=raw_links,
        base=first.final_url or physical, timings={vp: load.timings for vp, load in loads.items()},
        errors=errors, viewport_loads=len(loads), python_ms=python_ms,
        artifacts={vp: load.artifacts for vp, load in ok.items()} if return_artifacts else None,
        screenshot=screenshot, artifacts_missing=missing, crash_retries=crash_retries)
