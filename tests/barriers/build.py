"""Builds the barrier corpus (issue 20): one page with one known barrier and its clean twin per case, and the ground
truth tests/barriers/truth.yaml. Every page is written here from the techniques (WCAG failure techniques, the WAIC
実装チェックリスト, the common best-practice and smartphone barriers); nothing is copied from a published corpus.

    .venv/bin/python tests/barriers/build.py        # rewrites the pages and truth.yaml (commit them)

The generated pages are committed, so the corpus is plain files; edit the cases in cases*.py and rebuild.
"""

from __future__ import annotations

import html
import struct
import sys
import zlib
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
SITE = "みどり市"
NAV = ("くらし・手続き", "子育て・教育", "健康・福祉", "防災・安全", "市政情報")


def page(h1: str, body: str, *, title: str | None = None, head: str = "", lang: str | None = "ja",
         viewport: str | None = VIEWPORT, skip: bool = True, nav: bool = True, header: bool = True,
         footer: bool = True, main: bool = True, h1_tag: bool = True, body_attrs: str = "", html_attrs: str = "",
         charset: bool = True, after: str = "") -> str:
    """A small municipal page (header with skip link and menu, main with the h1, footer) around `body`."""
    t = f"{h1}｜{SITE}" if title is None else title
    lang_attr = f' lang="{lang}"' if lang is not None else ""
    parts = ["<!DOCTYPE html>", f"<html{lang_attr}{html_attrs}>", "<head>"]
    if charset:
        parts.append('<meta charset="utf-8">')
    if viewport:
        parts.append(viewport)
    if t is not False:
        parts.append(f"<title>{t}</title>")
    parts.append('<link rel="stylesheet" href="../site.css">')
    if head:
        parts.append(head)
    parts += ["</head>", f"<body{body_attrs}>"]
    if header:
        parts.append('<header class="site-header">')
        if skip:
            parts.append('<a class="skip" href="#main">本文へ移動</a>')
        parts.append(f'<p class="site-name"><a href="../index.html">{SITE}役所</a></p>')
        if nav:
            items = "".join(f'<li><a href="../nav{i}.html">{n}</a></li>' for i, n in enumerate(NAV, 1))
            parts.append(f'<nav class="gnav" aria-label="メインメニュー"><ul>{items}</ul></nav>')
        parts.append("</header>")
    heading = f"<h1>{h1}</h1>\n" if h1_tag else ""
    if main:
        parts.append(f'<main id="main">\n{heading}{body}\n</main>')
    else:
        parts.append(f'<div id="main">\n{heading}{body}\n</div>')
    if footer:
        parts.append(f'<footer><p>{SITE}役所　〒900-0000 みどり県{SITE}中央1丁目1番1号　'
                     '電話番号：0000-00-0000（代表）</p></footer>')
    if after:
        parts.append(after)
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


class Case:
    def __init__(self, id: str, criterion: str | None, technique: str, description: str, selector: str,
                 rules: list[str], bad, good, *, viewports=("pc",), category: str = "conformance",
                 outcome: str = "failed", h1: str = "お知らせ", bad_opts: dict | None = None,
                 good_opts: dict | None = None, head_bad: str = "", head_good: str = "", folder: str | None = None,
                 note: str = ""):
        self.id, self.criterion, self.technique, self.description = id, criterion, technique, description
        self.selector, self.rules, self.viewports, self.category = selector, rules, list(viewports), category
        self.outcome, self.note = outcome, note
        self.folder = folder or criterion or {"best-practice": "bp", "readiness": "sp", "style": "style"}[category]
        bad_opts = dict(bad_opts or {})
        good_opts = dict(good_opts or {})
        if head_bad:
            bad_opts["head"] = head_bad
        if head_good:
            good_opts["head"] = head_good
        self.bad = bad if bad.lstrip().startswith("<!DOCTYPE") else page(h1, bad, **bad_opts)
        self.good = good if good.lstrip().startswith("<!DOCTYPE") else page(h1, good, **good_opts)

    @property
    def page(self) -> str:
        return f"{self.folder}/{self.id}.html"

    @property
    def clean(self) -> str:
        return f"{self.folder}/{self.id}.clean.html"

    def truth(self) -> dict:
        row = {"id": self.id, "criterion": self.criterion, "technique": self.technique,
               "description": self.description, "page": self.page, "clean": self.clean,
               "selector": self.selector, "viewports": self.viewports, "category": self.category,
               "rules": self.rules, "outcome": self.outcome}
        if self.note:
            row["note"] = self.note
        return row


