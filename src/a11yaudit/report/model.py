"""Builds the report's view model from one stored run: summary, 達成基準チェックリスト, pages and findings."""

from __future__ import annotations

import functools
import json
from collections import defaultdict

from ..discover.scope import EXCLUDED, IN_SCOPE, OUT_OF_SCOPE, SCOPE_LABELS
from ..rules.loader import RuleSet
from ..rules.model import CANT_TELL, ERROR, FAILED
from ..rules.standards import load_standards, parse_profile_spec, sort_criteria
from ..store.aggregate import not_passing_results, rule_criteria_pairs
from ..store.db import Store
from .i18n import Translator

SKIP_LABELS = {"robots": "robots.txtで禁止", "budget": "ページ数の上限", "depth": "リンク階層の上限",
               "document": "文書ファイル（描画しない）", "feed": "フィード（RSS・Atom。ページではない）", "other_host": "サイト外", "outside_scope": "対象範囲外（設定で除外）",
               "document_budget": "文書ファイル数の上限"}
ERROR_LABELS = {"timeout": "タイムアウト", "renderer_crash": "レンダラーのクラッシュ", "network": "通信エラー",
                "http_error": "HTTPエラー", "not_html": "HTML以外", "redirect_offsite": "サイト外へのリダイレクト",
                "internal": "内部エラー", "soft_404": "エラーページ（成功の状態コードで返された「見つかりません」のページ）",
                "error": "エラー"}


COMMON_MIN_PAGES = 3      # a problem on this many pages or more is listed once, as a problem of a shared part
COMMON_SAMPLE = 5         # pages named with each common problem (the per-page results point back to it)


@functools.lru_cache(maxsize=4096)
def _criteria_t(value: str) -> tuple[str, ...]:
    return tuple(c for c in (value or "").split(",") if c)


def _criteria(value: str) -> list[str]:
    return list(_criteria_t(value))


def _common_problems(grouped: dict, by_id: dict, level_rank=lambda criteria: 0) -> tuple[list[dict], dict]:
    """Problems of a shared part (header, menu, footer of a template): the same rule, outcome, target, markup and
    message on COMMON_MIN_PAGES pages or more are reported once, with the pages they are on, instead of on every
    page (a 10,000-page site would otherwise repeat its header's problems 10,000 times).

    Listed in the order to fix them (the fix-first list): failures before candidates and notes, then by level (A,
    AA, then criteria outside the profile), then by the in-scope pages they are on."""
    pages_of = defaultdict(list)
    for pid, rows in grouped.items():
        for k, r in rows.items():
            pages_of[(r["rule"], r["outcome"], r["selector"], r["snippet"], r["message"])].append((pid, k))
    common, common_of = [], {}
    for key, members in pages_of.items():
        if len(members) < COMMON_MIN_PAGES:
            continue
        first = grouped[members[0][0]][members[0][1]]
        viewports = []
        for pid, k in members:
            viewports += [v for v in grouped[pid][k]["viewports"] if v not in viewports]
        sample = sorted(({"id": pid, "url": by_id[pid]["url"]} for pid, _ in members), key=lambda x: x["url"])
        fingerprints = [fp for pid, k in members for fp in grouped[pid][k]["fingerprints"]]
        common.append({**first, "viewports": viewports, "pages": len(members), "fingerprints": fingerprints,
                       "in_scope_pages": sum(1 for pid, _ in members if by_id[pid]["scope"] == IN_SCOPE),
                       "sample": sample[:COMMON_SAMPLE], "_members": members})
    common.sort(key=lambda g: (g["outcome"] != FAILED, g["kind"] == "style", level_rank(g["criteria"]),
                               -g["in_scope_pages"], -g["pages"], g["rule"], g["selector"]))
    for number, g in enumerate(common, 1):
        g["number"] = number
        for member in g.pop("_members"):
            common_of[member] = number
    return common, common_of


