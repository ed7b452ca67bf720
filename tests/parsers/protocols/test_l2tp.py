"""L2TP detector (parsers/protocols/l2tp.py)."""

import struct

import _proto_payloads as P
from _proto_walk import FIXTURES, endpoints, flow, run

from parsers.protocols import l2tp


def test_sccrq_with_host_and_vendor():
    det = l2tp.sniff(P.l2tp_sccrq(b"op-lac-01", b"MikroTik"), 1701, 1701, True)
    d = dict(det.detail)
    assert det.confidence == "high"
    assert (d["message"], d["host_name"], d["vendor_name"], d["assigned_tunnel_id"]) == (
        "SCCRQ", "op-lac-01", "MikroTik", "4242")


def test_zlb_and_lookalikes():
    zlb = struct.pack(">HHHHHH", 0xC802, 12, 7, 0, 1, 1)
    assert dict(l2tp.sniff(zlb, 1701, 1701, True).detail)["message"] == "ZLB"
    bad = bytearray(P.l2tp_sccrq())
    bad[3] += 1  # length mismatch
    assert l2tp.sniff(bytes(bad), 1701, 1701, True) is None
    assert l2tp.sniff(b"\x40\x02" + bytes(30), 1701, 1701, True) is None  # data: port hint only
    assert l2tp.PROTOCOL.port_confidence == "low"
    assert l2tp.sniff(P.DNS_QUERY, 1701, 53, True) is None


def test_fixture():
    assert endpoints(run(l2tp.PROTOCOL, FIXTURES / "l2tp.pcap")) == {
        flow("192.168.10.20:1701", "203.0.113.45:1701")}
