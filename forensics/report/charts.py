"""Charts for the court report, drawn with matplotlib and embedded as SVG data: URIs.

Three pictures, all computed from the findings dict alone:

- calls per hour of day (case time zone) per landline, stacked bars;
- SIP registrations over time per account: one bar from first to last seen;
- devices ↔ remote endpoints: a bipartite graph laid out by hand (devices on the
  left, operators on the right, one line per device/operator pair, coloured by the
  operator's first role).

Determinism: two runs give identical bytes.  Figures are built without pyplot (no
global state) on the Agg canvas, saved as SVG with ``svg.hashsalt`` fixed
(matplotlib otherwise salts clip-path ids with random data), ``metadata={"Date":
None}`` and text converted to paths (``svg.fonttype = "path"``), so the picture
needs no font on the reader's side.

Fonts: "Noto Sans CJK SC" (Debian ``fonts-noto-cjk``) when installed, so Chinese
labels draw; without a CJK font the charts fall back to English labels rather than
printing empty boxes.  Without matplotlib, :func:`available` is False and the report
says the charts were omitted.
"""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from datetime import tzinfo
from functools import lru_cache
from typing import Any

from forensics.report.i18n import country_name, label
from forensics.report.values import parse_ts

WIDTH_IN = 7.0  # fits the text width of an A4 page with 18 mm margins
SALT = "gatetrace-report"
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK JP")
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6",
           "#a50021", "#3b3838")
ROLE_COLOURS = {"sip_registrar": "#a50021", "sip_proxy": "#c55a11",
                "call_origin": "#c55a11", "remote_control": "#7030a0",
                "tunnel": "#1f4e79", "management": "#548235"}


