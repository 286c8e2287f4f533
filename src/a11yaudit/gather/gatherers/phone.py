"""Gatherer `phone`: the smartphone facts (targets, fixed parts, orientation, inputs) of gather/mobile.py."""

from ..mobile import phone_pass
from . import GatherContext, gatherer


@gatherer("phone", order=50)
async def phone(page, ctx: GatherContext):
    return await phone_pass(page)
