"""Charts for the court report: small hand-written SVG documents embedded as data: URIs.

Three pictures, all computed from the findings dict alone:

- calls per hour of day (case time zone) per landline, stacked bars;
- SIP registrations over time per account: one bar from first to last seen;
- devices ↔ remote endpoints: a bipartite graph laid out by hand (devices on the
  left, operators on the right, one line per device/operator pair, coloured by the
  operator's first role).

The SVG is built as text, without a plotting library: the pictures are simple and
importing one would be the largest fixed cost of the report stage.

Safety: every text taken from the findings (display names, user names, addresses,
device ids) goes through :func:`_esc`, which drops characters XML cannot carry and
escapes markup characters, so a hostile value prints as text and cannot break or
inject into the SVG.  Long labels are shortened with an ellipsis; the full text is
kept in a ``<title>`` element.

Determinism: the output depends on the findings, the time zone and the language
only: no ids, no dates, no hash-ordered iteration, numbers printed with a fixed
precision.  Two runs, in any process, give identical bytes.

Layout: a ``viewBox`` 680 units wide (the text width of an A4 page with 18 mm
margins at 96 dpi) with explicit width/height, so ``width: 100%`` scales it.  Text
stays text, in a font list that covers Chinese; its width is estimated from the
characters (CJK full width, Latin about 0.6 em) to place legends and to shorten
labels before they overflow.
"""

from __future__ import annotations

import base64
import math
import re
import unicodedata
from collections import defaultdict
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from forensics.report.i18n import country_name, label
from forensics.report.values import parse_ts

WIDTH = 680  # viewBox units; fits the text width of an A4 page with 18 mm margins
FONT_FAMILY = ("'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', "
               "'PingFang SC', 'WenQuanYi Zen Hei', 'DejaVu Sans', sans-serif")
FONT_SIZE = 11  # labels; about 8 pt once the picture is scaled to the page width
TICK_SIZE = 10
TEXT = "#333333"
MUTED = "#666666"
AXIS = "#444444"
GRID = "#dddddd"
OVERSEAS = "#a50021"
ELLIPSIS = "…"
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6",
           "#a50021", "#3b3838")
ROLE_COLOURS = {"sip_registrar": "#a50021", "sip_proxy": "#c55a11",
                "call_origin": "#c55a11", "remote_control": "#7030a0",
                "tunnel": "#1f4e79", "management": "#548235"}
OTHER_COLOUR = "#3b3838"

# Characters XML 1.0 cannot carry (and DEL); a findings value may contain any of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"[\t\n\r]+")


def available() -> bool:
    """Charts need nothing beyond the standard library: always True."""
    return True


# --------------------------------------------------------------------------- text


def _clean(value: Any) -> str:
    """A findings value as one line of XML-safe characters (not yet escaped)."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub("\ufffd", _SPACE.sub(" ", text))


def _esc(value: Any) -> str:
    """Text for XML character data and attribute values."""
    return (_clean(value).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;"))


def _char_em(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if unicodedata.combining(ch):
        return 0.0
    if ch in " .,:;'|!()[]{}/\\-":
        return 0.36
    if ch in "ilIjft1":
        return 0.4
    if ch in "mwMW@%":
        return 0.9
    if ch.isupper():
        return 0.7
    return 0.62


def _text_width(text: str, size: float) -> float:
    """Estimated advance of ``text`` at ``size`` (deliberately on the wide side)."""
    return sum(_char_em(c) for c in text) * size


def _fit(value: Any, max_width: float, size: float) -> tuple[str, str | None]:
    """(shown text, full text or None): shortened with an ellipsis to ``max_width``."""
    text = _clean(value)
    if _text_width(text, size) <= max_width:
        return text, None
    budget = max_width - _text_width(ELLIPSIS, size)
    used, out = 0.0, []
    for ch in text:
        used += _char_em(ch) * size
        if used > budget:
            break
        out.append(ch)
    return "".join(out).rstrip() + ELLIPSIS, text


def _n(v: float) -> str:
    """A coordinate with at most two decimals and no ``-0``."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


# --------------------------------------------------------------------------- SVG


