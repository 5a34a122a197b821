"""Small server-rendered SVG charts for the admin page.

Hand-written rather than taken from a charting library because the page needs exactly
these few shapes (a step chart of people in the room, bars, lines) as inline SVG with
stable element ids, a ``<title>``/``<desc>`` pair referenced by ``aria-labelledby``, no
script and no per-chart stylesheet; the libraries available render whole documents with
generated ids and their own CSS. Every text reaching the SVG is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 300
PAD_LEFT = 56
PAD_RIGHT = 16
PAD_TOP = 40
PAD_BOTTOM = 56
PALETTE = ("#1f5fbf", "#c2410c", "#15803d", "#7c3aed")
MAX_BAR_WIDTH = 72.0


@dataclass(frozen=True)
class Series:
    """One named row of values, aligned with the chart's categories."""

    name: str
    values: Sequence[float]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is >= value (axis maximum)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9:
            return float(candidate)
    return float(10 ** (exponent + 1))  # pragma: no cover - loop always returns


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _coord(value: float) -> str:
    return f"{value:.1f}"


class _Canvas:
    """Plot-area arithmetic shared by every chart."""

    def __init__(self, y_max: float, width: int = WIDTH, height: int = HEIGHT) -> None:
        self.width = width
        self.height = height
        self.y_max = nice_ceiling(y_max)
        self.left = PAD_LEFT
        self.right = width - PAD_RIGHT
        self.top = PAD_TOP
        self.bottom = height - PAD_BOTTOM

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    def y(self, value: float) -> float:
        return self.bottom - (value / self.y_max) * (self.bottom - self.top)

    def ticks(self) -> int:
        """A tick count giving whole-number steps where the axis allows (counts of people
        never show 1.2 or 3.8)."""
        for count in (5, 4, 2, 1):
            if float(self.y_max / count).is_integer():
                return count
        return 4

    def y_axis(self, label: str) -> list[str]:
        ticks = self.ticks()
        parts = [
            f'<line class="axis" x1="{self.left}" y1="{self.top}" x2="{self.left}" '
            f'y2="{self.bottom}" stroke="#555"/>',
            f'<line class="axis" x1="{self.left}" y1="{self.bottom}" x2="{self.right}" '
            f'y2="{self.bottom}" stroke="#555"/>',
        ]
        for i in range(ticks + 1):
            value = self.y_max * i / ticks
            y = _coord(self.y(value))
            parts.append(
                f'<line x1="{self.left}" y1="{y}" x2="{self.right}" y2="{y}" stroke="#ddd"/>'
                f'<text x="{self.left - 6}" y="{y}" text-anchor="end" '
                f'dominant-baseline="middle" font-size="11">{_number(value)}</text>'
            )
        parts.append(
            f'<text x="14" y="{(self.top + self.bottom) / 2:.1f}" font-size="12" '
            f'text-anchor="middle" transform="rotate(-90 14 {(self.top + self.bottom) / 2:.1f})">'
            f"{escape(label)}</text>"
        )
        return parts

    def x_label(self, label: str) -> str:
        return (
            f'<text x="{(self.left + self.right) / 2:.1f}" y="{self.height - 6}" '
            f'font-size="12" text-anchor="middle">{escape(label)}</text>'
        )


