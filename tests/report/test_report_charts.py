"""Charts: byte-identical across runs and processes, CJK labels, empty input."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

from forensics.report import charts
from forensics.report.values import zone

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "fixtures" / "report" / "sample_findings.json"


def _svg(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_two_runs_identical_bytes(findings):
    tz, _ = zone("Asia/Shanghai")
    a = charts.render_all(findings, tz, "zh")
    b = charts.render_all(findings, tz, "zh")
    assert set(a) == {"calls_by_hour", "registrations", "graph"}
    assert all(a.values())
    assert a == b


def test_identical_bytes_in_another_process(findings):
    """matplotlib salts SVG ids per process unless svg.hashsalt is fixed."""
    code = (
        "import json,sys; from forensics.report import charts; "
        "from forensics.report.values import zone; "
        f"f=json.load(open({str(SAMPLE)!r}, encoding='utf-8')); "
        "sys.stdout.write(json.dumps(charts.render_all(f, zone('Asia/Shanghai')[0], 'zh')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    tz, _ = zone("Asia/Shanghai")
    assert json.loads(out) == charts.render_all(findings, tz, "zh")


def test_svg_has_no_date_and_text_as_paths(findings):
    tz, _ = zone("Asia/Shanghai")
    svg = _svg(charts.calls_by_hour(findings, tz, "en"))
    assert svg.lstrip().startswith("<?xml")
    assert "<dc:date>" not in svg
    assert "<text" not in svg  # glyphs drawn as paths: no font needed to view


def test_calls_by_hour_counts_in_local_time(findings):
    """Five calls of GW-1 line 1 and 2 at local hours 9,10,14 / 14,16,16."""
    tz, _ = zone("Asia/Shanghai")
    hours = sorted(charts.parse_ts(c["start"]).astimezone(tz).hour for c in findings["calls"])
    assert hours == [9, 10, 11, 14, 14, 16, 16, 19, 21]
    assert charts.calls_by_hour(findings, tz, "en") != charts.calls_by_hour(
        findings, zone("UTC")[0], "en")


def test_cjk_font_used_when_installed():
    # fonts-noto-cjk is part of the test environment (see the report's PDF tests)
    fam = charts.cjk_family()
    if fam is None:
        assert charts._lang_for_charts("zh") == "en"  # graceful fallback
    else:
        assert "CJK" in fam or "SC" in fam or "WenQuanYi" in fam
        assert charts._lang_for_charts("zh") == "zh"


def test_nothing_to_draw_gives_none(empty_findings):
    tz, _ = zone(None)
    assert charts.render_all(empty_findings, tz, "en") == {
        "calls_by_hour": None, "registrations": None, "graph": None}
