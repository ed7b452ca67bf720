"""Plain GRE detector (parsers/protocols/gre.py)."""

from _proto_walk import FIXTURES, corpus, run

from parsers.protocols import gre


def test_fixture_key_and_inner():
    (det, _), = run(gre.PROTOCOL, FIXTURES / "gre.pcap").values()
    assert dict(det.detail) == {"payload": "ipv4", "key": "42", "inner_src": "10.66.0.7", "inner_dst": "10.66.0.1"}


def test_lookalikes_rejected():
    assert gre.sniff(b"\x00\x00\x08\x00" + b"\x45" + bytes(10), 0, 0, True) is None  # inner IPv4 cut
    assert gre.sniff(b"\x00\x00\x12\x34" + bytes(40), 0, 0, True) is None  # unknown protocol type
    assert gre.sniff(b"\x40\x00\x08\x00" + bytes(40), 0, 0, True) is None  # routing bit (RFC 1701)


def test_corpus_gre():
    """Zeek tunnel.log for gre-sample.pcap: outer 172.27.1.66 <-> 66.59.109.137."""
    hits = run(gre.PROTOCOL, corpus("zeek/tunnels/gre-sample.pcap"))
    assert (47, ("172.27.1.66", "66.59.109.137")) in hits
    (det, _), = run(gre.PROTOCOL, corpus("arkime/gre-erspan-vxlan.pcap")).values()
    assert dict(det.detail)["payload"] == "erspan"
