"""Gatherer `keyboard`: the tab-order walk with key probes and focus pixels (gather/interact.py)."""

from ..interact import keyboard_walk
from . import GatherContext, gatherer


@gatherer("keyboard", order=20)
async def keyboard(page, ctx: GatherContext):
    return await keyboard_walk(page)
