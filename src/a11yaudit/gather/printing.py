"""Chromium's print to PDF of a rendered HTML report (the 試験結果): the browser part of the PDF export, kept here
with the other browser code so that the report package needs no browser."""

from __future__ import annotations

import asyncio

from .browser import Browser

FOOTER = ('<div style="font-size:8px;width:100%;text-align:center">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def print_pdf(html: str) -> bytes:
    """The PDF (A4) of the HTML, printed by Chromium with no network access: the report is self-contained and the
    Japanese text uses the system's Noto Sans CJK JP font."""
    return asyncio.run(_print_pdf(html))


async def _print_pdf(html: str) -> bytes:
    browser = Browser(allowed_hosts=set())
    await browser.start()
    try:
        ctx = await browser.browser.new_context(locale="ja-JP")

        async def block(route):
            if route.request.url.startswith(("data:", "about:")):
                await route.continue_()
            else:
                await route.abort("blockedbyclient")
        await ctx.route("**/*", block)
        page = await ctx.new_page()
        await page.set_content(html, wait_until="load")
        await page.evaluate("document.fonts.ready.then(() => true)")
        data = await page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                              display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                              margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
        await ctx.close()
        return data
    finally:
        await browser.close()
