"""Gatherer `layout`: clipping and overflow at 200 % and 400 % zoom (resizes the viewport, so it needs CDP)."""

from ..interact import layout_passes
from . import GatherContext, gatherer


@gatherer("layout", order=30, needs=("cdp",))
async def layout(page, ctx: GatherContext):
    vp = ctx.size
    return await layout_passes(page, vp["width"], vp["height"], vp["is_mobile"])
