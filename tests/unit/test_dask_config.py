"""Scale-out settings and what travels to Dask workers, without a cluster (the cluster test is
tests/browser/test_dask.py): a bad scheduler address is a usage error naming file, line and field; the per-run job
and the worker plugin survive pickling as Dask sends them."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from a11yaudit.config import load_sites
from a11yaudit.dask_exec import BrowserPlugin, check_scheduler_address
from a11yaudit.errors import ConfigError
from a11yaudit.pagework import PageJob
from a11yaudit.rules.loader import load_rules

ROOT = Path(__file__).resolve().parents[2]

SITES = """version: 1
sites:
  - id: city
    name: 市
    start_urls: ["https://www.city.example.jp/"]
    crawl:
      concurrency: 2
      scheduler: {value}
"""


def test_scheduler_in_sites_yaml_is_read_and_checked(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(SITES.format(value="tcp://10.0.0.5:8786"), encoding="utf-8")
    assert load_sites(good).get("city").crawl.scheduler == "tcp://10.0.0.5:8786"
    bad = tmp_path / "bad.yaml"
    bad.write_text(SITES.format(value="10.0.0.5:8786"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_sites(bad)
    assert err.value.line == 8 and err.value.field.endswith("crawl.scheduler") and "tcp://" in str(err.value)
    assert check_scheduler_address("tls://sched.example:8786") == "tls://sched.example:8786"


def test_bad_scheduler_on_the_command_line_is_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "a11yaudit.cli", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}",
                           "audit", "sample", "--scheduler", "sched.example"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "--scheduler" in proc.stderr and "tcp://host:8786" in proc.stderr


def test_page_job_and_plugin_survive_pickling(root):
    site = load_sites(root / "sites.yaml").get("sample")
    job = PageJob(run_id=7, site=site, profile="jis2016", viewports=["pc", "sp"], ruleset=load_rules(),
                  physical="http://127.0.0.1:5555", robots=None, allowed_hosts=frozenset({"127.0.0.1"}))
    back = pickle.loads(pickle.dumps(job))
    assert back.origin_map.to_physical("http://sample.invalid/a/") == "http://127.0.0.1:5555/a/"
    assert back.scope.same_site("http://sample.invalid/x") and not back.scope.same_site("https://other.example/")
    assert back.key == job.key and back.wants_documents == job.wants_documents
    assert [r.code for r in back.ruleset.python_rules("jis2016")] == [r.code for r in job.ruleset.python_rules("jis2016")]
    plugin = pickle.loads(pickle.dumps(BrowserPlugin()))
    assert plugin.name == "a11yaudit-browser" and plugin.idempotent
