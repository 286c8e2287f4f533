"""Inline SVG bar charts as data for the templates (geometry only; the template draws them, autoescaped).

Every chart in a report is an <svg role="img"> named by its <title>, described by a text alternative that states
every value, and followed by a data table with the same numbers (the chart is never the only way to read them).
"""

from __future__ import annotations

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 44


def bar_chart(labels: list[str], series: list[dict], *, max_value: float | None = None, unit: str = "") -> dict:
    """labels: one per group (x axis); series: [{"name", "values", "css"}] drawn side by side in each group."""
    values = [v for s in series for v in s["values"] if v is not None]
    top = max_value if max_value is not None else max(values + [1])
    top = top or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = max(min(group_w * 0.8 / max(len(series), 1), 48), 2)
    bars = []
    for gi, label in enumerate(labels):
        x0 = LEFT + gi * group_w + (group_w - bar_w * len(series)) / 2
        for si, s in enumerate(series):
            v = s["values"][gi]
            h = 0 if v is None else plot_h * v / top
            bars.append({"x": round(x0 + si * bar_w, 1), "y": round(TOP + plot_h - h, 1), "w": round(bar_w - 2, 1),
                         "h": round(h, 1), "css": s["css"], "value": v,
                         "text": "" if v is None else f"{v}{unit}"})
    ticks = [{"y": round(TOP + plot_h - plot_h * f, 1), "label": f"{_num(top * f)}{unit}"} for f in (0, .5, 1)]
    x_labels = [{"x": round(LEFT + (i + .5) * group_w, 1), "label": label} for i, label in enumerate(labels)]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "base": TOP + plot_h,
            "bars": bars, "ticks": ticks, "x_labels": x_labels, "label_y": HEIGHT - BOTTOM + 18,
            "legend": [{"name": s["name"], "css": s["css"]} for s in series]}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"
