"""The workspace's English: every UI string marked in its templates and app has an English entry (the report's
catalogue or workspace/en.yaml), and no Japanese text is left unmarked in its templates."""

from __future__ import annotations

import re
from pathlib import Path

from a11yaudit.workspace.app import HERE, WsTranslator

MARKED = re.compile(r"""_\(\s*(["'])(.+?)\1""")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _templates() -> list[Path]:
    return sorted((HERE / "templates").glob("*.j2"))


def test_every_marked_string_has_english():
    t = WsTranslator("en")
    sources = [p.read_text(encoding="utf-8") for p in _templates()] + [(HERE / "app.py").read_text(encoding="utf-8")]
    ids = {m.group(2) for text in sources for m in MARKED.finditer(text)}
    ids |= {m.group(1) for m in re.finditer(r"""\bt\(\s*"([^"]+)\"""", sources[-1])}
    # the role, run-status and triage labels (Workspace's template globals)
    src = sources[-1]
    ids |= set(re.findall(r'"([^"]*[\u3040-\u30ff\u3400-\u9fff][^"]*)"', src.split("self.env.globals.update(")[1]
                          .split("\n\n")[0]))
    missing = sorted(i for i in ids if JAPANESE.search(i) and t(i) == i)
    assert missing == []


def test_no_japanese_text_is_left_unmarked_in_the_templates():
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.S)
        left = [line.strip() for line in text.splitlines() if JAPANESE.search(line)]
        assert left == [], f"{path.name}: {left}"
