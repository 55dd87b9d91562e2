"""Line charts drawn as inline SVG (for HTML) or onto a Pillow image (for PNG), from one layout.

A :class:`LineChart` holds series of ``(x, y)`` points, each optionally with a band
``(low, high)`` (e.g. mean ± std over seeds). :meth:`LineChart.svg` returns an ``<svg>``
element; :meth:`LineChart.draw` paints the same chart onto a ``PIL.Image`` at an offset.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union
from xml.sax.saxutils import escape

Point = Tuple[float, float]

__all__ = ["Series", "LineChart", "PALETTE", "nice_ticks"]

#: Series colours (colour-blind friendly).
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442")


class Series:
    """One line: ``xs``, ``ys`` (equal lengths), optional band ``lows`` / ``highs``."""

    def __init__(self, name: object, xs: Sequence[float], ys: Sequence[float], lows: Optional[Sequence[float]] = None,
                 highs: Optional[Sequence[float]] = None, color: Optional[str] = None) -> None:
        if len(xs) != len(ys):
            raise ValueError(f"series {name!r}: {len(xs)} x values but {len(ys)} y values.")
        self.name, self.xs, self.ys = str(name), [float(x) for x in xs], [float(y) for y in ys]
        self.lows = None if lows is None else [float(v) for v in lows]
        self.highs = None if highs is None else [float(v) for v in highs]
        self.color = color


def nice_ticks(lo: float, hi: float, count: int = 5) -> List[float]:
    """About ``count`` round tick values covering ``[lo, hi]`` (steps of 1, 2 or 5 times a power of 10)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) * 0.1 or 1.0)
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        if t >= lo - step * 1e-9:
            ticks.append(round(t, 12))
        t += step
    return ticks or [lo]


def _label(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e5 or a < 1e-3:
        return f"{v:.1e}"
    return f"{v:.6g}" if a >= 1 else f"{v:.3g}"


class _Svg:
    def __init__(self, width: int, height: int) -> None:
        self.parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                      f'viewBox="0 0 {width} {height}" role="img">']

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: Optional[str] = None) -> None:
        s = f' stroke="{stroke}"' if stroke else ""
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"{s} />')

    def line(self, points: Sequence[Point], color: str, width: float = 1.5, dash: bool = False) -> None:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        d = ' stroke-dasharray="3,3"' if dash else ""
        self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="{width}"{d} />')

    def polygon(self, points: Sequence[Point], color: str, opacity: float) -> None:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self.parts.append(f'<polygon points="{pts}" fill="{color}" fill-opacity="{opacity}" stroke="none" />')

    def circle(self, x: float, y: float, r: float, color: str) -> None:
        self.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{color}" />')

    def text(self, x: float, y: float, s: str, size: int = 11, anchor: str = "start", color: str = "#333",
             bold: bool = False) -> None:
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                          f'fill="{color}" font-family="sans-serif"{weight}>{escape(s)}</text>')

    def result(self) -> str:
        return "".join(self.parts) + "</svg>"


class _Pil:
    def __init__(self, image: Any, origin: Point) -> None:
        from PIL import ImageDraw
        self.draw = ImageDraw.Draw(image, "RGBA")
        self.ox, self.oy = origin
        self._fonts: Dict[Tuple[int, bool], Any] = {}

    def _font(self, size: int, bold: bool = False) -> Any:
        from PIL import ImageFont
        key = (size, bold)
        if key not in self._fonts:
            try:
                self._fonts[key] = ImageFont.load_default(size=size)
            except TypeError:  # Pillow < 10.1: one bitmap size
                self._fonts[key] = ImageFont.load_default()
        return self._fonts[key]

    def _p(self, x: float, y: float) -> Point:
        return (self.ox + x, self.oy + y)

    @staticmethod
    def _rgb(color: str, alpha: int = 255) -> Tuple[int, ...]:
        c = color.lstrip("#")
        if len(c) == 3:
            c = "".join(ch * 2 for ch in c)
        return tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) + (alpha,)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: Optional[str] = None) -> None:
        self.draw.rectangle([self._p(x, y), self._p(x + w, y + h)], fill=self._rgb(fill),
                            outline=self._rgb(stroke) if stroke else None)

    def line(self, points: Sequence[Point], color: str, width: float = 1.5, dash: bool = False) -> None:
        pts = [self._p(x, y) for x, y in points]
        if dash:
            for a, b in zip(pts[::2], pts[1::2]):
                self.draw.line([a, b], fill=self._rgb(color), width=max(1, round(width)))
            return
        if len(pts) == 1:
            pts = pts * 2
        self.draw.line(pts, fill=self._rgb(color), width=max(1, round(width)), joint="curve")

    def polygon(self, points: Sequence[Point], color: str, opacity: float) -> None:
        self.draw.polygon([self._p(x, y) for x, y in points], fill=self._rgb(color, int(255 * opacity)))

    def circle(self, x: float, y: float, r: float, color: str) -> None:
        cx, cy = self._p(x, y)
        self.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=self._rgb(color))

    def text(self, x: float, y: float, s: str, size: int = 11, anchor: str = "start", color: str = "#333",
             bold: bool = False) -> None:
        font = self._font(size + 1, bold)
        left, top, right, bottom = self.draw.textbbox((0, 0), s, font=font)
        w = right - left
        dx = {"start": 0, "middle": -w / 2, "end": -w}[anchor]
        self.draw.text(self._p(x + dx, y - size), s, fill=self._rgb(color), font=font)


