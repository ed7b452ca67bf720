"""DNS answers (parsers/protocols/dns.py)."""

import struct

from _proto_walk import corpus

from parsers.protocols import dns


def _name(n: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\x00"


def _response(qname: str, answers: list[bytes]) -> bytes:
    hdr = struct.pack(">HHHHHH", 0x1234, 0x8180, 1, len(answers), 0, 0)
    return hdr + _name(qname) + b"\x00\x01\x00\x01" + b"".join(answers)


def _rr(owner: bytes, rtype: int, ttl: int, rdata: bytes) -> bytes:
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def test_cname_chain_maps_queried_name():
    msg = _response("Relay-1.Net.AnyDesk.com", [
        _rr(b"\xc0\x0c", 5, 300, _name("edge.cdn.example.net")),
        _rr(_name("edge.cdn.example.net"), 1, 60, bytes([198, 51, 100, 23])),
        _rr(_name("edge.cdn.example.net"), 28, 60, bytes.fromhex("20010db8000000000000000000000017")),
    ])
    got = dns.parse_answers(msg)
    assert ("edge.cdn.example.net", "198.51.100.23", 60) in got
    assert ("relay-1.net.anydesk.com", "198.51.100.23", 60) in got
    assert ("relay-1.net.anydesk.com", "2001:db8::17", 60) in got
    assert len(got) == 4


def test_query_and_garbage():
    query = struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + _name("example.com") + b"\x00\x01\x00\x01"
    assert dns.parse_answers(query) is None
    assert dns.parse_answers(b"\x00" * 5) is None
    loop = struct.pack(">HHHHHH", 1, 0x8180, 1, 1, 0, 0) + b"\xc0\x0c"  # pointer to itself
    assert dns.parse_answers(loop) is None
    msg = _response("a.example", [_rr(b"\xc0\x0c", 1, 5, bytes([203, 0, 113, 9]))])
    for n in range(len(msg)):
        dns.parse_answers(msg[:n])  # never raises


def test_corpus_anydesk_relay_names():
    """nDPI: relay-9b6827f2.net.anydesk.com -> 138.199.36.115, relay-3185a847 -> 37.61.223.15."""
    import dpkt
    got = set()
    with open(corpus("ndpi/remote/anydesk.pcapng"), "rb") as fh:
        for _ts, buf in dpkt.pcapng.Reader(fh):
            seg = dpkt.ethernet.Ethernet(buf).data.data
            if isinstance(seg, dpkt.udp.UDP) and seg.sport == 53:
                got.update((n, a) for n, a, _t in dns.parse_answers(bytes(seg.data)) or [])
    assert got == {("relay-9b6827f2.net.anydesk.com", "138.199.36.115"),
                   ("relay-3185a847.net.anydesk.com", "37.61.223.15")}
