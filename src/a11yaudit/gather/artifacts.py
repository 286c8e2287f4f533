"""Artifacts on disk: one gzip-compressed JSON file per page × viewport, loadable without a browser."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Iterator

from ..errors import ConfigError
from ..urlkinds import page_key

FORMAT_VERSION = 1


class ArtifactStore:
    """artifacts/<site>/<run>/<page-key>/<viewport>.json.gz — written atomically (tmp file + rename)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, url: str, viewport: str) -> Path:
        return self.root / page_key(url) / f"{viewport}.json.gz"

    def save(self, url: str, viewport: str, artifacts: dict) -> Path:
        target = self.path(url, viewport)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": FORMAT_VERSION, "url": url, "viewport": viewport, "artifacts": artifacts}
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        try:
            with open(tmp, "wb") as fh:
                fh.write(gzip.compress(data, compresslevel=5))
            os.replace(tmp, target)
        except OSError:
            # Disk full, read-only …: no half-written file is left behind; the caller reports the missing file.
            try:
                tmp.unlink()
            except OSError:
                pass
            raise
        return target

    def load(self, url: str, viewport: str) -> dict | None:
        path = self.path(url, viewport)
        return load_file(path)["artifacts"] if path.exists() else None

    def iter_all(self) -> Iterator[dict]:
        """Every saved page × viewport, sorted for reproducible re-evaluation."""
        if not self.root.is_dir():
            raise ConfigError("artifact folder not found", file=str(self.root))
        files = sorted(self.root.glob("*/*.json.gz"))
        if not files:
            raise ConfigError("no artifacts (*/<viewport>.json.gz) in this folder", file=str(self.root))
        for path in files:
            yield load_file(path)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*/*.json.gz")) if self.root.is_dir() else 0


def load_file(path: Path) -> dict:
    try:
        with gzip.open(path, "rb") as fh:
            payload = json.loads(fh.read().decode("utf-8"))
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"unreadable artifact: {exc}", file=str(path)) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        raise ConfigError(f"not an a11yaudit artifact of format {FORMAT_VERSION}", file=str(path), field="format")
    for key in ("url", "viewport", "artifacts"):
        if key not in payload:
            raise ConfigError("missing field", file=str(path), field=key)
    return payload