class LineChart:
    """A titled line chart.

    Args:
        title (str): shown above the plot.
        series (list): :class:`Series` (colours from :data:`PALETTE` when not set).
        x_label, y_label (str): axis names.
        width, height (int): size in pixels.
    """

    MARGIN = {"left": 62, "right": 14, "top": 30, "bottom": 50}

    def __init__(self, title: object, series: Sequence[Series], x_label: str = "step", y_label: str = "",
                 width: int = 560, height: int = 300) -> None:
        self.title, self.series = str(title), list(series)
        self.x_label, self.y_label = x_label, y_label
        self.width, self.height = int(width), int(height)
        for i, s in enumerate(self.series):
            if s.color is None:
                s.color = PALETTE[i % len(PALETTE)]

    def _ranges(self) -> Tuple[Point, Point]:
        xs = [x for s in self.series for x in s.xs]
        ys = [y for s in self.series for y in s.ys + (s.lows or []) + (s.highs or []) if math.isfinite(y)]
        if not xs or not ys:
            return (0.0, 1.0), (0.0, 1.0)
        (x0, x1), (y0, y1) = (min(xs), max(xs)), (min(ys), max(ys))
        if x1 == x0:
            x0, x1 = x0 - 1, x1 + 1
        if y1 == y0:
            pad = abs(y0) * 0.1 or 1.0
            y0, y1 = y0 - pad, y1 + pad
        pad = (y1 - y0) * 0.05
        return (x0, x1), (y0 - pad, y1 + pad)

    def _render(self, c: Union[_Svg, _Pil]) -> None:
        m = self.MARGIN
        pw, ph = self.width - m["left"] - m["right"], self.height - m["top"] - m["bottom"]
        (x0, x1), (y0, y1) = self._ranges()
        xt, yt = nice_ticks(x0, x1, 6), nice_ticks(y0, y1, 5)
        x0, x1 = min(x0, xt[0]), max(x1, xt[-1])
        y0, y1 = min(y0, yt[0]), max(y1, yt[-1])

        def px(x: float) -> float:
            return m["left"] + (x - x0) / (x1 - x0) * pw

        def py(y: float) -> float:
            return m["top"] + ph - (y - y0) / (y1 - y0) * ph

        c.rect(0, 0, self.width, self.height, "#ffffff")
        c.text(m["left"], 18, self.title, size=13, bold=True, color="#111")
        if self.y_label:
            c.text(self.width - m["right"], 18, self.y_label, size=10, anchor="end", color="#666")
        c.rect(m["left"], m["top"], pw, ph, "#fafafa", stroke="#bbbbbb")
        for t in yt:
            c.line([(m["left"], py(t)), (m["left"] + pw, py(t))], "#e3e3e3", 1)
            c.text(m["left"] - 6, py(t) + 4, _label(t), size=10, anchor="end")
        for t in xt:
            c.line([(px(t), m["top"] + ph), (px(t), m["top"] + ph + 4)], "#888888", 1)
            c.text(px(t), m["top"] + ph + 16, _label(t), size=10, anchor="middle")
        for s in self.series:
            color = s.color or PALETTE[0]
            if s.lows is not None and s.highs is not None and len(s.xs) > 1:
                upper = [(px(x), py(h)) for x, h in zip(s.xs, s.highs)]
                lower = [(px(x), py(lo)) for x, lo in zip(s.xs, s.lows)]
                c.polygon(upper + lower[::-1], color, 0.18)
            pts = [(px(x), py(y)) for x, y in zip(s.xs, s.ys) if math.isfinite(y)]
            if pts:
                c.line(pts, color, 1.6)
                if len(pts) <= 40:
                    for x, y in pts:
                        c.circle(x, y, 2.5, color)
        # the legend in a row below the axis, the axis name at its right end
        y = self.height - 10
        x = m["left"]
        for s in self.series:
            color = s.color or PALETTE[0]
            c.line([(x, y - 4), (x + 16, y - 4)], color, 3)
            c.text(x + 20, y, s.name, size=10)
            x += 28 + 6.5 * len(s.name)
        c.text(self.width - m["right"], y, self.x_label, size=11, anchor="end")

    def svg(self) -> str:
        """The chart as an ``<svg>`` element (a string)."""
        canvas = _Svg(self.width, self.height)
        self._render(canvas)
        return canvas.result()

    def draw(self, image: Any, origin: Point = (0, 0)) -> None:
        """Paints the chart onto ``image`` (a ``PIL.Image`` in RGB) with its top-left at ``origin``."""
        self._render(_Pil(image, origin))
