"""IP-in-IP detector (parsers/protocols/ipip.py)."""

from _proto_walk import FIXTURES, corpus, run

from parsers.protocols import ipip


def test_fixture_4in4_and_6in4():
    hits = run(ipip.PROTOCOL, FIXTURES / "ipip.pcap")
    det4, _ = hits[(4, ("192.168.10.20", "203.0.113.45"))]
    det6, _ = hits[(41, ("192.168.10.20", "198.51.100.41"))]
    assert det4.protocol == "ipip" and dict(det4.detail)["inner_src"] == "10.66.0.7"
    assert det6.protocol == "6in4" and dict(det6.detail)["inner_dst"] == "2001:db8::1"


def test_bad_inner_rejected():
    assert ipip.sniff(b"\x45" + bytes(19), 0, 0, True) is None  # checksum 0 is wrong for this header
    assert ipip.sniff(b"\x60" + bytes(39) + b"x", 0, 0, True) is None  # payload length mismatch


def test_corpus_tunnels():
    assert (4, ("41.202.46.110", "69.67.35.146")) in run(ipip.PROTOCOL, corpus("ndpi/tunnels/4in4tunnel.pcap"))
    assert (41, ("174.3.73.24", "184.105.255.26")) in run(ipip.PROTOCOL, corpus("ndpi/tunnels/6in4tunnel.pcap"))
