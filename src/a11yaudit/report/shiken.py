"""The 試験結果 (test result) report per JIS X 8341-3:2016 附属書JB.3.1 and WAIC practice (docs/shiken.md).

View model: header fields, 達成基準チェックリスト (適用 / 結果 / 注記 per criterion, non-applicable rows kept),
per-page results of the sampled pages, an optional 実装チェックリスト (AC / AF / HC per rule). Automated results
fill what automation can decide (a failure is 不適合); automation alone never yields 適合: a criterion is 適合 or
非適用 only from an imported human verdict, otherwise 要人手確認. Human verdicts win over automated ones, and the
source of every verdict is shown.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from .. import __version__, settings
from ..discover.sampling import METHOD_LABELS, STRATUM_LABELS
from ..policy import describe_scope
from ..rules.loader import RuleSet
from ..rules.model import CANT_TELL, FAILED, INAPPLICABLE
from ..rules.standards import load_standards, parse_profile_spec
from ..store.aggregate import not_passing_results, results_of_pages
from ..store.db import Store
from .human import FAIL, NOT_APPLICABLE, PASS, HumanVerdict

NEEDS_HUMAN = "要人手確認"
APPLICABLE = "適用"
CLAIM_NOTE = ("本ページにおける「準拠」「一部準拠」という表記は、情報通信アクセス協議会ウェブアクセシビリティ基盤委員会"
              "「ウェブコンテンツのJIS X 8341-3:2016 対応度表記ガイドライン 2021年4月版」で定められた表記によります。")


def _criteria(value: str) -> list[str]:
    return [c for c in (value or "").split(",") if c]


def criterion_numbers(profile, criteria_ids: list[str], all_criteria) -> dict[str, str]:
    """Every number a human file may use for a criterion of the report → the criterion id."""
    out = {}
    for cid in criteria_ids:
        out[cid] = cid
        c = all_criteria.get(cid)
        if c is not None and profile.numbering == "jis2010" and c.name_jis2010:
            out[c.name_jis2010] = cid
    return out


def report_criteria(profile, level: str, additional: list[str], all_criteria) -> list[tuple]:
    """(criterion, is_additional) for the profile's criteria up to the level, then the policy's additions."""
    levels = {"A": {"A"}, "AA": {"A", "AA"}, "AAA": {"A", "AA", "AAA"}}[level]
    rows = [(c, False) for c in profile.criteria if c.level in levels]
    have = {c.id for c, _ in rows}
    for cid in additional:
        if cid not in have and cid in all_criteria:
            rows.append((all_criteria[cid], True))
            have.add(cid)
    return rows


def _auto_facts(store: Store, run_id: int, tested_ids: set, wanted: set) -> tuple[dict, dict, dict]:
    """Automated facts on the tested pages, per criterion, per page × criterion and per rule."""
    auto = defaultdict(lambda: {"failed": set(), "cant_tell": set(), "applicable": set(), "rules_failed": set()})
    page_auto = defaultdict(lambda: defaultdict(lambda: {"failed": set(), "cant_tell": set()}))
    rule_stat = defaultdict(lambda: {"failed": set(), "cant_tell": set(), "passed": set(), "ran": set()})
    for page_id, rule, outcome, criteria in results_of_pages(store, run_id, tested_ids):
        r = {"page_id": page_id, "rule": rule, "outcome": outcome, "criteria": criteria}
        crits = [c for c in _criteria(r["criteria"]) if c in wanted]
        if not crits:
            continue
        rs = rule_stat[r["rule"]]
        rs["ran"].add(r["page_id"])
        for c in crits:
            a = auto[c]
            if r["outcome"] != INAPPLICABLE:
                a["applicable"].add(r["page_id"])
            if r["outcome"] == FAILED:
                a["failed"].add(r["page_id"])
                a["rules_failed"].add(r["rule"])
                page_auto[r["page_id"]][c]["failed"].add(r["rule"])
            elif r["outcome"] == CANT_TELL:
                a["cant_tell"].add(r["page_id"])
                page_auto[r["page_id"]][c]["cant_tell"].add(r["rule"])
        if r["outcome"] == FAILED:
            rs["failed"].add(r["page_id"])
        elif r["outcome"] == CANT_TELL:
            rs["cant_tell"].add(r["page_id"])
        elif r["outcome"] == "passed":
            rs["passed"].add(r["page_id"])
    return auto, page_auto, rule_stat


def _outside_failures(store: Store, run_id: int, pages: dict, tested_ids: set, wanted: set) -> dict:
    """Failures on in-scope pages outside the sample (総務省: the checker runs on all pages; S8, S10)."""
    outside = defaultdict(set)
    for page_id, _rule, _outcome, criteria in not_passing_results(store, run_id, (FAILED,)):
        p = pages.get(page_id)
        if p and p["kind"] == "html" and p["scope"] == "in_scope" and page_id not in tested_ids:
            for c in _criteria(criteria):
                if c in wanted:
                    outside[c].add(page_id)
    return outside


def _document_facts(store: Store, run_id: int, pages: dict, ruleset: RuleSet, wanted: set) -> tuple[list, dict, dict]:
    """Documents (PDF / Office) within the policy's scope: every one the audit checked is part of the test (a
    document is a web page in JIS X 8341-3 terms; they are few, so none is sampled out). Only failures of
    conformance rules count as 不適合; candidates are 要確認."""
    docs_in = sorted((p for p in pages.values() if p["kind"] == "document" and p["scope"] == "in_scope"
                      and p["state"] in ("done", "error")), key=lambda p: p["url"])
    doc_fail = defaultdict(set)                  # criterion → document page ids
    doc_auto = defaultdict(lambda: defaultdict(lambda: {"failed": set(), "cant_tell": set()}))
    if docs_in:
        for page_id, rule, outcome, criteria in results_of_pages(store, run_id, {p["id"] for p in docs_in}):
            rdef = ruleset.get(rule)
            conformance = rdef is None or rdef.category == "conformance"
            for c in _criteria(criteria):
                if c not in wanted:
                    continue
                if outcome == FAILED and conformance:
                    doc_fail[c].add(page_id)
                    doc_auto[page_id][c]["failed"].add(rule)
                elif outcome in (FAILED, CANT_TELL):
                    doc_auto[page_id][c]["cant_tell"].add(rule)
    return docs_in, doc_fail, doc_auto


def _auto_note(a: dict, n_outside: int, n_doc_fail: int) -> str:
    """What automation found for one criterion (the checklist's 自動チェック column)."""
    n_failed = len(a["failed"])
    auto_note = []
    if n_failed:
        auto_note.append(f"自動チェックで{n_failed}ページに問題（{'、'.join(sorted(a['rules_failed'])[:4])}"
                         f"{' ほか' if len(a['rules_failed']) > 4 else ''}）")
    elif a["cant_tell"]:
        auto_note.append(f"自動チェックで{len(a['cant_tell'])}ページに要確認の候補")
    elif a["applicable"]:
        auto_note.append("自動チェックでは問題を検出せず")
    else:
        auto_note.append("自動チェックの対象外または該当箇所を検出せず")
    if n_outside:
        auto_note.append(f"試験対象外の対象範囲のページでも{n_outside}ページに問題")
    if n_doc_fail:
        auto_note.append(f"対象範囲の文書ファイル{n_doc_fail}件に問題")
    return "。".join(auto_note)


def _criterion_verdict(a: dict, hv: HumanVerdict | None, pv: dict, tested: list, n_doc_fail: int) -> tuple:
    """(適用, 結果, 注記, sources) of one criterion: a human verdict for the whole sample wins over page verdicts
    and automation; otherwise page verdicts and automated failures decide, and automation alone never gives 適合."""
    n_failed = len(a["failed"])
    sources = []
    if hv is not None:    # a verdict for the whole sample wins over page verdicts and automation
        applicability, result, note = hv.applicability, hv.result, hv.note
        sources.append(f"人による試験（{hv.source}）")
        if result == PASS and n_failed:
            note = (note + "　" if note else "") + f"※自動チェックでは{n_failed}ページで問題を検出（人の判定を優先）"
        return applicability, result, note, sources
    verdicts = {}
    for sp in tested:
        v = pv.get(sp["url"])
        if v is not None:
            verdicts[sp["url"]] = v.result if v.applicability != NOT_APPLICABLE else NOT_APPLICABLE
        elif sp["page_id"] in a["failed"]:
            verdicts[sp["url"]] = FAIL
    if pv:
        sources.append(f"人による試験（ページ別 {len(pv)}件）")
    if any(x == FAIL for x in verdicts.values()):
        applicability, result = APPLICABLE, FAIL
        human_fails = sum(1 for v in pv.values() if v.result == FAIL)
        note = "、".join(filter(None, [f"人による試験で{human_fails}ページが不適合" if human_fails else ""]))
        if n_failed:
            sources.append("自動チェック")
    elif pv and len(verdicts) == len(tested) and all(x in (PASS, NOT_APPLICABLE) for x in verdicts.values()):
        if all(x == NOT_APPLICABLE for x in verdicts.values()):
            applicability, result, note = NOT_APPLICABLE, PASS, "該当コンテンツなし"
        else:
            applicability, result, note = APPLICABLE, PASS, ""
    else:
        applicability = APPLICABLE if a["applicable"] else "要確認"
        result = NEEDS_HUMAN
        note = (f"人による試験 {len(pv)}/{len(tested)}ページ" if pv else "人による試験の結果が必要")
    if n_doc_fail and result != FAIL:
        applicability, result = APPLICABLE, FAIL
        note = f"文書ファイル{n_doc_fail}件が不適合（自動チェック）"
    if n_doc_fail:
        sources.append("自動チェック（文書ファイル）")
    if not sources:
        sources.append("自動チェック" if result == FAIL else "—")
    return applicability, result, note, sources


def _checklist(crit_rows: list, profile, auto: dict, outside: dict, doc_fail: dict, by_crit: dict, by_page: dict,
               tested: list) -> list[dict]:
    """達成基準チェックリスト: 適用 / 結果 / 注記 per criterion, with the source of every verdict."""
    checklist = []
    for c, is_additional in crit_rows:
        a = auto[c.id]
        n_doc_fail = len(doc_fail[c.id]) if doc_fail.get(c.id) else 0
        applicability, result, note, sources = _criterion_verdict(a, by_crit.get(c.id), by_page.get(c.id, {}),
                                                                  tested, n_doc_fail)
        checklist.append({
            "id": c.id, "number": profile.number(c), "name": c.name("ja"), "level": c.level,
            "additional": is_additional, "applicability": applicability, "result": result, "note": note,
            "auto": _auto_note(a, len(outside[c.id]) if outside.get(c.id) else 0, n_doc_fail),
            "source": "、".join(sources), "automation": c.automation,
            "failed_pages": len(a["failed"]), "cant_tell_pages": len(a["cant_tell"]),
            "failed_documents": len(doc_fail.get(c.id, ())),
        })
    return checklist


def _achievement(checklist: list[dict], policy) -> tuple[dict, str, str]:
    """The totals per result, and the sentence on whether the target is met (and its status)."""
    totals = {k: sum(1 for r in checklist if r["result"] == k) for k in (PASS, FAIL, NEEDS_HUMAN)}
    totals["not_applicable"] = sum(1 for r in checklist if r["applicability"] == NOT_APPLICABLE)
    human_left = (f"人による確認が必要な項目も{totals[NEEDS_HUMAN]}項目あります。" if totals[NEEDS_HUMAN] else "")
    if totals[FAIL] and policy.degree == "準拠":
        achieved = (f"目標（{policy.level} {policy.degree}）を満たしていません：不適合の達成基準が{totals[FAIL]}項目あります。"
                    + human_left)
        status = "failed"
    elif totals[FAIL]:
        # 一部準拠 is the statement for a tested site that does not meet every criterion yet: failures are what it
        # reports, not a miss of the target (配慮 needs no test result at all).
        achieved = (f"適合レベル{policy.level}の達成基準のうち{totals[FAIL]}項目が不適合です。"
                    f"目標の表記（{policy.level} {policy.degree}）は、この結果と今後の対応を公開して行います。" + human_left)
        status = "failed"
    elif totals[NEEDS_HUMAN]:
        achieved = (f"判定できません：{totals[NEEDS_HUMAN]}項目は人による試験の結果がありません。"
                    "自動チェックだけでは準拠・適合を判断できません。")
        status = "incomplete"
    else:
        achieved = (f"試験を行ったすべての達成基準（{len(checklist)}項目）が適合です（人による試験の結果を含む）。"
                    f"この結果により、対象範囲について「{policy.standard} の適合レベル{policy.level}に準拠」と表記できます。")
        status = "all_pass"
    return totals, achieved, status


def _criterion_key(cid: str) -> tuple:
    return tuple(int(n) for n in cid.split("."))


def _page_rows(tested: list, pages: dict, page_auto: dict, by_crit: dict, by_page: dict,
               crit_by_id: dict) -> list[dict]:
    """Per-page results of the sample."""
    page_rows = []
    for i, sp in enumerate(tested, 1):
        p = pages.get(sp["page_id"]) or {}
        pa = page_auto.get(sp["page_id"], {})
        fails, reviews, human_notes = [], [], []
        for cid in sorted(pa, key=_criterion_key):
            if pa[cid]["failed"]:
                fails.append(crit_by_id[cid]["number"])
            elif pa[cid]["cant_tell"]:
                reviews.append(crit_by_id[cid]["number"])
        human_fail = []
        for cid, per in by_page.items():
            v = per.get(sp["url"])
            if v is None:
                continue
            human_notes.append({"number": crit_by_id[cid]["number"], "applicability": v.applicability,
                                "result": v.result, "note": v.note, "source": v.source})
            if v.result == FAIL:
                human_fail.append(crit_by_id[cid]["number"])
        # A page is 適合 only when every criterion has a human verdict (for the whole sample or for this page)
        # that is 適合 / 非適用, and automation found nothing the human verdict did not overrule.
        judged = all(cid in by_crit or sp["url"] in by_page.get(cid, {}) for cid in crit_by_id)
        overruled = {cid for cid in pa if cid in by_crit or sp["url"] in by_page.get(cid, {})}
        auto_fail_open = [crit_by_id[c]["number"] for c in pa if pa[c]["failed"] and c not in overruled]
        if human_fail or auto_fail_open:
            verdict = FAIL
        elif judged:
            verdict = PASS
        else:
            verdict = NEEDS_HUMAN
        page_rows.append({"no": i, "url": sp["url"], "title": p.get("title"), "stratum": sp["stratum"],
                          "stratum_label": STRATUM_LABELS.get(sp["stratum"], sp["stratum"]), "reason": sp["reason"],
                          "state": p.get("state"), "auto_failed": fails, "auto_review": reviews,
                          "human": sorted(human_notes, key=lambda h: h["number"]), "verdict": verdict})
    return page_rows


def _document_rows(docs_in: list, doc_auto: dict, crit_by_id: dict) -> list[dict]:
    """Per-document results (every in-scope document the audit checked)."""
    doc_rows = []
    for i, p in enumerate(docs_in, 1):
        da = doc_auto.get(p["id"], {})
        fails = [crit_by_id[c]["number"] for c in sorted(da, key=_criterion_key) if da[c]["failed"]]
        reviews = [crit_by_id[c]["number"] for c in sorted(da, key=_criterion_key)
                   if da[c]["cant_tell"] and not da[c]["failed"]]
        verdict = FAIL if fails else ("チェックできず" if p["state"] == "error" else NEEDS_HUMAN)
        doc_rows.append({"no": i, "url": p["url"], "title": p.get("title"), "state": p["state"],
                         "error": p.get("error") if p["state"] == "error" else None,
                         "auto_failed": fails, "auto_review": reviews, "verdict": verdict})
    return doc_rows


def _implementation_checklist(rule_stat: dict, ruleset: RuleSet, wanted: set, crit_by_id: dict) -> list[dict]:
    """実装チェックリスト: one row per rule that ran on the tested pages (AC / AF / HC)."""
    icl = []
    for code, rs in sorted(rule_stat.items(), key=lambda kv: (kv[0].startswith("axe:"), kv[0])):
        rule = ruleset.get(code)
        if rule is None:
            continue
        crits = sorted(c for c in rule.requirements if c in wanted)
        applicable = bool(rs["failed"] or rs["cant_tell"] or rs["passed"])
        if rs["failed"]:
            result = f"{FAIL}（{len(rs['failed'])}ページ）"
        elif not applicable:
            result = "該当箇所なし（自動）"
        elif rs["cant_tell"]:
            result = f"{NEEDS_HUMAN}（候補 {len(rs['cant_tell'])}ページ）"
        elif rule.test_method == "AC":
            result = "問題なし（自動）"
        else:
            result = NEEDS_HUMAN
        icl.append({"code": code, "techniques": rule.techniques, "title": rule.title.get("ja", code),
                    "criteria": [crit_by_id[c]["number"] for c in crits if c in crit_by_id],
                    "applicable": APPLICABLE if applicable else NOT_APPLICABLE, "result": result,
                    "method": rule.test_method, "pages": len(rs["ran"])})
    return icl


def _policy_fields(policy) -> dict:
    """The header's fields from the site's accessibility policy."""
    return {"name": policy.name, "standard": policy.standard, "level": policy.level, "degree": policy.degree,
            "statement_date": policy.statement_date, "deadline": policy.deadline,
            "technologies": policy.technologies, "contact": policy.contact,
            "known_issues": policy.known_issues,
            "exceptions": [{"what": e.what, "reason": e.reason, "alternative": e.alternative,
                            "until": e.until} for e in policy.exceptions],
            "additional_criteria": policy.additional_criteria,
            "phases": [{"name": ph.name, "date": ph.date, "scope": [r.describe() for r in ph.include],
                        "note": ph.note} for ph in policy.phases]}


def _sample_fields(sample: dict, tested: list) -> dict:
    """How the tested pages were selected, and how many of each kind."""
    method = sample["method"]
    counts = {"population": sample["population_size"], "tested": len(tested),
              "representative": sum(1 for sp in tested if sp["stratum"] == "representative"),
              "random": sum(1 for sp in tested if sp["stratum"] == "random"),
              "all": sum(1 for sp in tested if sp["stratum"] == "all")}
    return {"id": sample["id"], "method": method, "method_label": METHOD_LABELS[method],
            "seed": sample["seed"], "population_sha1": sample["population_sha1"],
            "created_at": sample["created_at"], "counts": counts,
            "n_random_requested": sample["n_random_requested"]}


def _period(run: dict, human_dates: list) -> dict:
    """試験実施期間: from the audit's start (or an earlier human test) to its end or the last human test."""
    period_start = jst_date(run.get("started_at"))
    period_end = max([d for d in [jst_date(run.get("finished_at"))] + human_dates
                      if d] or [period_start]) if period_start else None
    period_start = min([period_start] + human_dates) if period_start else None
    return {"start": period_start, "end": period_end}


def _tools_and_environments(run: dict) -> tuple[list[str], list[str]]:
    """The tools used (with their versions) and the viewports the pages were checked in."""
    tools = [f"a11yaudit {run['tool_version']}", f"axe-core {run['axe_version'] or '不明'}",
             f"Chromium {run['browser_version'] or '（ブラウザ不使用）'}（ヘッドレス）"]
    environments = [f"{settings.VIEWPORTS[v]['label']['ja']}（{settings.VIEWPORTS[v]['width']}×"
                    f"{settings.VIEWPORTS[v]['height']} CSS px）" for v in run["viewports"].split(",")
                    if v in settings.VIEWPORTS] if "viewports" in run else []
    return tools, environments


def build_shiken(store: Store, run_id: int, sample: dict, ruleset: RuleSet, site, *,
                 human: list[HumanVerdict] | None = None, with_icl: bool = True) -> dict:
    """The 試験結果 view model. `site` is the config.Site (its policy gives the header fields)."""
    human = human or []
    run = store.get_run(run_id)
    policy = site.policy
    all_criteria, all_profiles = load_standards()
    profile, addons = parse_profile_spec(run["profile"], all_profiles)
    crit_rows = report_criteria(profile, policy.level, policy.additional_criteria, all_criteria)
    wanted = {c.id for c, _ in crit_rows}

    pages = {p["id"]: p for p in store.run_pages(run_id)}
    tested = [sp for sp in sample["pages"]]
    tested_ids = {sp["page_id"] for sp in tested if sp["page_id"] is not None}

    auto, page_auto, rule_stat = _auto_facts(store, run_id, tested_ids, wanted)
    outside = _outside_failures(store, run_id, pages, tested_ids, wanted)
    docs_in, doc_fail, doc_auto = _document_facts(store, run_id, pages, ruleset, wanted)

    by_crit = {v.criterion: v for v in human if v.url is None}
    by_page = defaultdict(dict)          # criterion → url → verdict
    for v in human:
        if v.url is not None:
            by_page[v.criterion][v.url] = v

    checklist = _checklist(crit_rows, profile, auto, outside, doc_fail, by_crit, by_page, tested)
    totals, achieved, status = _achievement(checklist, policy)
    crit_by_id = {r["id"]: r for r in checklist}
    page_rows = _page_rows(tested, pages, page_auto, by_crit, by_page, crit_by_id)
    doc_rows = _document_rows(docs_in, doc_auto, crit_by_id)
    icl = _implementation_checklist(rule_stat, ruleset, wanted, crit_by_id) if with_icl else []

    human_dates = sorted({v.date for v in human if v.date})
    human_testers = sorted({v.tester for v in human if v.tester})
    tools, environments = _tools_and_environments(run)
    return {
        "site": {"id": site.id, "name": site.name, "base_url": site.base_url},
        "run": {k: run[k] for k in ("id", "status", "started_at", "finished_at", "axe_version", "browser_version",
                                    "tool_version", "profile")},
        "policy": _policy_fields(policy),
        "scope_lines": describe_scope(policy, site.base_url),
        "profile": {"id": profile.id, "title": profile.title["ja"], "level_word": profile.level_word["ja"],
                    "addons": [a.id for a in addons]},
        "sample": _sample_fields(sample, tested),
        "period": _period(run, human_dates),
        "tools": tools, "environments": environments,
        "human": {"count": len(human), "testers": human_testers, "dates": human_dates,
                  "files": sorted({v.source.rsplit(":", 1)[0] for v in human})},
        "checklist": checklist, "totals": totals, "achieved": achieved, "status": status,
        "pages": page_rows, "documents": doc_rows, "icl": icl, "claim_note": CLAIM_NOTE, "generated_by": __version__,
        "generated_on": dt.date.today(),
    }


def to_json(view: dict) -> str:
    return json.dumps(view, ensure_ascii=False, indent=2, default=str)


def jst_date(when):
    """The date in Japan of a stored time (UTC; SQLite gives it naive): the 試験実施期間 is a Japanese date."""
    if when is None:
        return None
    import datetime as _dt
    from .i18n import JST
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(JST).date()
