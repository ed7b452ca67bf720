"""ESP detector (parsers/protocols/esp.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, run

from parsers.protocols import esp


def test_ip_proto_50():
    det = esp.sniff(P.esp(spi=0x0A0B0C0D, seq=1), 0, 0, True)
    assert det.confidence == "high" and dict(det.detail) == {"spi": "0a0b0c0d", "sequence": "1"}


def test_udp_encapsulated_only_on_4500():
    assert esp.sniff(P.esp(), 4500, 4500, True).confidence == "medium"
    assert esp.sniff(P.esp(), 4501, 4502, True) is None
    assert esp.sniff(b"\x00\x00\x00\x00" + P.ikev2_sa_init(), 4500, 4500, True) is None  # non-ESP marker
    assert esp.sniff(b"\xff", 4500, 4500, True) is None  # NAT-keepalive
    assert esp.sniff(P.esp(seq=0x7FFFFFFF), 4500, 4500, True) is None  # not a first packet


def test_fixture():
    hits = run(esp.PROTOCOL, FIXTURES / "esp.pcap")
    assert list(hits) == [(50, ("192.168.10.20", "203.0.113.45"))]


def test_corpus_esp():
    hits = run(esp.PROTOCOL, corpus("ndpi/tunnels/esp.pcapng"))
    assert (50, ("10.2.3.2", "10.3.4.4")) in hits
    assert dict(hits[(50, ("10.2.3.2", "10.3.4.4"))][0].detail)["spi"] == "2360b0e3"
