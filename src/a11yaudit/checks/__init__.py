"""Pure check functions grouped by topic; importing this package registers them all."""

from . import cues, images, links, markup, page, style, text, timing  # noqa: F401
from . import keyboard, layout  # noqa: F401
from . import aria, lang, media, review  # noqa: F401
from . import tables  # noqa: F401
from . import contrast  # noqa: F401
from . import smartphone  # noqa: F401
from . import encoding  # noqa: F401
from . import context  # noqa: F401
