"""Scope expansion: the pages outside the policy scope, per section, and what bringing each section in would take.

Pages outside the scope (excluded by a rule, or not under an include rule, on the site's own hosts) are audited
when crawl.audit_outside_scope is true (the default). Per section (first URL directory, usually a department):
page count, pages with A/AA problems (the same definition as the report's share), the most frequent problems and
an estimate of the remediation work.

Remediation work = distinct fixes: the A/AA failed findings of the section grouped by rule + normalised target
(the HTML snippet with whitespace collapsed, lower-cased; the selector without :nth-child/:nth-of-type indices
when there is no snippet — axe's selectors are the shortest unique ones per page, so one template element gets
different selectors on different pages), across pages and viewports. The same element failing the same rule on
many pages (a header, a footer, a banner of one template) is one fix in the template, so it counts once; the same element on the PC and
smartphone renderings is one fix too. Sections are ranked cheapest first: fewest distinct fixes, then fewest
pages with problems, then most pages brought in; sections with no audited page (cost unknown) come last.

--simulate PREFIX adds the audited pages under PREFIX that are outside the scope to the in-scope pages and
recomputes the conformance picture (in-scope pages, share with A/AA problems, failures per criterion). It is an
estimate from this run's data: pages under PREFIX that were not audited (errors, budget) cannot be counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ..discover.scope import IN_SCOPE
from ..errors import ConfigError
from ..rules.loader import RuleSet
from ..rules.standards import load_standards, sort_criteria
from ..store.db import Store
from .metrics import RunFacts, conformance, group_by_section, load_run_facts, normalise_target

TOP_PROBLEMS = 5


def pick_run(store: Store, site_id: str, run_id: int | None) -> dict:
    if run_id is not None:
        run = store.get_run(run_id)
        if run["site_id"] != site_id:
            raise ConfigError(f"run {run_id} belongs to site {run['site_id']!r}, not {site_id!r}", field="--run")
        return run
    finished = [r for r in store.list_runs(site_id) if r["status"] == "finished"]
    if not finished:
        raise ConfigError(f"no finished run for site {site_id!r} in {store.safe_url}; run `a11yaudit audit "
                          f"{site_id}` first", field="SITE")
    return finished[-1]


def remediation(pages) -> dict:
    """Distinct fixes of a set of pages: A/AA failed findings grouped by rule + normalised target."""
    groups: dict[tuple, set] = defaultdict(set)
    findings = 0
    for p in pages:
        for f in p.problem_findings:
            findings += 1
            groups[(f["rule"], normalise_target(f["selector"], f["snippet"]))].add(p.url)
    shared = [k for k, urls in groups.items() if len(urls) > 1]
    return {"findings": findings, "distinct": len(groups), "shared": len(shared),
            "shared_pages": sum(len(groups[k]) for k in shared), "page_specific": len(groups) - len(shared),
            "groups": groups}


def _top_problems(pages, ruleset: RuleSet, lang: str) -> list[dict]:
    per_rule = defaultdict(lambda: {"findings": 0, "pages": set(), "criteria": set()})
    for p in pages:
        for f in p.problem_findings:
            s = per_rule[f["rule"]]
            s["findings"] += 1
            s["pages"].add(p.url)
            s["criteria"].update(c for c in f["criteria"].split(",") if c)
    rows = []
    for code, s in per_rule.items():
        rule = ruleset.get(code)
        rows.append({"rule": code, "title": rule.title.get(lang, code) if rule else code, "pages": len(s["pages"]),
                     "findings": s["findings"], "criteria": sort_criteria(s["criteria"])})
    rows.sort(key=lambda r: (-r["pages"], -r["findings"], r["rule"]))
    return rows[:TOP_PROBLEMS]


def outside_pages(facts: RunFacts) -> list:
    return [p for p in facts.pages.values() if p.scope != IN_SCOPE]


def build_plan(store: Store, site_id: str, ruleset: RuleSet, *, run_id: int | None = None,
               simulate: str | None = None, lang: str = "ja") -> dict:
    run = pick_run(store, site_id, run_id)
    site = store.site(site_id) or {"id": site_id, "name": site_id, "base_url": ""}
    facts = load_run_facts(store, run, ruleset)
    plan = plan_from_facts(site, facts, ruleset, simulate=simulate, lang=lang)
    plan["documents"] = document_plan(store, run["id"], ruleset)
    return plan


def document_plan(store: Store, run_id: int, ruleset: RuleSet) -> dict | None:
    """The site's PDF / Office files as a part that can be brought into the scope: per scope, how many
    were found and checked, how many have conformance failures, and how many of those are image-only scans that
    need making again (from the source, or OCR and tagging) rather than repair. None when the run checked none."""
    from ..docaudit import is_scan, run_documents
    from ..rules.model import FAILED
    from ..store.aggregate import not_passing_results
    docs = run_documents(store, run_id)
    if not docs:
        return None
    ids = {d["page_id"] for d in docs}
    failing: set = set()
    for page_id, rule, _outcome, _criteria in not_passing_results(store, run_id, (FAILED,)):
        r = ruleset.get(rule)
        if page_id in ids and (r is None or r.category == "conformance"):
            failing.add(page_id)
    out = {}
    for part, rows in (("in_scope", [d for d in docs if d["scope"] == IN_SCOPE]),
                       ("outside", [d for d in docs if d["scope"] != IN_SCOPE])):
        checked = [d for d in rows if d["state"] == "done"]
        problems = [d for d in checked if d["page_id"] in failing]
        scans = [d for d in checked if is_scan(d["pages"], d["image_only_pages"])]
        out[part] = {"documents": len(rows), "checked": len(checked), "errors": len(rows) - len(checked),
                     "with_problems": len(problems), "scans": len(scans),
                     "repair": sum(1 for d in problems if not is_scan(d["pages"], d["image_only_pages"])),
                     "by_kind": dict(Counter(d["kind"] or "?" for d in rows)),
                     "share": round(100 * len(problems) / len(checked), 1) if checked else None}
    return out


def plan_from_facts(site: dict, facts: RunFacts, ruleset: RuleSet, *, simulate: str | None = None,
                    lang: str = "ja") -> dict:
    run = facts.run
    in_scope = facts.audited(IN_SCOPE)
    current = conformance(in_scope)
    sections = []
    for section, pages in group_by_section(outside_pages(facts)).items():
        audited = [p for p in pages if p.state == "done"]
        rem = remediation(audited)
        after = conformance(in_scope + audited)
        sections.append({
            "section": section, "pages": len(pages), "audited": len(audited),
            "not_audited": len(pages) - len(audited),
            "not_audited_reasons": dict(Counter(p.state for p in pages if p.state != "done")),
            "scopes": dict(Counter(p.scope for p in pages)),
            "with_problems": sum(1 for p in audited if p.problem),
            "findings": rem["findings"], "distinct_fixes": rem["distinct"], "template_fixes": rem["shared"],
            "template_pages": rem["shared_pages"], "page_specific_fixes": rem["page_specific"],
            "top_problems": _top_problems(audited, ruleset, lang),
            "share_after": after["problem_share"], "in_scope_after": after["pages"]})
    # a section none of whose pages was audited has no known cost: it goes last, not first
    sections.sort(key=lambda s: (s["audited"] == 0, s["distinct_fixes"], s["with_problems"], -s["audited"],
                                 s["section"]))
    for i, s in enumerate(sections, 1):
        s["rank"] = i
    out = {"site": {k: site[k] for k in ("id", "name", "base_url")}, "run": run["id"],
           "run_started_at": facts.started_jst.isoformat(timespec="minutes") if facts.started_jst else None,
           "profile": facts.profile_id, "level": facts.level,
           "audit_outside_scope": _audit_outside(run), "current": current, "sections": sections,
           "outside_total": sum(s["pages"] for s in sections), "simulation": None, "lang": lang}
    if simulate is not None:
        out["simulation"] = simulate_prefix(facts, site, simulate)
    all_criteria, _ = load_standards()
    crit_ids = set(current["criteria"])
    if out["simulation"]:
        crit_ids |= set(out["simulation"]["after"]["criteria"])
    out["criteria_names"] = {c: all_criteria[c].name(lang) for c in crit_ids if c in all_criteria}
    return out


def _audit_outside(run: dict) -> bool | None:
    import json
    cfg = json.loads(run.get("config_json") or "{}")
    return (cfg.get("crawl") or {}).get("audit_outside_scope")


def simulate_prefix(facts: RunFacts, site: dict, prefix: str) -> dict:
    raw = prefix.strip()
    if raw.startswith("/"):
        full = site["base_url"].rstrip("/") + raw
    elif raw.startswith(("http://", "https://")):
        full = raw
    else:
        raise ConfigError(f"must be a URL path starting with '/' (e.g. /archive/) or an absolute URL, got {prefix!r}",
                          field="--simulate")
    matched = [p for p in outside_pages(facts) if p.url.startswith(full) or p.url + "/" == full]
    if not matched:
        known = sorted({p.section for p in outside_pages(facts)})
        raise ConfigError(f"no page outside the scope under {raw!r} in run {facts.id}"
                          + (f"; sections outside the scope: {', '.join(known)}" if known else
                             "; this run has no page outside the scope"), field="--simulate")
    added = [p for p in matched if p.state == "done"]
    before = conformance(facts.audited(IN_SCOPE))
    after = conformance(facts.audited(IN_SCOPE) + added)
    rem = remediation(added)
    rows = []
    for c in sort_criteria(set(before["criteria"]) | set(after["criteria"])):
        b, a = before["criteria"].get(c, 0), after["criteria"].get(c, 0)
        rows.append({"id": c, "before": b, "after": a, "delta": a - b})
    return {"prefix": raw, "matched": len(matched), "added": len(added), "not_audited": len(matched) - len(added),
            "before": before, "after": after, "criteria": rows, "distinct_fixes": rem["distinct"],
            "template_fixes": rem["shared"], "with_problems_added": sum(1 for p in added if p.problem)}


def format_text(plan: dict) -> str:
    from .i18n import Translator
    t = Translator(plan.get("lang", "ja"))
    c = plan["current"]
    share = "-" if c["problem_share"] is None else f"{c['problem_share']}%"
    lines = [t("{name} ({id}) 実行 {run} — 対象範囲の拡大計画", name=plan["site"]["name"], id=plan["site"]["id"],
               run=plan["run"]),
             t("現在の対象範囲: {n}ページ、A・AAの問題あり {m}ページ（{share}）", n=c["pages"], m=c["with_problems"],
               share=share),
             t("対象範囲外のページ: {n}ページ", n=plan["outside_total"])]
    if plan["audit_outside_scope"] is False:
        lines.append(t("注意: この実行は対象範囲外のページをチェックしていません（crawl.audit_outside_scope: false）"))
    lines.append("")
    lines.append(t("順位\t分野\tページ\tチェック済み\tA・AAの問題あり\t修正箇所（推定）\tうちテンプレート共通\t追加後の割合\t主な問題"))
    for s in plan["sections"]:
        top = t.sep.join(t("{rule}（{n}ページ）", rule=x["rule"], n=x["pages"]) for x in s["top_problems"][:3]) or t("なし")
        lines.append("\t".join(str(x) for x in (
            s["rank"], s["section"], s["pages"], s["audited"], s["with_problems"], s["distinct_fixes"],
            s["template_fixes"], "-" if s["share_after"] is None else f"{s['share_after']}%", top)))
    docs = plan.get("documents")
    if docs:
        lines.append("")
        for part, label in (("in_scope", t("対象範囲の文書ファイル")), ("outside", t("対象範囲外の文書ファイル"))):
            d = docs[part]
            if d["documents"]:
                lines.append(t("{label}: {n}件（チェック済み {c}件、問題あり {p}件、うち修正 {r}件・作り直し（画像だけのスキャン） {s}件、チェックできず {e}件）",  # noqa: E501
                               label=label, n=d["documents"], c=d["checked"], p=d["with_problems"],
                               r=d["repair"], s=d["scans"], e=d["errors"]))
    sim = plan["simulation"]
    if sim:
        b, a = sim["before"], sim["after"]
        lines += ["", t("シミュレーション: {prefix} を対象範囲に追加（{n}ページ、未チェック {m}ページ）", prefix=sim["prefix"],
                        n=sim["added"], m=sim["not_audited"]),
                  t("対象範囲のページ: {a} → {b}", a=b["pages"], b=a["pages"]),
                  t("A・AAの問題があるページ: {a} → {b}", a=b["with_problems"], b=a["with_problems"]),
                  t("割合: {a}% → {b}%", a=b["problem_share"], b=a["problem_share"]),
                  t("修正箇所（推定）: {n}（うちテンプレート共通 {m}）", n=sim["distinct_fixes"], m=sim["template_fixes"]),
                  t("達成基準\t追加前\t追加後\t増減")]
        for r in sim["criteria"]:
            lines.append(f"{r['id']}\t{r['before']}\t{r['after']}\t{r['delta']:+d}")
    return "\n".join(lines) + "\n"