def _rule_summary(findings: list[dict], ruleset: RuleSet, t: Translator) -> list[dict]:
    """Per rule: findings (per viewport) and pages, for problems, candidates and addon-profile notes."""
    stat = {}
    for f in findings:
        if f["kind"] == "review":
            continue
        s = stat.get(f["rule"])
        if s is None:
            rule = ruleset.get(f["rule"])
            s = stat[f["rule"]] = {"rule": f["rule"], "title": t.pick(rule.title) if rule else f["rule"],
                                   "help_url": rule.help_url if rule else None, "criteria": _criteria(f["criteria"]),
                                   "kind": f["kind"], "failed": 0, "cant_tell": 0, "style": 0, "pages": set()}
        s["failed" if f["kind"] == FAILED else "cant_tell" if f["kind"] == CANT_TELL else "style"] += 1
        s["pages"].add(f["page_id"])
    rows = [{**s, "pages": len(s["pages"])} for s in stat.values()]
    rows.sort(key=lambda r: (r["kind"] == "style", r["failed"] == 0, -r["pages"], r["rule"]))
    return rows


def _label_of(t: Translator, table: dict, key: str | None) -> str:
    return t(table[key]) if key in table else (key or "")


def _kind_function(ruleset: RuleSet, known_addons: set):
    def kind_of(code: str, outcome: str) -> str:
        """failed / cantTell (automatic candidates) / review (human-check rules' items) / style (addon and readiness
        rules: 参考)."""
        rule = ruleset.get(code)
        if rule is not None and (rule.advisory or (rule.profiles and set(rule.profiles) <= known_addons)):
            return "style"     # addon-profile rules and smartphone-readiness rules: notes beside conformance
        if outcome == CANT_TELL and rule is not None and rule.test_method == "HC":
            return "review"
        return outcome
    return kind_of


def _per_page(results: list[dict], findings: list[dict], kind_of, profile_ids: set, all_criteria: dict,
              levels: set) -> dict:
    """Per page: failed / cantTell counts and whether the page has A/AA problems within the profile. Sets each
    finding's kind."""
    per_page = defaultdict(lambda: {"failed": 0, "cant_tell": 0, "review": 0, "style": 0, "errors": 0,
                                    "problem": False})
    for r in results:
        pp = per_page[r["page_id"]]
        if r["outcome"] == ERROR:
            pp["errors"] += 1
        crit = _criteria_t(r["criteria"])
        in_profile = [c for c in crit if c in profile_ids and all_criteria[c].level in levels]
        if r["outcome"] == FAILED and in_profile:
            pp["problem"] = True
    for f in findings:
        pp = per_page[f["page_id"]]
        kind = f["kind"] = kind_of(f["rule"], f["outcome"])
        pp["cant_tell" if kind == CANT_TELL else "failed" if kind == FAILED else kind] += 1
    return per_page


def _criterion_stats(store: Store, run_id: int, results: list[dict], in_scope_ids: set, kind_of) -> dict:
    """Per criterion: the in-scope pages with failures and with candidates, and the rules that ran for it."""
    stat = defaultdict(lambda: {"failed_pages": set(), "cant_tell_pages": set(), "rules": set()})
    for r in results:
        if r["page_id"] not in in_scope_ids:
            continue
        if r["outcome"] == CANT_TELL and kind_of(r["rule"], CANT_TELL) == "review":
            continue    # a human-check item (is this heading descriptive?) is no automatic candidate
        for c in _criteria_t(r["criteria"]):
            s = stat[c]
            if r["outcome"] == FAILED:
                s["failed_pages"].add(r["page_id"])
            elif r["outcome"] == CANT_TELL:
                s["cant_tell_pages"].add(r["page_id"])
    if in_scope_ids:
        for rule_code, crit_text in rule_criteria_pairs(store, run_id):
            for c in _criteria_t(crit_text):
                stat[c]["rules"].add(rule_code)
    return stat


def _checklist(profile, stat: dict, ruleset: RuleSet, t: Translator, lang: str) -> list[dict]:
    """達成基準チェックリスト: every criterion of the profile, in-scope pages only."""
    crit_rules = defaultdict(set)
    for rule in ruleset.rules:
        for c in rule.requirements:
            crit_rules[c].add(rule.code)
    checklist = []
    for c in profile.criteria:
        s = stat.get(c.id)
        automated = bool(crit_rules.get(c.id))
        if s and s["failed_pages"]:
            status, label = "failed", t("問題あり（{n}ページで自動検出）", n=len(s["failed_pages"]))
        elif s and s["cant_tell_pages"]:
            status, label = "review", t("要確認（{n}ページに候補）", n=len(s["cant_tell_pages"]))
        elif automated:
            status, label = "no_auto_failure", t("自動チェックでは問題を検出せず（人による確認が必要）")
        else:
            status, label = "human", t("人による確認のみ（自動チェックの対象外）")
        checklist.append({"number": profile.number(c), "id": c.id, "name": c.name(lang), "level": c.level,
                          "status": status, "label": label, "automation": c.automation,
                          "rules": sorted((s or {}).get("rules", set()) | crit_rules.get(c.id, set()))[:8],
                          "rules_total": len((s or {}).get("rules", set()) | crit_rules.get(c.id, set()))})
    return checklist


