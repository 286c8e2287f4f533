"""JIS X 8341-3:2016 JB.1.2 sampling: methods a)–d), seeded and reproducible, stored with the run."""

import random

import pytest

from a11yaudit.discover.sampling import METHOD_LABELS, draw, section_of
from a11yaudit.store.db import Store
from a11yaudit.store.samples import get_sample, latest_sample, save_sample

BASE = "https://www.pref.example.jp"
SECTIONS = ["kurashi", "kenko", "kanko", "bousai", "kyoiku", "sangyo"]


def population(n):
    urls = [BASE + "/"]
    i = 0
    while len(urls) < n:
        sec = SECTIONS[i % len(SECTIONS)]
        urls.append(f"{BASE}/{sec}/" if i < len(SECTIONS) else f"{BASE}/{sec}/p{i:04d}.html")
        i += 1
    return urls


def test_default_method_follows_waic():
    small = draw(population(100), base_url=BASE)
    assert small.method == "a" and len(small.pages) == 100 and small.seed is None
    assert {p.stratum for p in small.pages} == {"all"}
    big = draw(population(101), base_url=BASE, seed=1)
    assert big.method == "d" and big.count("random") == 40
    assert METHOD_LABELS["d"].startswith("d) ウェブページ一式を代表するウェブページとランダムに選択したウェブページ")


def test_same_population_and_seed_give_the_same_draw():
    pop = population(1000)
    a = draw(pop, method="d", seed=20261127, base_url=BASE)
    shuffled = pop[:]
    random.Random(3).shuffle(shuffled)           # the order the pages were crawled in does not matter
    b = draw(shuffled, method="d", seed=20261127, base_url=BASE)
    assert [(p.url, p.stratum) for p in a.pages] == [(p.url, p.stratum) for p in b.pages]
    assert a.population_sha1 == b.population_sha1
    c = draw(pop, method="d", seed=20261128, base_url=BASE)
    assert [p.url for p in c.pages if p.stratum == "random"] != [p.url for p in a.pages if p.stratum == "random"]
    # Pinned draw: guards against an accidental change of algorithm (which would break reproducibility of
    # samples published with their seed).
    assert [p.url for p in draw(pop, method="b", n_random=3, seed=42, base_url=BASE).pages] == \
        [p.url for p in draw(sorted(pop), method="b", n_random=3, seed=42, base_url=BASE).pages]
    expected = random.Random(42).sample(sorted(pop), 3)
    assert [p.url for p in draw(pop, method="b", n_random=3, seed=42, base_url=BASE).pages] == expected


def test_representative_pages_and_no_duplicates():
    pop = population(500)
    s = draw(pop, method="d", seed=5, n_random=40, base_url=BASE, named=["/bousai/p0009.html", "/nowhere/"])
    rep = [p for p in s.pages if p.stratum == "representative"]
    assert rep[0].url == BASE + "/" and rep[0].reason == "トップページ"
    assert rep[1].url == BASE + "/bousai/p0009.html" and "方針で指定" in rep[1].reason
    assert s.missing_representative == [BASE + "/nowhere/"]
    # One entry page per section (the section's shallowest page), every section covered.
    by_section = {section_of(p.url) for p in rep}
    assert by_section == {"/"} | {f"/{x}/" for x in SECTIONS}
    assert BASE + "/kurashi/" in [p.url for p in rep]
    urls = [p.url for p in s.pages]
    assert len(urls) == len(set(urls)) and s.count("random") == 40
    assert not {p.url for p in rep} & {p.url for p in s.pages if p.stratum == "random"}
    only_rep = draw(pop, method="c", base_url=BASE, max_representative=3)
    assert only_rep.seed is None and len(only_rep.pages) == 3 and only_rep.count("random") == 0


def test_random_sample_larger_than_population_takes_all():
    s = draw(population(10), method="b", n_random=40, seed=1, base_url=BASE)
    assert sorted(p.url for p in s.pages) == sorted(population(10))


@pytest.mark.parametrize("url,section", [(BASE + "/", "/"), (BASE + "/about.html", "/"),
                                         (BASE + "/kurashi/", "/kurashi/"), (BASE + "/a/b/c.html", "/a/")])
def test_section_of(url, section):
    assert section_of(url) == section


def test_population_seed_and_draw_are_stored_with_the_run(db_url, root):
    from a11yaudit.config import load_sites
    site = load_sites(root / "sites.yaml", known_profiles={"jis2016"}).sites[0]
    store = Store(db_url)
    run_id = store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="4.12.1", tool_version="t",
                              source="crawl", artifacts_dir=None, config={})
    pop = [site.base_url + f"/s{i % 4}/p{i}.html" for i in range(150)]
    store.enqueue(run_id, [{"url": u, "kind": "html", "doc_type": None, "depth": 1, "found_via": "link",
                            "referrer": None, "scope": "in_scope", "scope_reason": "", "state": "done",
                            "skip_reason": None} for u in pop])
    s = draw(pop, seed=99, base_url=site.base_url)
    sid = save_sample(store, run_id, s)
    back = get_sample(store, sid)
    assert back["run_id"] == run_id and back["method"] == "d" and back["seed"] == 99
    assert back["population"] == sorted(pop) and back["population_size"] == 150
    assert [(p["url"], p["stratum"]) for p in back["pages"]] == [(p.url, p.stratum) for p in s.pages]
    assert all(p["page_id"] for p in back["pages"])
    assert latest_sample(store, run_id)["id"] == sid
    # The stored population and seed redraw exactly the stored sample.
    again = draw(back["population"], seed=back["seed"], base_url=site.base_url)
    assert [p.url for p in again.pages] == [p["url"] for p in back["pages"]]
