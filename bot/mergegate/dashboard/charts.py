"""Charts as inline SVG (no script, no CDN): the pages work offline and without JavaScript.
Each chart is labelled for screen readers; the pages also give its numbers as a table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

BAR = "#1f5fbf"  # 6.3:1 on white (WCAG AA for graphics needs 3:1)
AXIS = "#595959"


def days(until: dt.date, count: int = 30) -> list[dt.date]:
    """The ``count`` days ending with ``until``, oldest first."""
    return [until - dt.timedelta(days=count - 1 - i) for i in range(count)]


def daily_series(per_day: Mapping[dt.date, int], until: dt.date,
                 count: int = 30) -> list[tuple[str, int]]:
    return [(d.isoformat(), per_day.get(d, 0)) for d in days(until, count)]


def bar_chart(series: Sequence[tuple[str, int]], label: str, *, width: int = 600,
              height: int = 160, color: str = BAR) -> Markup:
    """Vertical bars with the first, middle and last labels on the axis and the maximum on
    the side; every bar has a tooltip (``<title>``) with its label and value."""
    n = max(len(series), 1)
    top = max((v for _, v in series), default=0)
    pad_left, pad_bottom, pad_top = 36, 22, 10
    plot_w, plot_h = width - pad_left - 4, height - pad_bottom - pad_top
    step = plot_w / n
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 4}" '
        f'y2="{pad_top + plot_h}" stroke="{AXIS}" stroke-width="1"/>',
        f'<text x="{pad_left - 6}" y="{pad_top + 8}" text-anchor="end" font-size="11" '
        f'fill="{AXIS}">{top}</text>',
        f'<text x="{pad_left - 6}" y="{pad_top + plot_h}" text-anchor="end" font-size="11" '
        f'fill="{AXIS}">0</text>',
    ]
    for i, (name, value) in enumerate(series):
        h = 0.0 if top == 0 else plot_h * value / top
        x = pad_left + i * step + step * 0.15
        y = pad_top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{color}"><title>{escape(name)}: {value}</title></rect>'
        )
    for i in sorted({0, n // 2, n - 1}):
        if i < len(series):
            x = pad_left + i * step + step / 2
            name = series[i][0]
            short = name[5:] if len(name) == 10 else name  # 2026-12-02 -> 12-02
            anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
            x = pad_left if i == 0 else pad_left + plot_w if i == n - 1 else x
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" text-anchor="{anchor}" font-size="11" '
                f'fill="{AXIS}">{escape(short)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def hbar_chart(series: Sequence[tuple[str, int]], label: str, *, width: int = 600,
               row: int = 22, color: str = BAR) -> Markup:
    """Horizontal bars, one row per label, the value at the end of each bar."""
    top = max((v for _, v in series), default=0)
    label_w = 170
    plot_w = width - label_w - 50
    height = max(row * len(series), row) + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    for i, (name, value) in enumerate(series):
        y = i * row + 2
        w = 0.0 if top == 0 else plot_w * value / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row * 0.7:.1f}" text-anchor="end" font-size="12" '
            f'fill="#1a1a1a">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{color}">'
            f"<title>{escape(name)}: {value}</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + row * 0.7:.1f}" font-size="12" '
            f'fill="#1a1a1a">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
