"""Gate run: the targets through the page pipeline (pagework) on an engine — Playwright by default, Selenium
with `--engine selenium` — and the documents through the document checker."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import settings
from ..errors import InfrastructureError
from .baseline import load_baseline_spec
from .targets import Target, document_targets, is_document_spec, resolve_targets

def gate_entries(targets: list[Target]) -> list[str]:
    """The origins the gated pages may reach on special addresses: each target's own origin (a local dev server the
    user names, the --base-url of a preview, the served folder of a file) and its configured site's origins —
    nothing else on loopback, private or link-local addresses (gather/guard_proxy.py)."""
    from ..discover.urls import origin_of
    entries: list[str] = []
    for t in targets:
        entries.append(origin_of(t.load_url))
        if t.serve_origin:
            entries.append(t.serve_origin)
        if t.site is not None:
            from ..discover.scope import ScopeClassifier
            entries += sorted(ScopeClassifier(t.site).origins) + list(t.site.allowed_hosts)
    return entries


def gate_allowance(targets: list[Target]):
    from ..gather.guard_proxy import Allowance
    return Allowance(gate_entries(targets))



def navigation_error(target: Target, load, navigations: list[str]) -> str | None:
    """Why a gated load does not show the target (fail closed), or None when it does."""
    from ..gather.guard_proxy import origin_tuple
    if navigations:
        return (f"ページが対象から移動しようとしました / the page navigated away from the target to "
                f"{navigations[0][:300]} (the gate judges the target itself; gate that URL directly if it is the "
                f"page meant)")
    final = load.final_url or ""
    if final.startswith("chrome-error:"):
        return f"Chromium のエラーページ / Chromium's error page instead of the target ({load.error or final})"
    if final and origin_tuple(final) != origin_tuple(target.load_url):
        return (f"別のオリジンへ転送されました / redirected away from the target's origin to {final[:300]} "
                "(gate that URL directly if it is the page meant)")
    return None


def _gate_job(target: Target, ruleset, viewports: list[str]):
    """The page pipeline's job for one gated target: its site (scope, robots) when it belongs to a configured one,
    else a site made of the target's own origin (a local dev server, a preview, a served file)."""
    from ..discover.urls import origin_of
    from ..pagework import PageJob
    site = target.site if target.site is not None else _adhoc_site(origin_of(target.load_url))
    return PageJob(run_id=0, site=site, profile=target.profile, viewports=list(viewports), ruleset=ruleset,
                   physical=None, robots=None)


def _adhoc_site(origin: str):
    """A site of one origin with every default (the gated URL belongs to no configured site)."""
    import json

    from ..config import load_sites
    text = f"version: 1\nsites:\n  - id: gate\n    start_urls: [{json.dumps(origin + '/')}]\n"
    return load_sites("<gate>", text=text).sites[0]


async def _gate_documents(target: Target, ruleset, loads: dict, doc_sizes: dict) -> None:
    """Sizes of the documents the gated page links to (JP19 compares them with the stated sizes), as an audit
    measures them: HEAD requests to the same site only."""
    job = _gate_job(target, ruleset, list(loads))
    if job.wants_documents and target.kind == "url":
        from ..pagework import document_sizes
        await document_sizes(job, loads, _no_wait, doc_sizes)


async def _no_wait(_url: str) -> None:
    return None


def _session(engine, targets: list[Target], allowance):
    """The gate's session on the engine: on Playwright its own proxy port and routes (gather/gate_routes.py); on
    Selenium the engine was started for these targets alone (its proxy's allowance is theirs)."""
    if getattr(engine, "name", "playwright") == "selenium":
        return engine.session("a11yaudit"), None
    from ..gather.gate_routes import GateSession
    proxy = getattr(engine, "proxy", None)
    listener = proxy.listen(allowance) if proxy is not None else None
    return GateSession(engine, targets, allowance, listener[0] if listener else None), listener


