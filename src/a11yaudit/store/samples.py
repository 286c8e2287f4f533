"""Store of JB.1.2 samples (tables of migration 0003): population, seed and draw kept with the run."""

from __future__ import annotations

import json

from sqlalchemy import select

from ..discover.sampling import Sample
from ..errors import ConfigError
from .db import Store, now
from .schema import pages, sample_pages, samples


def save_sample(store: Store, run_id: int, sample: Sample) -> int:
    """Store a draw (one transaction) and return its id."""
    with store.engine.begin() as conn:
        ids = {u: i for u, i in conn.execute(select(pages.c.url, pages.c.id).where(pages.c.run_id == run_id))}
        sample_id = conn.execute(samples.insert().values(
            run_id=run_id, created_at=now(), method=sample.method, seed=sample.seed,
            n_random_requested=sample.n_random_requested, population_size=len(sample.population),
            population_sha1=sample.population_sha1,
            population_json=json.dumps(sample.population, ensure_ascii=False),
            params_json=json.dumps(sample.params, ensure_ascii=False))).inserted_primary_key[0]
        if sample.pages:
            conn.execute(sample_pages.insert(), [
                {"sample_id": sample_id, "ord": i, "url": p.url, "page_id": ids.get(p.url), "stratum": p.stratum,
                 "reason": p.reason} for i, p in enumerate(sample.pages)])
    return sample_id


def get_sample(store: Store, sample_id: int) -> dict:
    with store.engine.connect() as conn:
        row = conn.execute(select(samples).where(samples.c.id == sample_id)).mappings().first()
        if row is None:
            raise ConfigError(f"no sample {sample_id} in {store.safe_url}", field="--sample")
        out = dict(row)
        out["pages"] = [dict(r) for r in conn.execute(
            select(sample_pages).where(sample_pages.c.sample_id == sample_id).order_by(sample_pages.c.ord)).mappings()]
    out["population"] = json.loads(out.pop("population_json"))
    out["params"] = json.loads(out.pop("params_json"))
    return out


def latest_sample(store: Store, run_id: int) -> dict | None:
    with store.engine.connect() as conn:
        sid = conn.execute(select(samples.c.id).where(samples.c.run_id == run_id)
                           .order_by(samples.c.id.desc()).limit(1)).scalar()
    return get_sample(store, sid) if sid is not None else None


def list_samples(store: Store, run_id: int) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(samples.c.id, samples.c.run_id, samples.c.created_at, samples.c.method, samples.c.seed,
                   samples.c.population_size).where(samples.c.run_id == run_id).order_by(samples.c.id)).mappings()]
