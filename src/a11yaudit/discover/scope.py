"""Policy scope classification: every URL is in scope, excluded (with the reason) or out of scope."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from ..config import ScopeRule, Site
from ..gather.guard_proxy import Allowance, origin_tuple
from .urls import document_type, host_of, origin_of

IN_SCOPE = "in_scope"
EXCLUDED = "excluded"
OUT_OF_SCOPE = "out_of_scope"
SCOPE_LABELS = {IN_SCOPE: {"ja": "対象範囲", "en": "in scope"},
                EXCLUDED: {"ja": "対象外（除外）", "en": "excluded"},
                OUT_OF_SCOPE: {"ja": "対象範囲外", "en": "out of scope"}}


@dataclass(frozen=True)
class ScopeDecision:
    status: str
    reason: str


class ScopeClassifier:
    """Decides scope from the URL alone (WAIC: a scope must be objective), per the site's policy."""

    def __init__(self, site: Site):
        self.site = site
        base = site.base_url + "/"
        self.include = [(r, urljoin(base, r.prefix) if r.prefix else None) for r in site.policy.include]
        self.exclude = [(r, urljoin(base, r.prefix) if r.prefix else None) for r in site.policy.exclude]
        self.hosts = {host_of(u) for u in site.start_urls} | {host_of(site.base_url)} | {
            h.lower() for h in site.allowed_hosts}
        # The site is its origins (scheme, host, port), not its host names: on 127.0.0.1:8123 another local port
        # (an internal service) is not the site. http://host and https://host (default ports) are one site;
        # allowed_hosts entries are hosts on the default ports (or `host:port`).
        self.origins = {origin_of(u) for u in [site.base_url, *site.start_urls] if origin_tuple(u) is not None}
        self.allowance = Allowance([*self.origins, *site.allowed_hosts])

    def same_site(self, url: str) -> bool:
        origin = origin_tuple(url)
        return origin is not None and self.allowance.allows(*origin)

    @staticmethod
    def _matches(rule: ScopeRule, prefix: str | None, url: str) -> bool:
        if prefix is not None:
            return url.startswith(prefix) or url + "/" == prefix
        if rule.regex is not None:
            return rule.regex.search(url) is not None
        if rule.external is not None:
            if "://" in rule.external:
                return url.startswith(rule.external)
            host = host_of(url)
            return host == rule.external or host.endswith("." + rule.external)
        kind = document_type(url)
        return kind is not None and (rule.type == kind or (rule.type == "document" and kind != "image"))

    def classify(self, url: str) -> ScopeDecision:
        if not self.same_site(url):
            for rule, _ in self.exclude:
                if rule.external is not None and self._matches(rule, None, url):
                    # An external service the policy names (例外事項): recorded with its reason, never crawled.
                    return ScopeDecision(EXCLUDED, rule.reason)
            return ScopeDecision(OUT_OF_SCOPE, "サイト外のホスト")
        for rule, prefix in self.exclude:
            if self._matches(rule, prefix, url):
                return ScopeDecision(EXCLUDED, rule.reason)
        for rule, prefix in self.include:
            if self._matches(rule, prefix, url):
                return ScopeDecision(IN_SCOPE, rule.reason)
        return ScopeDecision(OUT_OF_SCOPE, "方針の対象範囲に含まれない")
