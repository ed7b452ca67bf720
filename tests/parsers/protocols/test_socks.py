"""SOCKS detector (parsers/protocols/socks.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, run

from parsers.protocols import socks


def test_socks5_request_destination():
    assert socks.sniff(P.SOCKS5_GREETING, 1, 1080, True).confidence == "medium"
    det = socks.sniff(P.socks5_connect_domain(b"sw.example-op.net", 5060), 1, 1080, True)
    assert det.confidence == "high" and dict(det.detail)["destination"] == "sw.example-op.net:5060"
    ipv4 = b"\x05\x01\x00\x01" + bytes([203, 0, 113, 7]) + b"\x13\xc4"
    assert dict(socks.sniff(ipv4, 1, 1080, True).detail)["destination"] == "203.0.113.7:5060"


def test_socks4a():
    d = dict(socks.sniff(P.socks4a(b"pbx.example-op.net", 5060, b"op"), 1, 1080, True).detail)
    assert (d["version"], d["destination"], d["user"]) == ("4a", "pbx.example-op.net:5060", "op")


def test_lookalikes_rejected():
    assert socks.sniff(P.socks5_connect_domain() + b"\x00", 1, 1080, True) is None  # length off
    assert socks.sniff(b"\x05\x01\x00\x09" + bytes(6), 1, 1080, True) is None  # bad ATYP
    assert socks.sniff(P.HTTP_GET, 1, 1080, True) is None


def test_fixture_and_corpus():
    (det, _), = run(socks.PROTOCOL, FIXTURES / "socks.pcap").values()
    assert dict(det.detail)["destination"] == "sw.example-op.net:5060"
    (det, _), = run(socks.PROTOCOL, corpus("arkime/socks5-rdp.pcap")).values()
    assert dict(det.detail)["destination"] == "10.0.0.1:3389"  # tshark: SOCKS5 CONNECT to RDP
