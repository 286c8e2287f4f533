"""Sampling per JIS X 8341-3:2016 附属書JB.1.2 (ウェブページ一式単位): which audited pages the human test covers.

Pure functions: the population (in-scope pages audited by a run) goes in, a reproducible draw comes out; the
store keeps population, seed and draw with the run (store/samples.py).

- a) all pages; b) random; c) representative; d) representative + random (JIS X 8341-3:2016 JB.1.2 and the WAIC test guideline).
- Default (WAIC 試験実施ガイドライン 2020年12月版 §2.2): d) when the population exceeds 100 pages, else a);
  40 random pages (waic.jp/enough-pages: with 10,000 pages of which 5 % are defective, 40 random pages find one
  with ≈ 90 % probability).
- Representative pages (S7): the top page, the start URLs, the pages the policy names (e.g. 災害時の緊急情報,
  forms), then one page per section: the first directory of the path, which on a prefectural CMS is usually a
  department or topic and has its own templates. Each section's shallowest page (its index page, which uses the
  section's listing template) is taken, largest sections first, up to `max_representative` pages (default 15,
  the "≥15 chosen" guide of S4). A representative page is never drawn again at random, so b)-style statistics
  hold for the random part only.
- Random: Python's `random.Random(seed).sample` over the sorted population minus the representative pages, so
  the same population and seed give the same draw on any machine.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

METHODS = ("a", "b", "c", "d")
METHOD_LABELS = {
    "a": "a) 全てのウェブページを選択する場合",
    "b": "b) ランダムに選択する場合",
    "c": "c) ウェブページ一式を代表するウェブページを選択する場合",
    "d": "d) ウェブページ一式を代表するウェブページとランダムに選択したウェブページとを併せて選択する場合",
}
METHOD_LABELS_EN = {"a": "a) all web pages", "b": "b) randomly selected web pages",
                    "c": "c) web pages representative of the set",
                    "d": "d) representative web pages together with randomly selected web pages"}
STRATUM_LABELS = {"all": "全ページ", "representative": "代表", "random": "ランダム"}
WAIC_THRESHOLD = 100      # above this many pages WAIC recommends method d)
DEFAULT_RANDOM = 40


@dataclass
class SampledPage:
    url: str
    stratum: str          # all | representative | random
    reason: str


@dataclass
class Sample:
    method: str
    seed: int | None
    n_random_requested: int
    population: list[str]
    pages: list[SampledPage]
    params: dict = field(default_factory=dict)
    missing_representative: list[str] = field(default_factory=list)   # named pages not in the population

    @property
    def population_sha1(self) -> str:
        return population_digest(self.population)

    def count(self, stratum: str) -> int:
        return sum(1 for p in self.pages if p.stratum == stratum)


def population_digest(urls: list[str]) -> str:
    return hashlib.sha1("\n".join(sorted(urls)).encode("utf-8")).hexdigest()


def default_method(population_size: int) -> str:
    return "d" if population_size > WAIC_THRESHOLD else "a"


def section_of(url: str) -> str:
    """The first directory of the URL path ('/kurashi/'), or '/' for pages at the top level."""
    path = urlsplit(url).path or "/"
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 or (parts and path.endswith("/")):
        return f"/{parts[0]}/"
    return "/"


def _depth(url: str) -> tuple:
    path = urlsplit(url).path or "/"
    return (len([p for p in path.split("/") if p]), len(url), url)


def representative_pages(population: list[str], *, base_url: str, start_urls: list[str] = (),
                         named: list[str] = (), max_n: int = 15) -> tuple[list[SampledPage], list[str]]:
    """Representative pages in a stable order, and the named pages that are not in the population."""
    pop = set(population)
    chosen: list[SampledPage] = []
    seen: set[str] = set()

    def take(url: str, reason: str) -> None:
        if url in pop and url not in seen:
            seen.add(url)
            chosen.append(SampledPage(url, "representative", reason))

    take(base_url.rstrip("/") + "/", "トップページ")
    for u in start_urls:
        take(u, "クロールの開始URL")
    missing = []
    for u in named:
        absolute = urljoin(base_url.rstrip("/") + "/", u)
        if absolute not in pop:
            missing.append(absolute)
        take(absolute, "方針で指定した代表ページ")
    sections = defaultdict(list)
    for u in population:
        sections[section_of(u)].append(u)
    order = sorted(sections, key=lambda s: (-len(sections[s]), s))
    for sec in order:
        if len(chosen) >= max_n:
            break
        if any(section_of(c.url) == sec for c in chosen):
            continue
        first = min(sections[sec], key=_depth)
        take(first, f"分類「{sec}」の入口ページ（{len(sections[sec])}ページ中）")
    return chosen, missing


def draw(population: list[str], *, method: str | None = None, n_random: int = DEFAULT_RANDOM,
         seed: int | None = None, base_url: str, start_urls: list[str] = (), named: list[str] = (),
         max_representative: int = 15) -> Sample:
    """Select the pages of the human test. The same population, method, options and seed give the same draw."""
    population = sorted(set(population))
    method = method or default_method(len(population))
    if method not in METHODS:
        raise ValueError(f"unknown sampling method {method!r}")
    pages: list[SampledPage] = []
    missing: list[str] = []
    if method == "a":
        seed = None
        pages = [SampledPage(u, "all", "全ページを選択") for u in population]
    else:
        if method in ("c", "d"):
            pages, missing = representative_pages(population, base_url=base_url, start_urls=list(start_urls),
                                                  named=list(named), max_n=max_representative)
        if method in ("b", "d"):
            if seed is None:
                seed = secrets.randbelow(2 ** 31)
            taken = {p.url for p in pages}
            pool = [u for u in population if u not in taken]
            k = min(n_random, len(pool))
            for u in random.Random(seed).sample(pool, k):
                pages.append(SampledPage(u, "random", f"乱数（シード {seed}）で選択"))
        else:
            seed = None
    params = {"max_representative": max_representative, "named": list(named), "start_urls": list(start_urls),
              "counts": {s: sum(1 for p in pages if p.stratum == s) for s in ("all", "representative", "random")},
              "algorithm": "python random.Random(seed).sample over the sorted population minus representative pages"}
    return Sample(method=method, seed=seed, n_random_requested=n_random if method in ("b", "d") else 0,
                  population=population, pages=pages, params=params, missing_representative=missing)
