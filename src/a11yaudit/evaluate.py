"""Recall on our own barrier corpus: `a11yaudit eval CORPUS`.

The corpus (tests/barriers/, described in its README.md) holds small pages with one known barrier each and a clean
twin of each, and the ground truth `truth.yaml`: per barrier its criterion, technique, the element (a CSS selector),
the viewports where it shows, its category and the rules whose finding counts as detecting it, with the outcome that
counts (failed = error, cantTell = warning).

Every page goes through the same path as a page of a site audit: the corpus is served on 127.0.0.1 (StaticServer),
each page is rendered with `gather_page` at the viewports its truth names (PC first, so that cross-viewport rules get
the PC rendering as a site audit gives them), with the interaction passes the profile's rules need on that viewport,
and judged by `rules.engine.evaluate` with the same profile. One browser, `concurrency` pages at once.
The text tables and the expected-results file are evaluate_report.py.

A barrier is found when a finding of one of its rules, at one of its viewports, is on the truth element, inside it or
around it (the selectors are resolved on the page's own serialised DOM). Found as failed counts for recall "errors
only"; found as failed or cantTell for "errors + warnings". Clean twins must have no failed finding of any rule.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import pagework, settings
from .errors import ConfigError
from .evaluate_report import OUTCOMES, ratio
# The report (text, JSON, expected results) is evaluate_report.py; its functions are also imported from here.
from .evaluate_report import (accepted_match, compare_expected, dump_json, expected_from,  # noqa: F401
                              format_text, improvements)

CATEGORIES = ("conformance", "best-practice", "readiness", "style")
VIEWPORT_ORDER = {"pc": 0, "sp": 1}
BASE_PROFILES = {"jis2016", "jis2010", "wcag22"}
PAGE_TIMEOUT = 30.0
PAGE_SETTLE = 0.3


@dataclass
class Barrier:
    id: str
    criterion: str | None
    technique: str
    description: str
    page: str
    clean: str
    selector: str
    viewports: list[str]
    category: str
    rules: list[str]
    outcome: str
    note: str = ""


@dataclass
class PageResult:
    path: str
    kind: str                                  # barrier | clean
    viewports: list[str]
    findings: list[dict] = field(default_factory=list)
    errors: dict = field(default_factory=dict)  # viewport -> "kind: message"
    seconds: float = 0.0


# --- truth ------------------------------------------------------------------------------------------------------
_FIELDS = {"id", "criterion", "technique", "description", "page", "clean", "selector", "viewports", "category",
           "rules", "outcome", "note"}


def load_truth(corpus: str | Path) -> list[Barrier]:
    import yaml
    corpus = Path(corpus)
    path = corpus / "truth.yaml"
    if not path.is_file():
        raise ConfigError("not a barrier corpus (truth.yaml missing)", file=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot read the truth: {exc}", file=str(path)) from None
    rows = data.get("barriers") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ConfigError("truth.yaml needs a list `barriers`", file=str(path), field="barriers")
    out, seen = [], set()
    for i, row in enumerate(rows):
        where = f"barriers[{i}]"
        if not isinstance(row, dict):
            raise ConfigError("each barrier must be a mapping", file=str(path), field=where)
        unknown = set(row) - _FIELDS
        if unknown:
            raise ConfigError(f"unknown field(s) {sorted(unknown)}", file=str(path), field=where)
        for key in ("id", "page", "clean", "selector", "viewports", "category", "rules", "outcome"):
            if key not in row:
                raise ConfigError(f"missing field {key}", file=str(path), field=where)
        if row["id"] in seen:
            raise ConfigError(f"duplicate id {row['id']}", file=str(path), field=where)
        seen.add(row["id"])
        if row["category"] not in CATEGORIES:
            raise ConfigError(f"category must be one of {CATEGORIES}", file=str(path), field=f"{where}.category")
        if row["outcome"] not in OUTCOMES:
            raise ConfigError(f"outcome must be one of {OUTCOMES}", file=str(path), field=f"{where}.outcome")
        vps = row["viewports"]
        if not vps or any(v not in VIEWPORT_ORDER for v in vps):
            raise ConfigError("viewports must be pc and/or sp", file=str(path), field=f"{where}.viewports")
        for key in ("page", "clean"):
            if not (corpus / row[key]).is_file():
                raise ConfigError(f"{key} {row[key]} does not exist", file=str(path), field=f"{where}.{key}")
        out.append(Barrier(id=str(row["id"]), criterion=row.get("criterion"), technique=str(row.get("technique", "")),
                           description=str(row.get("description", "")), page=row["page"], clean=row["clean"],
                           selector=row["selector"], viewports=sorted(vps, key=VIEWPORT_ORDER.get),
                           category=row["category"], rules=list(row["rules"] or []), outcome=row["outcome"],
                           note=str(row.get("note") or "")))
    return out


def rule_category(rule) -> str:
    if rule is None:
        return "conformance"
    if rule.category != "conformance":
        return rule.category
    if not (set(rule.profiles) & BASE_PROFILES):
        return "style"
    return "conformance"


# --- selectors ----------------------------------------------------------------------------------------------------
def _nodes(soup, selector: str) -> list | None:
    """Elements of the serialised DOM a selector names; the first part of a frame or shadow chain ("iframe / a",
    "x >>> y") names the element in the top document. None when the selector cannot be resolved."""
    first = selector.split(" / ", 1)[0].split(" >>> ", 1)[0].strip()
    if not first:
        return None
    try:
        found = soup.select(first)
    except Exception:  # noqa: BLE001 — a selector soupsieve does not support
        return None
    return found or None


def _related(a_nodes: list, b_nodes: list) -> bool:
    """Some element of a is some element of b, or one contains the other."""
    def chain(el):
        ids = {id(el)}
        for parent in el.parents:
            ids.add(id(parent))
        return ids
    a_ids = {id(a) for a in a_nodes}
    b_ids = {id(b) for b in b_nodes}
    return any(a_ids & chain(b) for b in b_nodes) or any(b_ids & chain(a) for a in a_nodes)


def _judge_page(artifacts_by_vp: dict, results_by_vp: dict, ruleset, truth_selector: str | None) -> list[dict]:
    """Findings of one page (every viewport), each marked whether it is on the truth element."""
    from bs4 import BeautifulSoup
    findings = []
    for viewport, results in results_by_vp.items():
        soup = BeautifulSoup(((artifacts_by_vp[viewport].get("dom") or {}).get("html") or ""), "lxml")
        truth_nodes = _nodes(soup, truth_selector) if truth_selector else None
        cache: dict = {}
        for res in results:
            rule = ruleset.get(res.rule)
            for f in res.findings:
                on_element = False
                if truth_selector:
                    if f.selector not in cache:
                        nodes = _nodes(soup, f.selector)
                        cache[f.selector] = (bool(nodes and truth_nodes and _related(nodes, truth_nodes))
                                             or f.selector.strip() == truth_selector.strip())
                    on_element = cache[f.selector]
                findings.append({"rule": f.rule, "viewport": viewport, "outcome": f.outcome,
                                 "selector": f.selector, "snippet": (f.snippet or "")[:200],
                                 "message": f.message or "", "message_en": f.message_en or "",
                                 "criteria": list(f.criteria or res.criteria or []),
                                 "category": rule_category(rule),
                                 "human": bool(rule is not None and rule.test_method == "HC"),
                                 "on_element": on_element})
            if res.outcome == "error" and res.error:
                findings.append({"rule": res.rule, "viewport": viewport, "outcome": "error", "selector": "",
                                 "snippet": "", "message": res.error[:300], "message_en": res.error[:300],
                                 "criteria": list(res.criteria or []), "category": rule_category(rule),
                                 "human": False, "on_element": False})
    return findings


# --- running --------------------------------------------------------------------------------------------------------
@dataclass
class _Job:
    path: str
    kind: str
    viewports: list[str]
    selector: str | None
    passes: set | None = None        # fast mode, barrier pages: the interaction passes their truth's rules need


def _passes_for(b: Barrier, ruleset) -> set:
    from .gather.gatherers import names as gatherer_names
    out = set()
    for code in b.rules:
        rule = ruleset.get(code)
        if rule is not None:
            out.update(a for a in rule.requires if a in gatherer_names())
        if code in ("CT01", "axe:color-contrast"):
            out.add("pixels")          # axe's contrast candidates are settled from the pixels (rules/engine.py)
    return out


def plan(barriers: list[Barrier], ruleset, profile: str, *, fast: bool = False) -> list[_Job]:
    """One job per page: a barrier page at its truth's viewports (plus PC when a cross-viewport rule counts), its
    clean twin at the same viewports. `fast`: barrier pages get only the interaction passes (keyboard walk, layout,
    text resize, pixels, phone) that the rules of their truth need; clean twins always get every pass."""
    jobs: dict[str, _Job] = {}
    for b in barriers:
        vps = set(b.viewports)
        if "sp" in vps and any("peer" in (ruleset.get(r).requires if ruleset.get(r) else []) for r in b.rules):
            vps.add("pc")
        order = sorted(vps, key=VIEWPORT_ORDER.get)
        for path, kind in ((b.page, "barrier"), (b.clean, "clean")):
            job = jobs.get(path)
            if job is None:
                job = jobs[path] = _Job(path, kind, order, b.selector,
                                        set() if fast and kind == "barrier" else None)
            else:
                job.viewports = sorted(set(job.viewports) | vps, key=VIEWPORT_ORDER.get)
            if job.passes is not None:
                job.passes |= _passes_for(b, ruleset)
    return list(jobs.values())


async def _run_jobs(corpus: Path, jobs: list[_Job], ruleset, profile: str, *, concurrency: int,
                    progress=None) -> tuple[list[PageResult], str | None]:
    from .gather.browser import Browser, Tab, gather_page
    from .rules.engine import evaluate
    from .serve import StaticServer
    browser = Browser(allowed_hosts={"127.0.0.1"}, block_resources=list(settings.CRAWL_DEFAULTS["block_resources"]))
    await browser.start()
    out: list[PageResult] = []
    queue: asyncio.Queue = asyncio.Queue()
    # Pages needing both viewports first: the long ones start early and the tail stays short.
    for job in sorted(jobs, key=lambda j: -len(j.viewports)):
        queue.put_nowait(job)
    try:
        with StaticServer(corpus) as base:
            async def worker():
                contexts: dict = {}

                async def tab(viewport: str) -> Tab:
                    if viewport not in contexts:
                        ctx = await browser.new_context(viewport)
                        contexts[viewport] = (ctx, Tab(ctx))
                    return contexts[viewport][1]

                try:
                    while True:
                        try:
                            job = queue.get_nowait()
                        except asyncio.QueueEmpty:
                            return
                        t0 = time.perf_counter()
                        await browser.ensure()
                        url = f"{base}/{job.path}"
                        loads = {}
                        for vp in job.viewports:
                            passes = pagework.gatherers_for(ruleset, profile, vp)
                            if job.passes is not None:
                                passes = frozenset(passes & job.passes)
                            load = await gather_page(await tab(vp), url, vp, timeout=PAGE_TIMEOUT,
                                                     settle=PAGE_SETTLE, interactions=passes)
                            loads[vp] = load
                            if load.artifacts is None and load.error_kind == "renderer_crash":
                                ctx, _t = contexts.pop(vp)
                                try:
                                    await ctx.close()
                                except Exception:  # noqa: BLE001
                                    pass
                        ok = {vp: ld for vp, ld in loads.items() if ld.artifacts is not None}

                        def judge():
                            results = {}
                            for vp, ld in ok.items():
                                peer = ok["pc"].artifacts if vp != "pc" and "pc" in ok else None
                                results[vp] = evaluate(ld.artifacts, vp, ruleset, profile, url, peer=peer)
                            return _judge_page({vp: ld.artifacts for vp, ld in ok.items()}, results, ruleset,
                                               job.selector)
                        findings = await asyncio.to_thread(judge)
                        res = PageResult(job.path, job.kind, job.viewports, findings,
                                         {vp: f"{ld.error_kind}: {ld.error}" for vp, ld in loads.items()
                                          if ld.artifacts is None}, round(time.perf_counter() - t0, 2))
                        out.append(res)
                        if progress:
                            progress(len(out), len(jobs), res)
                finally:
                    for ctx, _tab in contexts.values():
                        try:
                            await ctx.close()
                        except Exception:  # noqa: BLE001
                            pass
            await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    finally:
        version = browser.version
        await browser.close()
    return out, version


# --- scoring ----------------------------------------------------------------------------------------------------------
def _found(b: Barrier, page: PageResult | None) -> tuple[str, list[dict], list[dict]]:
    """(failed | cantTell | missed, the matching findings, other findings on the element)."""
    if page is None:
        return "missed", [], []
    hits = [f for f in page.findings if f["rule"] in b.rules and f["viewport"] in b.viewports and f["on_element"]
            and f["outcome"] in OUTCOMES]
    other = [f for f in page.findings if f["on_element"] and f not in hits and f["outcome"] in OUTCOMES]
    if any(f["outcome"] == "failed" for f in hits):
        return "failed", hits, other
    if hits:
        return "cantTell", hits, other
    return "missed", hits, other


def score(barriers: list[Barrier], pages: list[PageResult], ruleset, profile: str) -> dict:
    from .rules.loader import profile_ids
    wanted = profile_ids(profile)
    by_path = {p.path: p for p in pages}
    rows = []
    outside = []
    for b in barriers:
        runs = [r for r in b.rules if ruleset.get(r) is not None and wanted & set(ruleset.get(r).profiles)]
        if b.rules and not runs:
            outside.append(b.id)
            continue
        found, hits, other = _found(b, by_path.get(b.page))
        rows.append({"id": b.id, "criterion": b.criterion, "technique": b.technique, "category": b.category,
                     "description": b.description, "page": b.page, "selector": b.selector,
                     "viewports": b.viewports, "rules": b.rules, "expected_outcome": b.outcome, "found": found,
                     "by": sorted({f"{h['rule']}:{h['outcome']}@{h['viewport']}" for h in hits}),
                     "other": sorted({f"{o['rule']}:{o['outcome']}" for o in other}), "note": b.note})

    def table(key):
        agg: dict = defaultdict(Counter)
        for r in rows:
            k = key(r)
            if k is None:
                continue
            agg[k]["n"] += 1
            agg[k]["errors"] += r["found"] == "failed"
            agg[k]["warnings"] += r["found"] in OUTCOMES
        return {k: {"barriers": c["n"], "found_errors": c["errors"], "found_with_warnings": c["warnings"],
                    "recall_errors": ratio(c["errors"], c["n"]),
                    "recall_with_warnings": ratio(c["warnings"], c["n"])}
                for k, c in sorted(agg.items(), key=lambda kv: _crit_key(kv[0]))}

    by_criterion = table(lambda r: r["criterion"])
    try:
        from .rules.standards import parse_profile_spec
        standard_ids = set(parse_profile_spec(profile)[0].ids())
    except Exception:  # noqa: BLE001 — an unknown profile was already refused by the rules
        standard_ids = set()
    for crit, row in by_criterion.items():
        row["in_standard"] = crit in standard_ids
    by_category = table(lambda r: r["category"])
    n = len(rows)
    total = {"barriers": n, "found_errors": sum(r["found"] == "failed" for r in rows),
             "found_with_warnings": sum(r["found"] in OUTCOMES for r in rows)}
    total["recall_errors"] = ratio(total["found_errors"], n)
    total["recall_with_warnings"] = ratio(total["found_with_warnings"], n)
    clean_pages = []
    false_failures = []
    clean_paths = {b.clean: b.id for b in barriers}
    for p in sorted(pages, key=lambda p: p.path):
        if p.kind != "clean":
            continue
        failed = [f for f in p.findings if f["outcome"] == "failed"]
        cant = [f for f in p.findings if f["outcome"] == "cantTell" and not f["human"]]
        human = Counter(f["rule"] for f in p.findings if f["outcome"] == "cantTell" and f["human"])
        errors = [f for f in p.findings if f["outcome"] == "error"]
        for f in failed:
            false_failures.append({"page": p.path, "barrier": clean_paths.get(p.path), "rule": f["rule"],
                                   "viewport": f["viewport"], "selector": f["selector"], "snippet": f["snippet"],
                                   "category": f["category"], "message": f["message"], "message_en": f["message_en"]})
        clean_pages.append({"page": p.path, "failed": len(failed), "cantTell": len(cant),
                            "cantTell_rules": sorted({f"{f['rule']}@{f['viewport']}" for f in cant}),
                            "human_check": dict(sorted(human.items())), "rule_errors": len(errors),
                            "load_errors": p.errors})
    load_errors = [{"page": p.path, "errors": p.errors} for p in pages if p.errors]
    return {"profile": profile, "barriers": rows, "by_criterion": by_criterion, "by_category": by_category,
            "total": total, "outside_profile": outside, "false_failures": false_failures, "clean_pages": clean_pages,
            "load_errors": load_errors,
            "pages": {p.path: {"kind": p.kind, "viewports": p.viewports, "seconds": p.seconds,
                               "failed": sum(f["outcome"] == "failed" for f in p.findings),
                               "cantTell": sum(f["outcome"] == "cantTell" and not f["human"] for f in p.findings),
                               "human_check": sum(f["outcome"] == "cantTell" and f["human"] for f in p.findings),
                               "findings": [{k: f[k] for k in ("rule", "viewport", "outcome", "selector", "category",
                                                               "human", "on_element")} for f in p.findings]}
                      for p in sorted(pages, key=lambda p: p.path)}}


def _crit_key(k):
    try:
        return (0, tuple(int(x) for x in str(k).split(".")))
    except ValueError:
        return (1, str(k))


def run_eval(corpus: str | Path, ruleset, *, profile: str = "jis2016+gov-style", concurrency: int = 2,
             only: set[str] | None = None, fast: bool = False, progress=None) -> dict:
    corpus = Path(corpus)
    barriers = load_truth(corpus)
    if only:
        barriers = [b for b in barriers if b.id in only or (b.criterion or "") in only or b.category in only]
    t0 = time.perf_counter()
    jobs = plan(barriers, ruleset, profile, fast=fast)
    pages, version = asyncio.run(_run_jobs(corpus, jobs, ruleset, profile, concurrency=concurrency,
                                           progress=progress))
    report = score(barriers, pages, ruleset, profile)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    report["page_loads"] = sum(len(p.viewports) for p in pages)
    report["pages_run"] = len(pages)
    report["axe_version"] = ruleset.axe_version
    report["fast"] = fast
    report["browser"] = version
    return report
