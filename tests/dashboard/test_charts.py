"""Inline SVG charts: labelled, escaped, scaled; and the colours' contrast (WCAG AA)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import mergegate.dashboard
from mergegate.dashboard import charts

CSS = Path(mergegate.dashboard.__file__).with_name("static") / "dashboard.css"


def test_bars_are_labelled_escaped_and_scaled_to_the_largest_value() -> None:
    svg = str(charts.bar_chart([("a<b>", 1), ("c", 4)], 'Findings "per day"'))
    assert 'role="img"' in svg and 'aria-label="Findings &#34;per day&#34;"' in svg
    assert "<b>" not in svg and "a&lt;b&gt;: 1" in svg
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[1] == max(heights) and abs(heights[0] * 4 - heights[1]) < 0.5
    empty = str(charts.bar_chart([], "nothing"))
    assert empty.startswith("<svg") and "<rect" not in empty


def test_daily_series_fills_missing_days_with_zero() -> None:
    day = dt.date(2026, 12, 2)
    series = charts.daily_series({day: 3, day - dt.timedelta(days=40): 9}, day, 3)
    assert series == [("2026-11-30", 0), ("2026-12-01", 0), ("2026-12-02", 3)]


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_meet_wcag_aa_on_their_backgrounds() -> None:
    colours = dict(re.findall(r"--([a-z]+): (#[0-9a-f]{6})", CSS.read_text()))
    white = "#ffffff"
    pairs = [(colours["fg"], colours["bg"]), (colours["fg"], colours["panel"]),
             (colours["muted"], colours["bg"]), (colours["muted"], colours["panel"]),
             (colours["link"], colours["bg"]), (colours["link"], colours["panel"]),
             (white, "#14213d")]  # the header
    pairs += [(white, colours[state]) for state in ("blocked", "passing", "neutral", "scanning")]
    for text, background in pairs:
        assert contrast(text, background) >= 4.5, (text, background)
    assert contrast(charts.BAR, white) >= 3 and contrast(charts.AXIS, white) >= 4.5
