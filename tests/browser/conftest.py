"""Browser tests: real Chromium and axe-core against the sample site served on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-site"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def run_cli(*args, env_extra=None, timeout=600, check=True, input=None):
    env = {**os.environ, **(env_extra or {})}
    proc = subprocess.run([sys.executable, "-m", "a11yaudit.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"a11yaudit {' '.join(args)} exited {proc.returncode}\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="module")
def browser():
    """A Chromium driven by Playwright's sync API (the workspace tests click through the real server with it)."""
    from playwright.sync_api import sync_playwright

    from a11yaudit import settings
    from a11yaudit.gather.browser import find_chromium
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=settings.CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def session_memo() -> dict:
    """Expensive things made once a session and shared by several modules (each takes its own copy of them)."""
    return {}


@pytest.fixture(scope="session")
def cli():
    return run_cli


@pytest.fixture(scope="session")
def manifest() -> dict:
    return yaml.safe_load((SAMPLE / "defects.yaml").read_text(encoding="utf-8"))


def ensure_sample_documents() -> Path:
    """The documents the sample site links from /kensei/yosan/ (資料室 → /docs/generated/): made by our own
    scripts/sample_documents_site.py (scripts/setup.sh does it too), git-ignored, never committed."""
    out = SAMPLE / "docs" / "generated"
    if not (out / "files" / "expected.yaml").is_file() or not (out / "index.html").is_file():
        import importlib.util
        spec = importlib.util.spec_from_file_location("sample_documents_site",
                                                      ROOT / "scripts" / "sample_documents_site.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mod.make_site(out)
    return out


@pytest.fixture(scope="session")
def sample_audit(tmp_path_factory):
    """One full audit of the sample site (both viewports), through the real CLI."""
    tmp = tmp_path_factory.mktemp("sample-audit")
    ensure_sample_documents()
    db = f"sqlite:///{tmp / 'a11y.sqlite'}"
    proc = run_cli("--db", db, "audit", "sample", "--artifacts-dir", str(tmp / "artifacts"),
                   "--reports-dir", str(tmp / "reports"), timeout=1200)
    from a11yaudit.store.db import Store
    store = Store(db)
    run = store.list_runs("sample")[-1]
    return {"tmp": tmp, "db": db, "store": store, "run": run, "report": Path(proc.stdout.strip().splitlines()[-1]),
            "stderr": proc.stderr}


def axe_violations_of(folder: Path, names: list[str]) -> list:
    """Serve `folder` on 127.0.0.1 and run axe-core (WCAG A/AA tags + best-practice) on each named HTML file at the
    PC and smartphone viewports. Returns (viewport, file, rule id, first targets) per violation."""
    import asyncio

    from a11yaudit.gather.browser import AXE_TAGS, Browser, axe_source
    from a11yaudit.serve import StaticServer

    async def check(base: str) -> list:
        browser = Browser(allowed_hosts={"127.0.0.1"})
        await browser.start()
        problems = []
        try:
            for viewport in ("pc", "sp"):
                ctx = await browser.new_context(viewport)
                page = await ctx.new_page()
                for name in names:
                    await page.goto(f"{base}/{name}")
                    await page.evaluate(axe_source())
                    res = await page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                              AXE_TAGS + ["best-practice"])
                    problems += [(viewport, name, v["id"], [n["target"] for n in v["nodes"]][:3])
                                 for v in res["violations"]]
                await ctx.close()
        finally:
            await browser.close()
        return problems

    with StaticServer(folder) as base:
        return asyncio.run(check(base))


@pytest.fixture(scope="session")
def axe_violations():
    """axe_violations(folder, [file names]) -> violations of our own HTML reports (see axe_violations_of)."""
    return axe_violations_of
