"""Reading sites.yaml's mappings with located errors (file, line, field): the typed reader, and the scope rules every
policy field shares. Used by config.py (sites, crawl, policy scope) and policy.py (the policy's other fields), so that
neither needs the other to read the file."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from .yamlsrc import Located

SCOPE_TYPES = ("pdf", "office", "data", "archive", "video", "audio", "image", "document")


@dataclass
class ScopeRule:
    """One include/exclude entry. Exactly one of prefix / pattern / type decides it, from the URL alone."""

    reason: str
    prefix: str | None = None
    pattern: str | None = None
    type: str | None = None
    regex: re.Pattern | None = field(default=None, repr=False, compare=False)
    external: str | None = None        # an external service: a host (maps.example.com) or a URL prefix

    def describe(self) -> str:
        if self.prefix is not None:
            return self.prefix
        if self.pattern is not None:
            return f"pattern: {self.pattern}"
        if self.external is not None:
            return f"external: {self.external}"
        return f"type: {self.type}"


class _Reader:
    """Typed access to one mapping of the document, raising located errors."""

    def __init__(self, doc: Located, path: tuple, allowed: set[str]):
        self.doc, self.path = doc, path
        value = _get(doc.data, path)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise doc.error(path, f"must be a mapping, got {type(value).__name__}")
        self.value = value
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                raise doc.error(path + (key,), "unknown field" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                                + f"; allowed: {', '.join(sorted(allowed))}")

    def has(self, key: str) -> bool:
        return key in self.value

    def err(self, key: str, message: str):
        return self.doc.error(self.path + (key,), message)

    def str(self, key: str, default: Any = ..., *, choices: tuple | None = None) -> Any:
        if key not in self.value or self.value[key] is None:
            if default is ...:
                raise self.doc.error(self.path + (key,), "required field is missing")
            return default
        value = self.value[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.err(key, f"must be a non-empty string, got {value!r}")
        if choices and value not in choices:
            raise self.err(key, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def num(self, key: str, default: Any, *, kind=float, minimum: float = 0) -> Any:
        value = self.value.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            raise self.err(key, f"must be {'an integer' if kind is int else 'a number'}, got {value!r}")
        if value < minimum:
            raise self.err(key, f"must be at least {minimum}, got {value!r}")
        return kind(value)

    def bool(self, key: str, default: bool) -> bool:
        value = self.value.get(key, default)
        if not isinstance(value, bool):
            raise self.err(key, f"must be true or false, got {value!r}")
        return value

    def str_list(self, key: str, default: list | None = None) -> list[str]:
        value = self.value.get(key, default)
        if value is None:
            raise self.doc.error(self.path + (key,), "required field is missing")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.err(key, f"must be a list of strings, got {value!r}")
        return list(value)


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _scope_rules(doc: Located, path: tuple, *, require_reason: bool) -> list[ScopeRule]:
    items = _get(doc.data, path)
    if items is None:
        return []
    if not isinstance(items, list):
        raise doc.error(path, "must be a list of {prefix|pattern|type, reason} entries")
    rules = []
    for i, item in enumerate(items):
        sub = path + (i,)
        if isinstance(item, str):
            item = {"prefix": item}
            if require_reason:
                raise doc.error(sub, "an exclusion needs a reason: write {prefix: ..., reason: ...}")
        elif not isinstance(item, dict):
            raise doc.error(sub, "must be a mapping with one of prefix / pattern / type and a reason")
        deciders = [k for k in ("prefix", "pattern", "type", "external") if k in item]
        unknown = [k for k in item if k not in ("prefix", "pattern", "type", "external", "reason", "note")]
        if unknown or len(deciders) != 1:
            raise doc.error(sub,
                            (f"unknown field {unknown[0]!r} ({item[unknown[0]]!r}); " if unknown else "")
                            + "a scope rule needs exactly one of prefix, pattern, type or external: a scope must "
                            "be decidable from the URL alone (WAIC: 「CMS以外」のような範囲は不適切; write the "
                            "directory, a regular expression on the URL, the file type or the external host)")
        if "external" in item and not require_reason:
            raise doc.error(sub + ("external",), "external services can only be excluded; to include another "
                            "host, list it in allowed_hosts and include its absolute URL as a prefix")
        reason = item.get("reason") or ""
        if require_reason and not str(reason).strip():
            raise doc.error(sub + ("reason",), "an exclusion needs a reason (例外事項の理由)")
        rule = ScopeRule(reason=str(reason))
        if "external" in item:
            ext = item["external"]
            ok = isinstance(ext, str) and (re.match(r"^https?://[^/\s]+(/\S*)?$", ext)
                                           or re.match(r"^[a-z0-9.-]+\.[a-z]{2,}$", ext.lower()))
            if not ok:
                raise doc.error(sub + ("external",), "must be a host name (maps.example.com) or a URL prefix "
                                f"(https://www.example.com/embed/), got {ext!r}")
            rule.external = ext if "://" in ext else ext.lower()
        elif "prefix" in item:
            if not isinstance(item["prefix"], str) or not (item["prefix"].startswith("/") or "://" in item["prefix"]):
                raise doc.error(sub + ("prefix",), "must be a root-relative path (/dir/) or an absolute URL; "
                                f"{item['prefix']!r} cannot be decided from the URL (WAIC: a scope such as "
                                "「CMS以外のページ」 is not objective)")
            rule.prefix = item["prefix"]
        elif "pattern" in item:
            try:
                rule.regex = re.compile(str(item["pattern"]))
            except re.error as exc:
                raise doc.error(sub + ("pattern",), f"invalid regular expression: {exc}") from None
            rule.pattern = str(item["pattern"])
        else:
            if item["type"] not in SCOPE_TYPES:
                raise doc.error(sub + ("type",), f"must be one of {', '.join(SCOPE_TYPES)}, got {item['type']!r}")
            rule.type = item["type"]
        rules.append(rule)
    return rules
