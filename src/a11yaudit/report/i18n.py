"""Report languages. Reports are written in Japanese; `--lang en` gives English. Templates and view models mark
each UI string with _("日本語 {placeholder}", placeholder=…); the English catalogue (templates/en.yaml) maps the
Japanese text to English. tests/unit/test_report_i18n.py checks that every marked string has an English entry and
that no Japanese text is left unmarked in the report templates. Page content (titles, snippets) is shown as stored;
finding messages in English when the finding has an English message (our rules' `message.en`, axe-core's summary
from its English templates — stored beside the Japanese one since migration 0009), else as stored."""

from __future__ import annotations

import datetime as _dt
import functools
from importlib import resources

import yaml

LANGS = ("ja", "en")
JST = _dt.timezone(_dt.timedelta(hours=9), "JST")


@functools.lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    if lang == "ja":
        return {}
    text = resources.files("a11yaudit").joinpath("templates", f"{lang}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


class Translator:
    """_(msgid, **values): the msgid (Japanese) or its translation, with {placeholders} filled in."""

    def __init__(self, lang: str = "ja"):
        if lang not in LANGS:
            raise ValueError(f"unknown report language {lang!r}; one of {', '.join(LANGS)}")
        self.lang = lang
        self._table = catalogue(lang)

    def __call__(self, msgid: str, **values) -> str:
        text = self._table.get(msgid, msgid)
        return text.format(**values) if values else text

    def pick(self, labels: dict) -> str:
        """A {"ja": …, "en": …} label of the data (rule titles, criteria, viewports) in this language."""
        return labels.get(self.lang) or labels.get("ja") or next(iter(labels.values()), "")

    def message(self, finding: dict) -> str:
        """A stored finding's message in this language: its English message (migration 0009) in English reports
        when it has one, else the message as stored (Japanese)."""
        if self.lang == "en":
            return finding.get("message_en") or finding["message"]
        return finding["message"]

    def viewport(self, code: str) -> str:
        """A viewport's label (PC, スマートフォン / Smartphone); an unknown code as it is."""
        from .. import settings
        return self.pick(settings.VIEWPORTS[code]["label"]) if code in settings.VIEWPORTS else code

    def date(self, when, with_date: bool = True) -> str:
        """A stored time (UTC; SQLite gives it naive) shown in Japan time, as the trend and the scope plan do."""
        if when is None:
            return ""
        if getattr(when, "tzinfo", None) is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        when = when.astimezone(JST)
        if self.lang == "ja":
            return when.strftime("%Y年%m月%d日 %H:%M" if with_date else "%H:%M")
        return when.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")

    @property
    def sep(self) -> str:
        """List separator: 「、」 in Japanese."""
        return "、" if self.lang == "ja" else ", "

    @property
    def dot(self) -> str:
        """Separator of short labels (PC・スマートフォン)."""
        return "・" if self.lang == "ja" else " / "
