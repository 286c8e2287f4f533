"""Renders reports to reports/<site>/<run>/ with autoescaped Jinja2 templates: index.html (summary, 達成基準チェック
リスト, smartphone readiness, rules, problems common to many pages, per-page results) and summary.json. A run with
more than PAGES_PER_FILE pages keeps its per-page results in pages-001.html, pages-002.html, … and its URL list in
urls.html, so that a 10,000-page site's report opens in a browser."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..fsutil import atomic_write_text
from ..rules.loader import RuleSet
from ..store.db import Store
from .model import COMMON_MIN_PAGES, build_report

PAGES_PER_FILE = 250          # per-page results in one HTML file; beyond this they are split into page files
TOP_PAGES = 30                # pages with the most problems, listed on a split report's index

_ENV: Environment | None = None


def env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=PackageLoader("a11yaudit", "templates"),
                           autoescape=select_autoescape(["html", "j2"], default=True),
                           trim_blocks=True, lstrip_blocks=True)
    return _ENV


def _layout(view: dict, pages_per_file: int) -> dict:
    """Which file holds each page's results, and the links between the files."""
    pages_per_file = max(1, pages_per_file)
    listed = [p for p in view["pages"] if p["state"] in ("done", "error")]
    layout = {"listed": listed, "parts": [], "file_of": {}, "pages_per_file": pages_per_file,
              "common_min_pages": COMMON_MIN_PAGES, "url_count": len(view["pages"]) + len(view["documents"])}
    if len(listed) <= pages_per_file:
        return layout
    for start in range(0, len(listed), pages_per_file):
        chunk = listed[start:start + pages_per_file]
        number = len(layout["parts"]) + 1
        name = f"pages-{number:03d}.html"
        layout["parts"].append({"number": number, "file": name, "rows": chunk, "pages": len(chunk),
                                "first": chunk[0]["url"], "last": chunk[-1]["url"],
                                "with_failed": sum(1 for p in chunk if p["failed"])})
        for p in chunk:
            layout["file_of"][p["id"]] = name
    # In-scope pages only: a page the policy excludes is not where the work starts (it is in the URL list).
    worst = sorted((p for p in listed if p["failed"] and p["scope"] == "in_scope"),
                   key=lambda p: (-p["failed"], -p["cant_tell"], p["url"]))
    layout["top_pages"] = worst[:TOP_PAGES]
    return layout


def _links(layout: dict, here: str) -> dict:
    """page_href / common_href as seen from the file `here` (index.html or a page file)."""
    file_of = layout["file_of"]

    def page_href(page_id: int) -> str:
        target = file_of.get(page_id, "index.html")
        return ("" if target == here else target) + f"#page-{page_id}"

    def common_href(number: int) -> str:
        return ("" if here == "index.html" else "index.html") + f"#common-{number}"
    return {"page_href": page_href, "common_href": common_href}


def render_html(view: dict, pages_per_file: int = PAGES_PER_FILE) -> str:
    """The index page alone (the whole report when the run fits in one file)."""
    layout = _layout(view, pages_per_file)
    return env().get_template("report.html.j2").render(**view, **layout, **_links(layout, "index.html"),
                                                       tool_version=__version__)


def _copy_screenshots(view: dict, out: Path) -> None:
    """The smartphone section's pictures go next to the report (screens/) and are linked, not embedded: the index
    of a 400-page site stays small, and each picture opens on its own. Pictures no longer used are removed."""
    import shutil
    folder = out / "screens"
    used = set()
    for g in (view.get("smartphone") or {}).get("groups", []):
        src = g.get("screenshot_path")
        if not src or not Path(src).is_file():
            continue
        name = Path(src).name
        if name not in used:
            folder.mkdir(exist_ok=True)
            if not (folder / name).is_file() or (folder / name).stat().st_size != Path(src).stat().st_size:
                shutil.copyfile(src, folder / name)
            used.add(name)
        g["screenshot"] = f"screens/{name}"
    if folder.is_dir():
        for old in folder.glob("*.jpg"):
            if old.name not in used:
                old.unlink(missing_ok=True)


def _documents_summary(ds: dict | None) -> dict | None:
    if not ds or not ds.get("found"):
        return None
    return {k: ds[k] for k in ("found", "checked", "with_problems", "problem_share", "errors", "scans", "by_kind")} | {
        "top": [{k: d[k] for k in ("url", "kind", "failed", "cant_tell", "error", "scan", "linked_from")}
                for d in ds["top"]]}


def write_report(store: Store, run_id: int, ruleset: RuleSet, reports_root: Path,
                 pages_per_file: int = PAGES_PER_FILE, lang: str = "ja") -> Path:
    view = build_report(store, run_id, ruleset, lang)
    out = Path(reports_root) / view["site"]["id"] / str(run_id)
    out.mkdir(parents=True, exist_ok=True)
    layout = _layout(view, pages_per_file)
    _copy_screenshots(view, out)
    common = {**view, **layout, "tool_version": __version__}
    for part in layout["parts"]:
        atomic_write_text(out / part["file"], env().get_template("report_part.html.j2").render(
            **common, **_links(layout, part["file"]), part=part, part_pages=part["rows"]))
    if layout["parts"]:
        atomic_write_text(out / "urls.html", env().get_template("report_urls.html.j2").render(
            **common, **_links(layout, "urls.html")))
    html_path = out / "index.html"
    atomic_write_text(html_path, env().get_template("report.html.j2").render(**common, **_links(layout, "index.html")))
    # A re-rendered report may have fewer page files than before: those left over would show stale results. They go
    # last, once every new file is in place (each file is replaced atomically; an interruption leaves a readable set).
    written = {p["file"] for p in layout["parts"]} | ({"urls.html"} if layout["parts"] else set())
    for stale in [*out.glob("pages-*.html"), out / "urls.html"]:
        if stale.name not in written:
            stale.unlink(missing_ok=True)
    summary = {"site": view["site"]["id"], "run": run_id, "status": view["run"]["status"],
               "profile": view["run"]["profile"], "axe_version": view["run"]["axe_version"],
               "counts": view["counts"],
               "checklist": [{k: row[k] for k in ("id", "level", "status")} for row in view["checklist"]],
               "files": ["index.html", *(p["file"] for p in layout["parts"]), *(["urls.html"] if layout["parts"] else [])],
               "common_problems": len(view["common"]), "lang": lang,
               # For dashboards and scripts: per rule, and the problems shared by several pages (templates).
               "rules": [{k: r[k] for k in ("rule", "criteria", "failed", "cant_tell", "style", "pages")}
                         for r in view["rule_summary"]],
               "common": [{k: g[k] for k in ("number", "rule", "outcome", "criteria", "selector", "pages",
                                             "in_scope_pages")} for g in view["common"]],
               # Documents (PDF / Office) checked in the run: counts by type and the problem documents.
               "documents": _documents_summary(view.get("doc_section"))}
    atomic_write_text(out / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return html_path