def _beyond(stat: dict, profile_ids: set, all_criteria: dict, lang: str) -> list[dict]:
    """Criteria outside the profile that automation flagged (e.g. WCAG 2.2 target size under jis2016)."""
    beyond = []
    for cid in sort_criteria(c for c in stat if c not in profile_ids and c in all_criteria):
        s = stat[cid]
        if s["failed_pages"] or s["cant_tell_pages"]:
            crit = all_criteria[cid]
            beyond.append({"id": cid, "name": crit.name_en if lang == "en" else crit.name_waic, "level": crit.level, "since": crit.since,
                           "failed_pages": len(s["failed_pages"]), "cant_tell_pages": len(s["cant_tell_pages"])})
    return beyond


def _group_findings(findings: list[dict], ruleset: RuleSet, t: Translator) -> tuple[dict, dict, dict]:
    """Findings grouped per page; the same rule + target on several viewports is one row. Items of human-check
    rules (is this heading descriptive?) are listed apart, per rule, as a checklist for the human test."""
    grouped = defaultdict(dict)
    reviews = defaultdict(dict)
    style_totals = defaultdict(lambda: {"findings": 0, "pages": set()})
    for f in findings:
        if f["kind"] == "review":
            rule = ruleset.get(f["rule"])
            row = reviews[f["page_id"]].setdefault(f["rule"], {
                "rule": f["rule"], "rule_title": t.pick(rule.title) if rule else f["rule"],
                "criteria": _criteria(f["criteria"]), "targets": []})
            if f["selector"] not in row["targets"]:
                row["targets"].append(f["selector"])
                # what the tester is asked (GN13 names the page's headings in it)
                row.setdefault("notes", {})[f["selector"]] = t.message(f)
            continue
        if f["kind"] == "style":
            style_totals[f["rule"]]["findings"] += 1
            style_totals[f["rule"]]["pages"].add(f["page_id"])
        key = (f["rule"], f["selector"], f["outcome"])
        row = grouped[f["page_id"]].get(key)
        if row is None:
            rule = ruleset.get(f["rule"])
            grouped[f["page_id"]][key] = row = {
                "rule": f["rule"], "rule_title": t.pick(rule.title) if rule else f["rule"],
                "help_url": rule.help_url if rule else None, "criteria": _criteria(f["criteria"]),
                "outcome": f["outcome"], "selector": f["selector"], "snippet": f["snippet"],
                "message": t.message(f), "viewports": [], "kind": f["kind"], "fingerprints": []}
        row["viewports"].append(t.viewport(f["viewport"]))
        if f.get("fingerprint"):
            row["fingerprints"].append(f["fingerprint"])
    return grouped, reviews, style_totals


def _triage_badge(fingerprints: list[str], decisions: dict, t: Translator, today) -> dict | None:
    """The workspace's triage of a listed problem (its fingerprints: one per viewport, or per page for a shared
    problem): {status, label} when some are accepted or false positives, else None. An acceptance is shown with its
    end date (the earliest of its fingerprints), or as expired once that date has passed."""
    marked = [decisions[fp] for fp in dict.fromkeys(fingerprints)
              if fp in decisions and decisions[fp]["status"] in ("accepted", "false_positive")]
    if not marked:
        return None
    statuses = {d["status"] for d in marked}
    if statuses == {"false_positive"}:
        status, label = "false_positive", t("誤検出")
    else:
        ends = sorted(d["expires"] for d in marked if d["status"] == "accepted" and d["expires"] is not None)
        end = ends[0] if ends else None
        if end is not None and end < today:
            status, label = "expired", t("許容の期限切れ（{d}）", d=end.isoformat())
        else:
            status = "accepted"
            label = t("許容（期限 {d}）", d=end.isoformat()) if end else t("許容")
        if "false_positive" in statuses:
            label += t("・") + t("誤検出")
    total = len(dict.fromkeys(fingerprints))
    if len(marked) < total:
        label += t("（{n}/{all}件）", n=len(marked), all=total)
    return {"status": status, "label": label}