def _svg(chart_id: str, title: str, description: str, body: list[str], canvas: _Canvas) -> Markup:
    """The root element: the accessible name and description, and the title drawn too."""
    cid = escape(chart_id)
    body = [
        f'<text class="chart-title" x="{canvas.left}" y="20" font-size="14" '
        f'font-weight="600">{escape(title)}</text>',
        *body,
    ]
    return Markup(
        f'<svg id="{cid}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {canvas.width} {canvas.height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" aria-labelledby="{cid}-title {cid}-desc" '
        f'class="chart" font-family="system-ui, sans-serif">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _empty(chart_id: str, title: str, message: str) -> Markup:
    canvas = _Canvas(1, height=80)
    body = [
        f'<text x="{WIDTH / 2}" y="44" text-anchor="middle" font-size="14">{escape(message)}</text>'
    ]
    return _svg(chart_id, title, message, body, canvas)


def step_chart(
    chart_id: str,
    title: str,
    points: Sequence[tuple[datetime, int]],
    *,
    y_label: str,
    x_label: str,
    empty_message: str = "No data yet",
) -> Markup:
    """A filled step line: each point's value holds until the next point's time.

    Used for the number of people in the room; the last point normally brings the value
    back to zero when the last person leaves.
    """
    if len(points) < 2:
        return _empty(chart_id, title, empty_message)
    start, end = points[0][0], points[-1][0]
    span = max((end - start).total_seconds(), 1.0)
    peak = max(v for _, v in points)
    canvas = _Canvas(max(peak, 1))

    def x(at: datetime) -> float:
        return canvas.left + (at - start).total_seconds() / span * canvas.plot_width

    path = [f"M{_coord(x(start))},{_coord(canvas.y(0))}"]
    previous = 0
    for at, value in points:
        px = _coord(x(at))
        path.append(f"L{px},{_coord(canvas.y(previous))}")
        path.append(f"L{px},{_coord(canvas.y(value))}")
        previous = value
    path.append(f"L{_coord(x(end))},{_coord(canvas.y(0))}Z")
    body = canvas.y_axis(y_label)
    body.append(
        f'<path class="series" d="{" ".join(path)}" fill="{PALETTE[0]}" fill-opacity="0.25" '
        f'stroke="{PALETTE[0]}" stroke-width="1.5"/>'
    )
    ticks = 4
    # Several days (a multi-session event) need the date on the axis, one meeting does not.
    label_format = "%d %b %H:%M" if span > 20 * 3600 else "%H:%M"
    for i in range(ticks + 1):
        at = start + (end - start) * (i / ticks)
        body.append(
            f'<text x="{_coord(x(at))}" y="{canvas.bottom + 16}" font-size="11" '
            f'text-anchor="middle">{at.strftime(label_format)}</text>'
        )
    body.append(canvas.x_label(x_label))
    description = (
        f"{title}: from {start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC, at most {peak} at the same time."
    )
    return _svg(chart_id, title, description, body, canvas)


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    x_label: str,
    empty_message: str = "No data yet",
) -> Markup:
    """Grouped vertical bars, one group per category and one bar per series."""
    if not categories or not series:
        return _empty(chart_id, title, empty_message)
    peak = max((v for s in series for v in s.values), default=0)
    canvas = _Canvas(max(peak, 1))
    group = canvas.plot_width / len(categories)
    bar = min(group * 0.8 / len(series), MAX_BAR_WIDTH)
    inset = (group - bar * len(series)) / 2
    body = canvas.y_axis(y_label)
    label_every = max(1, math.ceil(len(categories) / 12))
    for i, category in enumerate(categories):
        gx = canvas.left + i * group + inset
        for j, s in enumerate(series):
            value = s.values[i]
            top = canvas.y(value)
            body.append(
                f'<rect class="bar" x="{_coord(gx + j * bar)}" y="{_coord(top)}" '
                f'width="{_coord(max(bar - 1, 1))}" height="{_coord(canvas.bottom - top)}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(category)}, '
                f"{escape(s.name)}: {_number(value)}</title></rect>"
            )
        if i % label_every == 0:
            body.append(
                f'<text x="{_coord(gx + bar * len(series) / 2)}" y="{canvas.bottom + 16}" '
                f'font-size="11" '
                f'text-anchor="middle">{escape(_short(category))}</text>'
            )
    body.extend(_legend(canvas, [s.name for s in series]))
    body.append(canvas.x_label(x_label))
    totals = ", ".join(f"{s.name} {_number(sum(s.values))} in total" for s in series)
    description = f"{title}: {len(categories)} {x_label.lower()} groups; {totals}."
    return _svg(chart_id, title, description, body, canvas)


def line_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    x_label: str,
    y_max: float | None = None,
    empty_message: str = "No data yet",
) -> Markup:
    """Lines with a marker per point, categories evenly spaced (e.g. months in order)."""
    if not categories or not series:
        return _empty(chart_id, title, empty_message)
    peak = max((v for s in series for v in s.values), default=0)
    canvas = _Canvas(y_max if y_max is not None else max(peak, 1))
    step = canvas.plot_width / max(len(categories) - 1, 1)

    def x(i: int) -> float:
        return canvas.left + (i * step if len(categories) > 1 else canvas.plot_width / 2)

    body = canvas.y_axis(y_label)
    label_every = max(1, math.ceil(len(categories) / 12))
    for i, category in enumerate(categories):
        if i % label_every == 0:
            body.append(
                f'<text x="{_coord(x(i))}" y="{canvas.bottom + 16}" font-size="11" '
                f'text-anchor="middle">{escape(_short(category))}</text>'
            )
    for j, s in enumerate(series):
        color = PALETTE[j % len(PALETTE)]
        coords = [(x(i), canvas.y(v)) for i, v in enumerate(s.values)]
        d = " ".join(
            f"{'M' if i == 0 else 'L'}{_coord(px)},{_coord(py)}"
            for i, (px, py) in enumerate(coords)
        )
        body.append(f'<path class="series" d="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, (px, py) in enumerate(coords):
            body.append(
                f'<circle cx="{_coord(px)}" cy="{_coord(py)}" r="3" fill="{color}">'
                f"<title>{escape(categories[i])}, {escape(s.name)}: {_number(s.values[i])}</title>"
                "</circle>"
            )
    body.extend(_legend(canvas, [s.name for s in series]))
    body.append(canvas.x_label(x_label))
    description = f"{title}: {len(categories)} points from {categories[0]} to {categories[-1]}."
    return _svg(chart_id, title, description, body, canvas)


def _legend(canvas: _Canvas, names: Sequence[str]) -> list[str]:
    """Swatches and names on one line under the title, right-aligned."""
    widths = [24 + 7 * len(name) for name in names]
    x = canvas.right - sum(widths)
    y = canvas.top - 16
    parts = []
    for j, name in enumerate(names):
        parts.append(
            f'<rect x="{_coord(x)}" y="{y}" width="10" height="10" '
            f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{_coord(x + 14)}" y="{y + 9}" font-size="11">{escape(name)}</text>'
        )
        x += widths[j]
    return parts


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"
