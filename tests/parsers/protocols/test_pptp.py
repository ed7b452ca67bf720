"""PPTP detector (parsers/protocols/pptp.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import gre, pptp


def test_sccrq_and_gre_v1():
    d = dict(pptp.sniff(P.pptp_sccrq(b"op-pptp-client", b"Microsoft Windows NT"), 40004, 1723, True).detail)
    assert (d["message"], d["host_name"], d["vendor"]) == ("SCCRQ", "op-pptp-client", "Microsoft Windows NT")
    d = dict(pptp.sniff(P.pptp_gre(call_id=0x4A2F), 0, 0, True).detail)
    assert d == {"message": "gre-v1", "call_id": str(0x4A2F)}
    assert gre.sniff(P.pptp_gre(), 0, 0, True) is None  # version 1 belongs to pptp


def test_lookalikes_rejected():
    bad = bytearray(P.pptp_sccrq())
    bad[7] = 0x4E  # magic cookie broken
    assert pptp.sniff(bytes(bad), 1, 1723, True) is None
    assert pptp.sniff(P.HTTP_GET, 1, 1723, True) is None


def test_fixture():
    hits = run(pptp.PROTOCOL, FIXTURES / "pptp.pcap")
    assert flow("192.168.10.20:40004", "203.0.113.45:1723") in endpoints(hits)
    assert (47, ("192.168.10.20", "203.0.113.45")) in hits


def test_corpus_pptp():
    """tcpdump pptp.pcap: SCCRQ with vendor "Microsoft Windows NT" then GRE v1."""
    hits = run(pptp.PROTOCOL, corpus("tcpdump/pptp.pcap"))
    det, _ = hits[("tcp", ("10.1.1.10", 1723), ("10.1.1.11", 3025))]
    assert dict(det.detail)["vendor"] == "Microsoft Windows NT"
    assert (47, ("10.1.1.10", "10.1.1.11")) in hits
    hits = run(pptp.PROTOCOL, corpus("ndpi/tunnels/pptp.pcap"))
    assert endpoints(hits) == {flow("192.168.43.22:41366", "191.101.61.1:1723")}
