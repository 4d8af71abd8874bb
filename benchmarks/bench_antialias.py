"""Anti-aliased drawing of a perspective frame: convanim's numpy painter beside the libraries.

Every contender draws the same picture from scratch: a 5x5 and a 3x3 plane of parallelogram
cells (fills and 1.14 px edges), four 1 px projection lines and a 2 px window outline, on a
270x300 canvas (the default ``--no-values --style perspective`` frame). Measured (medians):

- ms per whole frame drawn from scratch (convanim's painter also redraws only changed
  cells: its real per-frame cost is the last row);
- import cost (ms, a fresh ``python -c "import X"`` minus ``python -c pass``);
- PNG bytes of the frame;
- quality: mean and worst channel error against a reference drawn by Pillow at 16x and
  box-filtered down (exact coverage up to 1/256), and the number of distinct colours (a GIF
  holds 255).

Contenders: ``numpy`` (convanim.draw.smooth: 3x3 sub-pixel planes, distance-coverage lines),
``pillow-ss3`` (ImageDraw at 3x, then ``reduce(3)``), ``aggdraw`` (Agg through aggdraw, when
installed: ``pip install aggdraw``), ``mpl-agg`` (matplotlib's ``RendererAgg`` driven
directly). Cairo and Skia are left out: pycairo has no Linux wheel and needs the system
library; skia-python's 60 MB wheel costs more start-up than the whole render.

    python benchmarks/bench_antialias.py [--runs 9] [--markdown]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convanim.draw.smooth import LEVELS, SS, downsample, put, stroke, trace  # noqa: E402

W, H = 270, 300
BG = (255, 255, 255)
EDGE = 1.14
U, V = (32, -13), (-18, -18)


def scene() -> tuple[list, list, list]:
    """(polygons with fill and edge colours, thin lines, thick outline segments)."""
    polys = []
    for origin, n, fill, edge in (((95, 290), 5, (166, 212, 242), (0, 114, 178)),
                                  ((120, 120), 3, (255, 255, 255), (160, 160, 160))):
        for r in range(n):
            for c in range(n):
                x = origin[0] + c * U[0] + r * V[0]
                y = origin[1] + c * U[1] + r * V[1]
                pts = [(x, y), (x + U[0], y + U[1]), (x + U[0] + V[0], y + U[1] + V[1]),
                       (x + V[0], y + V[1])]
                tint = (199, 186, 121) if (origin[1] == 290 and r < 3 and c < 3) else fill
                polys.append((pts, tint, edge))
    win = [polys[0][0][0], polys[2][0][1], polys[12][0][2], polys[10][0][3]]
    lines = [(win[k], (120 + 16 * (k % 2), 120 - 9 * (k // 2))) for k in range(4)]
    outline = [(win[k], win[(k + 1) % 4]) for k in range(4)]
    return polys, lines, outline


def draw_numpy(polys: list, lines: list, outline: list) -> np.ndarray:
    """convanim's way: polygons at SS x SS sub-pixels (half-open, exact), lines by distance."""
    hi = np.empty((H * SS, W * SS, 3), np.uint8)
    hi[:] = BG
    yy, xx = np.mgrid[0:H * SS, 0:W * SS]
    for pts, fill, _edge in polys:
        p = np.array(pts) * SS
        x0, y0 = np.floor(p.min(0)).astype(int)
        x1, y1 = np.ceil(p.max(0)).astype(int)
        sx, sy = xx[y0:y1, x0:x1] + 0.5, yy[y0:y1, x0:x1] + 0.5
        inside = np.ones(sx.shape, bool)
        for k in range(4):
            (ax, ay), (bx, by) = p[k], p[(k + 1) % 4]
            inside &= (bx - ax) * (sy - ay) - (by - ay) * (sx - ax) <= 0
        hi[y0:y1, x0:x1][inside] = fill
    img = downsample(hi, SS)
    edges = [(a, b) for pts, _, _ in polys for a, b in zip(pts, pts[1:] + pts[:1])]
    stroke(img, edges, np.array(polys[0][2]), EDGE)
    stroke(img, lines, np.array([128, 93, 13]), 1.0)
    stroke(img, outline, np.array([26, 26, 26]), 2.0)
    return img


