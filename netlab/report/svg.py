"""The lab as an SVG: boxes and wires from the layout, then one arrow per row on top.

Every text comes from the user's topology or a client's output, so everything goes through
`esc` (no raw interpolation). Colours are presentation attributes (right in any SVG viewer);
the page's CSS overrides them for dark mode and print.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from html import escape

from .layout import FONT_PT, Box, Layout
from .model import START, Row

OK, BAD = "#1a7f37", "#cf222e"
LINE_H = FONT_PT + 2.5
MARGIN = 24.0
SPREAD = 16.0
SCALE = 1.35  # graphviz points are small on a screen  # px between arrows of one pair of nodes

# where along an arrow (0 = its node, 1 = the broker) the ✗ of a failing step sits, and its label
MARK_AT = {
    "name resolution": (0.2, "name"),
    "connect": (0.8, "connect"),
    "Kafka handshake": (0.88, "handshake"),
    "advertised endpoint: name resolution": (0.93, "advertised: name"),
    "advertised endpoint: connect": (0.93, "advertised: connect"),
    "advertised endpoint: Kafka handshake": (0.93, "advertised: handshake"),
    "client: produce": (0.6, "produce"),
    "client: consume": (0.6, "consume"),
}


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _border(box: Box, toward: tuple[float, float], pad: float = 0.0) -> tuple[float, float]:
    """Where the ray from the box's centre toward a point leaves the box (plus `pad`)."""
    dx, dy = toward[0] - box.x, toward[1] - box.y
    if dx == 0 and dy == 0:
        return box.x, box.y
    hw, hh = box.w / 2 + pad, box.h / 2 + pad
    s = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return box.x + dx * s, box.y + dy * s


def _quad(p0, c, p1, t: float) -> tuple[float, float]:
    u = 1 - t
    return (
        u * u * p0[0] + 2 * u * t * c[0] + t * t * p1[0],
        u * u * p0[1] + 2 * u * t * c[1] + t * t * p1[1],
    )


