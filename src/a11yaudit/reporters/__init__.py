"""Reporters: machine-readable and human outputs of a result, looked up by name (the seam every output shares, as
pa11y-ci's reporters are). A reporter is `fn(result, lang) -> str`."""

from __future__ import annotations

from typing import Callable

from ..errors import ConfigError


def _gate_formats():
    from . import gate_formats
    return {"json": lambda res, lang="ja": gate_formats.to_json(res),
            "junit": gate_formats.to_junit,
            "sarif": gate_formats.to_sarif,
            "text": gate_formats.summary_text}


def reporter(name: str) -> Callable:
    """The reporter called `name` (json, junit, sarif, text)."""
    known = _gate_formats()
    if name not in known:
        raise ConfigError(f"unknown format {name!r}; known: {', '.join(sorted(known))}", field="--format")
    return known[name]


def names() -> list[str]:
    return sorted(_gate_formats())