def png(width: int, height: int, rgb=(29, 107, 58)) -> bytes:
    """A small solid-colour PNG (map and photo stand-ins)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


IMAGES = {"map.png": (320, 200, (200, 220, 200)), "photo.png": (320, 200, (120, 150, 180)),
          "bnr_kosodate.png": (300, 80, (240, 200, 120)), "icon.png": (24, 24, (29, 107, 58)),
          "h2_news.png": (300, 40, (29, 107, 58)), "chart.png": (320, 200, (230, 230, 230)),
          "btn_search.png": (60, 36, (29, 107, 58)), "logo.png": (200, 48, (29, 107, 58)),
          "spacer.gif": (1, 1, (255, 255, 255))}

FRAME = """<!DOCTYPE html>
<html lang="ja">
<head><meta charset="utf-8"><title>{title}</title></head>
<body><p>{text}</p><p><a href="map-large.html">大きな地図で見る</a></p></body>
</html>
"""


def wav(seconds: float = 5.0, rate: int = 8000) -> bytes:
    """A spoken-word stand-in: a 440 Hz tone (8-bit mono PCM), long enough to count as sound over 3 seconds."""
    import math
    n = int(seconds * rate)
    data = bytes(int(128 + 60 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(n))
    return (b"RIFF" + struct.pack("<I", 36 + n) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
            + b"data" + struct.pack("<I", n) + data)


def main() -> int:
    import cases
    all_cases = cases.ALL
    ids = [c.id for c in all_cases]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise SystemExit(f"duplicate case ids: {sorted(dup)}")
    for folder in {c.folder for c in all_cases}:
        for old in (HERE / folder).glob("*.html"):
            old.unlink()
    for c in all_cases:
        for rel, text in ((c.page, c.bad), (c.clean, c.good)):
            path = HERE / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
    img = HERE / "img"
    img.mkdir(exist_ok=True)
    for name, (w, h, rgb) in IMAGES.items():
        (img / name).write_bytes(png(w, h, rgb))
    (HERE / "map-frame.html").write_text(FRAME.format(title="市役所周辺の地図", text="市役所は中央公園の東側です。"),
                                         encoding="utf-8")
    (HERE / "map-frame2.html").write_text(FRAME.format(title="北支所の地図", text="北支所はみどり駅の北側です。"),
                                          encoding="utf-8")
    media = HERE / "media"
    media.mkdir(exist_ok=True)
    (media / "bgm.wav").write_bytes(wav())
    player = ('<!DOCTYPE html>\n<html lang="ja">\n<head><meta charset="utf-8"><title>動画プレーヤー</title></head>\n'
              '<body><video src="message.mp4" controls width="300" height="170">{track}</video></body>\n</html>\n')
    (media / "player.html").write_text(player.format(track=""), encoding="utf-8")
    (media / "player-captions.html").write_text(player.format(
        track='<track kind="captions" srclang="ja" label="日本語（字幕）" src="message.vtt">'), encoding="utf-8")
    docs = HERE / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "shinsei.pdf").write_bytes(b"%PDF-1.4\n% a11yaudit barrier corpus stand-in\n" + b"0" * 120_000 + b"\n%%EOF\n")
    (docs / "yosan.xlsx").write_bytes(b"PK\x03\x04" + b"0" * 40_000)
    truth = {"version": 1,
             "about": "Ground truth of the barrier corpus (tests/barriers/README.md). Generated by build.py.",
             "barriers": [c.truth() for c in all_cases]}
    header = "# Generated by tests/barriers/build.py from cases*.py — edit those and rebuild.\n"
    (HERE / "truth.yaml").write_text(header + yaml.safe_dump(truth, allow_unicode=True, sort_keys=False, width=110),
                                     encoding="utf-8")
    print(f"{len(all_cases)} cases, {2 * len(all_cases)} pages written under {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