def _spread(k: int) -> float:
    """0, +1, -1, +2, -2 ... times SPREAD: arrows of one pair fan out around the straight line."""
    return SPREAD * ((k + 1) // 2) * (1 if k % 2 else -1)


def _box_svg(box: Box) -> str:
    x0, y0 = box.x - box.w / 2, box.y - box.h / 2
    cls = "network" if box.kind == "network" else ("node broker" if box.broker else "node")
    if box.kind == "network":
        hw, hh, cut = box.w / 2, box.h / 2, box.w / 5
        pts = [
            (box.x - hw, box.y),
            (box.x - hw + cut, box.y - hh),
            (box.x + hw - cut, box.y - hh),
            (box.x + hw, box.y),
            (box.x + hw - cut, box.y + hh),
            (box.x - hw + cut, box.y + hh),
        ]
        points = " ".join(f"{_f(a)},{_f(b)}" for a, b in pts)
        shape = f'<polygon points="{points}" fill="#e8f0fe" stroke="#5b7bb5"/>'
    else:
        shape = (
            f'<rect x="{_f(x0)}" y="{_f(y0)}" width="{_f(box.w)}" height="{_f(box.h)}" rx="4" '
            f'fill="#ffffff" stroke="#57606a"/>'
        )
    top = box.y - (len(box.lines) - 1) * LINE_H / 2
    texts = "".join(
        f'<text x="{_f(box.x)}" y="{_f(top + i * LINE_H)}" class="{"detail" if i else "name"}">'
        f"{esc(line)}</text>"
        for i, line in enumerate(box.lines)
    )
    return f'<g class="{cls}" data-name="{esc(box.id)}">{shape}{texts}</g>'


def _wire_svg(lay: Layout, w) -> str:
    pts = w.points
    if len(pts) >= 4 and (len(pts) - 1) % 3 == 0:
        xy = [f"{_f(x)},{_f(y)}" for x, y in pts]
        d = f"M{xy[0]}" + "".join(f" C{xy[i]} {xy[i + 1]} {xy[i + 2]}" for i in range(1, len(xy) - 2, 3))
    else:
        a = lay.boxes.get(f"n:{w.a}")
        b = lay.boxes.get(("net:" if w.kind in ("holds", "member", "tap") else "n:") + w.b)
        if a is None or b is None:
            return ""
        d = f"M{_f(a.x)},{_f(a.y)} L{_f(b.x)},{_f(b.y)}"
    label = ""
    if w.label_at is not None:
        label = (
            f'<text x="{_f(w.label_at[0])}" y="{_f(w.label_at[1])}" class="wire-label">{esc(w.label)}</text>'
        )
    return f'<g class="wire {esc(w.kind)}"><path d="{d}" fill="none" stroke="#8c959f"/>{label}</g>'


def _title(row: Row) -> str:
    mark = "✓" if row.ok else f"✗ {row.step or row.cause or ''}".rstrip()
    what = "starts" if row.kind == START else f"→ {row.to}"
    return f"{row.index}. {row.from_node} {what} ({row.client}) {mark}"


def _mark(x: float, y: float, ok: bool, label: str | None, lift: float = 0.0) -> str:
    colour = OK if ok else BAD
    cls = "step warn" if ok else "step"  # a working row's only label is its ⚠
    text = f'<text x="{_f(x + 9)}" y="{_f(y - 7 - lift)}" class="{cls}">{esc(label)}</text>' if label else ""
    return (
        f'<g class="mark"><circle cx="{_f(x)}" cy="{_f(y)}" r="6.5" fill="{colour}"/>'
        f'<text x="{_f(x)}" y="{_f(y)}" class="glyph">{"✓" if ok else "✗"}</text></g>{text}'
    )


@dataclass
class Path:
    """One drawn route: its SVG path, the point where a mark sits, and anything drawn with it."""

    d: str
    mark: tuple[float, float]
    extra: str = ""
    lift: float = 0.0  # the mark's label this much higher (loops side by side stagger theirs)


def _arrow(
    row: Row, main: Path, label: str | None, leg: Path | None = None, leg_label: str | None = None
) -> str:
    """One row as one link element: the bootstrap arrow and, when the advertised endpoint failed,
    a thin dashed leg from the client to where that endpoint led it, with the ✗ on the leg."""
    state = "ok" if row.ok else "bad"
    colour = OK if row.ok else BAD
    parts = [
        f'<a href="#row-{row.index}" class="arrow {state} {row.kind}" id="arrow-{row.index}" '
        f'data-row="{row.index}" aria-label="{esc(_title(row))}"><title>{esc(_title(row))}</title>',
        f'<path class="hit" d="{main.d}" fill="none" stroke="transparent" stroke-width="10"/>',
        f'<path class="line" d="{main.d}" fill="none" stroke="{colour}" stroke-width="1.6" '
        f'marker-end="url(#head-{state})"/>',
        main.extra,
    ]
    if leg is None:
        parts.append(_mark(main.mark[0], main.mark[1], row.ok, label, main.lift))
    else:
        parts += [
            f'<path class="hit" d="{leg.d}" fill="none" stroke="transparent" stroke-width="10"/>',
            f'<path class="leg" d="{leg.d}" fill="none" stroke="{colour}" stroke-width="1.2" '
            f'stroke-dasharray="4 3" marker-end="url(#head-{state})"/>',
            leg.extra,
            _mark(leg.mark[0], leg.mark[1], row.ok, leg_label, leg.lift),
        ]
    parts.append("</a>")
    return "".join(parts)


def _mark_spot(row: Row) -> tuple[float, str | None]:
    if row.ok:  # works, but a one-address client may fail (explain.partial_refusals)
        return 0.5, "⚠ some addresses" if row.warning else None
    return MARK_AT.get(row.step or "", (0.5, row.step))


def _column_path(a: Box, b: Box, k: int, t: float) -> Path:
    """Two boxes one above the other (brokers in their column): the arrow leaves the right edge
    and arcs outside the column, farther out for longer and later arrows, so box text stays clear."""
    dy = b.y - a.y
    slot = (k % 5) - 2
    y0 = a.y + slot * 4 + (3 if dy > 0 else -3)
    y1 = b.y + slot * 4 + (-3 if dy > 0 else 3)
    x0, x1 = a.x + a.w / 2 + 2, b.x + b.w / 2 + 4
    reach = max(x0, x1) + 18 + abs(dy) * 0.22 + 7 * k
    d = f"M{_f(x0)},{_f(y0)} C{_f(reach)},{_f(y0)} {_f(reach)},{_f(y1)} {_f(x1)},{_f(y1)}"
    u = 1 - t  # the point at t on that cubic
    mx = u**3 * x0 + 3 * u * u * t * reach + 3 * u * t * t * reach + t**3 * x1
    my = u**3 * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t**3 * y1
    return Path(d, (mx, my))


def _same_column(a: Box, b: Box) -> bool:
    return abs(a.x - b.x) < min(a.w, b.w) / 2 and abs(a.y - b.y) > (a.h + b.h) / 2


def _pair_path(a: Box, b: Box, k: int, t: float) -> Path:
    # the bend is measured on the pair's own normal (same for both directions), so arrows
    # between two nodes, either way, get distinct curves
    lo, hi = (a, b) if a.id < b.id else (b, a)
    length = math.hypot(hi.x - lo.x, hi.y - lo.y) or 1.0
    nx, ny = -(hi.y - lo.y) / length, (hi.x - lo.x) / length
    off = SPREAD + 2 * _spread(k)
    c = ((a.x + b.x) / 2 + nx * off, (a.y + b.y) / 2 + ny * off)
    p0 = _border(a, c, 2)
    p1 = _border(b, c, 4)
    d = f"M{_f(p0[0])},{_f(p0[1])} Q{_f(c[0])},{_f(c[1])} {_f(p1[0])},{_f(p1[1])}"
    return Path(d, _quad(p0, c, p1, t))


def _loop_path(box: Box, k: int, dangling: bool, t: float) -> Path:
    """A row from a node to itself (localhost) loops over its box; a row to nowhere (a name no
    node of the lab has, or one that does not resolve there) ends in a "?" above it."""
    top = box.y - box.h / 2
    x = box.x - box.w / 2 + 6 + k * 34  # side by side along the top edge
    rise = 22 + 4 * k
    if dangling:
        end = (x + 24, top - rise)
        d = f"M{_f(x)},{_f(top - 2)} Q{_f(x)},{_f(end[1])} {_f(end[0])},{_f(end[1])}"
        q = f'<text x="{_f(end[0] + 9)}" y="{_f(end[1])}" class="nowhere">?</text>'
        return Path(d, _quad((x, top - 2), (x, end[1]), end, t), q, lift=12 * k + 10)
    p0, p1 = (x, top - 2), (x + 24, top - 4)
    d = (
        f"M{_f(p0[0])},{_f(p0[1])} C{_f(x - 12)},{_f(top - rise)} {_f(x + 36)},{_f(top - rise)} "
        f"{_f(p1[0])},{_f(p1[1])}"
    )
    return Path(d, (x + 12, top - rise * 0.75), lift=12 * k)


class _Router:
    """Picks the route of each arrow and counts arrows per pair, column and loop so they fan out."""

    def __init__(self, lay: Layout):
        self.lay = lay
        self.pairs: dict[tuple[str, str], int] = defaultdict(int)
        self.columns: dict[float, int] = defaultdict(int)
        self.loops: dict[str, int] = defaultdict(int)

    def route(self, src: Box, to_node: str | None, t: float) -> Path:
        dst = self.lay.boxes.get(f"n:{to_node}") if to_node else None
        if dst is None or dst is src:
            path = _loop_path(src, self.loops[src.id], dangling=dst is None, t=t)
            self.loops[src.id] += 1
            return path
        if _same_column(src, dst):
            col = round(src.x)
            path = _column_path(src, dst, self.columns[col], t)
            self.columns[col] += 1
            return path
        key = (min(src.id, dst.id), max(src.id, dst.id))
        path = _pair_path(src, dst, self.pairs[key], t)
        self.pairs[key] += 1
        return path


def _start_badge(row: Row, box: Box) -> str:
    x, y = box.x + box.w / 2 - 2, box.y - box.h / 2 + 2
    state = "ok" if row.ok else "bad"
    return (
        f'<a href="#row-{row.index}" class="arrow {state} start" id="arrow-{row.index}" '
        f'data-row="{row.index}" aria-label="{esc(_title(row))}"><title>{esc(_title(row))}</title>'
        f"{_mark(x, y, row.ok, None if row.ok else 'start')}</a>"
    )


# arrowheads in user units: a selected (thicker) arrow keeps its head size
_HEAD = (
    '<marker id="head-{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
    'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
    '<path d="M0,0 L10,5 L0,10 z" fill="{}"/></marker>'
)
DEFS = "<defs>" + _HEAD.format("ok", OK) + _HEAD.format("bad", BAD) + "</defs>"


def lab_svg(lay: Layout, rows: list[Row], title: str) -> str:
    """The picture: wires, boxes, then one arrow (or a badge for a broker's start) per row."""
    parts = [_wire_svg(lay, w) for w in lay.wires]
    parts += [_box_svg(b) for b in lay.boxes.values()]
    router = _Router(lay)
    arrows = []
    for row in rows:
        src = lay.boxes.get(f"n:{row.from_node}")
        if src is None:
            continue  # a row of a node the lab does not have: the table still lists it
        if row.kind == START:
            arrows.append(_start_badge(row, src))
            continue
        t, label = _mark_spot(row)
        if row.advertised_failed:
            main = router.route(src, row.to_node, 0.5)
            leg = router.route(src, row.advertised_node, t=0.55)
            arrows.append(_arrow(row, main, None, leg, label))
        else:
            arrows.append(_arrow(row, router.route(src, row.to_node, t), label))
    loops, columns = router.loops, router.columns
    # room above for loops, around for bent arrows
    pad_top = MARGIN + (30 + 16 * max(loops.values(), default=0) if loops else 0)
    pad_right = MARGIN + max((0.22 * lay.height + 30 + 7 * n for n in columns.values()), default=0)
    w, h = lay.width + MARGIN + pad_right, lay.height + MARGIN + pad_top
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lab" role="img" '
        f'viewBox="{_f(-MARGIN)} {_f(-pad_top)} {_f(w)} {_f(h)}" width="{_f(w * SCALE)}" '
        f'height="{_f(h * SCALE)}" font-family="Helvetica, Arial, sans-serif" font-size="{FONT_PT}">'
        f"<title>{esc(title)}</title>{DEFS}"
        f'<g class="lab-wires-and-boxes">{"".join(parts)}</g><g class="rows">{"".join(arrows)}</g></svg>'
    )