def draw_pillow(polys: list, lines: list, outline: list, scale: int = SS) -> np.ndarray:
    """ImageDraw at ``scale`` times the size, box-filtered down."""
    im = Image.new("RGB", (W * scale, H * scale), BG)
    d = ImageDraw.Draw(im)
    for pts, fill, _ in polys:
        d.polygon([(x * scale, y * scale) for x, y in pts], fill=fill)
    for pts, _, edge in polys:
        d.line([(x * scale, y * scale) for x, y in pts + pts[:1]], fill=edge,
               width=round(EDGE * scale))
    for segs, color, width in ((lines, (128, 93, 13), 1.0), (outline, (26, 26, 26), 2.0)):
        for a, b in segs:
            d.line([(a[0] * scale, a[1] * scale), (b[0] * scale, b[1] * scale)], fill=color,
                   width=round(width * scale))
    return np.asarray(im.reduce(scale))


def draw_aggdraw(polys: list, lines: list, outline: list) -> np.ndarray:
    import aggdraw

    im = Image.new("RGB", (W, H), BG)
    d = aggdraw.Draw(im)
    for pts, fill, edge in polys:
        d.polygon([v for xy in pts for v in xy], aggdraw.Pen(edge, EDGE), aggdraw.Brush(fill))
    for segs, color, width in ((lines, (128, 93, 13), 1.0), (outline, (26, 26, 26), 2.0)):
        pen = aggdraw.Pen(color, width)
        for a, b in segs:
            d.line((*a, *b), pen)
    d.flush()
    return np.asarray(im)


def draw_mpl_agg(polys: list, lines: list, outline: list) -> np.ndarray:
    from matplotlib.backend_bases import GraphicsContextBase
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.path import Path as MPath
    from matplotlib.transforms import Affine2D

    r = RendererAgg(W, H, 72)
    flip = Affine2D().scale(1, -1).translate(0, H)
    gc = GraphicsContextBase()
    gc.set_antialiased(True)
    for pts, fill, edge in polys:
        gc.set_foreground(tuple(v / 255 for v in edge))
        gc.set_linewidth(EDGE)
        r.draw_path(gc, MPath(pts + pts[:1], closed=True), flip, tuple(v / 255 for v in fill))
    for segs, color, width in ((lines, (128, 93, 13), 1.0), (outline, (26, 26, 26), 2.0)):
        gc.set_foreground(tuple(v / 255 for v in color))
        gc.set_linewidth(width)
        for a, b in segs:
            r.draw_path(gc, MPath([a, b]), flip)
    rgba = np.asarray(r.buffer_rgba())
    a = rgba[..., 3:4].astype(np.float32) / 255
    return np.floor(rgba[..., :3] * a + 255 * (1 - a) + 0.5).astype(np.uint8)


CONTENDERS = {"numpy (convanim)": (draw_numpy, "numpy"),
              "pillow-ss3": (draw_pillow, "PIL.ImageDraw"),
              "aggdraw": (draw_aggdraw, "aggdraw"),
              "mpl-agg": (draw_mpl_agg, "matplotlib.backends.backend_agg")}


