"""The documentation keeps up with the command line (model: sqlite-utils' tests/test_docs.py).

- every command and sub-command of the `a11yaudit` click group has a help text and answers `--help` with exit 0;
- every command is documented in docs/usage.md under a heading that is exactly its full name, e.g.
  `### a11yaudit audit`, `### a11yaudit scope plan` (backticks allowed); and no such heading names a command
  that no longer exists;
- every relative link in README.md and docs/*.md points to an existing file (and, for a Markdown file, to an
  existing heading when it has a #fragment).

Options are not checked: `a11yaudit COMMAND --help` is their reference.
"""
from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
USAGE = ROOT / "docs" / "usage.md"
PROG = "a11yaudit"


def _root_group() -> click.Group:
    """The click group behind the `a11yaudit` console script of pyproject.toml ([project.scripts])."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module_name, _, attr = scripts[PROG].partition(":")
    module = importlib.import_module(module_name)
    entry = getattr(module, attr)
    if isinstance(entry, click.Group):
        return entry
    # The entry point is a plain function that calls the group: take the module's group with the most commands
    # (the root; sub-groups such as `rules` are defined in the same module).
    groups = [value for value in vars(module).values() if isinstance(value, click.Group)]
    assert groups, f"no click group in {module_name}"
    return max(groups, key=lambda group: len(group.commands))


def _walk(group: click.Group, path: tuple[str, ...]):
    for name, command in sorted(group.commands.items()):
        sub = path + (name,)
        yield sub, command
        if isinstance(command, click.Group):
            yield from _walk(command, sub)


ROOT_GROUP = _root_group()
COMMANDS = [(path, command) for path, command in _walk(ROOT_GROUP, (PROG,)) if not command.hidden]
IDS = [" ".join(path) for path, _ in COMMANDS]


def _strip_code(markdown: str) -> str:
    """Markdown without fenced code blocks and inline code (links there are examples, not links)."""
    markdown = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", markdown, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", markdown)


def _headings(markdown: str) -> list[str]:
    without_fences = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", markdown, flags=re.S | re.M)
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", without_fences, flags=re.M)]


def _usage_headings() -> set[str]:
    return {heading.replace("`", "").strip() for heading in _headings(USAGE.read_text(encoding="utf-8"))}


def test_root_group_has_help():
    assert (ROOT_GROUP.help or "").strip()
    result = CliRunner().invoke(ROOT_GROUP, ["--help"], prog_name=PROG)
    assert result.exit_code == 0, result.output
    for name, command in ROOT_GROUP.commands.items():
        assert command.hidden or name in result.output


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_command_has_help(path, command):
    assert (command.help or "").strip(), f"`{' '.join(path)}` has no help text (docstring or help=)"
    result = CliRunner().invoke(ROOT_GROUP, list(path[1:]) + ["--help"], prog_name=PROG)
    assert result.exit_code == 0, result.output
    assert f"Usage: {' '.join(path)}" in result.output


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_command_documented(path, command):
    name = " ".join(path)
    assert name in _usage_headings(), (
        f"`{name}` is not documented: add a `### {name}` section to docs/usage.md "
        "(what it does, an example, where it is described in detail)")


def test_usage_documents_no_removed_command():
    known = {" ".join(path) for path, _ in COMMANDS}
    stale = sorted(h for h in _usage_headings()
                   if re.fullmatch(rf"{PROG} [a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*", h) and h not in known)
    assert not stale, f"docs/usage.md documents commands that do not exist: {stale}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script kept), spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(markdown: str) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for heading in _headings(markdown):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    anchors.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", markdown))
    return anchors


DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOC_FILES, ids=[str(p.relative_to(ROOT)) for p in DOC_FILES])
def test_relative_links_resolve(doc):
    text = doc.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", _strip_code(text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.I):   # http:, https:, mailto: …
            continue
        file_part, _, fragment = target.partition("#")
        dest = (doc.parent / file_part).resolve() if file_part else doc
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and dest.suffix == ".md" and dest.is_file():
            if fragment.lower() not in _anchors(dest.read_text(encoding="utf-8")):
                broken.append(f"{target} (no such heading in {dest.name})")
    assert not broken, f"{doc.relative_to(ROOT)}: broken links: {broken}"
