"""The report of `a11yaudit eval` (evaluate.py): the text tables (recall per criterion and category, missed
barriers, failures on clean twins), the JSON dump, and the expected-results file (tests/barriers/expected.yaml)
that `eval --check` compares a run with."""

from __future__ import annotations

import json

OUTCOMES = ("failed", "cantTell")
FOUND_RANK = {"missed": 0, "cantTell": 1, "failed": 2}

TEXT = {
    "ja": {
        "title": "バリアコーパスの検出率（a11yaudit eval）",
        "run": "{n} ページ（バリア {b}・クリーン {c}）を {s} 秒で検査（プロファイル {p}、axe-core {axe}）",
        "by_criterion": "達成基準ごとの検出率",
        "outside_std": "  * = このプロファイルの規格の達成基準ではない（WCAG 2.1/2.2。スマートフォン対応として集計）",
        "by_category": "カテゴリごとの検出率",
        "head": "{key:<14} {n:>4} {err:>14} {warn:>16}",
        "col_err": "エラーのみ",
        "col_warn": "エラー＋警告",
        "total": "合計",
        "missed": "検出できなかったバリア（{n} 件）",
        "missed_other": "    （同じ要素のほかの指摘: {other}）",
        "warn_only": "警告（要確認）としてだけ検出したバリア（{n} 件）",
        "false": "クリーンなページの不合格（誤検出）: {n} 件",
        "clean_pages": "クリーンなページの結果（ページごと: 不合格 / 要確認 / 人による確認項目）",
        "checklist": "    人による確認項目: {items}",
        "cant_label": "要確認",
        "errors": "読み込めなかったページ: {n} 件",
        "none": "なし",
        "outside": "このプロファイルで実行されないルールだけのバリア（検出率の計算から除外）: {n} 件",
    },
    "en": {
        "title": "Barrier corpus recall (a11yaudit eval)",
        "run": "{n} pages ({b} barrier, {c} clean) checked in {s} s (profile {p}, axe-core {axe})",
        "by_criterion": "Recall per success criterion",
        "outside_std": "  * = not a success criterion of the profile's standard (WCAG 2.1/2.2; counted as readiness)",
        "by_category": "Recall per category",
        "head": "{key:<14} {n:>4} {err:>14} {warn:>16}",
        "col_err": "errors only",
        "col_warn": "errors+warnings",
        "total": "total",
        "missed": "Missed barriers ({n})",
        "missed_other": "    (other findings on the element: {other})",
        "warn_only": "Barriers found only as warnings (cantTell) ({n})",
        "false": "Failed findings on clean twins (false failures): {n}",
        "clean_pages": "Clean pages (per page: failed / cantTell / human-check items)",
        "checklist": "    human check: {items}",
        "cant_label": "cantTell",
        "errors": "Pages that could not be loaded: {n}",
        "none": "none",
        "outside": "Barriers whose rules do not run in this profile (left out of recall): {n}",
    },
}


def ratio(n: int, d: int) -> float | None:
    return round(n / d, 3) if d else None


# --- text output ------------------------------------------------------------------------------------------------------
def _pct(v) -> str:
    return "-" if v is None else f"{v * 100:5.1f}%"


def format_text(report: dict, lang: str = "ja", *, clean_details: bool = True) -> str:
    t = TEXT[lang]
    n_clean = sum(1 for p in report["pages"].values() if p["kind"] == "clean")
    lines = [t["title"], t["run"].format(n=report["pages_run"], b=report["pages_run"] - n_clean, c=n_clean,
                                         s=report["seconds"], p=report["profile"], axe=report["axe_version"]), ""]

    def tab(title, rows):
        lines.append(title)
        lines.append(t["head"].format(key="", n="n", err=t["col_err"], warn=t["col_warn"]))
        for k, r in rows.items():
            if r.get("in_standard") is False:
                k = f"{k} *"
            lines.append(f"{str(k):<14} {r['barriers']:>4} {r['found_errors']:>5} {_pct(r['recall_errors']):>8} "
                         f"{r['found_with_warnings']:>7} {_pct(r['recall_with_warnings']):>8}")
        lines.append("")
    tab(t["by_criterion"], report["by_criterion"])
    if any(r.get("in_standard") is False for r in report["by_criterion"].values()):
        lines.insert(-1, t["outside_std"])
    tab(t["by_category"], {**report["by_category"], t["total"]: report["total"]})
    missed = [r for r in report["barriers"] if r["found"] == "missed"]
    lines.append(t["missed"].format(n=len(missed)))
    for r in missed:
        rules = ", ".join(r["rules"]) or "-"
        lines.append(f"  {r['id']:<28} {r['criterion'] or r['category']:<8} {r['technique']:<10} "
                     f"{r['description']}  [{rules}] {r['page']} {r['selector']}")
        if r["other"]:
            lines.append(t["missed_other"].format(other=", ".join(r["other"])))
    lines.append("")
    warn = [r for r in report["barriers"] if r["found"] == "cantTell"]
    lines.append(t["warn_only"].format(n=len(warn)))
    for r in warn:
        lines.append(f"  {r['id']:<28} {r['criterion'] or r['category']:<8} {', '.join(r['by'])}")
    lines.append("")
    if report["outside_profile"]:
        lines.append(t["outside"].format(n=len(report["outside_profile"])) + " " + ", ".join(report["outside_profile"]))
        lines.append("")
    ff = report["false_failures"]
    lines.append(t["false"].format(n=len(ff)))
    for f in ff:
        msg = f["message_en"] if lang == "en" and f["message_en"] else f["message"]
        lines.append(f"  {f['page']} [{f['viewport']}] {f['rule']} ({f['category']}) {f['selector']}: {msg[:160]}")
    lines.append("")
    if report["load_errors"]:
        lines.append(t["errors"].format(n=len(report["load_errors"])))
        for e in report["load_errors"]:
            lines.append(f"  {e['page']}: {e['errors']}")
        lines.append("")
    if clean_details:
        lines.append(t["clean_pages"])
        for p in report["clean_pages"]:
            lines.append(f"  {p['page']:<48} {p['failed']:>2} / {p['cantTell']:>2} / "
                         f"{sum(p['human_check'].values()):>2}"
                         + (f"  {t['cant_label']}: {', '.join(p['cantTell_rules'])}" if p["cantTell_rules"] else ""))
            if p["human_check"]:
                lines.append(t["checklist"].format(items=", ".join(f"{k}×{v}" for k, v in p["human_check"].items())))
    return "\n".join(lines)


