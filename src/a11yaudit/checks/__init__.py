"""Pure check functions grouped by topic; importing this package registers them all (every module of the package is
imported, so a new topic module needs no list to be kept)."""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_info.name}")
