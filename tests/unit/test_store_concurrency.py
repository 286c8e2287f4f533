"""Several processes that open one new SQLite file at once all get a usable database (issue 22, item 17)."""

from __future__ import annotations

import multiprocessing as mp


def _open(path: str, queue) -> None:
    from a11yaudit.store.db import Store
    try:
        store = Store(f"sqlite:///{path}")
        queue.put(store.revision() or "no revision")
    except Exception as exc:  # noqa: BLE001 — reported to the parent
        queue.put(f"error: {exc!r}")


def test_concurrent_creation_of_a_new_sqlite_database(tmp_path):
    ctx = mp.get_context("spawn")
    for attempt in range(4):
        path = tmp_path / f"new{attempt}.sqlite"
        queue = ctx.Queue()
        procs = [ctx.Process(target=_open, args=(str(path), queue)) for _ in range(3)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        answers = [queue.get(timeout=5) for _ in procs]
        assert len(set(answers)) == 1 and not answers[0].startswith(("error", "no revision")), answers
