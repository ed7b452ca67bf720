"""DHCP in the capture engine: UDP 67/68 datagrams become ``DhcpLease`` records,
one per distinct (MAC, host name, address), also when the capture is partitioned."""

from __future__ import annotations

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from forensics.model.network_dhcp import DhcpLease
from parsers.base import ParseContext
from parsers.capture.engine import Engine, finalise, owner_of

MAC = "00:1f:d6:3a:10:20"
CHADDR = bytes.fromhex("001fd63a1020") + b"\0" * 10


def _request(name: bytes | None = b"DBL_FXO-4", ip: str = "192.168.10.20") -> bytes:
    opts: list = [("message-type", "request"), ("requested_addr", ip)]
    if name is not None:
        opts.append(("hostname", name))
    return bytes(Ether(src=MAC, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255")
                 / UDP(sport=68, dport=67) / BOOTP(op=1, chaddr=CHADDR, xid=7) / DHCP(options=opts + ["end"]))


def _ack(ip: str = "192.168.10.20", server: str = "192.168.10.1") -> bytes:
    return bytes(Ether(dst=MAC) / IP(src=server, dst=ip) / UDP(sport=67, dport=68)
                 / BOOTP(op=2, chaddr=CHADDR, yiaddr=ip, xid=7) / DHCP(options=[("message-type", "ack"), "end"]))


def _frames(datas: list[bytes]):
    return ((i + 1, 1_000_000_000 * (i + 1), 1, d, 0, len(d), 0) for i, d in enumerate(datas))


def _leases(recs) -> list[tuple]:
    return [(r.prov.frame, r.ts_ns, r.client_mac, r.hostname, r.requested_ip) for r in recs if isinstance(r, DhcpLease)]


def test_request_and_ack_give_leases_deduplicated():
    datas = [_request(), _ack(), _request(), _request(ip="192.168.10.21"), _request(name=None)]
    ctx = ParseContext(evidence_id="E1")
    eng = Engine(ctx)
    eng.feed(_frames(datas))
    got = _leases(eng.finish())
    assert got == [
        (1, 1_000_000_000, MAC, "DBL_FXO-4", "192.168.10.20"),
        (2, 2_000_000_000, MAC, None, "192.168.10.20"),  # the server's ACK: yiaddr, no name
        (4, 4_000_000_000, MAC, "DBL_FXO-4", "192.168.10.21"),
    ]  # frames 3 and 5 repeat leases already seen
    assert not ctx.warnings


def test_not_dhcp_on_port_67_is_ignored():
    junk = bytes(Ether() / IP(src="192.168.10.5", dst="192.168.10.1") / UDP(sport=68, dport=67) / Raw(b"x" * 300))
    eng = Engine(ParseContext(evidence_id="E1"))
    eng.feed(_frames([junk]))
    assert _leases(eng.finish()) == []


def test_partitioned_leases_equal_single_run():
    # a second server (192.168.10.2) is owned by the other part and repeats a lease
    assert owner_of(bytes([192, 168, 10, 1]), bytes([192, 168, 10, 20]), 67, 68, 2) == 0
    assert owner_of(bytes([192, 168, 10, 2]), bytes([192, 168, 10, 20]), 67, 68, 2) == 1
    datas = [_request(), _ack(server="192.168.10.2"), _ack(), _request(ip="192.168.10.21"),
             _ack("192.168.10.21", server="192.168.10.2"), _request()]
    single = Engine(ParseContext(evidence_id="E1"))
    single.feed(_frames(datas))
    want = _leases(single.finish())
    snaps = []
    for part in range(2):
        eng = Engine(ParseContext(evidence_id="E1"), part=part, parts=2)
        eng.feed(_frames(datas))
        snaps.append(eng.snapshot())
    assert all(_leases(s["records"]) for s in snaps)  # both parts found leases
    got = _leases(finalise(ParseContext(evidence_id="E1"), snaps, {}, ()))
    assert got == want and [w[0] for w in want] == [1, 2, 4, 5]
