"""Radmin detector (parsers/protocols/radmin.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import radmin


def test_patterns():
    assert dict(radmin.sniff(P.RADMIN_HELLO, 40007, 4899, True).detail)["message"] == "hello"
    reply = bytes.fromhex("0100000025") + b"\x00\x00" + bytes.fromhex("02120802") + b"\x00\x00\x0a" + bytes(32)
    assert dict(radmin.sniff(reply, 4899, 40007, False).detail)["message"] == "server-reply"
    assert radmin.sniff(P.RADMIN_HELLO + b"\x00", 1, 4899, True) is None
    assert radmin.sniff(bytes(10), 1, 4899, True) is None


def test_fixture_and_corpus():
    assert endpoints(run(radmin.PROTOCOL, FIXTURES / "radmin.pcap")) == {flow("203.0.113.45:40007", "192.168.10.20:4899")}
    assert endpoints(run(radmin.PROTOCOL, corpus("ndpi/remote/radmin3.pcapng"))) == {
        flow("192.168.88.208:49736", "192.168.88.197:4899"), flow("192.168.88.208:49739", "192.168.88.197:4899")}
