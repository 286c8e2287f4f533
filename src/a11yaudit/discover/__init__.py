"""Discovery: URL canonicalisation, scope classification, robots.txt, sitemaps and the crawl frontier."""
