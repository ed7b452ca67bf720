"""TeamViewer detector (parsers/protocols/teamviewer.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import teamviewer


def test_framing_and_keepalive():
    assert teamviewer.sniff(P.TV_HELLO, 40002, 5938, True).confidence == "high"
    assert teamviewer.sniff(P.TV_HELLO, 40002, 443, True).confidence == "medium"
    assert dict(teamviewer.sniff(P.TV_KEEPALIVE, 40002, 443, True).detail)["message"] == "keep-alive"
    udp = b"\x00" + bytes(10) + b"\x17\x24" + bytes(20)
    assert dict(teamviewer.sniff(udp, 40002, 5938, True).detail)["framing"] == "udp"


def test_lookalikes_rejected():
    assert teamviewer.sniff(b"\x17\x24\xff\xff", 1, 443, True) is None  # too short for framing
    assert teamviewer.sniff(b"\x17\x03\x03\x00\x20" + bytes(32), 1, 443, True) is None  # TLS app data
    assert teamviewer.sniff(P.client_hello(sni="x.example"), 1, 5938, True) is None


def test_fixture():
    assert endpoints(run(teamviewer.PROTOCOL, FIXTURES / "teamviewer.pcap")) == {
        flow("192.168.10.20:40002", "203.0.113.45:5938")}


def test_corpus_ndpi_teamviewer():
    """nDPI: TCP 10.0.2.15:35732 <-> 162.250.2.170:5938 and UDP 10.0.2.15:34417 <-> 93.47.224.241:36037."""
    hits = run(teamviewer.PROTOCOL, corpus("ndpi/remote/teamviewer.pcap"))
    assert endpoints(hits) == {flow("10.0.2.15:35732", "162.250.2.170:5938"),
                               flow("10.0.2.15:34417", "93.47.224.241:36037")}
