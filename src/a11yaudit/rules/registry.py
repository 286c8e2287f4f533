"""The registry binding check names (used in rules/*.yaml) to pure Python check functions."""

from __future__ import annotations

from typing import Callable, Iterable

CHECKS: dict[str, Callable] = {}


def check(name: str):
    """Register a check: fn(ctx: CheckContext, rule: Rule) -> iterable of Verdict."""
    def deco(fn):
        if name in CHECKS and CHECKS[name] is not fn:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = fn
        return fn
    return deco


def all_checks() -> dict[str, Callable]:
    from .. import checks  # noqa: F401 — importing registers every check module
    return CHECKS


class Verdict:
    """One judgement of a check: outcome, the element judged (None = the page) and message fields."""

    __slots__ = ("outcome", "element", "details")

    def __init__(self, outcome: str, element=None, **details):
        self.outcome, self.element, self.details = outcome, element, details

    def __repr__(self) -> str:  # pragma: no cover — debugging aid
        return f"Verdict({self.outcome}, {getattr(self.element, 'name', None)}, {self.details})"


Verdicts = Iterable[Verdict]
