"""Shared fixtures: the project root, a temporary database, and folders served on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("A11YAUDIT_HOME", str(ROOT))
# Browsers started by the tests see only the fonts scripts/setup.sh installs (src/a11yaudit/fonts.conf).
from a11yaudit.settings import pin_fonts  # noqa: E402

pin_fonts()
SAMPLE_SITE = ROOT / "examples" / "sample-site"


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def serve(tmp_path):
    """serve(folder) -> base URL of a real HTTP server on 127.0.0.1 (stopped after the test)."""
    from a11yaudit.serve import StaticServer
    servers = []

    def _serve(folder):
        srv = StaticServer(folder)
        servers.append(srv)
        return srv.start()

    yield _serve
    for srv in servers:
        srv.stop()
