"""Correlation rule: detected flows -> tunnels / remote_sessions / management rows,
and the WireGuard mac1 proof against a seized config
(forensics/correlate/network_detections.py)."""

import _proto_payloads as P

from forensics.correlate.context import CaseData
from forensics.correlate.network_detections import (
    rule_network_detections,
    rule_wireguard_proof,
)
from forensics.model.core import Endpoint, Provenance
from forensics.model.network import Flow
from forensics.model.remote import TunnelConfig, TunnelPeer
from parsers.protocols import anydesk, rdp, socks, tr069, wireguard

T0 = 1_714_700_000 * 10**9


def _flow(det_list, client, server, transport="udp", frame=10, packets=12):
    return Flow(prov=Provenance(evidence_id="E1", frame=frame), transport=transport,
                client=Endpoint(client[0], client[1], transport), server=Endpoint(server[0], server[1], transport),
                first_ts_ns=T0, last_ts_ns=T0 + 90 * 10**9, packets=packets, bytes=4000,
                first_frame=frame, last_frame=frame + 100, detections=tuple(det_list))


def _case(records):
    case = CaseData(manifest=None, evidence=[], records=records)
    case.host_device["192.168.10.20"] = "GW-1"
    return case


def test_rows_per_category():
    wg = wireguard.sniff(P.wg_initiation(), 40001, 51820, True)
    wg_weak = wireguard.sniff(P.wg_transport(), 40001, 51820, True)
    ad = anydesk.sniff(P.client_hello(alpn=("anydesk/8.0.8/windows",)), 40002, 443, True)
    rd = rdp.sniff(P.rdp_cr("opuser"), 40006, 3389, True)
    sk = socks.sniff(P.socks5_connect_domain(), 40003, 1080, True)
    tr = tr069.sniff(P.TR069_INFORM, 40004, 7547, True)
    case = _case([
        _flow([wg_weak, wg], ("192.168.10.20", 40001), ("203.0.113.20", 51820)),
        _flow([ad], ("192.168.10.20", 40002), ("198.51.100.23", 443), "tcp", frame=20),
        _flow([rd], ("203.0.113.45", 40006), ("192.168.10.20", 3389), "tcp", frame=30),  # inbound
        _flow([sk], ("192.168.10.20", 40003), ("198.51.100.80", 1080), "tcp", frame=40),
        _flow([tr], ("192.168.10.20", 40004), ("198.51.100.90", 7547), "tcp", frame=50),
    ])
    rule_network_detections(case)
    tunnels, remote, mgmt = case.out["tunnels"], case.out["remote_sessions"], case.out["management"]
    assert [t["protocol"] for t in tunnels] == ["wireguard", "socks"]
    wg_row = tunnels[0]
    assert wg_row["confidence"] == "high" and wg_row["method"] == "payload"  # best of the two detections
    assert wg_row["device"] == "GW-1" and wg_row["peer"] == {"ip": "203.0.113.20", "port": 51820, "transport": "udp"}
    assert wg_row["first_seen"] == "2024-05-03T01:33:20.000000Z" and wg_row["last_seen"] == "2024-05-03T01:34:50.000000Z"
    assert wg_row["sources"] == [{"evidence": "E1", "frames": [10, 110], "count": 12}]
    assert "init_hex" not in wg_row["detail"]
    assert tunnels[1]["category"] == "proxy" and tunnels[1]["detail"]["destination"] == "sw.example-op.net:5060"
    assert [(r["tool"], r["remote_id"]) for r in remote] == [("anydesk", None), ("rdp", "opuser")]
    assert remote[1]["device"] == "GW-1" and remote[1]["peer"]["ip"] == "203.0.113.45"  # client side is the peer
    assert mgmt[0]["protocol"] == "tr069" and mgmt[0]["remote_id"] == "00A0B1-FXO-8-GW0001234"


def test_unknown_device_peer_is_server():
    det = wireguard.sniff(P.wg_initiation(), 1, 51820, True)
    case = _case([_flow([det], ("10.0.0.5", 40001), ("203.0.113.20", 51820))])
    rule_network_detections(case)
    row, = case.out["tunnels"]
    assert row["device"] is None and row["peer"]["ip"] == "203.0.113.20"


def _config(key_b64, ev="E7"):
    return TunnelConfig(prov=Provenance(evidence_id=ev, line=5), protocol="wireguard",
                        peers=(TunnelPeer(host="203.0.113.20", port=51820, public_key=key_b64),))


def test_wireguard_proof_matches_configured_key():
    det = wireguard.sniff(P.wg_initiation(pub=P.WG_RESPONDER_PUB), 40001, 51820, True)
    weak = wireguard.sniff(P.wg_transport(), 40001, 51820, True)
    flow = _flow([weak], ("192.168.10.20", 40001), ("203.0.113.20", 51820))
    flow_init = _flow([weak, det], ("192.168.10.20", 40002), ("203.0.113.20", 51820), frame=60)
    case = _case([flow, flow_init, _config(P.WG_OTHER_PUB_B64, "E6"), _config(P.WG_RESPONDER_PUB_B64)])
    rule_network_detections(case)
    rule_wireguard_proof(case)
    plain, proven = case.out["tunnels"]
    assert "verified_peer" not in plain
    assert proven["verified_peer"] == {"public_key": P.WG_RESPONDER_PUB_B64, "config_evidence": "E7",
                                       "config_endpoint": "203.0.113.20:51820", "method": "wireguard-mac1"}
    assert proven["confidence"] == "high"


def test_wireguard_proof_no_match():
    det = wireguard.sniff(P.wg_initiation(pub=P.WG_RESPONDER_PUB), 40001, 51820, True)
    case = _case([_flow([det], ("192.168.10.20", 40001), ("203.0.113.20", 51820)), _config(P.WG_OTHER_PUB_B64)])
    rule_network_detections(case)
    rule_wireguard_proof(case)
    assert "verified_peer" not in case.out["tunnels"][0]
