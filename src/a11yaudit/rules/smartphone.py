"""The rules shown in the report's 「スマートフォン対応」 section (docs/reports.md), in reading order. axe-core's rules are
listed by their codes; a rule missing from the installed rule set is skipped."""

from __future__ import annotations

SMARTPHONE_RULES = (
    "SP01",                      # meta viewport width=device-width
    "GN06", "axe:meta-viewport",  # zoom not disabled (1.4.4)
    "LY02",                      # reflow at 320 CSS px (1.4.10), PC and smartphone renderings
    "LY01", "SP02",              # 200 % page zoom / text-only resize (1.4.4)
    "SP03",                      # text spacing (1.4.12)
    "axe:css-orientation-lock",  # orientation (1.3.4)
    "SP06", "axe:target-size",   # target size (2.5.8)
    "SP07",                      # legible text on the phone
    "SP04", "SP05",              # fixed/sticky content: screen share, focus obscured (2.4.11)
    "SP08",                      # PC–smartphone parity
    "SP09",                      # 「右の図」 where columns stack (1.3.3)
)
# Rules whose findings point at elements of the PC rendering (nothing to outline on the phone screenshot).
PEER_RULES = frozenset({"SP08"})
