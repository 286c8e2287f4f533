"""Gatherer `textfit`: text resized to 200 % and the 1.4.12 text spacing on the current viewport (gather/mobile.py)."""

from ..mobile import textfit_passes
from . import GatherContext, gatherer


@gatherer("textfit", order=40)
async def textfit(page, ctx: GatherContext):
    return await textfit_passes(page)