def import_ms(module: str, runs: int) -> float:
    def once(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    base = statistics.median(once("pass") for _ in range(runs))
    return (statistics.median(once(f"import {module}") for _ in range(runs)) - base) * 1000


def lines_numpy(img: np.ndarray, lines: list, outline: list) -> None:
    """convanim's per-frame overlay: lines traced only near their segments, then blended."""
    put(img, trace(lines, 1.0), np.array([128, 93, 13]))
    put(img, trace(outline, 2.0), np.array([26, 26, 26]))


def lines_pillow(img: np.ndarray, lines: list, outline: list, scale: int = SS) -> None:
    """The same overlay through Pillow: a coverage mask at ``scale`` x over the lines' box,
    ``reduce(scale)``, blended in the same coverage steps."""
    for segs, color, width in ((lines, (128, 93, 13), 1.0), (outline, (26, 26, 26), 2.0)):
        pts = np.array([xy for seg in segs for xy in seg])
        x0, y0 = np.floor(pts.min(0) - width - 1).astype(int)
        x1, y1 = np.ceil(pts.max(0) + width + 1).astype(int)
        mask = Image.new("L", ((x1 - x0) * scale, (y1 - y0) * scale))
        d = ImageDraw.Draw(mask)
        for a, b in segs:
            d.line([((a[0] - x0) * scale, (a[1] - y0) * scale),
                    ((b[0] - x0) * scale, (b[1] - y0) * scale)], fill=255,
                   width=round(width * scale))
        cover = np.asarray(mask.reduce(scale), np.float32) / 255
        region = img[y0:y1, x0:x1]
        a = (np.floor(cover * LEVELS + 0.5) / LEVELS)[..., None]
        region[:] = np.floor(region + (np.array(color, np.float32) - region) * a + 0.5)


def overlay_ms(draw: object, lines: list, outline: list, runs: int) -> float:
    """Median CPU ms of one frame's overlay (on a copy of a blank frame)."""
    base = np.full((H, W, 3), 255, np.uint8)
    times = []
    for _ in range(runs * 20):
        img = base.copy()
        start = time.thread_time()
        draw(img, lines, outline)  # type: ignore[operator]
        times.append((time.thread_time() - start) * 1000)
    return statistics.median(times)


def incremental_ms(runs: int) -> float:
    """convanim's perspective painter per slide frame (it redraws only changed cells)."""
    from convanim.draw import Renderer, RenderOptions
    from convanim.geometry import Spec, plan

    p = plan(Spec(i=5, k=3))
    times = []
    for _ in range(runs):
        r = Renderer(p, RenderOptions(style="perspective", values=False))
        painter = r.layout.painter(r.scene)
        for n in range(len(p.frames)):
            start = time.thread_time()
            painter.paint(n)
            if p.frames[n].phase == "slide":
                times.append((time.thread_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    parts = scene()
    reference = draw_pillow(*parts, scale=16).astype(int)
    rows = []
    for name, (draw, module) in CONTENDERS.items():
        try:
            img = draw(*parts)
        except ImportError:
            rows.append((name, "not installed", "", "", "", "", ""))
            continue
        times = []
        for _ in range(args.runs):
            start = time.thread_time()
            draw(*parts)
            times.append((time.thread_time() - start) * 1000)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "PNG", optimize=True)
        err = np.abs(img.astype(int) - reference)
        colours = len(np.unique(img.reshape(-1, 3), axis=0))
        rows.append((name, f"{statistics.median(times):.1f}",
                     f"{import_ms(module, max(3, args.runs // 2)):.0f}", f"{len(buf.getvalue()):,}",
                     f"{err.mean():.2f}", f"{err.max()}", f"{colours}"))
    head = ("contender", "ms/frame (whole)", "import ms", "PNG bytes", "mean err", "worst err",
            "colours")
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in (head, *rows):
            print(" ".join(f"{v:>18}" for v in row))
    print(f"\nconvanim perspective painter, per slide frame (only changed cells redrawn): "
          f"{incremental_ms(max(3, args.runs // 3)):.2f} ms")
    _, lines, outline = parts
    print(f"per-frame overlay (4 projection lines, window outline): numpy trace+put "
          f"{overlay_ms(lines_numpy, lines, outline, args.runs):.3f} ms, Pillow at {SS}x "
          f"{overlay_ms(lines_pillow, lines, outline, args.runs):.3f} ms")


if __name__ == "__main__":
    main()
