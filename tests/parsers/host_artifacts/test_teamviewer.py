"""TeamViewer connection lists and application log."""

from forensics.model.remote import detail_get
from parsers.host_artifacts import teamviewer

from .helpers import check_golden, run, run_bytes, sniff_file


def test_sniff():
    for f in ("Connections_incoming.txt", "Connections_incoming_utf16.txt",
              "Connections.txt", "TeamViewer15_Logfile.log"):
        assert sniff_file(teamviewer.PARSER, f"teamviewer/{f}"), f
    assert not sniff_file(teamviewer.PARSER, "negative_generic.log")
    assert not sniff_file(teamviewer.PARSER, "anydesk/connection_trace.txt")


def test_incoming_rows_utc_and_bad_date():
    recs, ctx = run(teamviewer.PARSER, "teamviewer/Connections_incoming.txt")
    assert [(r.remote_id, r.direction, r.user) for r in recs] == [
        ("987654321", "incoming", "gwadmin"), ("1212121212", "incoming", "gwadmin")]
    first = recs[0]
    assert first.ts_ns == 1714731160 * 10**9  # 2024-05-03 10:12:40, UTC per sources
    assert first.end_ts_ns == 1714734133 * 10**9
    assert detail_get(first.detail, "partner_name") == "OPS-DESK-07"
    assert detail_get(first.detail, "session_guid") == "{3f0c6a2e-8d4b-4b8e-9a51-2b7c1d9e0f11}"
    assert detail_get(first.detail, "time_zone") == "utc-assumed"
    assert detail_get(recs[1].detail, "partner_name") == "操作员-李"
    assert [(w.code, w.line) for w in ctx.warnings] == [("teamviewer-connections-bad-line", 3)]


def test_utf16_variant_gives_same_records():
    a, _ = run(teamviewer.PARSER, "teamviewer/Connections_incoming.txt")
    b, _ = run(teamviewer.PARSER, "teamviewer/Connections_incoming_utf16.txt")
    assert [r.to_json() | {"prov": None} for r in a] == [r.to_json() | {"prov": None} for r in b]


def test_outgoing_layout():
    recs, ctx = run(teamviewer.PARSER, "teamviewer/Connections.txt")
    assert ctx.warnings == []
    assert [(r.remote_id, r.direction, detail_get(r.detail, "connection_type")) for r in recs] == [
        ("444555666", "outgoing", "RemoteControl")]


def test_log_events_shifted_by_header_offset():
    recs, ctx = run(teamviewer.PARSER, "teamviewer/TeamViewer15_Logfile.log")
    ev = {r.event: r for r in recs}
    assert set(ev) == {"auth_attempt", "participant", "punch", "keyboard_layout",
                       "file_transfer", "session_end"}
    assert (ev["punch"].peer_ip, ev["punch"].peer_port) == ("203.0.113.45", 55408)
    # 10:12:41.530 at UTC+8 -> 02:12:41.530 UTC
    assert ev["punch"].ts_ns == 1714702361_530_000_000
    assert detail_get(ev["punch"].detail, "time_zone") == "UTC+08:00 (log header)"
    assert ev["participant"].remote_id == "987654321"
    assert ev["participant"].local_id == "111222333"
    assert detail_get(ev["keyboard_layout"].detail, "remote_language") == "zh-CN"
    assert [(w.code, w.line) for w in ctx.warnings] == [("teamviewer-bad-time", 12)]


def test_log_without_header_stays_local():
    data = ("2024/05/03 10:12:41.530  2712  4412 S0   UDPv4: punch received a=203.0.113.45:55408: (*)\n"
            "2024/05/03 10:12:41.600  2712  4412 S0   TeamViewer heartbeat\n").encode()
    recs, _ = run_bytes(teamviewer.PARSER, data, "TeamViewer15_Logfile.log")
    assert recs[0].ts_ns == 1714731161_530_000_000
    assert detail_get(recs[0].detail, "time_zone") == "unknown-local"


def test_golden():
    check_golden(teamviewer.PARSER, "teamviewer/Connections_incoming.txt")
    check_golden(teamviewer.PARSER, "teamviewer/TeamViewer15_Logfile.log")
