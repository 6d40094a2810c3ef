"""Plots drawn on the server as SVG: a horizontal bar chart and a histogram, with titles screen readers read."""

from __future__ import annotations

from html import escape

import numpy as np
from markupsafe import Markup

# A sequential blue scale, light to dark; labels on it are black or white, whichever contrasts more.
PALETTE = ("#eef3f9", "#c8dbef", "#93bbe0", "#3d7fc0", "#0b3f75")
INK, PAPER = "#1b1f24", "#ffffff"
BAR = "#0b57a4"


def shade(value: float, top: float) -> str:
    """The palette colour of ``value`` on a scale from 0 to ``top`` (0 always the lightest)."""
    if top <= 0 or value <= 0:
        return PALETTE[0]
    step = int(np.ceil(value / top * (len(PALETTE) - 1)))
    return PALETTE[min(max(step, 1), len(PALETTE) - 1)]


def _luminance(colour: str) -> float:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def ink_on(fill: str) -> str:
    return INK if contrast(INK, fill) >= contrast(PAPER, fill) else PAPER


def _open(width: float, height: float, ident: str, title: str, desc: str) -> str:
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(desc)}</desc>'
    )


def bar_chart(items: list[tuple[str, float]], title: str, unit: str, ident: str = "bars") -> Markup:
    """Horizontal bars, one per (label, value), in the order given."""
    row, label_w, value_w, width = 24.0, 110.0, 48.0, 480.0
    height = row * len(items) + 8
    top = max((v for _, v in items), default=0) or 1
    span = width - label_w - value_w
    desc = ", ".join(f"{label} {value:g}{unit}" for label, value in items)
    parts = [_open(width, height, ident, title, desc)]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        length = span * value / top
        parts.append(
            f'<text x="{label_w - 6:.0f}" y="{y + 16:.0f}" text-anchor="end" font-size="13" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w:.0f}" y="{y + 3:.0f}" width="{length:.1f}" height="{row - 6:.0f}" fill="{BAR}">'
            f"<title>{escape(label)}: {value:g}{escape(unit)}</title></rect>"
            f'<text x="{label_w + length + 4:.1f}" y="{y + 16:.0f}" font-size="13" fill="{INK}">{value:g}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(values: np.ndarray, title: str, axis: str, bins: int = 10, ident: str = "hist") -> Markup:
    """Counts of ``values`` in equal-width bins, as vertical bars over a labelled axis."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    counts, edges = np.histogram(values, bins=bins, range=None if len(values) else (0.0, 1.0))
    width, height, left, bottom, top_pad = 480.0, 220.0, 36.0, 44.0, 12.0
    right = 24.0  # room for the last tick's label
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    top = max(int(counts.max()), 1)
    bar_w = plot_w / len(counts)
    desc = ", ".join(f"{lo:.2f}–{hi:.2f}: {c}" for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True))
    parts = [_open(width, height, ident, title, f"{axis}. {desc}")]
    base = top_pad + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{INK}"/>')
    parts.append(f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end" font-size="12" fill="{INK}">{top}</text>')
    parts.append(f'<text x="{left - 4}" y="{base}" text-anchor="end" font-size="12" fill="{INK}">0</text>')
    for i, count in enumerate(counts):
        h = plot_h * count / top
        x = left + i * bar_w
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{BAR}">'
            f"<title>{edges[i]:.2f}–{edges[i + 1]:.2f}: {count}</title></rect>"
        )
    for i in (0, len(counts) // 2, len(counts)):
        x = left + i * bar_w
        parts.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" font-size="12" fill="{INK}">{edges[i]:.2f}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle" font-size="13" fill="{INK}">'
        f"{escape(axis)}</text></svg>"
    )
    return Markup("".join(parts))
