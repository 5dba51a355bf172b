"""Charts drawn on the server as SVG markup: no script, no outside host, light on a phone.

Pure functions: data in, markup out. Every piece of text from the data (a unit's name, a
title) goes through ``markupsafe.escape``. Colours and sizes are SVG presentation attributes,
never ``style=`` (the Content-Security-Policy has ``style-src 'self'``). Each chart is an
``<svg role="img">`` with an ``aria-label``, a ``<title>`` and a ``<desc>``, and each bar has a
``<title>`` of its own (a tooltip; read by screen readers). The page beside each chart also
holds the same figures as a table.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

from markupsafe import Markup, escape

WIDTH = 400      # drawn for a phone (about 1:1 on a 390 px screen); the page caps it on a desktop
BAR = "#b3121f"
GRID = "#dadce0"
INK = "#1d1d1f"
MUTED = "#5f6368"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"'
LABEL_MAX = 44   # characters of a unit's name shown beside its bar (all of it in the bar's <title>)


def number(value: int) -> str:
    """``12345`` → ``12.345`` (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def percent(rate: float | None) -> str:
    """``0.4567`` → ``45,7 %``; None (nobody expected) → ``—``."""
    return "—" if rate is None else f"{rate * 100:.1f} %".replace(".", ",")


def _ceiling(value: int) -> int:
    """The axis top: the smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _open(title: str, height: float, summary: str, css: str) -> list[str]:
    label = escape(title)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {WIDTH} {height:.0f}" '
            f'role="img" aria-label="{label}" {FONT}>',
            f"<title>{label}</title>", f"<desc>{escape(summary)}</desc>"]


def _empty(title: str, message: str, css: str) -> Markup:
    parts = _open(title, 60, message, css)
    parts.append(f'<text x="{WIDTH / 2:.0f}" y="35" text-anchor="middle" font-size="15" fill="{MUTED}">'
                 f"{escape(message)}</text></svg>")
    return Markup("".join(parts))


def _columns(points: Sequence[tuple], title: str, noun: str, css: str, summary: str, *, tip: str, label: str,
             label_width: int, from_end: bool = False) -> Markup:
    """Vertical bars, one per ``(moment, count)`` in order: ``tip`` and ``label`` format the
    moment for the tooltip and the axis (one axis label every ``label_width`` units; counted
    from the last bar with ``from_end``)."""
    left, right, top, bottom, height = 36, 4, 18, 28, 210
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    scale = _ceiling(max(count for _, count in points))
    parts = _open(title, height, summary, css)
    for fraction in (0, 0.5, 1):        # grid lines and their values
        y = top + plot_h * (1 - fraction)
        value = scale * fraction
        text = number(int(value)) if value == int(value) else f"{value:.1f}".replace(".", ",")
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="{MUTED}">{text}</text>')
    slot = plot_w / len(points)
    bar_w = min(32.0, slot * 0.7)
    label_every = max(1, math.ceil(label_width / slot))
    for i, (moment, count) in enumerate(points):
        x = left + i * slot + (slot - bar_w) / 2
        h = plot_h * count / scale
        y = top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}">'
                     f"<title>{moment:{tip}}: {number(count)} {escape(noun)}</title></rect>")
        if count and slot >= 8 + 7 * len(number(count)):
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="12" '
                         f'fill="{INK}">{number(count)}</text>')
        if ((len(points) - 1 - i) if from_end else i) % label_every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 15}" text-anchor="middle" '
                         f'font-size="12" fill="{MUTED}">{moment:{label}}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def daily_bars(points: Sequence[tuple[date, int]], title: str, noun: str = "lượt thi") -> Markup:
    """A vertical bar per day: ``points`` are (day, count), in order, one per day."""
    if not points:
        return _empty(title, f"Chưa có {noun} nào.", "daily")
    peak_day, peak = max(points, key=lambda point: (point[1], point[0]))
    summary = (f"{len(points)} ngày từ {points[0][0]:%d/%m/%Y} đến {points[-1][0]:%d/%m/%Y}, tổng {number(sum(c for _, c in points))} "
               f"{noun}; cao nhất {number(peak)} {noun} ngày {peak_day:%d/%m/%Y}.")
    return _columns(points, title, noun, "daily", summary, tip="%d/%m/%Y", label="%d/%m",
                    label_width=38)                     # "dd/mm" needs about 38 units


def hourly_bars(points: Sequence[tuple[datetime, int]], title: str, noun: str = "lượt nộp bài",
                hours: int = 24) -> Markup:
    """A vertical bar per local hour: ``points`` are (hour, count), in order; the current
    (last) hour always has its label."""
    if not points or not any(count for _, count in points):
        return _empty(title, f"Chưa có {noun} nào trong {len(points) or hours} giờ qua.", "hourly")
    peak_hour, peak = max(points, key=lambda point: (point[1], point[0]))
    summary = (f"{len(points)} giờ từ {points[0][0]:%H:00 %d/%m/%Y} đến {points[-1][0]:%H:59 %d/%m/%Y}, tổng "
               f"{number(sum(c for _, c in points))} {noun}; cao nhất {number(peak)} {noun} "
               f"lúc {peak_hour:%H:00–%H:59 %d/%m/%Y}.")
    return _columns(points, title, noun, "hourly", summary, tip="%H:00–%H:59 %d/%m/%Y", label="%Hh",
                    label_width=30, from_end=True)      # "14h" needs about 30 units


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[:LABEL_MAX - 1].rstrip() + "…"


def unit_bars(rows: Sequence[tuple[str, int, float | None]], title: str, noun: str = "người") -> Markup:
    """A horizontal bar per unit: ``rows`` are (name, value, rate), drawn in the order given;
    the bar's length is the value, its text the value and the rate as a percentage."""
    if not rows:
        return _empty(title, "Không có đơn vị trực thuộc.", "units")
    row_h, top, value_room = 42, 2, 130
    height = top + row_h * len(rows) + 4
    peak = max(1, max(value for _, value, _ in rows))
    summary = f"{len(rows)} đơn vị; " + "; ".join(
        f"{name}: {number(value)} {noun}, {percent(rate)}" for name, value, rate in rows[:5]) + (
        "; …" if len(rows) > 5 else ".")
    parts = _open(title, height, summary, "units")
    for i, (name, value, rate) in enumerate(rows):
        y = top + i * row_h
        length = (WIDTH - value_room) * value / peak
        text = f"{number(value)} {noun} · {percent(rate)}"
        parts.append(f"<g><title>{escape(name)}: {escape(text)}</title>"
                     f'<text x="0" y="{y + 15}" font-size="15" fill="{INK}">{escape(_short(name))}</text>'
                     f'<rect x="0" y="{y + 21}" width="{max(length, 1.5):.1f}" height="14" rx="2" fill="{BAR}"/>'
                     f'<text x="{length + 4:.1f}" y="{y + 33}" font-size="13" fill="{MUTED}">{escape(text)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
