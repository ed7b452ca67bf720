"""The weak detectors on whole captures, through the real capture engine.

``tests/fixtures/protocols/make_fixtures.py`` (:func:`weak_captures`) writes one
capture per weak detector: the payload hints of frp, todesk, rustdesk and splashtop
on their documented ports, and the DNS/SNI names of sunlogin, chrome_remote, ngrok and
tor (a DNS answer, then a TLS ClientHello naming the answered server).  Each test reads
the committed capture with :class:`parsers.capture.engine.Engine` and every registered
detector, and checks the detection on the right flow; the negatives build the same
flows with an unrelated name (or a broken hint) and expect nothing.
"""

import importlib.util

import pytest
from _proto_walk import FIXTURES

from forensics.model.network import DnsAnswer, Flow
from parsers import registry
from parsers.base import ParseContext, Source
from parsers.capture.engine import Engine


def _generator():
    spec = importlib.util.spec_from_file_location("make_fixtures_weak", FIXTURES / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _generator()
WEAK = ("frp", "todesk", "rustdesk", "splashtop", "sunlogin", "chrome_remote", "ngrok", "tor")


def _records(path):
    ctx = ParseContext(evidence_id="E1", parser="capture@1")
    engine = Engine(ctx, registry.DETECTORS)
    engine.read(Source.from_path(str(path), name=path.name))
    out = engine.finish()
    assert ctx.warnings == []
    return out


def _flows(path) -> dict[tuple[str, str], Flow]:
    """Reported flows by (client "ip:port", server "ip:port")."""
    return {(f"{r.client.ip}:{r.client.port}", f"{r.server.ip}:{r.server.port}"): r
            for r in _records(path) if isinstance(r, Flow)}


def _det(flow: Flow, protocol: str):
    found = [d for d in flow.detections if d.protocol == protocol]
    assert len(found) == 1, flow.detections
    return found[0]


def _built(tmp_path, name: str, frames) -> dict[tuple[str, str], Flow]:
    return _flows(GEN.write_frames(tmp_path / f"{name}.pcap", frames))


# --- the committed files ---------------------------------------------------------------

def test_generator_reproduces_committed_weak_captures(tmp_path):
    written = GEN.write(tmp_path, table=GEN.weak_captures)
    assert sorted(p.stem for p in written) == sorted(WEAK)
    for path in written:
        committed = (FIXTURES / path.name).read_bytes()
        assert path.read_bytes() == committed, path.name
        assert len(committed) < 5000, path.name


# --- payload hints -----------------------------------------------------------------------

def test_frp_login_behind_yamux():
    flows = _flows(FIXTURES / "frp.pcap")
    assert list(flows) == [("192.168.10.20:40011", "203.0.113.77:7000")]
    flow = flows["192.168.10.20:40011", "203.0.113.77:7000"]
    det = _det(flow, "frp")
    assert (det.category, det.method, det.confidence) == ("tunnel", "payload", "high")
    assert dict(det.detail) == {"message": "login", "version": "0.49.0", "os": "windows", "arch": "amd64"}
    assert "0123456789abcdef" not in repr(flow)  # the privilege_key stays in the evidence
    assert (flow.first_frame, flow.last_frame, flow.packets) == (1, 5, 5)


def test_todesk_login_structure_on_443():
    flows = _flows(FIXTURES / "todesk.pcap")
    det = _det(flows["192.168.10.20:40012", "198.51.100.101:443"], "todesk")
    assert (det.category, det.method, det.confidence) == ("remote", "payload", "medium")
    assert dict(det.detail) == {"field2": "912345678", "uuid": "6f1c2b0e-3d4a-4e55-9a0b-1c2d3e4f5a6b"}


def test_rustdesk_register_peer_after_dns():
    recs = _records(FIXTURES / "rustdesk.pcap")
    assert [(r.name, r.address, r.prov.frame) for r in recs if isinstance(r, DnsAnswer)] == [
        ("rs-ny.rustdesk.com", "198.51.100.77", 2)]
    flow, = [r for r in recs if isinstance(r, Flow)]
    assert (flow.transport, flow.client.ip, flow.server.ip, flow.server.port) == (
        "udp", "192.168.10.20", "198.51.100.77", 21116)
    det = _det(flow, "rustdesk")
    assert (det.category, det.method, det.confidence, det.remote_id) == ("remote", "payload", "medium", "912345678")
    assert flow.names == ("rs-ny.rustdesk.com",)


def test_splashtop_cloud_name_and_direct_session():
    flows = _flows(FIXTURES / "splashtop.pcap")
    cloud = _det(flows["192.168.10.20:40014", "198.51.100.120:443"], "splashtop")
    assert (cloud.category, cloud.method, cloud.confidence) == ("remote", "sni", "medium")
    assert cloud.detail == (("sni", "relay.splashtop.com"),)
    direct = flows["203.0.113.45:40015", "192.168.10.20:6784"]  # the far end controls the LAN streamer
    det = _det(direct, "splashtop")
    assert (det.method, det.confidence, dict(det.detail)) == ("payload", "medium", {"message": "session-start"})


# --- names -------------------------------------------------------------------------------

NAMED = [
    ("sunlogin", ("192.168.10.20:40016", "198.51.100.130:443"), "client-api-v2.oray.com", "remote", "medium"),
    ("chrome_remote", ("192.168.10.20:40018", "198.51.100.140:443"), "remotedesktop-pa.googleapis.com",
     "remote", "medium"),
    ("ngrok", ("192.168.10.20:40019", "198.51.100.150:443"), "connect.ngrok-agent.com", "tunnel", "medium"),
    ("ngrok", ("192.168.10.20:40020", "198.51.100.151:443"), "f00d-198-51-100-7.ngrok-free.app", "tunnel",
     "medium"),
    ("tor", ("192.168.10.20:40021", "198.51.100.160:443"), "check.torproject.org", "proxy", "low"),
]


@pytest.mark.parametrize(("protocol", "key", "name", "category", "confidence"), NAMED,
                         ids=[f"{n[0]}:{n[2]}" for n in NAMED])
def test_name_detector_by_sni(protocol, key, name, category, confidence):
    recs = _records(FIXTURES / f"{protocol}.pcap")
    server_ip = key[1].split(":")[0]
    assert (name, server_ip) in {(r.name, r.address) for r in recs if isinstance(r, DnsAnswer)}
    flow = {(f"{r.client.ip}:{r.client.port}", f"{r.server.ip}:{r.server.port}"): r
            for r in recs if isinstance(r, Flow)}[key]
    assert flow.sni == name and flow.names == (name,)
    det = _det(flow, protocol)
    assert (det.category, det.method, det.confidence, det.detail) == (category, "sni", confidence, (("sni", name),))


def test_sunlogin_negotiation_flow_by_dns_answer():
    flows = _flows(FIXTURES / "sunlogin.pcap")
    det = _det(flows["192.168.10.20:40017", "198.51.100.131:4118"], "sunlogin")
    assert (det.method, det.confidence, det.detail) == ("dns", "medium", (("dns", "sunlogin.oray.com"),))


# --- negatives: the same flows with an unrelated name, or a broken hint --------------------

FRP_NOT_LOGIN = b'{"version":"0.49.0","hostname":"","os":"windows","run_id":""}'

NEGATIVES = {
    "frp": lambda: GEN.weak_frp(b"o" + len(FRP_NOT_LOGIN).to_bytes(8, "big") + FRP_NOT_LOGIN),
    "todesk": lambda: GEN.weak_todesk(GEN.P.todesk_login()[:39] + b"\x13" + GEN.P.todesk_login()[40:]),
    "rustdesk": lambda: GEN.weak_rustdesk(GEN.P.RUSTDESK_REGISTER_PEER + b"\x00", name="ntp.example.net"),
    "splashtop": lambda: GEN.weak_splashtop("www.example.com", port=6790),
    "sunlogin": lambda: GEN.weak_sunlogin("api.example.com", "relay.example.net"),
    "chrome_remote": lambda: GEN.weak_chrome_remote("remotedesktop.example.com"),
    "ngrok": lambda: GEN.weak_ngrok("connect.example-agent.com", "f00d-198-51-100-7.example.app"),
    "tor": lambda: GEN.weak_tor("check.example.org"),
}


@pytest.mark.parametrize("protocol", WEAK)
def test_same_flows_unrelated_name_give_no_detection(tmp_path, protocol):
    flows = _built(tmp_path, protocol, NEGATIVES[protocol]())
    # only the tool's well-known port may still speak, and only as a low "port" hint
    assert [d for f in flows.values() for d in f.detections
            if not (d.method == "port" and d.confidence == "low")] == []
    # the TLS flows are still seen (with their unrelated server name), so the silence
    # above comes from the names, not from a flow the engine missed
    expect_sni = {"splashtop": 1, "sunlogin": 1, "chrome_remote": 1, "ngrok": 2, "tor": 1}.get(protocol, 0)
    assert sum(1 for f in flows.values() if f.sni and "example" in f.sni) == expect_sni


def test_positive_builders_match_committed_files(tmp_path):
    """The builders with their default arguments are the committed captures, so the
    negatives above differ from the positives only in the name or hint they change."""
    for protocol in WEAK:
        built = GEN.write_frames(tmp_path / f"{protocol}.pcap", getattr(GEN, f"weak_{protocol}")())
        assert built.read_bytes() == (FIXTURES / f"{protocol}.pcap").read_bytes(), protocol
