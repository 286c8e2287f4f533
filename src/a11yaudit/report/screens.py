"""Where the audit keeps a page's smartphone screenshot: <artifacts_dir>/screens/<page key>.jpg (urlkinds.page_key,
the key the artifacts store uses too)."""

from __future__ import annotations

from pathlib import Path

from ..urlkinds import page_key


def screenshot_file(screens: Path, url: str) -> Path:
    return screens / f"{page_key(url)}.jpg"
