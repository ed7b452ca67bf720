"""AnyDesk trace, connection_trace.txt and system.conf."""

from forensics.model.remote import RemoteEvent, RemoteToolConfig, detail_get
from parsers.host_artifacts import anydesk

from .helpers import check_golden, run, sniff_file


def test_sniff_claims_anydesk_files_only():
    assert sniff_file(anydesk.PARSER, "anydesk/ad_svc.trace")
    assert sniff_file(anydesk.PARSER, "anydesk/connection_trace.txt")
    assert sniff_file(anydesk.PARSER, "anydesk/system.conf")
    assert not sniff_file(anydesk.PARSER, "negative_generic.log")
    assert not sniff_file(anydesk.PARSER, "negative_settings.ini")


def test_trace_links_login_to_session_request():
    recs, ctx = run(anydesk.PARSER, "anydesk/ad_svc.trace")
    assert ctx.warnings == []
    sessions = [r for r in recs if r.event == "session"]
    first = sessions[0]
    assert first.remote_id == "1122334455"
    assert (first.peer_ip, first.peer_port) == ("203.0.113.45", 49822)
    assert first.direction == "incoming"
    assert detail_get(first.detail, "remote_name") == "OPS-DESK-07"
    assert detail_get(first.detail, "relay") == "7a1c3e9f"
    assert detail_get(first.detail, "auth") == "with permanent token"
    assert detail_get(first.detail, "files") == "C:\\Users\\gwadmin\\Desktop\\numbers.xlsx"
    assert detail_get(first.detail, "time_zone") == "unknown-local"
    assert first.confidence == "medium"  # the address link is inferred from sequence
    # 2024-05-03 10:12:31.902 as wall clock, 10:40:10.551 end
    assert first.ts_ns == 1714731151_902_000_000
    assert first.end_ts_ns == 1714732810_551_000_000
    assert first.prov.line == 3
    # a login line before its request is not linked: it stays a standalone event
    logins = [r for r in recs if r.event == "login"]
    assert [(r.peer_ip, r.prov.line) for r in logins] == [("203.0.113.46", 8)]
    assert sessions[1].remote_id == "987650001" and sessions[1].peer_ip is None
    assert sessions[1].end_ts_ns is None
    ext = [r for r in recs if r.event == "external_address"]
    assert detail_get(ext[0].detail, "local_public") == "198.51.100.23:61744"


def test_connection_trace_rows_and_bad_line():
    recs, ctx = run(anydesk.PARSER, "anydesk/connection_trace.txt")
    assert [(r.direction, r.remote_id, detail_get(r.detail, "auth")) for r in recs] == [
        ("incoming", "1122334455", "Passwd"),
        ("incoming", "1122334455", "Token"),
        ("outgoing", "555666777", "User"),
    ]
    assert [(w.code, w.line) for w in ctx.warnings] == [("anydesk-connection-trace-bad-line", 4)]


def test_system_conf_gives_own_id():
    recs, _ = run(anydesk.PARSER, "anydesk/system.conf")
    assert recs == [recs[0]] and isinstance(recs[0], RemoteToolConfig)
    assert recs[0].local_id == "443322110"


def test_truncated_and_garbage_trace_warns_without_crash():
    """Line 1 valid request; line 2 binary junk; line 3 month 13; line 4 cut mid-time."""
    recs, ctx = run(anydesk.PARSER, "anydesk/truncated_garbage.trace")
    assert [(w.code, w.line) for w in ctx.warnings] == [
        ("anydesk-garbage-line", 2),
        ("anydesk-bad-time", 3),
        ("anydesk-trace-bad-line", 4),
    ]
    assert len(recs) == 1 and isinstance(recs[0], RemoteEvent)
    assert recs[0].remote_id == "1122334455"


def test_golden():
    check_golden(anydesk.PARSER, "anydesk/ad_svc.trace")
    check_golden(anydesk.PARSER, "anydesk/connection_trace.txt")