def _attach_triage(store: Store, site_id: str, grouped: dict, common: list[dict], t: Translator) -> None:
    """Each listed problem gets `triage` (a badge, or None) from the workspace's decisions for the site."""
    from ..gate.baseline import today as today_of
    from ..store.workspace import triage_of_site
    decisions = triage_of_site(store, site_id)
    today = today_of()
    for rows in grouped.values():
        for row in rows.values():
            row["triage"] = _triage_badge(row["fingerprints"], decisions, t, today) if decisions else None
    for g in common:
        g["triage"] = _triage_badge(g["fingerprints"], decisions, t, today) if decisions else None


def _page_rows(html_pages: list[dict], per_page: dict, grouped: dict, reviews: dict, common_of: dict,
               t: Translator) -> list[dict]:
    """The per-page results: in-scope pages first, each with its own findings (not those of shared parts)."""
    page_rows = []
    for p in sorted(html_pages, key=lambda p: (p["scope"] != IN_SCOPE, p["url"])):
        pp = per_page[p["id"]]
        own = [r for k, r in grouped.get(p["id"], {}).items() if (p["id"], k) not in common_of]
        page_rows.append({
            "id": p["id"], "url": p["url"], "title": p["title"], "scope": p["scope"],
            "scope_label": t.pick(SCOPE_LABELS[p["scope"]]), "scope_reason": p["scope_reason"], "state": p["state"],
            "skip": _label_of(t, SKIP_LABELS, p["skip_reason"]),
            "error": (_label_of(t, ERROR_LABELS, p["error_kind"]) + ": " + (p["error"] or ""))
            if p["state"] == "error" else None,
            "failed": pp["failed"], "cant_tell": pp["cant_tell"], "review": pp["review"], "style": pp["style"],
            "problem": pp["problem"],
            "findings": sorted((r for r in own if r["kind"] != "style"),
                               key=lambda r: (r["outcome"] != FAILED, r["criteria"], r["rule"])),
            "style_findings": sorted((r for r in own if r["kind"] == "style"), key=lambda r: r["rule"]),
            "common": sorted({common_of[(p["id"], k)] for k in grouped.get(p["id"], {}) if (p["id"], k) in common_of}),
            "reviews": sorted(reviews.get(p["id"], {}).values(), key=lambda r: (r["criteria"], r["rule"])),
        })
        row = page_rows[-1]
        row["detail"] = bool(row["findings"] or row["reviews"] or row["style_findings"] or row["common"])
    return page_rows


def _counts(pages: list[dict], html_pages: list[dict], audited: list[dict], audited_in: list[dict],
            with_problems: list[dict], findings: list[dict], t: Translator) -> dict:
    """The summary's figures: pages found, audited (per scope), in error, queued, skipped (per reason), findings."""
    documents = [p for p in pages if p["kind"] == "document"]
    counts = {
        "html_found": len(html_pages), "audited": len(audited), "audited_in_scope": len(audited_in),
        "audited_excluded": sum(1 for p in audited if p["scope"] == EXCLUDED),
        "audited_out_of_scope": sum(1 for p in audited if p["scope"] == OUT_OF_SCOPE),
        "errors": sum(1 for p in html_pages if p["state"] == "error"),
        "queued": sum(1 for p in html_pages if p["state"] == "queued"),
        "skipped": defaultdict(int), "documents": len(documents),
        "with_problems": len(with_problems),
        "problem_share": round(100 * len(with_problems) / len(audited_in), 1) if audited_in else None,
        "failed_findings": sum(1 for f in findings if f["kind"] == FAILED),
        "cant_tell_findings": sum(1 for f in findings if f["kind"] == CANT_TELL),
        "review_items": sum(1 for f in findings if f["kind"] == "review"),
        "style_findings": sum(1 for f in findings if f["kind"] == "style"),
    }
    for p in pages:
        if p["state"] == "skipped":
            counts["skipped"][_label_of(t, SKIP_LABELS, p["skip_reason"])] += 1
    counts["skipped"] = dict(counts["skipped"])
    return counts


