"""CSV tables: BOM, formula-injection guard, flattening, stable columns and order."""

from __future__ import annotations

import csv
import io

from forensics.report.tables import COLUMNS, guard, write_tables


def read(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), path.name
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))


def test_every_list_written_with_bom(findings, tmp_path):
    paths = write_tables(findings, tmp_path)
    names = [p.name for p in paths]
    for name in ("evidence", "devices", "gateway_configs", "registrations", "calls",
                 "remote_sessions", "tunnels", "landlines", "operators", "complaints",
                 "links", "warnings"):
        assert f"{name}.csv" in names
    assert "summary.csv" in names  # extra top-level list of objects
    assert all(p.parent == tmp_path / "tables" for p in paths)
    for p in paths:
        read(p)


def test_empty_lists_still_have_header(empty_findings, tmp_path):
    write_tables(empty_findings, tmp_path)
    rows = read(tmp_path / "tables" / "tunnels.csv")
    assert rows == [list(COLUMNS["tunnels"])]


def test_formula_injection_guarded(findings, tmp_path):
    write_tables(findings, tmp_path)
    rows = read(tmp_path / "tables" / "complaints.csv")
    header, body = rows[0], rows[1:]
    case_no = [r[header.index("case_no")] for r in body]
    assert case_no[3] == "'=HYPERLINK(\"http://example.invalid\")"
    assert case_no[0] == "A4303022024080001"  # harmless cells untouched
    # E.164 numbers start with "+": guarded as text as well
    assert body[0][header.index("victim_number")] == "'+8613800138001"
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert guard(bad) == "'" + bad
    assert guard("1-2") == "1-2"


def test_nested_values_flattened(findings, tmp_path):
    write_tables(findings, tmp_path)
    rows = read(tmp_path / "tables" / "calls.csv")
    header, first = rows[0], rows[1]
    assert first[header.index("sip_peer")] == "203.0.113.50:5060/udp"
    assert first[header.index("sources")] == "E1#f1201;E1#f1207;E1#f9032"
    assert first[header.index("start")] == "2024-08-24T01:15:02.123456Z"  # UTC kept as is
    regs = read(tmp_path / "tables" / "registrations.csv")
    assert regs[1][regs[0].index("sources")] == "E1#f12-47990(2660)"
    cfg = read(tmp_path / "tables" / "gateway_configs.csv")
    accounts = cfg[1][cfg[0].index("accounts")]
    assert "password=set, 10 chars, sha256 1a2b3c4d" in accounts
    long_contact = findings["sip_registrations"][2]["contact"]
    assert regs[3][regs[0].index("contact")] == long_contact  # not shortened in CSV


def test_stable_columns_and_row_order(findings, tmp_path):
    findings["calls"][0]["x_extra"] = "e"
    write_tables(findings, tmp_path)
    rows = read(tmp_path / "tables" / "calls.csv")
    assert rows[0] == list(COLUMNS["calls"]) + ["x_extra"]
    assert [r[rows[0].index("call_id")] for r in rows[1:]] == [
        c["call_id"] for c in findings["calls"]]
    first = (tmp_path / "tables" / "calls.csv").read_bytes()
    write_tables(findings, tmp_path)
    assert (tmp_path / "tables" / "calls.csv").read_bytes() == first


def test_chinese_text_round_trips(findings, tmp_path):
    write_tables(findings, tmp_path)
    rows = read(tmp_path / "tables" / "landlines.csv")
    assert rows[1][rows[0].index("region")] == "湖南省湘潭市"
