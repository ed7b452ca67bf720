"""Charts: hand-written SVG, byte-identical across runs and processes, escaped, no matplotlib."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import defusedxml.ElementTree as DET
import pytest

from forensics.report import charts
from forensics.report.i18n import label
from forensics.report.values import zone

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "fixtures" / "report" / "sample_findings.json"
NS = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>&"'
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _svg(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def _tree(uri: str):
    """The parsed SVG root (defusedxml: no entities, no external references)."""
    root = DET.fromstring(_svg(uri).encode("utf-8"))
    assert root.tag == f"{NS}svg"
    return root


def _texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def _titles(root) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}title")]


def _run_in_subprocess(code: str, **env: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, check=True, env={**os.environ, **env}).stdout


def test_two_runs_identical_bytes(findings):
    tz, _ = zone("Asia/Shanghai")
    a = charts.render_all(findings, tz, "zh")
    b = charts.render_all(findings, tz, "zh")
    assert set(a) == {"calls_by_hour", "registrations", "graph"}
    assert all(a.values())
    assert a == b


def test_identical_bytes_in_another_process(findings):
    code = (
        "import json,sys; from forensics.report import charts; "
        "from forensics.report.values import zone; "
        f"f=json.load(open({str(SAMPLE)!r}, encoding='utf-8')); "
        "sys.stdout.write(json.dumps([charts.render_all(f, zone('Asia/Shanghai')[0], lang) "
        "for lang in ('zh', 'en')]))"
    )
    tz, _ = zone("Asia/Shanghai")
    here = [charts.render_all(findings, tz, lang) for lang in ("zh", "en")]
    for seed in ("1", "4242"):  # string hashing differs between these processes
        assert json.loads(_run_in_subprocess(code, PYTHONHASHSEED=seed)) == here


def test_no_matplotlib_imported():
    code = (
        "import json,sys; from forensics.report import charts, html; "
        "from forensics.report.values import zone; "
        f"f=json.load(open({str(SAMPLE)!r}, encoding='utf-8')); "
        "r=charts.render_all(f, zone('Asia/Shanghai')[0], 'zh'); "
        "assert all(r.values()); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    assert _run_in_subprocess(code).strip() == "[]"
    assert charts.available() is True


def test_every_chart_is_a_small_standalone_svg(findings):
    tz, _ = zone("Asia/Shanghai")
    for lang in ("en", "zh"):
        for name, uri in charts.render_all(findings, tz, lang).items():
            svg = _svg(uri)
            assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>'), name
            root = _tree(uri)
            x, y, w, h = (float(v) for v in root.get("viewBox").split())
            assert (x, y, w) == (0, 0, charts.WIDTH) and 40 < h < 1000, name
            fonts = root.get("font-family")
            assert "Noto Sans CJK SC" in fonts and fonts.endswith("sans-serif")
            assert float(root.get("font-size")) >= 10
            assert _texts(root), name  # text stays text
            assert "matplotlib" not in svg and "<dc:date>" not in svg
            assert not re.search(r'\bid="', svg)  # nothing to collide when inlined
            assert len(svg) < 20_000, name
            # nothing placed outside the picture
            for el in root.iter():
                for attr in ("x", "x1", "x2"):
                    if el.get(attr) is not None:
                        assert -0.01 <= float(el.get(attr)) <= w, (name, el.tag, el.attrib)


def test_calls_by_hour_counts_in_local_time(findings):
    tz, _ = zone("Asia/Shanghai")
    per_line = charts.calls_per_hour(findings, tz)
    hours = sorted(h for counts in per_line.values() for h, c in enumerate(counts)
                   for _ in range(c))
    assert hours == [9, 10, 11, 14, 14, 16, 16, 19, 21]
    assert per_line["+8673155551234"][9] == 1 and per_line["+8673155551235"][16] == 2
    utc = charts.calls_per_hour(findings, zone("UTC")[0])
    assert utc["+8673155551234"][1] == 1 and utc["+8673155551234"][9] == 0
    # the picture draws those counts: one bar segment per (landline, hour)
    root = _tree(charts.calls_by_hour(findings, tz, "en"))
    bars = [t for t in _titles(root) if "–" in t]
    assert "0731-5555 1235 · 16:00–16:59 · 2" in bars
    assert "unknown · 21:00–21:59 · 1" in bars
    assert len(bars) == sum(1 for c in per_line.values() for n in c if n)
    assert charts.calls_by_hour(findings, tz, "en") != charts.calls_by_hour(
        findings, zone("UTC")[0], "en")


def test_calls_by_hour_axes_and_legend(findings):
    tz, _ = zone("Asia/Shanghai")
    en = _texts(_tree(charts.calls_by_hour(findings, tz, "en")))
    for text in ("0731-5555 1234", "0731-5555 1235", "0755-8888 1111", label("unknown", "en"),
                 label("hour_of_day", "en"), label("call_count", "en")):
        assert text in en
    assert [str(h) for h in range(24)] == [t for t in en if t.isdigit() and int(t) < 24][-24:]
    assert {"0", "1", "2"} <= set(en)  # integer y ticks up to the highest stack (2)
    assert not any("." in t for t in en if t.replace(".", "").isdigit())
    zh = _texts(_tree(charts.calls_by_hour(findings, tz, "zh")))
    assert label("hour_of_day", "zh") in zh and label("call_count", "zh") in zh
    assert label("unknown", "zh") in zh


def test_hostile_names_are_escaped(findings):
    findings["landlines"][0]["display"] = HOSTILE
    findings["sip_registrations"][0]["username"] = HOSTILE
    findings["devices"][0]["id"] = HOSTILE
    for op in findings["operators"]:
        op["devices"] = [HOSTILE if d == "GW-1" else d for d in op["devices"]]
    findings["operators"][1]["ip"] = HOSTILE + "\x00\x1b"  # not even valid XML characters
    tz, _ = zone("Asia/Shanghai")
    for name, uri in charts.render_all(findings, tz, "en").items():
        svg = _svg(uri)
        assert "<script" not in svg, name
        assert "&lt;script&gt;&amp;&quot;" in svg, name
        root = _tree(uri)  # still well-formed
        assert any(HOSTILE in t for t in _texts(root)), name
        assert not list(root.iter(f"{NS}script"))


def test_long_labels_are_shortened_with_full_text_in_title(findings):
    long_name = "湖南省湘潭市雨湖区某某街道某某小区" * 4 + " line 1"
    long_user = "user-" + "x" * 120
    findings["landlines"][0]["display"] = long_name
    findings["sip_registrations"][0]["username"] = long_user
    tz, _ = zone("Asia/Shanghai")
    calls = _tree(charts.calls_by_hour(findings, tz, "zh"))
    assert long_name in _titles(calls)
    shown = [t for t in _texts(calls) if t.startswith("湖南省")]
    assert len(shown) == 1 and shown[0].endswith("…") and len(shown[0]) < 25
    regs = _tree(charts.registrations_timeline(findings, tz, "zh"))
    full = f"GW-1 {long_user} → 203.0.113.50"
    assert full in _titles(regs)
    shown = [t for t in _texts(regs) if long_user[:10] in t]
    assert len(shown) == 1 and shown[0].endswith("…") and len(shown[0]) < 50


def test_registrations_numeric_local_time_ticks(findings):
    tz, _ = zone("Asia/Shanghai")
    uri = charts.registrations_timeline(findings, tz, "en")
    texts = _texts(_tree(uri))
    assert "GW-1 8001 → 203.0.113.50" in texts and "GW-2 9001 → 198.51.100.7" in texts
    assert not any(m in t for m in MONTHS for t in texts)
    ticks = [t for t in texts if re.fullmatch(r"\d\d:\d\d", t)]
    assert len(ticks) >= 3
    # local dates (UTC+8): the first registration starts 2024-08-23 08:02 local
    assert "2024-08-23" in texts and "2024-08-25" in texts
    assert charts.registrations_timeline(findings, zone("UTC")[0], "en") != uri
    # the bar tooltips give first and last seen in local time
    assert any("2024-08-23 08:02:11 – 2024-08-24 23:58:40" in t for t in _titles(_tree(uri)))
    assert charts.registrations_timeline(findings, tz, "zh") == charts.registrations_timeline(
        findings, tz, "en")  # numbers only: the same in both languages


def test_registration_of_one_instant_still_has_a_bar(findings):
    reg = findings["sip_registrations"][0]
    reg["last_seen"] = reg["first_seen"]
    findings["sip_registrations"] = [reg]
    root = _tree(charts.registrations_timeline(findings, zone("UTC")[0], "en"))
    bars = [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    assert len(bars) == 1 and float(bars[0].get("width")) >= 1
    ticks = [t for t in _texts(root) if re.fullmatch(r"\d\d:\d\d(:\d\d)?", t)]
    assert len(ticks) >= 2


@pytest.mark.parametrize(("first", "last", "pattern"), [
    ("2024-08-24T01:00:00Z", "2024-08-24T01:03:30Z", r"\d\d:\d\d"),
    ("2024-08-24T01:00:00Z", "2024-08-30T01:00:00Z", r"\d\d-\d\d"),
    ("2024-01-10T01:00:00Z", "2024-08-02T01:00:00Z", r"\d\d-\d\d|\d{4}-\d\d"),
    ("2019-01-10T01:00:00Z", "2024-03-02T01:00:00Z", r"\d{4}(-\d\d)?"),
    ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", r"\d{4}"),
])
def test_time_axis_from_minutes_to_centuries(first, last, pattern):
    f = {"sip_registrations": [{"device": "D", "username": "u", "registrar": {"ip": "192.0.2.1"},
                                "first_seen": first, "last_seen": last}]}
    texts = _texts(_tree(charts.registrations_timeline(f, zone("Asia/Shanghai")[0], "zh")))
    ticks = [t for t in texts if re.fullmatch(pattern, t)]
    assert 2 <= len(ticks) <= 10, texts
    assert not any(m in t for m in MONTHS for t in texts)


def test_time_ticks_skip_missing_wall_times():
    tz, _ = zone("Europe/Berlin")  # 2024-03-31 02:00 → 03:00
    t0 = datetime.fromisoformat("2024-03-31T00:30:00+01:00").timestamp()
    t1 = datetime.fromisoformat("2024-03-31T04:30:00+02:00").timestamp()
    ticks = charts._time_ticks(t0, t1, tz, 8)
    labels = [main for _, main, _ in ticks]
    assert "02:00" not in labels and "02:30" not in labels
    assert "01:00" in labels and "03:00" in labels
    positions = [pos for pos, _, _ in ticks]
    assert positions == sorted(set(positions))
    assert ticks[0][2] == "2024-03-31"  # the date once, at the first tick


def test_graph_colours_and_labels(findings):
    root = _tree(charts.device_operator_graph(findings, "en"))
    fills = {"".join(t.itertext()): t.get("fill") for t in root.iter(f"{NS}text")}
    assert fills["203.0.113.50\u00a0\u00a0United States"] == charts.OVERSEAS  # overseas: red
    assert fills["192.0.2.10\u00a0\u00a0China"] != charts.OVERSEAS
    for dev in ("GW-1", "GW-2", "LT-1"):
        assert dev in fills
    for role in ("sip_registrar", "remote_control", "tunnel", "management"):
        assert label(role, "en") in fills
    strokes = {ln.get("stroke") for ln in root.iter(f"{NS}line")}
    assert {charts.ROLE_COLOURS[r] for r in ("sip_registrar", "remote_control", "tunnel",
                                             "management")} <= strokes
    zh = _texts(_tree(charts.device_operator_graph(findings, "zh")))
    assert label("sip_registrar", "zh") in zh and "203.0.113.50\u00a0\u00a0美国" in zh


def test_nothing_to_draw_gives_none(empty_findings):
    tz, _ = zone(None)
    assert charts.render_all(empty_findings, tz, "en") == {
        "calls_by_hour": None, "registrations": None, "graph": None}
