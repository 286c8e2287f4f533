"""HTML for the trend report and the scope-expansion plan (autoescaped Jinja2, accessible inline SVG charts)."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from .charts import bar_chart
from .html import env
from .i18n import Translator

DETAIL_LIMIT = 50


def pct(v) -> str:
    return "—" if v is None else f"{v}%"


def trend_view(trend: dict) -> dict:
    t = Translator(trend.get("lang", "ja"))
    q = trend["quarterly"]
    periods = trend["periods"]
    names = [r["label"] if q else t("実行{run}", run=r["run"]) for r in periods]
    share_chart = bar_chart(names, [{"name": t("割合"), "css": "bar-share",
                                     "values": [r["problem_share"] for r in periods]}], max_value=100, unit="%")
    share_alt = t.sep.join(t("{name}（{date}）{share}（{n}／{total}ページ）", name=n, date=r["date"],
                             share=pct(r["problem_share"]), n=r["with_problems"], total=r["in_scope"])
                           for n, r in zip(names, periods))
    diff_rows = [{"name": f"{names[i - 1]}→{names[i]}", "d": r["diff"]} for i, r in enumerate(periods) if r["diff"]]
    change_chart = bar_chart([d["name"] for d in diff_rows], [
        {"name": t("新規"), "css": "bar-new", "values": [d["d"]["new"] for d in diff_rows]},
        {"name": t("解消"), "css": "bar-fixed", "values": [d["d"]["fixed"] for d in diff_rows]},
        {"name": t("継続"), "css": "bar-persisting", "values": [d["d"]["persisting"] for d in diff_rows]}])
    change_alt = t.sep.join(t("{name}：新規{new}件、解消{fixed}件、継続{persisting}件", name=d["name"],
                              new=d["d"]["new"], fixed=d["d"]["fixed"], persisting=d["d"]["persisting"])
                            for d in diff_rows)
    last_diff = None
    if diff_rows:
        d = diff_rows[-1]["d"]
        last_diff = {"name": diff_rows[-1]["name"], "fixed_items": d.get("fixed_items", [])[:DETAIL_LIMIT],
                     "new_items": d.get("new_items", [])[:DETAIL_LIMIT]}
    sections = [{**s, "history_text": " → ".join(pct(v) for v in s["history"])} for s in trend["sections"]]
    return {**trend, "lang": t.lang, "_": t, "t": t, "unit": (t("四半期") if q else t("実行")).lower(),
            "periods": periods, "sections": sections, "share_chart": share_chart,
            "share_alt": share_alt, "diff_rows": diff_rows, "change_chart": change_chart, "change_alt": change_alt,
            "last_diff": last_diff, "detail_limit": DETAIL_LIMIT, "pct": pct}


def plan_view(plan: dict) -> dict:
    t = Translator(plan.get("lang", "ja"))
    secs = plan["sections"]
    fix_chart = bar_chart([s["section"] for s in secs],
                          [{"name": t("修正箇所"), "css": "bar-share", "values": [s["distinct_fixes"] for s in secs]}])
    fix_alt = t.sep.join(t("{rank}位 {section}：修正箇所{fixes}か所（{pages}ページ、問題のあるページ{problems}）",
                           rank=s["rank"], section=s["section"], fixes=s["distinct_fixes"], pages=s["audited"],
                           problems=s["with_problems"]) for s in secs)
    return {**plan, "lang": t.lang, "_": t, "t": t, "fix_chart": fix_chart, "fix_alt": fix_alt, "pct": pct}


def _write(template: str, view: dict, path: Path) -> Path:
    from ..fsutil import atomic_write_text     # a full disk leaves the old file (or none), never half of one
    return atomic_write_text(path, env().get_template(template).render(**view, tool_version=__version__))


def write_trend_html(trend: dict, path: Path) -> Path:
    return _write("trend.html.j2", trend_view(trend), path)


def write_plan_html(plan: dict, path: Path) -> Path:
    return _write("scope_plan.html.j2", plan_view(plan), path)
