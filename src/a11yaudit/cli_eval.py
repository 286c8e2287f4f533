"""Commands that measure the checks against corpora served on 127.0.0.1: `act` (W3C ACT Rules test cases) and
`eval` (the barrier corpus with its clean twins).

Registered on the main click group by cli.py (register(cli)); data on stdout, progress and messages on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import settings


def register(cli: click.Group) -> None:
    cli.add_command(act_cmd)
    cli.add_command(eval_cmd)


@click.command("act")
@click.argument("corpus", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--axe-only", is_flag=True, help="Run axe-core alone through the same harness (for comparison).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--rule", "only_rules", multiple=True, help="Only this ACT rule id (repeatable).")
@click.option("--concurrency", type=click.IntRange(min=1, max=16), default=2, show_default=True)
@click.option("--include-deprecated", is_flag=True, help="Also run the deprecated ACT rules.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the JSON result to this file.")
@click.option("--expected", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Compare with the expected verdicts (YAML); exit 1 when a rule got worse or is inconsistent.")
@click.option("--update-expected", is_flag=True, help="Write this run's verdicts into --expected (keeps reasons).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def act_cmd(corpus, axe_only, fmt, only_rules, concurrency, include_deprecated, output, expected, update_expected,
            quiet):
    """W3C ACT Rules conformance: audit every ACT test case (served on 127.0.0.1) and judge each ACT rule.

    CORPUS is the folder with testcases.json (default: $A11YAUDIT_ACT_CORPUS, else ../shared/corpora/act).
    """
    from .act import format_text, run_act
    from .rules.loader import load_rules
    settings.pin_fonts()        # the verdicts of text-metric cases must not depend on the machine's other fonts
    corpus = corpus or settings.act_corpus()
    state = {"last": 0.0}

    def progress(done, total, res):
        import time
        now = time.monotonic()
        if not quiet and (now - state["last"] > 5 or done == total):
            state["last"] = now
            click.echo(f"act: {done}/{total} cases", err=True)

    report = run_act(corpus, load_rules(), axe_only=axe_only, concurrency=concurrency,
                     include_deprecated=include_deprecated, only_rules=set(only_rules) or None, progress=progress)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    if output:
        from .fsutil import atomic_write_text
        atomic_write_text(output, text)
    click.echo(text if fmt == "json" else format_text(report))
    if expected:
        import yaml

        from .act import compare_expected, merge_expected
        from .yamlsrc import load_yaml
        data = load_yaml(expected).data if expected.exists() else {}
        if update_expected:
            data = merge_expected(data or {}, report)
            header = ("# Expected W3C ACT Rules verdicts (a11yaudit act). tests/act/test_act_conformance.py fails when a\n"
                      "# rule's verdict gets worse. Every verdict other than consistent carries the reason it is accepted.\n"
                      "# Update: a11yaudit act [--axe-only] --expected tests/act/expected.yaml --update-expected\n")
            from .fsutil import atomic_write_text
            atomic_write_text(expected, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=110))
        problems = compare_expected(report, data or {}, report["engine"])
        for p in problems:
            click.echo(f"act: {p}", err=True)
        if problems:
            sys.exit(1)


@click.command("eval")
@click.argument("corpus", type=click.Path(file_okay=False, exists=True, path_type=Path), default="tests/barriers")
@click.option("--profile", default="jis2016+gov-style", show_default=True,
              help="Rule profile the pages are judged with (the corpus also has 自治体表記 barriers for gov-style).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the whole result (per barrier, per page, every finding count) as JSON.")
@click.option("--check", "expected", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Expected results (tests/barriers/expected.yaml): exit 1 when a recorded barrier is found less "
                   "well, a clean twin has a failed finding, or a page could not be loaded.")
@click.option("--update-expected", is_flag=True, help="Write this run's results into the --check file.")
@click.option("--only", multiple=True, help="Only barriers with this id, criterion or category (repeatable).")
@click.option("--concurrency", type=click.IntRange(min=1, max=16), default=2, show_default=True)
@click.option("--fast", is_flag=True,
              help="Barrier pages get only the interaction passes (keyboard walk, layout, text resize, pixels, "
                   "phone) their truth's rules need; clean twins always get the full audit. Same recall, about a "
                   "third less time; other findings on missed elements may be fewer.")
@click.option("--brief", is_flag=True, help="Leave out the per-page list of the clean twins.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def eval_cmd(corpus, profile, lang, json_out, expected, update_expected, only, concurrency, fast, brief, quiet):
    """Recall on the barrier corpus: audit every barrier page and its clean twin (served on 127.0.0.1) and print
    recall per criterion and category, the missed barriers and the failed findings on clean twins."""
    import yaml

    from .evaluate import (compare_expected, dump_json, expected_from, format_text, improvements, load_truth,
                           run_eval)
    from .rules.loader import load_rules
    settings.pin_fonts()
    state = {"last": 0.0}

    def progress(done, total, res):
        import time
        now = time.monotonic()
        if not quiet and (now - state["last"] > 5 or done == total):
            state["last"] = now
            click.echo(f"eval: {done}/{total} pages", err=True)

    report = run_eval(corpus, load_rules(), profile=profile, concurrency=concurrency, only=set(only) or None,
                      fast=fast, progress=progress)
    if json_out:
        json_out.write_text(dump_json(report), encoding="utf-8")
    click.echo(format_text(report, lang, clean_details=not brief))
    if expected:
        data = yaml.safe_load(expected.read_text(encoding="utf-8")) if expected.exists() else {}
        if update_expected:
            header = ("# Barriers found by a11yaudit on the corpus (tests/barriers). `a11yaudit eval --check` fails when\n"
                      "# one is found less well (failed > cantTell > missed) or a clean twin fails. Regenerate with:\n"
                      "# a11yaudit eval tests/barriers --check tests/barriers/expected.yaml --update-expected\n")
            merged = expected_from(report, data, [b.id for b in load_truth(corpus)])
            expected.write_text(header + yaml.safe_dump(merged, allow_unicode=True, sort_keys=False, width=110),
                                encoding="utf-8")
        else:
            for line in improvements(report, data or {}):
                click.echo(f"eval: improved {line} (record it with --update-expected)", err=True)
            problems = compare_expected(report, data or {})
            for p in problems:
                click.echo(f"eval: {p}", err=True)
            if problems:
                sys.exit(1)
