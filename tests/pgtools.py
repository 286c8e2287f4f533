"""A throwaway PostgreSQL server for tests: Debian's postgresql binaries, a fresh cluster in a temporary folder,
listening on 127.0.0.1 on a free port (run as the `postgres` user when the tests run as root, since initdb refuses
root). Under CI=true a missing PostgreSQL is a failure, not a skip: scripts/setup.sh installs it."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bin = _bin_dir()
        if self.bin is None:
            if os.environ.get("CI") == "true":
                raise RuntimeError("PostgreSQL is not installed (scripts/setup.sh installs Debian's postgresql)")
            pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql)")
        self.as_root = os.geteuid() == 0
        # Not under pytest's tmp folder: that one is 0700 root, and the server runs as `postgres`.
        self.dir = tempfile.mkdtemp(prefix="a11yaudit-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        self.user = "a11y"
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args, **kwargs):
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120, **kwargs)

    def start(self) -> "PostgresServer":
        self._run(os.path.join(self.bin, "initdb"), "-D", self.data, "-U", self.user, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=Asia/Tokyo")
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-o", opts, "-l",
                  os.path.join(self.dir, "server.log"), "-w", "-t", "120", "start")
        return self

    def create_db(self, name: str) -> str:
        import psycopg
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                                     autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate", "stop")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_or_skip():
    """Import psycopg (fail under CI, skip elsewhere) and start a server."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("psycopg not installed (pip install -e '.[test]')")
    return PostgresServer().start()