def available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """Name of an installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FAMILIES if n in names), None)


def _lang_for_charts(lang: str) -> str:
    return lang if lang != "zh" or cjk_family() else "en"


def _rc() -> dict[str, Any]:
    fams = [f for f in (cjk_family(), "DejaVu Sans") if f]
    return {
        "svg.hashsalt": SALT,
        "svg.fonttype": "path",
        "font.family": fams,
        "font.size": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
    }


def _svg_uri(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "gatetrace"})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(height_in: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def calls_by_hour(findings: dict[str, Any], tz: tzinfo, lang: str) -> str | None:
    """Stacked bars: calls started in each local hour, one colour per landline."""
    per_line: dict[str, list[int]] = defaultdict(lambda: [0] * 24)
    for call in findings.get("calls") or []:
        dt = parse_ts(call.get("start"))
        if dt is None:
            continue
        key = call.get("landline") or "?"
        per_line[key][dt.astimezone(tz).hour] += 1
    if not per_line:
        return None
    lang = _lang_for_charts(lang)
    display = {ll.get("number"): ll.get("display") or ll.get("number")
               for ll in findings.get("landlines") or []}
    import matplotlib

    with matplotlib.rc_context(_rc()):
        fig = _figure(2.6)
        ax = fig.add_subplot()
        bottom = [0] * 24
        for i, key in enumerate(sorted(per_line)):
            counts = per_line[key]
            name = display.get(key) or (label("unknown", lang) if key == "?" else key)
            ax.bar(range(24), counts, bottom=bottom, color=PALETTE[i % len(PALETTE)],
                   label=name, width=0.8)
            bottom = [b + c for b, c in zip(bottom, counts)]
        ax.set_xticks(range(24))
        ax.set_xlim(-0.6, 23.6)
        ax.set_xlabel(label("hour_of_day", lang))
        ax.set_ylabel(label("call_count", lang))
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        return _svg_uri(fig)


def registrations_timeline(findings: dict[str, Any], tz: tzinfo, lang: str) -> str | None:
    """One horizontal bar per registration record, first to last seen, local time."""
    rows = []
    for reg in findings.get("sip_registrations") or []:
        a, b = parse_ts(reg.get("first_seen")), parse_ts(reg.get("last_seen"))
        if a is None or b is None:
            continue
        registrar = reg.get("registrar") or {}
        name = f"{reg.get('device') or '?'} {reg.get('username')} → {registrar.get('ip', '?')}"
        rows.append((name, a.astimezone(tz), b.astimezone(tz), reg.get("failures") or 0))
    if not rows:
        return None
    import matplotlib
    from matplotlib import dates as mdates

    with matplotlib.rc_context(_rc()):
        fig = _figure(0.6 + 0.35 * len(rows))
        ax = fig.add_subplot()
        for i, (name, a, b, _fail) in enumerate(rows):
            start = mdates.date2num(a)
            width = max(mdates.date2num(b) - start, 1 / 1440)  # at least a minute wide
            ax.barh(i, width, left=start, height=0.5, color=PALETTE[i % len(PALETTE)])
        ax.set_yticks(range(len(rows)), [r[0] for r in rows])
        ax.invert_yaxis()
        locator = mdates.AutoDateLocator(tz=tz, minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        # Numeric labels only: month names would be English in a Chinese report.
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
            locator, tz=tz,
            formats=["%Y", "%m-%d", "%m-%d", "%H:%M", "%H:%M", "%S.%f"],
            zero_formats=["", "%Y", "%m-%d", "%m-%d", "%H:%M", "%H:%M"],
            offset_formats=["", "%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"],
        ))
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        return _svg_uri(fig)


def device_operator_graph(findings: dict[str, Any], lang: str) -> str | None:
    """Bipartite picture: devices (left) joined to the operators they talked to (right)."""
    ops = [o for o in findings.get("operators") or [] if o.get("devices")]
    if not ops:
        return None
    lang = _lang_for_charts(lang)
    dev_ids = [d.get("id") for d in findings.get("devices") or []]
    for o in ops:
        dev_ids += [d for d in o["devices"] if d not in dev_ids]
    dev_ids = [d for d in dev_ids if any(d in o["devices"] for o in ops)]
    # Operators of the first device first, and so on: fewer crossing lines.
    rank = {d: i for i, d in enumerate(dev_ids)}
    ops = sorted(ops, key=lambda o: min(rank.get(d, len(rank)) for d in o["devices"]))
    import matplotlib
    from matplotlib.lines import Line2D

    n = max(len(dev_ids), len(ops))
    with matplotlib.rc_context(_rc()):
        fig = _figure(0.5 + 0.42 * n)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.7, n - 0.3)

        def ys(k: int) -> list[float]:
            off = (n - k) / 2
            return [n - 1 - off - i for i in range(k)]

        dy = dict(zip(dev_ids, ys(len(dev_ids))))
        oy = ys(len(ops))
        used_roles: dict[str, str] = {}
        for o, y in zip(ops, oy):
            role = (o.get("roles") or ["other"])[0]
            colour = ROLE_COLOURS.get(role, "#3b3838")
            used_roles.setdefault(role, colour)
            for d in o["devices"]:
                if d in dy:
                    ax.plot([0.24, 0.58], [dy[d], y], color=colour, linewidth=1.2)
            cname = country_name(o.get("country"), lang, o.get("country_name"))
            ax.text(0.6, y, f"{o.get('ip')}  {cname}", va="center", ha="left",
                    fontsize=8, color="#a50021" if o.get("overseas") else "#333333")
        for d, y in dy.items():
            ax.text(0.22, y, str(d), va="center", ha="right", fontsize=9, weight="bold",
                    bbox={"boxstyle": "round,pad=0.3", "fc": "#eef3f8", "ec": "#1f4e79"})
        handles = [Line2D([], [], color=c, linewidth=1.5, label=label(r, lang))
                   for r, c in used_roles.items()]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   fontsize=7, frameon=False)
        return _svg_uri(fig)


def render_all(findings: dict[str, Any], tz: tzinfo, lang: str) -> dict[str, str | None]:
    """All charts as data: URIs (None when there is nothing to draw)."""
    return {
        "calls_by_hour": calls_by_hour(findings, tz, lang),
        "registrations": registrations_timeline(findings, tz, lang),
        "graph": device_operator_graph(findings, lang),
    }
