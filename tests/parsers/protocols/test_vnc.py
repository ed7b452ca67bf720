"""VNC / RFB detector (parsers/protocols/vnc.py)."""

from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import vnc


def test_banner():
    det = vnc.sniff(b"RFB 003.889\n", 5900, 40005, False)
    assert det.confidence == "high" and dict(det.detail) == {"rfb_version": "3.889", "banner_from": "server"}


def test_lookalikes_rejected():
    assert vnc.sniff(b"RFB 003.008\nX", 5900, 1, False) is None  # not exactly 12 bytes
    assert vnc.sniff(b"RFB 0a3.008\n", 5900, 1, False) is None
    assert vnc.sniff(b"GET / HTTP/1", 1, 5900, True) is None


def test_fixture():
    hits = run(vnc.PROTOCOL, FIXTURES / "vnc.pcap")
    assert endpoints(hits) == {flow("203.0.113.45:40005", "192.168.10.20:5900")}


def test_corpus():
    """Zeek rfb.log: vncmac.pcap is Apple Remote Desktop (3.889), vnc-mac-to-linux 3 sessions."""
    hits = run(vnc.PROTOCOL, corpus("zeek/rfb/vncmac.pcap"))
    assert {dict(d.detail)["rfb_version"] for d, _ in hits.values()} == {"3.889"}
    assert len(run(vnc.PROTOCOL, corpus("zeek/rfb/vnc-mac-to-linux.pcap"))) == 3
    assert flow("192.168.2.110:6900", "95.237.48.208:59791") in endpoints(
        run(vnc.PROTOCOL, corpus("ndpi/remote/vnc.pcap")))
