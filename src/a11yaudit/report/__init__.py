"""Reports: view models built from the store, rendered with Jinja2 (autoescaped — page content is hostile)."""
