"""Commands for the rule set and the configuration: `rules list`, `rules docs` and `check-config`.

Registered on the main click group by cli.py (register(cli)); data on stdout, messages on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import ConfigError


def register(cli: click.Group) -> None:
    cli.add_command(rules)
    cli.add_command(check_config)


@click.group()
def rules():
    """Inspect the rule set (rules/*.yaml and axe-core's rules)."""


@rules.command("list")
@click.option("--profile", default=None, help="Only rules of this profile.")
@click.option("--engine", type=click.Choice(["all", "python", "axe"]), default="all", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
def rules_list(profile, engine, fmt, lang):
    """List rules with their code, success criteria, test method and title."""
    from .rules.loader import load_rules
    from .rules.loader import profile_ids
    from .rules.standards import parse_profile_spec
    rs = load_rules()
    chosen = rs.rules
    if profile:
        parse_profile_spec(profile)
        wanted = profile_ids(profile)
        chosen = [r for r in chosen if wanted & set(r.profiles)]
    if engine != "all":
        chosen = [r for r in chosen if r.engine == engine]
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "engine": r.engine, "criteria": r.requirements,
                                "techniques": r.techniques, "test_method": r.test_method, "title": r.title,
                                "profiles": r.profiles, "act_ids": r.act_ids} for r in chosen],
                               ensure_ascii=False, indent=2))
        return
    for r in chosen:
        click.echo(f"{r.code:<36} {','.join(r.requirements) or '-':<14} {r.test_method}  {r.title[lang]}")
    click.echo(f"{len(chosen)} rules (axe-core {rs.axe_version})", err=True)


@rules.command("docs")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (e.g. docs/rules.md) instead of stdout.")
def rules_docs(output):
    """Generate the rule documentation (Markdown) from the rule definitions."""
    from .rules.docs import render_rules_markdown
    from .rules.loader import load_rules
    text = render_rules_markdown(load_rules())
    if output:
        from .fsutil import atomic_write_text
        atomic_write_text(output, text)
        click.echo(str(output), err=True)
    else:
        click.echo(text)


@click.command()
@click.pass_context
def check_config(ctx):
    """Validate sites.yaml and the rule files; exit 2 with file, line and field on the first error."""
    from .config import load_sites
    from .rules.loader import load_rules
    from .rules.standards import load_standards
    _, profiles = load_standards()
    sites_file = load_sites(ctx.obj["config"], known_profiles=set(profiles))
    rs = load_rules()
    from .policy_lint import lint_policy
    for i, site in enumerate(sites_file.sites):   # policy errors beyond the schema (`policy lint` also warns)
        errors = [x for x in lint_policy(site, i) if x.severity == "error"]
        if errors:
            raise ConfigError(errors[0].message, file=errors[0].file, line=errors[0].line, field=errors[0].field)
    for site in sites_file.sites:
        click.echo(f"{site.id}\t{site.name}\t{site.base_url}\t{site.profile}")
    click.echo(f"ok: {len(sites_file.sites)} sites, {len(rs.rules)} rules", err=True)
