"""The capture engine: link layers, encapsulations, SIP by content, accounting."""

from __future__ import annotations

import pytest
from scapy.layers.inet import GRE, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import CookedLinux, Dot1AD, Dot1Q, Ether
from scapy.layers.ppp import PPP, PPPoE
from scapy.layers.vxlan import VXLAN
from scapy.packet import Raw

from forensics.model.network import CaptureHost
from forensics.model.sip import SipMessage
from parsers.base import ParseContext
from parsers.capture.engine import Engine
from tests.helpers.packets import sip_request

REG = sip_request("REGISTER", "sip:203.0.113.5", call_id="reg-1@gw", cseq=1, from_user="8001", to_user="8001")


def run(frames, linktype=1):
    ctx = ParseContext(evidence_id="E1")
    eng = Engine(ctx)
    eng.feed((i + 1, 1_000_000_000 * (i + 1), lt, d, 0, len(d), 0) for i, (lt, d) in enumerate((linktype, f) if isinstance(f, bytes) else f for f in frames))
    recs = eng.finish()
    return [r for r in recs if isinstance(r, SipMessage)], eng, ctx, recs


def udp_ip(src="192.168.1.20", dst="203.0.113.5", sport=5060, dport=5060, payload=REG):
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    return ip / UDP(sport=sport, dport=dport) / Raw(payload)


@pytest.mark.parametrize("build,linktype", [
    (lambda: Ether() / udp_ip(), 1),
    (lambda: Ether() / Dot1Q(vlan=10) / udp_ip(), 1),
    (lambda: Ether() / Dot1AD(vlan=100) / Dot1Q(vlan=10) / udp_ip(), 1),
    (lambda: Ether() / PPPoE(sessionid=7) / PPP(proto=0x0021) / udp_ip(), 1),
    (lambda: CookedLinux() / udp_ip(), 113),
    (lambda: udp_ip(), 101),
    (lambda: udp_ip(), 228),
    (lambda: udp_ip("2001:db8::20", "2001:db8::5"), 229),
    (lambda: b"\x02\x00\x00\x00" + bytes(udp_ip()), 0),
    (lambda: b"\x00\x00\x00\x02" + bytes(udp_ip()), 108),
    (lambda: b"\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + bytes(udp_ip()), 276),
])
def test_link_layers_carry_sip(build, linktype):
    sips, eng, ctx, _ = run([bytes(build())], linktype)
    assert len(sips) == 1 and sips[0].method == "REGISTER" and sips[0].from_user == "8001"
    assert eng.stats["ip"] == 1 and not ctx.warnings


@pytest.mark.parametrize("build", [
    lambda: Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / GRE() / udp_ip(),
    lambda: Ether() / IP(src="10.0.0.1", dst="10.0.0.2", proto=4) / udp_ip(),
    lambda: Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=5060, dport=5060) / Raw(REG),
    lambda: Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=4789, dport=4789) / VXLAN(vni=5) / Ether() / udp_ip(),
    lambda: Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=2152, dport=2152) / Raw(b"\x30\xff" + len(bytes(udp_ip())).to_bytes(2, "big") + b"\0\0\0\x01") / udp_ip(),
])
def test_encapsulations_are_opened(build):
    sips, eng, _, _ = run([bytes(build())])
    assert len(sips) == 1 and sips[0].src.ip in ("192.168.1.20", "2001:db8::1")
    assert eng.stats["decapsulated"] >= 1


def test_sip_on_any_port_and_after_probe_window():
    junk = [bytes(Ether() / udp_ip(sport=40000, dport=7777, payload=b"hello")) for _ in range(12)]
    sip = bytes(Ether() / udp_ip(sport=40000, dport=7777))
    sips, *_ = run(junk + [sip])
    assert len(sips) == 1 and sips[0].dst.port == 7777 and sips[0].prov.frame == 13


def test_every_frame_is_accounted():
    frames = [bytes(Ether() / udp_ip()), bytes(Ether(type=0x0806) / Raw(b"\0" * 28)), b"\x01\x02", bytes(Ether() / IP(src="1.1.1.1", dst="2.2.2.2", ihl=2) / Raw(b"x" * 30))]
    sips, eng, ctx, _ = run(frames)
    s = eng.stats
    assert s["frames"] == 4
    assert s["ip"] + s["non_ip"] + s["unsupported_link"] == 4
    assert s["errors"] == 1 and ctx.warnings[0].code == "packet-decode-error" and ctx.warnings[0].frame == 4


def test_ethernet_padding_is_not_payload():
    pkt = bytes(Ether() / udp_ip(payload=REG)) + b"\0" * 20  # trailer after the IP datagram
    sips, _, ctx, _ = run([pkt])
    assert sips[0].content_length == 0 and not [w for w in ctx.warnings if w.code == "sip-bad-content-length"]


def test_hosts_carry_mac_and_totals():
    _, _, _, recs = run([bytes(Ether(src="00:0b:82:aa:bb:cc") / udp_ip()), bytes(Ether(src="00:0b:82:aa:bb:cc") / udp_ip())])
    hosts = {h.ip: h for h in recs if isinstance(h, CaptureHost)}
    assert hosts["192.168.1.20"].mac == "00:0b:82:aa:bb:cc"
    assert hosts["192.168.1.20"].packets == 2 and hosts["203.0.113.5"].packets == 2


def test_sip_over_tcp_split_across_segments():
    msg = REG
    a, b = msg[:50], msg[50:]
    base = Ether() / IP(src="192.168.1.20", dst="203.0.113.5")
    frames = [
        bytes(base / TCP(sport=40001, dport=5060, flags="S", seq=999)),
        bytes(base / TCP(sport=40001, dport=5060, flags="PA", seq=1000) / Raw(a)),
        bytes(base / TCP(sport=40001, dport=5060, flags="PA", seq=1000 + len(a)) / Raw(b + msg)),
    ]
    sips, *_ = run(frames)
    assert [s.method for s in sips] == ["REGISTER", "REGISTER"]
    assert sips[0].frames == (2, 3) and sips[0].transport == "tcp"


def test_fragmented_udp_sip_is_reassembled():
    big = sip_request("INVITE", "sip:13800138000@203.0.113.5", call_id="frag@x", cseq=1, from_user="a", to_user="13800138000",
                      body="v=0\r\n" + "a=x-filler:" + "y" * 3000 + "\r\n")
    from scapy.layers.inet import fragment

    pkts = fragment(IP(src="203.0.113.5", dst="192.168.1.20", id=77) / UDP(sport=5060, dport=5060) / Raw(big), fragsize=1000)
    frames = [bytes(Ether() / p) for p in reversed(pkts)]  # out of order too
    sips, eng, _, _ = run(frames)
    assert len(sips) == 1 and sips[0].method == "INVITE" and sips[0].call_id == "frag@x"
    assert eng.stats["fragments"] == len(pkts)
