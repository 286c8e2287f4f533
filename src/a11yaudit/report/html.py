"""Renders reports to reports/<site>/<run>/ (index.html and summary.json) with autoescaped Jinja2 templates."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..rules.loader import RuleSet
from ..store.db import Store
from .model import build_report

_ENV: Environment | None = None


def env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=PackageLoader("a11yaudit", "templates"),
                           autoescape=select_autoescape(["html", "j2"], default=True),
                           trim_blocks=True, lstrip_blocks=True)
    return _ENV


def render_html(view: dict) -> str:
    return env().get_template("report.html.j2").render(**view, tool_version=__version__)


def write_report(store: Store, run_id: int, ruleset: RuleSet, reports_root: Path) -> Path:
    view = build_report(store, run_id, ruleset)
    out = Path(reports_root) / view["site"]["id"] / str(run_id)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / "index.html"
    from ..fsutil import atomic_write_text
    atomic_write_text(html_path, render_html(view))
    summary = {"site": view["site"]["id"], "run": run_id, "status": view["run"]["status"],
               "profile": view["profile"].id, "axe_version": view["run"]["axe_version"],
               "counts": view["counts"],
               "checklist": [{k: row[k] for k in ("id", "level", "status")} for row in view["checklist"]]}
    atomic_write_text(out / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return html_path
