"""Gathering: the only code that touches a browser. Produces named artifacts per page and viewport."""
