"""The CI gate for page publication: audit a few pages (URLs, local HTML files, a CMS preview on standard input or
PDF/Office files) through the same page pipeline as a site audit (pagework), compare the findings with a baseline by
fingerprint and fail only on NEW findings at the configured level.

targets.py resolves what to load, baseline.py reads and merges baselines, compare.py classifies findings, run.py
runs the targets on an engine; the writers are reporters (reporters/gate_formats.py).
"""

from ..reporters.gate_formats import summary_text, to_json, to_junit, to_sarif, write_output, xml_text  # noqa: F401
from .baseline import (BaselineEntry, _date, db_baseline, dump_baseline, load_baseline_file,  # noqa: F401
                       load_baseline_spec, merge_baseline, parse_baseline, today)
from .compare import FAIL_ON_LEVELS, WHY, GateFinding, GateResult, classify, compare  # noqa: F401
from .run import (DocumentLoad, GateOptions, _load_sites, gate_allowance, gather, gather_documents,  # noqa: F401
                  gather_targets, navigation_error)
from .targets import (DOCUMENT_SUFFIXES, FILE_SITE, LOCAL_ORIGIN, MAX_INPUT, Target, check_html,  # noqa: F401
                      document_targets, is_document_spec, resolve_targets)