async def gather_targets(engine, targets: list[Target], viewports: list[str], ruleset, *, timeout: float,
                         settle: float, start_task=None) -> tuple[dict, dict]:
    """Every target through the page pipeline (pagework): its viewports at once, the gatherers its rules need, the
    linked documents' sizes, the rules. A target that navigated away, or was redirected off its origin, is a load
    error (fail closed). Returns ({(spec, viewport): PageLoad}, {(spec, viewport): [RuleResult]})."""
    from ..pagework import evaluate_page, render_viewports
    if start_task is not None:
        await start_task
    loads: dict = {}
    results: dict = {}
    allowance = gate_allowance(targets)
    # Its own port of the filtering proxy: the allowance is these targets' origins only (serve-gate runs several
    # calls on one browser; one request's allowance never carries over to another).
    session, listener = await asyncio.to_thread(_session, engine, targets, allowance)
    doc_sizes: dict = {}
    try:
        for t in targets:
            if hasattr(session, "begin"):
                session.begin(t)
            got, _ = await render_viewports(session, t.load_url, viewports, ruleset=ruleset, profile=t.profile,
                                            timeout=timeout, settle=settle, parallel=True)
            for vp, load in got.items():
                navigations = session.navigations(vp) if hasattr(session, "navigations") else []
                why = navigation_error(t, load, navigations)
                if why is not None:      # fail closed: the target was not what got judged (or nothing was)
                    load.artifacts, load.error_kind, load.error = None, "navigated_away", why
                loads[(t.spec, vp)] = load
            ok = {vp: load for vp, load in got.items() if load.artifacts is not None}
            if ok:
                await _gate_documents(t, ruleset, ok, doc_sizes)
                res = await asyncio.to_thread(evaluate_page, {vp: ld.artifacts for vp, ld in ok.items()}, ruleset,
                                              t.profile, t.identity_url)
                for vp in ok:
                    results[(t.spec, vp)] = [r for r in res if r.viewport == vp]
    finally:
        with contextlib.suppress(Exception):
            await session.close()
        if listener is not None:
            engine.proxy.unlisten(listener[1])
    return loads, results


@dataclass
class GateOptions:
    targets: list[str]
    base_url: str | None = None
    viewports: list[str] = field(default_factory=lambda: list(settings.DEFAULT_VIEWPORTS))
    profile: str | None = None
    config: str = settings.DEFAULT_CONFIG
    timeout: float = 30.0
    settle: float = 0.3
    baseline: str | None = None
    db_url: str | None = None
    engine: str = "playwright"         # or "selenium" (a local chromedriver, or the Grid at `grid`)
    grid: str | None = None


def _load_sites(config: str) -> list:
    if not config or not Path(config).exists():
        return []
    from ..config import load_sites
    from ..rules.standards import load_standards
    _, profiles = load_standards()
    return load_sites(config, known_profiles=set(profiles)).sites


def _prepare(opt: GateOptions, read_stdin=None):
    from ..rules.loader import load_rules
    sites = _load_sites(opt.config)
    baseline = load_baseline_spec(opt.baseline, opt.db_url)
    targets = resolve_targets(opt.targets, base_url=opt.base_url, sites=sites, profile=opt.profile,
                              read_stdin=read_stdin)
    return targets, load_rules(), baseline


async def _gate_async(opt: GateOptions, read_stdin=None):
    """Playwright: Chromium starts while the input, sites.yaml and the rules are read (in a thread). Selenium: the
    driver starts after, because its filtering proxy's allowance is made of the targets."""
    if opt.engine == "selenium":
        return await _gate_selenium(opt, read_stdin)
    from ..gather.engine import PlaywrightEngine
    # guard: every request goes through the filtering proxy (each gather_targets call opens its own port of it
    # with the targets' allowance; the browser's default port allows no special address at all).
    engine = PlaywrightEngine(block_resources=list(settings.CRAWL_DEFAULTS["block_resources"]), guard=True)
    start = asyncio.ensure_future(engine.start())
    try:
        try:
            targets, ruleset, baseline = await asyncio.to_thread(_prepare, opt, read_stdin)
        except BaseException:
            start.cancel()
            with contextlib.suppress(BaseException):
                await start
            raise
        loads, results = await gather_targets(engine, targets, opt.viewports, ruleset, timeout=_timeout(opt, targets),
                                              settle=opt.settle, start_task=start)
        return targets, ruleset, baseline, loads, results
    finally:
        with contextlib.suppress(Exception):
            await engine.close()


def _timeout(opt: GateOptions, targets: list[Target]) -> float:
    return min([t.site.crawl.timeout for t in targets if t.site is not None] or [opt.timeout])


