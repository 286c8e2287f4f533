"""The progress line of a long audit: a resumed run counts the pages stored before, the rate is that of the last
five minutes, and the pages left come with an estimate of the time."""

import io

from a11yaudit.audit import Progress


def test_progress_counts_resumed_pages_and_estimates_the_time_left(monkeypatch):
    out = io.StringIO()
    p = Progress("pref", stream=out)
    p.before, p.found = 3000, 10007
    left = [7000]
    p.remaining = lambda: left[0]
    t0 = p.started
    # 40 pages a minute for ten minutes; the window keeps the last five.
    p.recent.extend(t0 + i * 1.5 for i in range(400))
    assert abs(p.rate(t0 + 600) - 40.0) < 0.5
    p.recent.clear()
    p.recent.extend(t0 + 600 + i * 1.5 for i in range(199))
    monkeypatch.setattr("a11yaudit.audit.time.monotonic", lambda: t0 + 600 + 199 * 1.5)   # the next page, on time
    p.page("http://pref.example.jp/a/", True, "指摘 2")
    line = out.getvalue()
    # 200 pages in the last 298.5 s: 40.2 pages/min; 7000 pages / 40.2 = 174 min.
    assert line.startswith("[pref] 3001/10007 件 (失敗 0) 40.2 ページ/分") and "ページ/分 残り 7000 ページ 約2時間54分" in line, line
    assert Progress.duration(0.2) == "1分" and Progress.duration(59.4) == "59分" and Progress.duration(61) == "1時間1分"
