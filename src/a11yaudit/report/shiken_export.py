"""Writes the 試験結果 in HTML (autoescaped Jinja2), PDF (Chromium's print, Japanese fonts, done by the function the
caller passes in), CSV and JSON, and the list of sampled URLs as CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from ..discover.sampling import STRATUM_LABELS
from ..fsutil import atomic_write_text
from .csvsafe import csv_text
from .html import env
from .shiken import NEEDS_HUMAN, to_json

FORMATS = ("html", "pdf", "csv", "json")


def fmt_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def render_shiken_html(view: dict) -> str:
    return env().get_template("shiken.html.j2").render(**view, fmt_date=fmt_date, needs_human=NEEDS_HUMAN)


def _csv_text(rows: list[list]) -> str:
    # Titles and URLs come from the audited site: formula-like cells are neutralised (csvsafe).
    return csv_text(rows)


def checklist_csv(view: dict) -> str:
    rows = [["No.", "達成基準", "適合レベル", "適用", "結果", "注記", "自動チェック", "判定の根拠", "追加する達成基準"]]
    for r in view["checklist"]:
        rows.append([r["number"], r["name"], r["level"], r["applicability"], r["result"], r["note"], r["auto"],
                     r["source"], "追加" if r["additional"] else ""])
    return _csv_text(rows)


def pages_csv(view: dict) -> str:
    rows = [["No.", "URL", "タイトル", "選択", "選択の理由", "自動チェックで問題のあった達成基準", "人による試験", "結果"]]
    for p in view["pages"]:
        rows.append([p["no"], p["url"], p["title"] or "", p["stratum_label"], p["reason"], " ".join(p["auto_failed"]),
                     " / ".join(f"{h['number']} {h['result']}" for h in p["human"]), p["verdict"]])
    return _csv_text(rows)


def sample_csv(sample: dict, titles: dict[str, str] | None = None) -> str:
    """The full list of selected URLs (for the human test): No., URL, title, stratum, reason."""
    titles = titles or {}
    rows = [["No.", "URL", "タイトル", "選択", "選択の理由", "抽出方法", "シード", "母集団のページ数"]]
    for i, p in enumerate(sample["pages"], 1):
        rows.append([i, p["url"], titles.get(p["url"], "") or "", STRATUM_LABELS.get(p["stratum"], p["stratum"]),
                     p["reason"], sample["method"], "" if sample["seed"] is None else sample["seed"],
                     sample["population_size"]])
    return _csv_text(rows)


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_text(path, text, encoding=encoding)     # a full disk leaves the old file (or none), never half


def _write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)     # e.g. a full disk: no half-written PDF is left behind
        raise


def write_shiken(view: dict, out_dir: Path, formats=FORMATS,
                 print_pdf: Callable[[str], bytes] | None = None) -> list[Path]:
    """Write the chosen formats into out_dir; returns the written files (HTML first). The PDF needs `print_pdf`
    (HTML → PDF bytes; the browser's print, gather/printing.py), which the caller passes in."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    html = render_shiken_html(view)
    if "html" in formats:
        p = out_dir / "shiken.html"
        _write(p, html)
        written.append(p)
    if "csv" in formats:
        # UTF-8 with BOM: opens correctly in Excel, which most 自治体 staff use.
        for name, text in (("shiken-checklist.csv", checklist_csv(view)), ("shiken-pages.csv", pages_csv(view))):
            p = out_dir / name
            _write(p, text, encoding="utf-8-sig")
            written.append(p)
    if "json" in formats:
        p = out_dir / "shiken.json"
        _write(p, to_json(view))
        written.append(p)
    if "pdf" in formats:
        if print_pdf is None:
            raise ValueError("the PDF format needs a print_pdf function")
        p = out_dir / "shiken.pdf"
        _write_bytes(p, print_pdf(html))
        written.append(p)
    return written
