"""In-page gatherers as named units: each module of this package registers one gatherer whose name is the artifact
it produces (rules ask for it by name in their `requires`, like Lighthouse's `requiredArtifacts`).

A gatherer runs on the page already rendered and collected (collect.js: page, dom and axe artifacts), never loads
the page again, only collects facts, and returns a plain dict; a fault gives {"error": …} and never fails the page.
Both engines run the same units through `run_gatherers` (Playwright with its page, Selenium with a page adapter), so
adding a measurement means adding a module here and the rule that reads its artifact — nothing else.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import time
from typing import Awaitable, Callable

from ... import settings


@dataclasses.dataclass(frozen=True)
class GatherContext:
    """What a gatherer may know besides the page: the viewport and the artifacts gathered before it."""

    viewport: str
    artifacts: dict
    capabilities: frozenset = frozenset({"cdp"})   # what the engine's page can do ("cdp": resize, emulate)

    @property
    def size(self) -> dict:
        return settings.VIEWPORTS[self.viewport]


@dataclasses.dataclass(frozen=True)
class Gatherer:
    name: str                                             # the artifact it produces
    run: Callable[[object, GatherContext], Awaitable[object]]
    order: int = 50                                       # run order on a page (lower first)
    needs: frozenset = frozenset()                        # capabilities it cannot do without (else: skipped)


_REGISTRY: dict[str, Gatherer] = {}


def gatherer(name: str, *, order: int = 50, needs: tuple[str, ...] = ()):
    """Register `async fn(page, ctx) -> artifact` as the gatherer of artifact `name`."""
    def deco(fn):
        if name in _REGISTRY and _REGISTRY[name].run is not fn:
            raise ValueError(f"gatherer {name!r} registered twice")
        _REGISTRY[name] = Gatherer(name, fn, order, frozenset(needs))
        return fn
    return deco


def registry() -> dict[str, Gatherer]:
    """Every gatherer (importing each module of this package registers it)."""
    if not _REGISTRY:
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
    return _REGISTRY


def names() -> frozenset:
    """The artifact names produced by in-page gatherers (as opposed to collect.js's page/dom/axe)."""
    return frozenset(registry())


async def run_gatherers(page, wanted, ctx: GatherContext, timings: dict | None = None) -> dict:
    """Run the wanted gatherers on `page` in their order; returns {artifact name: value}. A gatherer whose needs
    the engine lacks is skipped (its artifact is absent, so the rules that need it report an error, not a pass).
    Each gatherer's wall time goes into `timings` as `gather_<name>_ms` (summed per run like every timing)."""
    reg = registry()
    out: dict = {}
    for g in sorted((reg[n] for n in wanted if n in reg), key=lambda g: (g.order, g.name)):
        if g.needs - ctx.capabilities:
            continue
        t0 = time.perf_counter()
        out[g.name] = await g.run(page, ctx)
        if timings is not None:
            timings[f"gather_{g.name}_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return out
