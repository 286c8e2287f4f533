"""W3C ACT Rules conformance: serve the ACT test-case corpus on 127.0.0.1, audit every case with the full engine
(axe-core and our rules) or axe-core alone, and judge each ACT rule as the W3C implementation reports do.

A case's outcome for an ACT rule is the worst outcome of every implementation mapped to that rule: axe-core's rules
through their own `actIds`, ours through `act_ids` in rules/checks/*.yaml. Verdicts per ACT rule:

- consistent: every failed example failed, no passed or inapplicable example failed;
- consistent_with_cant_tell: the same, but some failed examples were only cantTell;
- partially_consistent: no false failure, some failed examples missed (at least one found);
- inconsistent: a passed or inapplicable example failed (a false failure);
- untested: no implementation mapped, or mapped but no failed example was found at all.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .gather.browser import Browser, Tab, axe_run_config, gather_page
from .pagework import evaluate_rules, gatherers_of
from .rules.loader import RuleSet
from .rules.model import CANT_TELL, FAILED, INAPPLICABLE, PASSED, Rule
from .serve import StaticServer

VERDICTS = ("consistent", "consistent_with_cant_tell", "partially_consistent", "inconsistent", "untested")
VERDICT_RANK = {"inconsistent": 0, "untested": 1, "partially_consistent": 2, "consistent_with_cant_tell": 3,
                "consistent": 4}
VERDICT_LABELS = {"consistent": "consistent", "consistent_with_cant_tell": "consistent with cantTell",
                  "partially_consistent": "partially consistent", "inconsistent": "inconsistent",
                  "untested": "untested"}
CASE_TIMEOUT = 20.0
CASE_SETTLE = 0.3


@dataclass
class Case:
    rule_id: str
    rule_name: str
    expected: str
    case_id: str
    title: str
    path: str
    deprecated: bool
    requirements: list[str]
    dynamic: bool = True             # may change with timing (scripts, media, frames, animation): retried alone


# What can make a test case's outcome depend on timing: scripts and timers, media, nested documents, animation.
_DYNAMIC = re.compile(rb"<script|<video|<audio|<iframe|<frame|<object|<embed|<marquee|<meta[^>]+refresh|"
                      rb"animation|transition|\bon[a-z]+\s*=", re.I)


def _is_dynamic(path: Path) -> bool:
    try:
        return bool(_DYNAMIC.search(path.read_bytes()))
    except OSError:
        return True


@dataclass
class CaseResult:
    case: Case
    outcome: str                     # failed | cantTell | passed (nothing failed) | error
    by_rule: dict = field(default_factory=dict)   # implementation code → its outcome
    error: str | None = None
    retried: str | None = None       # the first outcome, when the case was run a second time


def load_corpus(folder: str | Path, *, include_deprecated: bool = False, rules: set[str] | None = None) -> list[Case]:
    folder = Path(folder)
    index = folder / "testcases.json"
    if not index.is_file():
        raise ConfigError("not an ACT test-case corpus (testcases.json missing)", file=str(index))
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
        rows = data["testcases"] if isinstance(data, dict) else data
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read the ACT index: {exc}", file=str(index)) from None
    cases = []
    for i, row in enumerate(rows):
        try:
            case = Case(rule_id=row["ruleId"], rule_name=row["ruleName"], expected=row["expected"],
                        case_id=row["testcaseId"], title=row.get("testcaseTitle", ""), path=row["relativePath"],
                        deprecated=bool(row.get("ruleDeprecated")),
                        requirements=sorted(row.get("ruleAccessibilityRequirements") or {}))
            case.dynamic = _is_dynamic(folder / case.path)
        except KeyError as exc:
            raise ConfigError(f"test case {i} lacks {exc}", file=str(index), field=f"testcases[{i}]") from None
        if case.deprecated and not include_deprecated:
            continue
        if rules and case.rule_id not in rules:
            continue
        cases.append(case)
    return cases


class Mapping:
    """Which implementations (axe rule ids, our rule codes) stand for each ACT rule."""

    def __init__(self, axe_act: dict[str, list[str]], ours: list[Rule], axe_only: bool):
        self.axe: dict[str, list[str]] = defaultdict(list)
        for axe_id, act_ids in axe_act.items():
            for act in act_ids or []:
                self.axe[act].append(axe_id)
        self.axe_only = axe_only
        self.ours: dict[str, list[Rule]] = defaultdict(list)
        if not axe_only:
            for rule in ours:
                for act in rule.act_ids:
                    self.ours[act].append(rule)

    def implemented(self, act_id: str) -> bool:
        return bool(self.axe.get(act_id) or self.ours.get(act_id))

    def implementations(self, act_id: str) -> list[str]:
        return [f"axe:{a}" for a in self.axe.get(act_id, [])] + [r.code for r in self.ours.get(act_id, [])]


async def _axe_act_ids(browser: Browser) -> dict[str, list[str]]:
    from .gather.browser import axe_source
    page = await browser.browser.new_page()
    try:
        await page.set_content("<html><body></body></html>")
        await page.evaluate(axe_source())
        rows = await page.evaluate("axe.getRules().map(r => [r.ruleId, r.actIds || []])")
    finally:
        await page.close()
    return {rid: ids for rid, ids in rows}


def case_outcome(codes: list[str], results) -> tuple[str, dict]:
    by_rule = {}
    for res in results:
        if res.rule in codes:
            by_rule[res.rule] = res.outcome
    outs = set(by_rule.values())
    if FAILED in outs:
        return FAILED, by_rule
    if CANT_TELL in outs:
        return CANT_TELL, by_rule
    if PASSED in outs:
        return PASSED, by_rule
    return INAPPLICABLE, by_rule


async def _run_case(tabs, base: str, case: Case, mapping: Mapping) -> CaseResult:
    axe_ids = mapping.axe.get(case.rule_id, [])
    tab = await tabs(bool(axe_ids))
    ours = mapping.ours.get(case.rule_id, [])
    url = f"{base}/{case.path}"
    needs = gatherers_of(ours)
    load = await gather_page(tab, url, "pc", timeout=CASE_TIMEOUT, settle=CASE_SETTLE, run_axe=bool(axe_ids),
                             axe_config=axe_run_config(axe_ids) if axe_ids else None, refine_axe=not mapping.axe_only,
                             interactions=needs)
    if load.artifacts is None:
        return CaseResult(case, "error", error=f"{load.error_kind}: {load.error}")
    results = evaluate_rules(load.artifacts, "pc", url, ours, axe=bool(axe_ids))
    errors = [r.error for r in results if r.outcome == "error" and r.error]
    outcome, by_rule = case_outcome(mapping.implementations(case.rule_id), results)
    return CaseResult(case, outcome, by_rule, error="; ".join(errors)[:500] or None)


async def run_cases(corpus: Path, cases: list[Case], ruleset: RuleSet, *, axe_only: bool, concurrency: int,
                    progress=None) -> tuple[list[CaseResult], Mapping]:
    ours = [r for r in ruleset.rules if r.engine == "python" and r.enabled and r.act_ids]
    browser = Browser(allowed_hosts={"127.0.0.1"})
    await browser.start()
    results: list[CaseResult] = []
    try:
        mapping = Mapping(await _axe_act_ids(browser), ours, axe_only)
        todo = [c for c in cases if mapping.implemented(c.rule_id)]
        queue: asyncio.Queue = asyncio.Queue()
        for c in todo:
            queue.put_nowait(c)
        with StaticServer(corpus) as base:
            async def worker():
                # Two tabs: one whose context registers axe-core in every document, one without it for the cases
                # only our own rules judge (a third of the corpus; axe-core's start-up is most of a tiny page's load).
                contexts: dict[bool, tuple] = {}

                async def tabs(with_axe: bool) -> Tab:
                    if with_axe not in contexts:
                        context = await browser.new_context("pc", axe=with_axe)
                        contexts[with_axe] = (context, Tab(context))
                    return contexts[with_axe][1]
                try:
                    while True:
                        try:
                            case = queue.get_nowait()
                        except asyncio.QueueEmpty:
                            return
                        await browser.ensure()
                        res = await _run_case(tabs, base, case, mapping)
                        results.append(res)
                        if progress:
                            progress(len(results), len(todo), res)
                finally:
                    for context, _tab in contexts.values():
                        await context.close()
            await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
            # Some facts are timings (autoplaying sound, timer-driven focus handlers): a case whose outcome disagrees
            # with its expectation is run once more, alone, and the second result stands. The count is reported.
            # Only cases that can depend on timing — scripts, media, frames, animation, or rules that interact with
            # the page — are retried: a static page gives the same outcome twice (this halved the retry pass).
            first = [r for r in results if _disagrees(r) and (r.case.dynamic or _interacts(r.case, mapping))]
            for r in first:
                queue.put_nowait(r.case)
            if first:
                again_ids = {id(r) for r in first}
                kept = [r for r in results if id(r) not in again_ids]
                results.clear()
                await worker()
                for again, before in zip(sorted(results, key=lambda r: id(r.case)),
                                         sorted(first, key=lambda r: id(r.case))):
                    again.retried = before.outcome
                results.extend(kept)
    finally:
        await browser.close()
    return results, mapping


def _interacts(case: Case, mapping: Mapping) -> bool:
    return bool(gatherers_of(mapping.ours.get(case.rule_id, [])))


def _disagrees(res: "CaseResult") -> bool:
    expected, outcome = res.case.expected, res.outcome
    if expected == FAILED:
        return outcome != FAILED
    return outcome == FAILED or outcome == "error"


def judge(cases: list[Case], results: list[CaseResult], mapping: Mapping) -> dict:
    """Per ACT rule: verdict, counts and the cases that went wrong; plus totals."""
    by_case = {r.case.case_id + r.case.rule_id: r for r in results}
    rules: dict[str, dict] = {}
    for case in cases:
        row = rules.setdefault(case.rule_id, {
            "id": case.rule_id, "name": case.rule_name, "implementations": mapping.implementations(case.rule_id),
            "cases": Counter(), "false_failures": [], "missed": [], "cant_tell": [], "errors": []})
        res = by_case.get(case.case_id + case.rule_id)
        outcome = res.outcome if res else None
        row["cases"][case.expected] += 1
        if res is None:
            continue
        ref = {"case": case.case_id, "title": case.title, "path": case.path, "outcome": outcome,
               "by_rule": res.by_rule}
        if res.error:
            row["errors"].append({**ref, "error": res.error})
        if case.expected in (PASSED, INAPPLICABLE) and outcome == FAILED:
            row["false_failures"].append(ref)
        elif case.expected == FAILED and outcome == CANT_TELL:
            row["cant_tell"].append(ref)
        elif case.expected == FAILED and outcome != FAILED:
            row["missed"].append(ref)
    totals = Counter({v: 0 for v in VERDICTS})
    false_failures = 0
    for row in rules.values():
        n_failed = row["cases"][FAILED]
        found = n_failed - len(row["missed"])
        if not row["implementations"]:
            verdict = "untested"
        elif row["false_failures"]:
            verdict = "inconsistent"
        elif not row["missed"] and not row["cant_tell"]:
            verdict = "consistent" if n_failed else "untested"
        elif not row["missed"]:
            verdict = "consistent_with_cant_tell"
        elif found > 0:
            verdict = "partially_consistent"
        else:
            verdict = "untested"
        row["verdict"] = verdict
        row["cases"] = dict(row["cases"])
        totals[verdict] += 1
        false_failures += len(row["false_failures"])
    out_totals = {v: totals[v] for v in VERDICTS}
    out_totals["false_failures"] = false_failures
    out_totals["rules"] = len(rules)
    out_totals["cases"] = len(cases)
    return {"rules": dict(sorted(rules.items())), "totals": out_totals}


def run_act(corpus: str | Path, ruleset: RuleSet, *, axe_only: bool = False, concurrency: int = 2,
            include_deprecated: bool = False, only_rules: set[str] | None = None, progress=None) -> dict:
    corpus = Path(corpus)
    cases = load_corpus(corpus, include_deprecated=include_deprecated, rules=only_rules)
    t0 = time.perf_counter()
    results, mapping = asyncio.run(run_cases(corpus, cases, ruleset, axe_only=axe_only, concurrency=concurrency,
                                             progress=progress))
    report = judge(cases, results, mapping)
    report["engine"] = "axe-core" if axe_only else "a11yaudit"
    report["axe_version"] = ruleset.axe_version
    report["seconds"] = round(time.perf_counter() - t0, 1)
    report["cases_run"] = len(results)
    report["cases_retried"] = sum(1 for r in results if r.retried is not None)
    report["retries_changed"] = sum(1 for r in results if r.retried is not None and r.retried != r.outcome)
    return report


def format_text(report: dict) -> str:
    lines = [f"ACT Rules conformance — engine: {report['engine']} (axe-core {report['axe_version']}), "
             f"{report['cases_run']} cases run in {report['seconds']} s ({report.get('cases_retried', 0)} run again "
             f"because they disagreed with the expectation, {report.get('retries_changed', 0)} changed)", ""]
    for rid, row in report["rules"].items():
        impl = ", ".join(row["implementations"]) or "-"
        extra = []
        if row["false_failures"]:
            extra.append(f"false failures {len(row['false_failures'])}")
        if row["missed"]:
            extra.append(f"missed {len(row['missed'])}")
        if row["cant_tell"]:
            extra.append(f"cantTell {len(row['cant_tell'])}")
        lines.append(f"{rid}  {VERDICT_LABELS[row['verdict']]:<26} {row['name'][:60]:<60}  [{impl}]"
                     + (f"  ({'; '.join(extra)})" if extra else ""))
    t = report["totals"]
    lines += ["", f"consistent {t['consistent']}, consistent with cantTell {t['consistent_with_cant_tell']}, "
                  f"partially consistent {t['partially_consistent']}, inconsistent {t['inconsistent']}, "
                  f"untested {t['untested']} — of {t['rules']} ACT rules; false failures {t['false_failures']}"]
    return "\n".join(lines)


# --- expected results (tests/act/expected.yaml): CI fails when an ACT rule's verdict gets worse ------------------
def compare_expected(report: dict, expected: dict, engine: str = "a11yaudit") -> list[str]:
    """Regressions of `report` against the expected verdicts: a rule whose verdict ranks lower than expected, any
    inconsistent rule, and expected non-consistent rules without a reason."""
    problems = []
    rows = expected.get("rules") or {}
    for rid, row in report["rules"].items():
        got = row["verdict"]
        want = (rows.get(rid) or {}).get(engine)
        if got == "inconsistent":
            cases = ", ".join(f"{c['title']} ({c['path']})" for c in row["false_failures"])
            problems.append(f"{rid} is inconsistent: false failures on {cases}")
        elif want and VERDICT_RANK[got] < VERDICT_RANK[want]:
            detail = "; ".join(f"{c['title']}: {c['outcome']}" for c in row["missed"] + row["cant_tell"])
            problems.append(f"{rid} ({row['name']}) got worse: {want} → {got} ({detail})")
    for rid, row in rows.items():
        if row.get(engine) and row[engine] != "consistent" and not str(row.get("reason") or "").strip():
            problems.append(f"{rid}: expected {row[engine]} needs a reason (why the misses are accepted)")
    return problems


def merge_expected(expected: dict, report: dict) -> dict:
    """Record `report`'s verdicts (per engine) into the expected data, keeping the reasons already written."""
    engine = report["engine"]
    rows = expected.setdefault("rules", {})
    for rid, row in report["rules"].items():
        entry = rows.setdefault(rid, {"name": row["name"]})
        entry["name"] = row["name"]
        entry[engine] = row["verdict"]
        entry.setdefault("reason", "")
    expected.setdefault("totals", {})[engine] = report["totals"]
    expected["axe_version"] = report["axe_version"]
    return expected
