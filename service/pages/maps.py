"""The 17 dongs of Seongdong-gu as a server-side SVG map (no tiles), shaded by a count per dong.

Boundaries: 통계청 SGIS 행정동 경계 / vuski/admdongkor (CC BY 4.0), shipped in ``data/`` with its attribution.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from html import escape

from markupsafe import Markup

from matcher import reference
from service.pages import plots
from service.pages.web import HERE

BOUNDARIES = HERE / "data" / "seongdong_admdong_2021-04.geojson"
ATTRIBUTION = "경계: 통계청 SGIS 행정동 경계 / vuski/admdongkor (CC BY 4.0)"
WIDTH = 640.0
PAD = 8.0


@dataclass(frozen=True)
class Dong:
    name: str
    path: str  # SVG path data
    label: tuple[float, float]  # where its name is written (the dong's centroid)


@cache
def dongs() -> tuple[tuple[Dong, ...], float]:
    """The dongs projected to SVG coordinates (equirectangular at the district's latitude), and the map height."""
    features = json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]
    names = {row.adm_cd2: name for name, row in reference.dongs().iterrows()}
    points = [p for f in features for poly in f["geometry"]["coordinates"] for ring in poly for p in ring]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))  # a degree of longitude is shorter than one of latitude
    scale = (WIDTH - 2 * PAD) / ((east - west) * squeeze)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return PAD + (lon - west) * squeeze * scale, PAD + (north - lat) * scale

    shapes = []
    for feature in features:
        name = names[feature["properties"]["adm_cd2"]]
        rings = [ring for poly in feature["geometry"]["coordinates"] for ring in poly]
        path = " ".join(
            "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (xy(lon, lat) for lon, lat in ring)) + " Z" for ring in rings
        )
        centre = reference.dongs().loc[name]
        shapes.append(Dong(name, path, xy(float(centre["lon"]), float(centre["lat"]))))
    return tuple(shapes), 2 * PAD + (north - south) * scale


def dong_map(counts: dict[str, int], title: str, unit: str, ident: str = "dong-map") -> Markup:
    """A choropleth of ``counts`` (dong → number); each dong names itself and its count, in a title too."""
    shapes, height = dongs()
    top = max(counts.values(), default=0)
    parts = [
        f'<svg viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(_describe(counts, unit))}</desc>'
    ]
    for dong in shapes:
        value = counts.get(dong.name, 0)
        fill = plots.shade(value, top)
        parts.append(
            f'<path d="{dong.path}" fill="{fill}" stroke="#ffffff" stroke-width="1.5">'
            f"<title>{escape(dong.name)}: {value}{escape(unit)}</title></path>"
        )
    for dong in shapes:
        value = counts.get(dong.name, 0)
        ink = plots.ink_on(plots.shade(value, top))
        x, y = dong.label
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="12" fill="{ink}" aria-hidden="true">'
            f'{escape(dong.name)}<tspan x="{x:.1f}" dy="14" font-weight="700">{value}</tspan></text>'
        )
    parts.append(_legend(top, unit))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(top: int, unit: str) -> str:
    """Swatches of the scale with the counts each stands for, in the map's empty upper-left corner."""
    steps = len(plots.PALETTE) - 1
    labels = ["0"] + [f"{int(top * (i - 1) / steps) + 1}–{int(top * i / steps)}{unit}" for i in range(1, steps + 1)]
    parts = []
    for i, (colour, label) in enumerate(zip(plots.PALETTE, labels, strict=True)):
        if i and int(top * (i - 1) / steps) + 1 > int(top * i / steps):
            continue  # an empty range (small counts)
        y = PAD + i * 18
        parts.append(
            f'<rect x="{PAD}" y="{y}" width="14" height="14" fill="{colour}" stroke="{plots.INK}" stroke-width=".5"/>'
            f'<text x="{PAD + 20}" y="{y + 12}" font-size="12" fill="{plots.INK}">{escape(label)}</text>'
        )
    return '<g aria-hidden="true">' + "".join(parts) + "</g>"


def _describe(counts: dict[str, int], unit: str) -> str:
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {value}{unit}" for name, value in ordered)