def build_report(store: Store, run_id: int, ruleset: RuleSet, lang: str = "ja") -> dict:
    t = Translator(lang)
    run = store.get_run(run_id)
    site = store.site(run["site_id"]) or {"id": run["site_id"], "name": run["site_id"], "base_url": ""}
    config = json.loads(run["config_json"] or "{}")
    all_criteria, all_profiles = load_standards()
    profile, addons = parse_profile_spec(run["profile"], all_profiles)
    kind_of = _kind_function(ruleset, {pid for pid, p in all_profiles.items() if p.is_addon})
    profile_ids = profile.ids()
    level = (config.get("policy") or {}).get("level", "AA")
    levels = {"A": {"A"}, "AA": {"A", "AA"}, "AAA": {"A", "AA", "AAA"}}[level]
    pages = store.run_pages(run_id)
    # Passed/inapplicable results are ~95 % of a run's rows: only the others are read row by row (store/aggregate).
    results = [{"page_id": pid, "rule": rule, "outcome": outcome, "criteria": crit}
               for pid, rule, outcome, crit in not_passing_results(store, run_id)]
    findings = store.run_findings(run_id)
    viewports = [v for v in run["viewports"].split(",") if v]
    # Documents have a section of their own: their results stay out of the pages' figures.
    doc_ids = {p["id"] for p in pages if p["kind"] == "document"}
    doc_findings = [f for f in findings if f["page_id"] in doc_ids]
    if doc_ids:
        results = [r for r in results if r["page_id"] not in doc_ids]
        findings = [f for f in findings if f["page_id"] not in doc_ids]

    per_page = _per_page(results, findings, kind_of, profile_ids, all_criteria, levels)
    html_pages = [p for p in pages if p["kind"] == "html"]
    audited = [p for p in html_pages if p["state"] == "done"]
    audited_in = [p for p in audited if p["scope"] == IN_SCOPE]
    with_problems = [p for p in audited_in if per_page[p["id"]]["problem"]]

    stat = _criterion_stats(store, run_id, results, {p["id"] for p in audited_in}, kind_of)
    checklist = _checklist(profile, stat, ruleset, t, lang)
    beyond = _beyond(stat, profile_ids, all_criteria, lang)

    grouped, reviews, style_totals = _group_findings(findings, ruleset, t)

    def level_rank(criteria: list[str]) -> int:
        levels = {all_criteria[c].level for c in criteria if c in profile_ids and c in all_criteria}
        return 0 if "A" in levels else 1 if "AA" in levels else 2
    common, common_of = _common_problems(grouped, {p["id"]: p for p in html_pages}, level_rank)
    _attach_triage(store, run["site_id"], grouped, common, t)
    page_rows = _page_rows(html_pages, per_page, grouped, reviews, common_of, t)
    documents = [p for p in pages if p["kind"] == "document"]
    counts = _counts(pages, html_pages, audited, audited_in, with_problems, findings, t)
    stats = json.loads(run["stats_json"]) if run.get("stats_json") else {}
    from .documents import build_documents
    doc_section = build_documents(store, run_id, pages, doc_findings, ruleset, t)
    from .smartphone import build_smartphone
    jis_ids = parse_profile_spec("jis2016", all_profiles)[0].ids()
    smartphone = build_smartphone(run, ruleset, pages, results, findings, all_criteria, jis_ids, t)
    return {
        "run": run, "site": site, "config": config, "profile": profile, "addons": addons, "level": level,
        "style_rules": [{"rule": code, "title": (t.pick(ruleset.get(code).title) if ruleset.get(code) else code),
                         "findings": v["findings"], "pages": len(v["pages"])}
                        for code, v in sorted(style_totals.items())],
        "viewports": [t.viewport(v) for v in viewports],
        "counts": counts, "checklist": checklist, "beyond": beyond, "pages": page_rows, "documents": documents,
        "doc_section": doc_section,
        "common": common, "rule_summary": _rule_summary(findings, ruleset, t),
        "stats": stats, "policy": config.get("policy") or {}, "smartphone": smartphone,
        "scope_labels": {k: t.pick(v) for k, v in SCOPE_LABELS.items()},
        "outcome_labels": {FAILED: t("問題あり"), CANT_TELL: t("要確認"), "style": t("参考")},
        "lang": lang, "_": t, "t": t, "addon_titles": [t.pick(a.title) for a in addons],
    }