# --- expected results -------------------------------------------------------------------------------------------------
def expected_from(report: dict, previous: dict | None = None, ids: list[str] | None = None) -> dict:
    """The expected file for `report`; accepted false failures (with their reasons) are kept from `previous` while
    they still occur (or their page was not run). Barriers not in `report` (a run with --only) keep their previous
    entry; `ids` (the truth's barriers) drops entries of barriers that no longer exist. Totals are counted from the
    merged entries."""
    run_pages = set(report.get("pages") or {})
    still = [a for a in _accepted(previous or {})
             if any(accepted_match(f, [a]) for f in report["false_failures"]) or a.get("page") not in run_pages]
    found = dict((previous or {}).get("found") or {})
    found.update({r["id"]: r["found"] for r in report["barriers"]})
    if ids is not None:
        found = {k: v for k, v in found.items() if k in set(ids)}
    n = len(found)
    errors = sum(v == "failed" for v in found.values())
    warnings = sum(v in OUTCOMES for v in found.values())
    total = {"barriers": n, "found_errors": errors, "found_with_warnings": warnings,
             "recall_errors": ratio(errors, n), "recall_with_warnings": ratio(warnings, n)}
    return {"version": 1, "profile": report["profile"], "axe_version": report["axe_version"],
            "total": total, "false_failures": len(report["false_failures"]),
            "accepted_false_failures": still, "found": dict(sorted(found.items()))}


def _accepted(expected: dict) -> list[dict]:
    return [a for a in ((expected or {}).get("accepted_false_failures") or []) if isinstance(a, dict)]


def accepted_match(f: dict, accepted: list[dict]) -> dict | None:
    """The accepted entry (page, rule, optional selector, reason) a clean-twin failure matches, if any."""
    for a in accepted:
        if a.get("page") == f["page"] and a.get("rule") == f["rule"] and \
                (not a.get("selector") or a["selector"] == f["selector"]):
            return a
    return None


def compare_expected(report: dict, expected: dict) -> list[str]:
    """Regressions: a barrier found less well than recorded (failed → cantTell/missed, cantTell → missed), a failed
    finding on a clean twin that is not accepted with a reason, an accepted entry without a reason, a page that
    could not be loaded."""
    problems = []
    if (expected or {}).get("profile") and expected["profile"] != report["profile"]:
        return [f"the expected results were recorded with profile {expected['profile']}, this run used "
                f"{report['profile']}"]
    want = (expected or {}).get("found") or {}
    accepted = _accepted(expected)
    for a in accepted:
        if not str(a.get("reason") or "").strip():
            problems.append(f"accepted false failure {a.get('page')} {a.get('rule')} needs a reason")
    for r in report["barriers"]:
        before = want.get(r["id"])
        if before and FOUND_RANK[r["found"]] < FOUND_RANK[before]:
            problems.append(f"{r['id']} ({r['criterion'] or r['category']}, {r['page']}): was {before}, now "
                            f"{r['found']} [{', '.join(r['rules'])}]")
    for f in report["false_failures"]:
        if accepted_match(f, accepted) is None:
            problems.append(f"clean twin fails: {f['page']} [{f['viewport']}] {f['rule']} {f['selector']}")
    for e in report["load_errors"]:
        problems.append(f"page not loaded: {e['page']} {e['errors']}")
    return problems


def improvements(report: dict, expected: dict) -> list[str]:
    want = (expected or {}).get("found") or {}
    return [f"{r['id']}: {want.get(r['id'], 'new')} → {r['found']}" for r in report["barriers"]
            if r["id"] in want and FOUND_RANK[r["found"]] > FOUND_RANK[want[r["id"]]]]


def dump_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=1)
