"""`a11yaudit serve` for the workspace's browser tests: started on a free 127.0.0.1 port, stopped for sure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_serve(db: str, *extra: str, config: Path | None = None) -> tuple[subprocess.Popen, str]:
    """`a11yaudit serve` on a free 127.0.0.1 port: (process, base URL). Stopped with stop_process."""
    pre = ["--config", str(config)] if config is not None else []
    proc = subprocess.Popen([sys.executable, "-m", "a11yaudit.cli", *pre, "--db", db, "serve", "--port", "0", *extra],
                            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    line = proc.stderr.readline()
    m = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", line)
    if not m:
        stop_process(proc)
        raise AssertionError(f"serve did not start: {line}{proc.stderr.read()}")
    return proc, m.group(1)


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