class _Svg:
    """Collects SVG elements; :meth:`uri` returns the finished document as a data: URI."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, *,
             title: str | None = None, extra: str = "") -> None:
        el = (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
              f'fill="{fill}"{extra}')
        self.add(f"{el}><title>{_esc(title)}</title></rect>" if title else f"{el}/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str,
             width: float = 1.0) -> None:
        self.add(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                 f'stroke="{stroke}" stroke-width="{_n(width)}"/>')

    def text(self, x: float, y: float, value: Any, *, size: float = FONT_SIZE,
             anchor: str = "start", fill: str = TEXT, max_width: float | None = None,
             bold: bool = False, rotate: bool = False) -> None:
        """One line of text; ``y`` is the vertical centre of the line."""
        if max_width is None:
            shown, full = _clean(value), None
        else:
            shown, full = _fit(value, max_width, size)
        attrs = [f'x="{_n(x)}"', f'y="{_n(y + 0.36 * size)}"']  # baseline from centre
        if rotate:
            attrs = [f'x="{_n(x + 0.36 * size)}"', f'y="{_n(y)}"',
                     f'transform="rotate(-90 {_n(x + 0.36 * size)} {_n(y)})"']
        if size != FONT_SIZE:
            attrs.append(f'font-size="{_n(size)}"')
        if anchor != "start":
            attrs.append(f'text-anchor="{anchor}"')
        if bold:
            attrs.append('font-weight="bold"')
        attrs.append(f'fill="{fill}"')
        el = f"<text {' '.join(attrs)}>{_esc(shown)}</text>"
        self.add(f"<g><title>{_esc(full)}</title>{el}</g>" if full else el)

    def uri(self, height: float) -> str:
        h = _n(math.ceil(height))
        doc = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
               f'viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" '
               f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">\n'
               f'<rect x="0" y="0" width="{WIDTH}" height="{h}" fill="#ffffff"/>\n'
               + "\n".join(self.parts) + "\n</svg>\n")
        return "data:image/svg+xml;base64," + base64.b64encode(doc.encode("utf-8")).decode("ascii")


def _legend(svg: _Svg, items: list[tuple[str, str]], x0: float, y0: float, width: float,
            *, swatch: str = "box", centre: bool = False) -> float:
    """Legend entries (text, colour): one row if they fit, else a grid; returns the height."""
    row_h, gap, key_w = 16.0, 18.0, 14.0
    max_text = min(width - key_w - 4, 220.0)
    widths = [key_w + 4 + min(_text_width(_clean(t), FONT_SIZE), max_text) for t, _ in items]
    if sum(widths) + gap * (len(items) - 1) <= width:
        cols = max(1, len(items))
        xs = [sum(widths[:i]) + gap * i for i in range(cols)]
        used = sum(widths) + gap * (cols - 1)
    else:
        col_w = max(widths) + gap
        cols = max(1, int((width + gap) // col_w))
        xs = [i * col_w for i in range(cols)]
        used = cols * col_w - gap
    left = x0 + (width - used) / 2 if centre else x0
    for i, (text, colour) in enumerate(items):
        x = left + xs[i % cols]
        y = y0 + (i // cols) * row_h + row_h / 2
        if swatch == "line":
            svg.line(x, y, x + key_w, y, colour, 2.0)
        else:
            svg.rect(x + 2, y - 5, 10, 10, colour)
        svg.text(x + key_w + 4, y, text, max_width=max_text)
    return math.ceil(len(items) / cols) * row_h


# --------------------------------------------------------------------------- calls per hour


def _nice_int_step(top: int, max_ticks: int = 5) -> int:
    k = 1
    while True:
        for m in (1, 2, 5):
            if math.ceil(top / (m * k)) <= max_ticks:
                return m * k
        k *= 10


def calls_per_hour(findings: dict[str, Any], tz: tzinfo) -> dict[str, list[int]]:
    """Landline number (``"?"`` when unknown) → 24 counts of calls started per local hour."""
    per_line: dict[str, list[int]] = defaultdict(lambda: [0] * 24)
    for call in findings.get("calls") or []:
        dt = parse_ts(call.get("start"))
        if dt is None:
            continue
        try:
            hour = dt.astimezone(tz).hour
        except OverflowError:  # the first or last representable day
            continue
        per_line[str(call.get("landline") or "?")][hour] += 1
    return dict(per_line)


def calls_by_hour(findings: dict[str, Any], tz: tzinfo, lang: str) -> str | None:
    """Stacked bars: calls started in each local hour, one colour per landline."""
    per_line = calls_per_hour(findings, tz)
    if not per_line:
        return None
    display = {ll.get("number"): ll.get("display") or ll.get("number")
               for ll in findings.get("landlines") or []}
    series = []
    for i, key in enumerate(sorted(per_line)):
        name = display.get(key) or (label("unknown", lang) if key == "?" else key)
        series.append((_clean(name), PALETTE[i % len(PALETTE)], per_line[key]))

    svg = _Svg()
    left, right, top = 52.0, 12.0, 8.0
    plot_w = WIDTH - left - right
    legend_h = _legend(svg, [(n, c) for n, c, _ in series], left, top, plot_w)
    py0 = top + legend_h + 10  # top of the plot area
    plot_h = 150.0
    py1 = py0 + plot_h
    totals = [sum(s[2][h] for s in series) for h in range(24)]
    step = _nice_int_step(max(totals))
    ymax = max(step, math.ceil(max(totals) / step) * step)

    def yv(v: float) -> float:
        return py1 - v / ymax * plot_h

    for v in range(0, ymax + 1, step):
        if v:
            svg.line(left, yv(v), left + plot_w, yv(v), GRID, 0.6)
        svg.line(left - 4, yv(v), left, yv(v), AXIS, 0.8)
        svg.text(left - 7, yv(v), str(v), size=TICK_SIZE, anchor="end")
    slot = plot_w / 24
    bar_w = slot * 0.78
    for h in range(24):
        x = left + h * slot + (slot - bar_w) / 2
        base = 0
        for name, colour, counts in series:
            c = counts[h]
            if c:
                svg.rect(x, yv(base + c), bar_w, yv(base) - yv(base + c), colour,
                         title=f"{name} · {h:02d}:00–{h:02d}:59 · {c}")
                base += c
        svg.text(left + (h + 0.5) * slot, py1 + 11, str(h), size=TICK_SIZE, anchor="middle")
    svg.line(left, py0, left, py1, AXIS, 0.8)
    svg.line(left, py1, left + plot_w, py1, AXIS, 0.8)
    svg.text(left + plot_w / 2, py1 + 29, label("hour_of_day", lang), anchor="middle")
    svg.text(10, (py0 + py1) / 2, label("call_count", lang), anchor="middle", rotate=True)
    return svg.uri(py1 + 40)


# --------------------------------------------------------------------------- registrations

_SUB_DAY_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
                  3600, 7200, 10800, 21600, 43200)  # seconds; each divides a day
_DAY_STEPS = (1, 2, 7, 14)
_MONTH_STEPS = (1, 2, 3, 6)
_DAY = 86400.0
# Axis limits stay inside what datetime can represent, whatever the findings say.
_T_MIN = datetime(1, 1, 3, tzinfo=UTC).timestamp()
_T_MAX = datetime(9999, 12, 29, tzinfo=UTC).timestamp()


def _local(ts: float, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(ts, UTC).astimezone(tz).replace(tzinfo=None)


def _instant(naive: datetime, tz: tzinfo) -> tuple[float, bool]:
    """(POSIX seconds, whether the wall time exists) of a local wall-clock time."""
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return aware.timestamp(), back == naive


def _time_ticks(t0: float, t1: float, tz: tzinfo,
                max_steps: float) -> list[tuple[float, str, str]]:
    """Ticks between POSIX seconds t0 and t1 on round local times.

    The step is the smallest round one that cuts the span into at most
    ``max_steps`` parts (the plot width over the room a tick label needs).

    Returns (position, main label, context label): times ``HH:MM`` (or ``HH:MM:SS``)
    with the date as context where it changes; days ``MM-DD`` with the year; months
    ``YYYY-MM``; years ``YYYY``.  All numeric, so the same in every language.
    """
    span = t1 - t0
    cap = 4 * int(max_steps) + 8  # wall-clock ticks generated at most
    naives: list[datetime] = []
    unit = "y"
    for step in _SUB_DAY_STEPS:
        if span / step <= max_steps:
            unit = "s" if step < 60 else "m"
            start = _local(t0, tz)
            midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
            secs = (start - midnight).total_seconds()
            cur = midnight + timedelta(seconds=secs // step * step)
            while len(naives) < cap and cur <= _local(t1, tz):
                naives.append(cur)
                cur += timedelta(seconds=step)
            break
    else:
        for n in _DAY_STEPS:
            if span / (n * _DAY) <= max_steps:
                unit = "d"
                d = _local(t0, tz).date()
                while len(naives) < cap and d <= _local(t1, tz).date():
                    if n == 1 or (n == 2 and d.toordinal() % 2 == 0) or (
                            n > 2 and d.toordinal() % n == 1):  # ordinal 1 is a Monday
                        naives.append(datetime(d.year, d.month, d.day))
                    d += timedelta(days=1)
                break
        else:
            first, last = _local(t0, tz), _local(t1, tz)
            months = (last.year - first.year) * 12 + last.month - first.month
            steps = [(m, "mo") for m in _MONTH_STEPS]
            k = 1
            while k <= 10000:
                steps += [(12 * m * k, "y") for m in (1, 2, 5)]
                k *= 10
            n, unit = next(((m, u) for m, u in steps if months / m <= max_steps),
                           steps[-1])
            idx = first.year * 12 + first.month - 1
            idx -= idx % n
            while idx <= last.year * 12 + last.month - 1 and len(naives) < cap:
                if 1 <= idx // 12 <= 9999:
                    naives.append(datetime(idx // 12, idx % 12 + 1, 1))
                idx += n
    ticks: list[tuple[float, str, str]] = []
    prev_ctx = None
    for naive in naives:
        pos, exists = _instant(naive, tz)
        if pos < t0 or pos > t1 or (unit in ("s", "m") and not exists):
            continue
        if ticks and pos <= ticks[-1][0]:
            continue
        if unit in ("s", "m"):
            main = naive.strftime("%H:%M:%S" if unit == "s" else "%H:%M")
            ctx = f"{naive.year:04d}-{naive.month:02d}-{naive.day:02d}"
        elif unit == "d":
            main, ctx = f"{naive.month:02d}-{naive.day:02d}", f"{naive.year:04d}"
        elif unit == "mo":
            main, ctx = f"{naive.year:04d}-{naive.month:02d}", ""
        else:
            main, ctx = f"{naive.year:04d}", ""
        ticks.append((pos, main, ctx if ctx != prev_ctx else ""))
        prev_ctx = ctx
    return ticks


def _local_text(dt: datetime, tz: tzinfo) -> str:
    try:
        dt = dt.astimezone(tz)
    except OverflowError:  # the first or last representable day, shifted out of range
        return f"{dt.year:04d}-{dt:%m-%d %H:%M:%S} UTC"
    return f"{dt.year:04d}-{dt:%m-%d %H:%M:%S}"


def registrations_timeline(findings: dict[str, Any], tz: tzinfo, lang: str) -> str | None:
    """One horizontal bar per registration record, first to last seen, local time."""
    rows = []
    for reg in findings.get("sip_registrations") or []:
        a, b = parse_ts(reg.get("first_seen")), parse_ts(reg.get("last_seen"))
        if a is None or b is None:
            continue
        if b < a:
            a, b = b, a
        registrar = reg.get("registrar") or {}
        ip = registrar.get("ip", "?") if isinstance(registrar, dict) else registrar
        name = f"{reg.get('device') or '?'} {reg.get('username') or '?'} → {ip}"
        rows.append((_clean(name), a, b))
    if not rows:
        return None
    svg = _Svg()
    name_w = min(max(_text_width(r[0], FONT_SIZE) for r in rows), 240.0)
    left, right, top, row_h = 8 + name_w + 10, 34.0, 8.0, 24.0
    plot_w = WIDTH - left - right
    py1 = top + row_h * len(rows)
    t0 = min(r[1].timestamp() for r in rows)
    t1 = max(r[2].timestamp() for r in rows)
    t1 = max(t1, t0 + 60)
    pad = max((t1 - t0) * 0.02, 30.0)
    t0, t1 = max(t0 - pad, _T_MIN), min(t1 + pad, _T_MAX)

    def xv(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * plot_w

    ticks = _time_ticks(t0, t1, tz, max(1.0, plot_w / 66))
    for pos, main, ctx in ticks:
        x = xv(pos)
        svg.line(x, top, x, py1, GRID, 0.6)
        svg.line(x, py1, x, py1 + 4, AXIS, 0.8)
        for text, y, fill in ((main, py1 + 12, TEXT), (ctx, py1 + 25, MUTED)):
            half = _text_width(text, TICK_SIZE) / 2
            if text and x + half > WIDTH - 2:  # keep end labels inside the picture
                svg.text(WIDTH - 2, y, text, size=TICK_SIZE, anchor="end", fill=fill)
            elif text and x - half < 2:
                svg.text(2, y, text, size=TICK_SIZE, fill=fill)
            elif text:
                svg.text(x, y, text, size=TICK_SIZE, anchor="middle", fill=fill)
    for i, (name, a, b) in enumerate(rows):
        yc = top + (i + 0.5) * row_h
        x0 = xv(a.timestamp())
        x1 = max(xv(b.timestamp()), xv(a.timestamp() + 60))  # at least a minute wide
        x1 = max(x1, x0 + 1.5)  # and visible
        svg.rect(x0, yc - 6, x1 - x0, 12, PALETTE[i % len(PALETTE)],
                 title=f"{name}: {_local_text(a, tz)} – {_local_text(b, tz)}")
        svg.text(left - 10, yc, name, anchor="end", max_width=name_w)
    svg.line(left, top, left, py1, AXIS, 0.8)
    svg.line(left, py1, left + plot_w, py1, AXIS, 0.8)
    return svg.uri(py1 + 34)


# --------------------------------------------------------------------------- graph


def device_operator_graph(findings: dict[str, Any], lang: str) -> str | None:
    """Bipartite picture: devices (left) joined to the operators they talked to (right)."""
    ops = [o for o in findings.get("operators") or [] if o.get("devices")]
    if not ops:
        return None
    dev_ids = [d.get("id") for d in findings.get("devices") or []]
    for o in ops:
        dev_ids += [d for d in o["devices"] if d not in dev_ids]
    dev_ids = [d for d in dev_ids if any(d in o["devices"] for o in ops)]
    # Operators of the first device first, and so on: fewer crossing lines.
    rank = {d: i for i, d in enumerate(dev_ids)}
    ops = sorted(ops, key=lambda o: min(rank.get(d, len(rank)) for d in o["devices"]))

    svg = _Svg()
    row_h, top = 26.0, 8.0
    n = max(len(dev_ids), len(ops))
    box_right, line_x0, line_x1, op_x = 168.0, 174.0, 344.0, 352.0

    def ys(k: int) -> list[float]:
        off = (n - k) / 2
        return [top + (off + i + 0.5) * row_h for i in range(k)]

    dy = dict(zip(dev_ids, ys(len(dev_ids))))
    used_roles: dict[str, str] = {}
    for o, y in zip(ops, ys(len(ops))):
        roles = o.get("roles") or ["other"]
        role = str(roles[0])
        colour = ROLE_COLOURS.get(role, OTHER_COLOUR)
        used_roles.setdefault(role, colour)
        for d in o["devices"]:
            if d in dy:
                svg.line(line_x0, dy[d], line_x1, y, colour, 1.4)
        cname = country_name(o.get("country"), lang, o.get("country_name"))
        svg.text(op_x, y, f"{_clean(o.get('ip'))}\u00a0\u00a0{cname}",
                 fill=OVERSEAS if o.get("overseas") else TEXT,
                 max_width=WIDTH - op_x - 8)
    id_w = (box_right - 8 - 12) / 1.08  # room for a device id; bold is a little wider
    box_w = 12 + 1.08 * max(_text_width(_fit(d, id_w, FONT_SIZE)[0], FONT_SIZE)
                            for d in dev_ids)
    for d, y in dy.items():
        svg.rect(box_right - box_w, y - 9, box_w, 18, "#eef3f8",
                 extra=' rx="3" stroke="#1f4e79" stroke-width="1"')
        svg.text(box_right - box_w / 2, y, d, anchor="middle", bold=True, max_width=id_w)
    legend_top = top + n * row_h + 8
    legend_h = _legend(svg, [(label(r, lang), c) for r, c in used_roles.items()],
                       8, legend_top, WIDTH - 16, swatch="line", centre=True)
    return svg.uri(legend_top + legend_h + 6)


def render_all(findings: dict[str, Any], tz: tzinfo, lang: str) -> dict[str, str | None]:
    """All charts as data: URIs (None when there is nothing to draw)."""
    return {
        "calls_by_hour": calls_by_hour(findings, tz, lang),
        "registrations": registrations_timeline(findings, tz, lang),
        "graph": device_operator_graph(findings, lang),
    }
