"""The caller's side: one worker process per DocumentChecker, a wall-clock limit per document, the worker killed
and started again after a timeout or a crash, messages filled in from the rule definitions (rules/checks/DOC*.yaml)."""

from __future__ import annotations

import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from .model import DocumentResult, Limits, Outcome

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _file_facts(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


class DocumentChecker:
    """Checks documents one after another in one worker process (start-up paid once).

        with DocumentChecker(Limits(timeout_s=30)) as checker:
            for path in paths:
                result = checker.check(path)      # never raises for a bad document

    Not shared between threads: use one checker per thread (each has its own worker)."""

    def __init__(self, limits: Limits | None = None, *, rules_dir: str | None = None, restart_after: int = 200):
        self.limits = limits or Limits()
        self.rules_dir = rules_dir
        self.restart_after = restart_after
        self._proc: subprocess.Popen | None = None
        self._served = 0
        self._rules = None

    # -- worker ---------------------------------------------------------------------------------------------------
    def _start(self) -> subprocess.Popen:
        env = dict(os.environ)
        src = str(Path(__file__).resolve().parents[2])      # works from a source tree without installation too
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "a11yaudit.documents.worker", json.dumps(self.limits.to_dict())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self._served = 0
        return self._proc

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()          # our own child, by its pid
        proc.wait()
        for f in (proc.stdin, proc.stdout):
            try:
                f.close()
            except OSError:
                pass

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _ask(self, path: str, deadline: float) -> tuple[dict | None, str | None]:
        """The worker's answer, or (None, reason) after a timeout or the worker's death."""
        proc = self._proc if self._proc is not None and self._proc.poll() is None else self._start()
        try:
            proc.stdin.write((json.dumps({"path": path}) + "\n").encode())
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._stop()
            return None, "crash"
        fd = proc.stdout.fileno()
        buf = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._stop()
                return None, "timeout"
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                code = proc.wait()
                self._stop()
                return None, f"exit {code}"
            buf += chunk
            if buf.endswith(b"\n"):
                break
        self._served += 1
        try:
            return json.loads(buf.decode("utf-8")), None
        except ValueError:
            self._stop()
            return None, "garbled answer"

    # -- public ---------------------------------------------------------------------------------------------------
    def check(self, path, media_type: str | None = None) -> DocumentResult:
        t0 = time.monotonic()
        p = Path(path)
        result = DocumentResult(path=str(p), media_type=media_type)
        try:
            result.size, result.sha256 = _file_facts(p)
        except FileNotFoundError:
            result.error_kind, result.error = "not_found", f"no file at {p}"
            return result
        except OSError as exc:
            result.error_kind, result.error = "damaged", f"cannot read the file: {exc}"
            return result
        from .worker import _kind_guess, sniff
        try:
            result.kind = _kind_guess(sniff(str(p)), str(p))     # kept when the worker times out or dies
        except OSError:
            pass
        if self._proc is not None and self._served >= self.restart_after:
            self.close()
        answer, failure = self._ask(str(p.resolve()), t0 + self.limits.timeout_s)
        result.elapsed_s = round(time.monotonic() - t0, 3)
        if answer is None:
            if failure == "timeout":
                result.error_kind = "timeout"
                result.error = f"not finished within {self.limits.timeout_s:g} s: the worker was stopped"
            else:
                code = failure.split()[-1] if failure and failure.startswith("exit") else None
                sig = -int(code) if code and code.lstrip("-").isdigit() and int(code) < 0 else None
                name = signal.Signals(sig).name if sig and sig in signal.Signals._value2member_map_ else None
                result.error_kind = "crash"
                result.error = (f"the worker died ({name or failure}); with a native library this is often the "
                                f"memory limit of {self.limits.memory_mb} MB")
            return result
        self._fill(result, answer)
        if answer.get("restart"):
            self._stop()
        return result

    def _fill(self, result: DocumentResult, answer: dict) -> None:
        result.kind = answer.get("kind", result.kind)
        result.pages = answer.get("pages")
        result.title = answer.get("title")
        result.lang = answer.get("lang")
        result.text = answer.get("text") or {}
        result.facts = answer.get("facts") or {}
        result.peak_rss_kb = answer.get("peak_rss_kb")
        result.error_kind, result.error = answer.get("error_kind"), answer.get("error")
        if result.media_type and result.kind in MEDIA_TYPES and \
                result.media_type.split(";")[0].strip().lower() != MEDIA_TYPES[result.kind]:
            result.facts["declared_media_type"] = result.media_type
        if result.kind in MEDIA_TYPES:
            result.media_type = MEDIA_TYPES[result.kind]
        for v in answer.get("verdicts") or []:
            result.outcomes.append(self._outcome(v))

    def _outcome(self, v: dict) -> Outcome:
        from ..rules.engine import messages
        rule = self.ruleset().get(v["rule"])
        details = dict(v.get("details") or {})
        if rule is None:        # the rules folder lacks this rule: the outcome still counts, with a plain message
            return Outcome(rule=v["rule"], outcome=v["outcome"], location=v.get("location") or "", details=details,
                           message=f"{v['rule']}: {v['outcome']}", message_en=f"{v['rule']}: {v['outcome']}")
        variants = rule.message.get("variants") or {}
        if v["outcome"] in ("passed", "inapplicable") and details.get("variant") not in variants:
            if v["outcome"] in variants:
                details["variant"] = v["outcome"]
            else:               # no message for a pass: the rule's title says what was checked
                ja, en = rule.title["ja"], rule.title["en"]
                return Outcome(rule=rule.code, outcome=v["outcome"], criteria=list(rule.requirements), message=ja,
                               message_en=en, location=v.get("location") or "", category=rule.category,
                               details=details)
        ja, en = messages(rule, details)
        return Outcome(rule=rule.code, outcome=v["outcome"], criteria=list(rule.requirements),
                       message=ja, message_en=en or ja, location=v.get("location") or "", category=rule.category,
                       details=details)

    def ruleset(self):
        if self._rules is None:
            from ..rules.loader import load_rules
            self._rules = load_rules(self.rules_dir)
        return self._rules


def check_document(path, *, media_type: str | None = None, limits: Limits | None = None,
                   rules_dir: str | None = None) -> DocumentResult:
    """Check one document in a fresh worker process (for many documents, keep one DocumentChecker)."""
    with DocumentChecker(limits or Limits(), rules_dir=rules_dir) as checker:
        return checker.check(path, media_type)
