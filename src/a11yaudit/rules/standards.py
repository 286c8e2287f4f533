"""Success-criteria tables as data (rules/standards/*.yaml): JIS X 8341-3:2016 = WCAG 2.0, WCAG 2.1/2.2 additions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import settings
from ..errors import ConfigError
from ..yamlsrc import load_yaml

_AXE_SC_TAG = re.compile(r"^wcag(\d)(\d)(\d+)$")


@dataclass(frozen=True)
class Criterion:
    id: str
    level: str
    since: str
    removed_in: str | None
    name_jis: str | None
    name_jis2010: str | None
    name_waic: str
    name_en: str
    automation: str
    verified: bool

    @property
    def in_jis2016(self) -> bool:
        return self.since == "2.0" and self.level in ("A", "AA")

    def name(self, lang: str = "ja") -> str:
        if lang == "en":
            return self.name_en
        return self.name_jis or self.name_waic


@dataclass(frozen=True)
class Profile:
    id: str
    title: dict
    standard: str
    numbering: str
    level_word: dict
    criteria: tuple[Criterion, ...]
    kind: str = "standard"     # standard | addon (a style profile with no success criteria, e.g. gov-style)

    @property
    def is_addon(self) -> bool:
        return self.kind == "addon"

    def number(self, c: Criterion) -> str:
        return c.name_jis2010 if self.numbering == "jis2010" and c.name_jis2010 else c.id

    def ids(self) -> set[str]:
        return {c.id for c in self.criteria}


def sc_from_axe_tag(tag: str) -> str | None:
    """axe tag 'wcag1410' → '1.4.10'; level tags such as 'wcag2aa' give None."""
    m = _AXE_SC_TAG.match(tag)
    return f"{m.group(1)}.{m.group(2)}.{m.group(3)}" if m else None


def _sort_key(sc: str) -> tuple:
    return tuple(int(p) for p in sc.split("."))


@lru_cache(maxsize=4)
def load_standards(rules_dir: str | None = None) -> tuple[dict[str, Criterion], dict[str, Profile]]:
    base = Path(rules_dir) if rules_dir else settings.rules_dir()
    crit_doc = load_yaml(base / "standards" / "criteria.yaml")
    criteria: dict[str, Criterion] = {}
    for i, row in enumerate(crit_doc.data.get("criteria") or []):
        try:
            c = Criterion(id=str(row["id"]), level=row["level"], since=str(row["since"]),
                          removed_in=row.get("removed_in"), name_jis=row.get("name_jis"),
                          name_jis2010=row.get("name_jis2010"), name_waic=row["name_waic"],
                          name_en=row["name_en"], automation=row.get("automation", "H"),
                          verified=bool(row.get("verified", False)))
        except (KeyError, TypeError) as exc:
            raise crit_doc.error(("criteria", i), f"missing field {exc}") from None
        criteria[c.id] = c
    prof_doc = load_yaml(base / "standards" / "profiles.yaml")
    profiles: dict[str, Profile] = {}
    for pid, p in (prof_doc.data.get("profiles") or {}).items():
        kind = p.get("kind", "standard")
        if kind not in ("standard", "addon"):
            raise prof_doc.error(("profiles", pid, "kind"), f"must be standard or addon, got {kind!r}")
        if kind == "addon":
            if p.get("criteria_from"):
                raise prof_doc.error(("profiles", pid, "criteria_from"), "an addon profile has no criteria")
            profiles[pid] = Profile(id=pid, title=p.get("title") or {"ja": pid, "en": pid},
                                    standard=p.get("standard", pid), numbering=p.get("numbering", "wcag"),
                                    level_word=p.get("level_word") or {"ja": "レベル", "en": "Level"},
                                    criteria=(), kind="addon")
            continue
        sel = p.get("criteria_from") or {}
        since, levels = set(sel.get("since", ["2.0"])), set(sel.get("levels", ["A", "AA"]))
        chosen = [c for c in criteria.values() if c.since in since and c.level in levels
                  and not (sel.get("exclude_removed") and c.removed_in)]
        chosen.sort(key=lambda c: _sort_key(c.id))
        if not chosen:
            raise prof_doc.error(("profiles", pid, "criteria_from"), "selects no criteria")
        profiles[pid] = Profile(id=pid, title=p.get("title") or {"ja": pid, "en": pid},
                                standard=p.get("standard", pid), numbering=p.get("numbering", "wcag"),
                                level_word=p.get("level_word") or {"ja": "レベル", "en": "Level"},
                                criteria=tuple(chosen))
    return criteria, profiles


def get_profile(profile_id: str) -> Profile:
    """The standard profile of a profile spec ("jis2016", or "jis2016+gov-style" → jis2016)."""
    _, profiles = load_standards()
    if profile_id not in profiles:
        if re.search(r"[+,\s]", profile_id or ""):
            return parse_profile_spec(profile_id, profiles)[0]
        raise ConfigError(f"unknown profile {profile_id!r}; known: {', '.join(sorted(profiles))}",
                          field="profile")
    return profiles[profile_id]


def parse_profile_spec(spec, profiles: dict | None = None) -> tuple[Profile, list[Profile]]:
    """A profile spec names one standard profile and any addon profiles: "jis2016", "jis2016+gov-style",
    "gov-style" (= jis2016 + gov-style) or a list. Returns (standard profile, addon profiles)."""
    if profiles is None:
        _, profiles = load_standards()
    ids = [p.strip() for p in (re.split(r"[+,\s]+", spec) if isinstance(spec, str) else list(spec or []))
           if p and p.strip()]
    standard, addons = None, []
    for pid in ids:
        if pid not in profiles:
            raise ConfigError(f"unknown profile {pid!r}; known: {', '.join(sorted(profiles))}", field="profile")
        prof = profiles[pid]
        if prof.is_addon:
            if prof not in addons:
                addons.append(prof)
        elif standard is not None and standard.id != pid:
            raise ConfigError(f"profile names two standards ({standard.id} and {pid}); pick one and add addon "
                              f"profiles with '+', e.g. jis2016+gov-style", field="profile")
        else:
            standard = prof
    if standard is None:
        standard = profiles[settings.DEFAULT_PROFILE]
    return standard, addons


def profile_spec_string(standard: Profile, addons: list[Profile]) -> str:
    return "+".join([standard.id] + [a.id for a in addons])


def sort_criteria(ids) -> list[str]:
    return sorted(set(ids), key=_sort_key)
