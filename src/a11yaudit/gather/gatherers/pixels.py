"""Gatherer `pixels`: contrast of text over background images and gradients, from screenshots (gather/interact.py)."""

from ..interact import contrast_pixels
from . import GatherContext, gatherer


@gatherer("pixels", order=10)
async def pixels(page, ctx: GatherContext):
    return await contrast_pixels(page, ctx.artifacts.get("axe"))
