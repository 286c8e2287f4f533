#!/usr/bin/env python3
"""Makes a small site of real documents for the document checks in a site audit (issue 17):

    .venv/bin/python scripts/sample_documents_site.py OUT_DIR [--hostile] [--sites-yaml FILE]

OUT_DIR/files/ gets the 30 sample documents of scripts/make_sample_documents.py (and their expected.yaml),
OUT_DIR/hostile/ the hostile files with --hostile, and OUT_DIR/index.html (資料一覧) links to every one of them
with its format and size in the link text, the way a prefecture's CMS lists its PDFs. Nothing third-party is
copied: every file is made by our scripts. scripts/setup.sh writes it into examples/sample-site/docs/generated/
(git-ignored); --sites-yaml writes a sites.yaml that audits it (served on 127.0.0.1):

    .venv/bin/python scripts/sample_documents_site.py examples/sample-site/docs/generated --hostile \\
        --sites-yaml /tmp/docs-site.yaml
    .venv/bin/a11yaudit --config /tmp/docs-site.yaml audit sample-docs
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FORMATS = {".pdf": "PDF形式", ".docx": "Word形式", ".xlsx": "Excel形式", ".pptx": "PowerPoint形式"}

PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}｜みどり県</title></head><body>
<header><p><a href="/">みどり県 資料室</a></p></header>
<main><h1>{title}</h1>
<p>みどり県が公開している資料です。</p>
<ul>
{items}
</ul>
{more}
</main>
<footer><p>みどり県 総務部 広報課</p></footer>
</body></html>
"""


def _msd():
    spec = importlib.util.spec_from_file_location("make_sample_documents", HERE / "make_sample_documents.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _item(href: str, label: str, path: Path) -> str:
    kb = max(1, round(path.stat().st_size / 1024))
    fmt = FORMATS.get(path.suffix.lower(), "ファイル")
    return f'<li><a href="{html.escape(href)}">{html.escape(label)}（{fmt}：{kb:,}KB）</a></li>'


def make_site(out: Path, *, hostile: bool = False) -> dict:
    """Documents, hostile files and the pages listing them; returns {"expected": …, "hostile": …}."""
    msd = _msd()
    out.mkdir(parents=True, exist_ok=True)
    msd.main([str(out / "files")])
    expected = yaml.safe_load((out / "files" / "expected.yaml").read_text(encoding="utf-8"))
    bad: dict = {}
    if hostile:
        bad = msd.make_hostile(out / "hostile")
        shutil.rmtree(out / "hostile" / "sources", ignore_errors=True)
    items = "\n".join(_item(f"files/{name}", f"資料 {name}", out / "files" / name) for name in expected)
    more = ('<p><a href="hostile.html">その他の資料（壊れたファイルを含む）</a></p>' if hostile else "")
    (out / "index.html").write_text(PAGE.format(title="資料一覧", items=items, more=more), encoding="utf-8")
    if hostile:
        items = "\n".join(_item(f"hostile/{name}", f"資料 {name}", out / "hostile" / name) for name in bad)
        (out / "hostile.html").write_text(PAGE.format(title="その他の資料", items=items, more=""), encoding="utf-8")
    return {"expected": expected, "hostile": bad}


def sites_yaml(out: Path, site_id: str = "sample-docs") -> str:
    return yaml.safe_dump({"version": 1, "sites": [{
        "id": site_id, "name": "みどり県 資料室（サンプル文書）", "serve": str(out.resolve()),
        "origin": f"http://{site_id}.invalid", "start_urls": ["/"], "viewports": ["pc"],
        "crawl": {"max_pages": 10, "max_depth": 2, "delay": 0, "concurrency": 1, "sitemaps": False},
        "documents": {"check": True, "max_mb": 50},
        "policy": {"level": "AA", "degree": "一部準拠",
                   "scope": {"include": [{"prefix": "/", "reason": "全体"}]}}}]}, allow_unicode=True, sort_keys=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--hostile", action="store_true", help="also make and list the hostile files")
    ap.add_argument("--sites-yaml", type=Path, default=None, help="write a sites.yaml that audits the folder")
    args = ap.parse_args(argv)
    made = make_site(args.out, hostile=args.hostile)
    if args.sites_yaml:
        args.sites_yaml.write_text(sites_yaml(args.out), encoding="utf-8")
    print(f"{len(made['expected'])} documents, {len(made['hostile'])} hostile files and index.html in {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
