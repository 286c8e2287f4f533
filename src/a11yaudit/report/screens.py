"""Where the audit keeps a page's smartphone screenshot: <artifacts_dir>/screens/<page key>.jpg. The page key is
that of the artifacts store (gather/artifacts.py, page_key: the first 20 hex digits of the URL's SHA-1), computed
here as well so that the report, which only reads what the audit stored, imports no browser code."""

from __future__ import annotations

import hashlib
from pathlib import Path


def page_key(url: str) -> str:
    """The same key as gather.artifacts.page_key (the file names the audit wrote)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:20]


def screenshot_file(screens: Path, url: str) -> Path:
    return screens / f"{page_key(url)}.jpg"