async def _gate_selenium(opt: GateOptions, read_stdin=None):
    """The gate on the Selenium engine (a local chromedriver, or a Grid with --grid): files and standard input are
    served on 127.0.0.1 (gate/serving.py), every request goes through the filtering proxy with the targets'
    allowance (a Grid's browsers cannot reach it: CDP URL blocking only, as in site audits)."""
    from ..gather.engine import make_engine
    from .serving import TargetServer
    targets, ruleset, baseline = await asyncio.to_thread(_prepare, opt, read_stdin)
    servers = [TargetServer(t).start() for t in targets if t.body is not None]
    engine = None
    try:
        # The origins for the proxy; their hosts as the CDP URL-blocking exceptions (the proxy still allows only
        # the origins: a bare host does not widen an origin entry of the same host).
        from ..discover.urls import host_of
        entries = gate_entries(targets)
        hosts = {host_of(e) if "://" in e else e for e in entries}
        engine = make_engine("selenium", allowed_hosts=set(entries) | hosts,
                             block_resources=list(settings.CRAWL_DEFAULTS["block_resources"]), grid=opt.grid,
                             timeout=_timeout(opt, targets), guard=True)
        await engine.start()
        loads, results = await gather_targets(engine, targets, opt.viewports, ruleset, timeout=_timeout(opt, targets),
                                              settle=opt.settle)
        return targets, ruleset, baseline, loads, results
    finally:
        if engine is not None:
            with contextlib.suppress(Exception):
                await engine.close()
        for server in servers:
            server.stop()


@dataclass
class DocumentLoad:
    """A checked document in the shape of a page load (gate.compare reads artifacts, error_kind, error)."""
    url: str
    viewport: str
    artifacts: dict | None = None
    error_kind: str | None = None
    error: str | None = None
    final_url: str | None = None



def gather_documents(targets: list[Target], ruleset) -> tuple[dict, dict]:
    """Check each document in the document checker's isolated worker; results as the site audit stores them
    (viewport "document"). A document that cannot be checked (damaged, password, bomb, timeout …) is a load error
    (exit 3), like a page that cannot be loaded."""
    from ..documents import DocumentChecker
    from ..documents.integrate import DOCUMENT_VIEWPORT, rule_results
    loads, results = {}, {}
    with DocumentChecker() as checker:
        checker._rules = ruleset          # the gate's rules, loaded once
        for t in targets:
            r = checker.check(t.spec)
            key = (t.spec, DOCUMENT_VIEWPORT)
            if r.error_kind:
                loads[key] = DocumentLoad(t.identity_url, DOCUMENT_VIEWPORT, None, r.error_kind, r.error)
            else:
                loads[key] = DocumentLoad(t.identity_url, DOCUMENT_VIEWPORT, {"page": {"title": r.title}})
                results[key] = rule_results(r, profile=t.profile, ruleset=ruleset)
    return loads, results



def gather(opt: GateOptions, read_stdin=None):
    """Targets, rules, baseline, page loads and rule results; raises ConfigError (2) / InfrastructureError (3).
    PDF / Office files among the targets are checked by the document checker (documents/), the rest rendered."""
    doc_specs = [s for s in opt.targets if is_document_spec(s)]
    if doc_specs:
        import dataclasses

        from ..rules.loader import load_rules
        pages = [s for s in opt.targets if not is_document_spec(s)]
        if pages:
            targets, ruleset, baseline, loads, results = asyncio.run(
                _gate_async(dataclasses.replace(opt, targets=pages), read_stdin))
        else:
            targets, ruleset, baseline, loads, results = [], load_rules(), \
                load_baseline_spec(opt.baseline, opt.db_url), {}, {}
        doc_targets = document_targets(doc_specs, sites=_load_sites(opt.config), profile=opt.profile)
        doc_loads, doc_results = gather_documents(doc_targets, ruleset)
        targets, loads, results = targets + doc_targets, {**loads, **doc_loads}, {**results, **doc_results}
    else:
        targets, ruleset, baseline, loads, results = asyncio.run(_gate_async(opt, read_stdin))
    if loads and all(ld.artifacts is None for ld in loads.values()):
        first = next(iter(loads.values()))
        raise InfrastructureError(f"no target could be loaded ({first.url} [{first.viewport}]: "
                                  f"{first.error_kind}: {first.error})")
    return targets, ruleset, baseline, loads, results
