"""Pure check functions grouped by topic; importing this package registers them all."""

from . import images, page, text  # noqa: F401
