"""Running a piece of Python inside a fresh network namespace (`unshare -n -m`, as root) with its own DNS.

Inside, only the loopback interface exists, with extra addresses the test names (a "public" 93.184.216.34, the
metadata address 169.254.169.254 …), and /etc/resolv.conf points at 127.0.0.1, where `FakeDNS` answers: each name
has a list of A answers given in turn (the last one repeats: DNS rebinding is a list of two), names in `blackhole`
are never answered, other names are NXDOMAIN. Nothing leaves the namespace."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class FakeDNS:
    def __init__(self, answers: dict[str, list[str]] | None = None, blackhole: set[str] | None = None):
        self.answers = {k.lower(): list(v) for k, v in (answers or {}).items()}
        self.blackhole = {b.lower() for b in (blackhole or set())}
        self.queries: list[tuple[str, int]] = []          # (name, qtype) of every question received
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        threading.Thread(target=self._serve, daemon=True).start()

    def a_queries(self, name: str) -> int:
        return sum(1 for n, t in self.queries if n == name and t == 1)

    def _serve(self) -> None:
        while True:
            data, addr = self.sock.recvfrom(2048)
            try:
                reply = self._answer(data)
            except Exception:  # noqa: BLE001 — a malformed query is ignored
                continue
            if reply is not None:
                self.sock.sendto(reply, addr)

    def _answer(self, data: bytes) -> bytes | None:
        qid, _flags, qdcount = struct.unpack("!HHH", data[:6])
        pos, labels = 12, []
        while data[pos]:
            labels.append(data[pos + 1:pos + 1 + data[pos]].decode("ascii"))
            pos += 1 + data[pos]
        qtype, _qclass = struct.unpack("!HH", data[pos + 1:pos + 5])
        question = data[12:pos + 5]
        name = ".".join(labels).lower()
        self.queries.append((name, qtype))
        if name in self.blackhole:
            return None
        if name not in self.answers:
            return struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question      # NXDOMAIN
        answers = []
        if qtype == 1:
            seq = self.answers[name]
            ip = seq.pop(0) if len(seq) > 1 else seq[0]
            answers.append(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) + socket.inet_aton(ip))
        return struct.pack("!HHHHHH", qid, 0x8180, 1, len(answers), 0, 0) + question + b"".join(answers)


def netns_available() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    try:
        return subprocess.run(["unshare", "-n", "-m", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_netns = pytest.mark.skipif(not (os.geteuid() == 0 and netns_available()),
                                 reason="needs root and unshare -n -m (network namespaces)")


def run_in_netns(code: str, *, addresses: tuple[str, ...] = (), resolv_options: str = "timeout:5 attempts:2",
                 black_holes: tuple[str, ...] = (), timeout: float = 120) -> dict:
    """Run `code` (Python; it prints one JSON object as its last stdout line) in a new network and mount namespace
    with `addresses` added to the loopback interface and FakeDNS-ready resolv.conf. Returns that JSON object.
    `black_holes`: networks (CIDR) routed nowhere — a connection to them hangs, as without internet."""
    with tempfile.TemporaryDirectory() as tmp:
        resolv = Path(tmp) / "resolv.conf"
        resolv.write_text(f"nameserver 127.0.0.1\noptions {resolv_options}\n", encoding="ascii")
        script = Path(tmp) / "inside.py"
        script.write_text(code, encoding="utf-8")
        setup = ["mount --bind {} /etc/resolv.conf".format(resolv), "ip link set lo up"]
        setup += [f"ip addr add {a}/32 dev lo" for a in addresses]
        setup += [f"ip route add {n} dev lo" for n in black_holes]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")])}
        proc = subprocess.run(["unshare", "-n", "-m", "sh", "-c", " && ".join(setup) + ' && exec "$0" "$1"',
                               sys.executable, str(script)], capture_output=True, text=True, timeout=timeout,
                              env=env, cwd=ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise AssertionError(f"netns script failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])
