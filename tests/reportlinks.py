"""Link check for the HTML reports (index, page files, URL list), shared by unit and browser tests."""

from pathlib import Path


def links_resolve(out: Path) -> int:
    """Every relative link of every file of the report points at an existing file (and id, for the report's pages);
    returns links checked."""
    from html.parser import HTMLParser

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.hrefs = set(), []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if a.get("id"):
                self.ids.add(a["id"])
            if tag == "a" and a.get("href") and not a["href"].startswith(("http:", "https:")):
                self.hrefs.append(a["href"])
    parsed = {}
    for f in out.glob("*.html"):
        parsed[f.name] = P()
        parsed[f.name].feed(f.read_text(encoding="utf-8"))
    n = 0
    for name, p in parsed.items():
        for href in p.hrefs:
            target, _, frag = href.partition("#")
            target = target or name
            if not target.endswith(".html"):
                assert (out / target).is_file(), (name, href)     # a linked file (a smartphone screenshot)
                n += 1
                continue
            assert target in parsed, (name, href)
            assert not frag or frag in parsed[target].ids, (name, href)
            n += 1
    return n
