"""rule_host_artifacts: remote_sessions / tunnels rows from host-artifact records."""

import json
from pathlib import Path

import jsonschema

from forensics.correlate.context import CaseData
from forensics.correlate.host_artifacts import rule_host_artifacts
from parsers.base import ParseContext, Source
from parsers.host_artifacts import anydesk, frp, rustdesk, teamviewer, wireguard

from .helpers import FIXTURES

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "forensics" / "schema" / "findings.schema.json").read_text())


def _records(items):
    out = []
    for ev_id, parser, rel in items:
        src = Source.from_path(str(FIXTURES / rel), name=rel)
        ctx = ParseContext(evidence_id=ev_id, parser=f"{parser.name}@1")
        out += list(parser.parse(src, ctx))
    return out


def _case():
    recs = _records([
        ("E1", anydesk.PARSER, "anydesk/ad_svc.trace"),
        ("E2", teamviewer.PARSER, "teamviewer/TeamViewer15_Logfile.log"),
        ("E3", wireguard.PARSER, "wireguard/wg-op.conf"),
        ("E4", frp.PARSER, "frp/frpc.toml"),
        ("E5", rustdesk.PARSER, "rustdesk/RustDesk2.toml"),
    ])
    case = CaseData(manifest=None, evidence=[], records=recs)
    case.evidence_device = {"E1": "LAPTOP-1", "E2": "LAPTOP-1", "E3": "LAPTOP-1", "E4": "LAPTOP-2"}
    rule_host_artifacts(case)
    return case


def _validate(rows, list_name):
    item = dict(SCHEMA["properties"][list_name]["items"])
    jsonschema.validate(rows, {"type": "array", "items": item, "$defs": SCHEMA["$defs"]})


def test_remote_sessions_rows():
    rows = _case().out["remote_sessions"]
    _validate(rows, "remote_sessions")
    ad = [r for r in rows if r["tool"] == "anydesk" and r["remote_id"] == "1122334455"][0]
    assert ad["peer"] == {"ip": "203.0.113.45", "port": 49822, "transport": None}
    assert ad["device"] == "LAPTOP-1" and ad["method"] == "host_log"
    assert ad["first_seen"] is None  # local times are not passed off as UTC
    assert ad["first_seen_local"] == "2024-05-03T10:12:31.902000"
    assert ad["last_seen_local"] == "2024-05-03T10:40:10.551000"
    assert ad["time_zone"] == "unknown-local"
    assert ad["sources"] == [{"evidence": "E1", "line": 3}]
    punch = [r for r in rows if r["tool"] == "teamviewer" and r["peer"]][0]
    assert punch["first_seen"] == "2024-05-03T02:12:41.530000Z"  # header offset applied
    # own external address and keyboard layout are not sessions
    assert not any(r["peer"] and r["peer"]["ip"] == "198.51.100.23" for r in rows)
    rd = [r for r in rows if r["tool"] == "rustdesk"]
    assert [(r["peer"]["ip"], r["peer"]["port"], r["method"]) for r in rd] == [
        ("198.51.100.77", 21116, "host_config"), ("198.51.100.77", None, "host_config")]
    assert rd[0]["device"] is None


def test_tunnel_rows():
    rows = _case().out["tunnels"]
    _validate(rows, "tunnels")
    wg = [r for r in rows if r["protocol"] == "wireguard"]
    assert wg[0]["peer"] == {"ip": "203.0.113.20", "port": 51820, "transport": "udp"}
    assert wg[0]["public_key"] == "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
    assert wg[0]["method"] == "host_config" and wg[0]["sources"] == [{"evidence": "E3", "line": 1}]
    assert [s["name"] for s in wg[0]["secrets"]] == ["PrivateKey", "PresharedKey"]
    assert "yAnz5TF" not in json.dumps(rows)
    (f,) = [r for r in rows if r["protocol"] == "frp"]
    assert f["peer"] is None and f["peer_host"] == {"host": "frp.example-op.net", "port": 7001, "transport": "kcp"}
    assert f["device"] == "LAPTOP-2"
