"""axe-core runs with its Japanese locale; collect.js also builds each node's failure summary from axe's English
templates (summary_en) so English reports need no second axe run. The English summaries must be exactly what an
axe-core run without the locale says, node for node."""

from __future__ import annotations

import asyncio

# Failures and undecided cases of many kinds: `any` / `all` / `none` checks, messages chosen by data.messageKey,
# singular/plural messages over array data, incomplete results with missingData (a background image), frames.
PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>英語の要約</title>
<meta name="viewport" content="width=device-width, user-scalable=no"></head><body><main>
<h1>英語の要約の確認</h1>
<img src="a.png">
<input type="text">
<select><option>一</option></select>
<a href="x.html"></a>
<p style="color:#aaa;background:#fff">薄い文字の段落です</p>
<p style="color:#777;background:#fff url(bg.png)">背景画像の上の文字です</p>
<p style="color:#fff;background:#fff;text-shadow:0 0 2px #000">影のある文字</p>
<div role="button" aria-checked="true">押す</div>
<div role="slider">つまみ</div>
<div role="checkbox" aria-checked="maybe">選ぶ</div>
<ul><div>リストの中の div</div><li>項目</li></ul>
<div role="list"><span>項目ではない</span></div>
<div aria-hidden="true"><a href="y.html">隠れたリンク</a></div>
<span aria-label="名前">名前のある span</span>
<button aria-label="送信"></button><button></button>
<div role="heading">レベルのない見出し</div>
<table><tr><th></th><td>1</td></tr></table>
<iframe src="frame.html"></iframe>
<input type="image" src="b.png">
<svg role="img"><circle r="5"/></svg>
<object data="c.swf"></object>
<p lang="xx-yy">言語の誤り</p>
<a href="z.html" aria-label="閉じる">開く</a>
</main></body></html>"""

FRAME = """<!doctype html><html lang="ja"><head><title>フレーム</title></head><body><img src="f.png"></body></html>"""


def _nodes(axe: dict) -> dict:
    out = {}
    for kind in ("violations", "incomplete"):
        for rule in axe[kind]:
            for nd in rule["nodes"]:
                out[(kind, rule["id"], repr(nd["target"]))] = nd
    return out


def test_english_summaries_equal_those_of_an_english_axe_run(tmp_path, serve):
    from a11yaudit.gather.browser import DEFAULT_AXE_CONFIG, Browser, axe_source, collect_js

    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "frame.html").write_text(FRAME, encoding="utf-8")
    base = serve(tmp_path)
    args = {"runAxe": True, "maxHtml": 1 << 20, "refine": False, "axeConfig": DEFAULT_AXE_CONFIG}

    async def go():
        browser = Browser(allowed_hosts={"127.0.0.1"})
        await browser.start()
        try:
            ja_ctx = await browser.new_context("pc")               # axe-core + its Japanese locale, as audits run
            page = await ja_ctx.new_page()
            await page.goto(base + "/index.html")
            ja = await page.evaluate(collect_js(), args)
            en_ctx = await browser.new_context("pc", axe=False)    # axe-core as it comes: English
            await en_ctx.add_init_script(script=axe_source())
            page = await en_ctx.new_page()
            await page.goto(base + "/index.html")
            en = await page.evaluate(collect_js(), args)
            return ja["axe"], en["axe"]
        finally:
            await browser.close()

    ja, en = asyncio.run(go())
    ja_nodes, en_nodes = _nodes(ja), _nodes(en)
    assert ja_nodes.keys() == en_nodes.keys()
    kinds = {k[0] for k in ja_nodes}
    assert kinds == {"violations", "incomplete"}, kinds
    assert len({k[1] for k in ja_nodes}) >= 12, sorted({k[1] for k in ja_nodes})
    differ = []
    for key, nd in ja_nodes.items():
        assert en_nodes[key].get("summary_en") is None            # no locale applied: the summary is English
        if nd["summary_en"] != en_nodes[key]["summary"]:
            differ.append((key, nd["summary_en"], en_nodes[key]["summary"]))
    assert not differ, "\n\n".join(f"{k}\nOURS: {a!r}\nAXE:  {b!r}" for k, a, b in differ)
    # and the stored summary is the Japanese one
    assert all(any("\u3040" <= ch <= "\u30ff" for ch in nd["summary"]) for nd in ja_nodes.values())
    assert any(k[1] == "color-contrast" and "insufficient color contrast of" in nd["summary_en"]
               for k, nd in ja_nodes.items())
