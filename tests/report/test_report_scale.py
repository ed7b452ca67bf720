"""A case with more rows than a reader can read: the HTML shows the first MAX_ROWS of a
list and says where all of them are; the CSV keeps every row."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from forensics.report import html
from forensics.report.tables import write_tables

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "report" / "sample_findings.json"


def test_long_lists_are_capped_in_html_but_not_in_csv(tmp_path):
    f = json.loads(SAMPLE.read_text(encoding="utf-8"))
    base = f["calls"][0]
    n = html.MAX_ROWS + 5
    f["calls"] = []
    for i in range(n):
        c = copy.deepcopy(base)
        c["call_id"] = f"scale-{i:05d}@test"
        f["calls"].append(c)
    page = html.render_html(f, lang="en")
    assert page.count("scale-0") < n  # not every call is a row of the page
    assert f"Showing the first {html.MAX_ROWS:,} of {n:,}" in page and "tables/calls.csv" in page
    zh = html.render_html(f, lang="zh")
    assert f"共 {n:,} 条" in zh
    write_tables(f, tmp_path)
    rows = (tmp_path / "tables" / "calls.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == n + 1
