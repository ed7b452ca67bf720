"""The same call gives the same call record whether it was sent plainly over UDP, over
TCP cut into odd segments (several messages per segment, one message over several),
in fragmented IP datagrams, or on a non-standard port."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP, UDP, fragment
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from forensics.pipeline import analyze
from tests.helpers.capwriter import pcap_bytes
from tests.helpers.packets import sdp, sip_request, sip_response

A, B = "198.51.100.7", "192.168.1.20"  # softswitch, gateway
T0 = 1_723_860_000 * 10**9


def dialog(transport: str = "UDP") -> list[tuple[str, bytes]]:
    """(sender, message) for a whole answered call; a large SDP makes the INVITE big."""
    body = sdp(A, 30000) + "a=x-pad:" + "p" * 2500 + "\r\n"
    via = f"{A}:5060"
    inv = sip_request("INVITE", f"sip:13800000001@{B}", call_id="eq-1@test", cseq=1, from_user="4000000123",
                      to_user="13800000001", host=A, via=via, body=body)
    inv = inv.replace(b"SIP/2.0/UDP", f"SIP/2.0/{transport}".encode())
    ok = sip_response(200, "OK", inv, body=sdp(B, 16384))
    ack = sip_request("ACK", f"sip:13800000001@{B}", call_id="eq-1@test", cseq=1, from_user="4000000123",
                      to_user="13800000001", host=A, via=via, to_tag="t1", branch="z9hG4bK2")
    bye = sip_request("BYE", f"sip:13800000001@{B}", call_id="eq-1@test", cseq=2, from_user="4000000123",
                      to_user="13800000001", host=A, via=via, to_tag="t1", branch="z9hG4bK3")
    return [(A, inv), (B, sip_response(100, "Trying", inv, to_tag=None)), (B, sip_response(180, "Ringing", inv)),
            (B, ok), (A, ack), (A, bye), (B, sip_response(200, "OK", bye))]


def udp_frames(port: int, frag: bool) -> list[bytes]:
    out = []
    for i, (src, msg) in enumerate(dialog()):
        dst = B if src == A else A
        pkt = IP(src=src, dst=dst, id=100 + i) / UDP(sport=port, dport=port) / Raw(msg)
        parts = fragment(pkt, fragsize=600) if frag and len(msg) > 1400 else [pkt]
        out.extend(bytes(Ether() / p) for p in parts)
    return out


def tcp_frames(port: int) -> list[bytes]:
    msgs = dialog("TCP")
    streams = {A: b"".join(m for s, m in msgs if s == A), B: b"".join(m for s, m in msgs if s == B)}
    seq = {A: 1000, B: 5000}
    frames = [bytes(Ether() / IP(src=A, dst=B) / TCP(sport=40000, dport=port, flags="S", seq=999)),
              bytes(Ether() / IP(src=B, dst=A) / TCP(sport=port, dport=40000, flags="SA", seq=4999, ack=1000))]
    # interleave: A's stream in odd-sized chunks, B's in two big ones, in an order that
    # keeps each side's messages after the other side's trigger closely enough
    cuts = {A: [37, 1200, 700, 5000], B: [180, 99999]}
    pos = {A: 0, B: 0}
    for side in (A, B, A, B, A, A):
        data = streams[side]
        if pos[side] >= len(data):
            continue
        n = cuts[side].pop(0) if cuts[side] else len(data)
        chunk = data[pos[side] : pos[side] + n]
        other = B if side == A else A
        sport, dport = (40000, port) if side == A else (port, 40000)
        frames.append(bytes(Ether() / IP(src=side, dst=other) / TCP(sport=sport, dport=dport, flags="PA",
                                                                     seq=seq[side] + pos[side]) / Raw(chunk)))
        pos[side] += len(chunk)
    return frames


def calls_of(tmp_path, name: str, frames: list[bytes]) -> list[dict]:
    case = tmp_path / name
    case.mkdir()
    (case / "cap.pcap").write_bytes(pcap_bytes([(T0 + i * 10**8, f) for i, f in enumerate(frames)]))
    f = analyze(case)
    assert not [w for w in f["warnings"] if w["code"].startswith(("sip-", "tcp-", "ip-"))], f["warnings"]
    return f["calls"]


KEEP = ("call_id", "direction", "caller", "caller_raw", "callee", "callee_raw", "status", "end_reason",
        "gateway_account", "invites")


def test_same_call_however_it_travelled(tmp_path):
    plain = calls_of(tmp_path, "plain", udp_frames(5060, frag=False))
    assert len(plain) == 1 and plain[0]["status"] == 200 and plain[0]["end_reason"] == "bye-caller"
    variants = {
        "fragmented-udp-odd-port": udp_frames(7777, frag=True),
        "tcp-split": tcp_frames(5060),
        "tcp-split-odd-port": tcp_frames(15060),
    }
    for name, frames in variants.items():
        got = calls_of(tmp_path, name, frames)
        assert len(got) == 1, name
        assert {k: got[0][k] for k in KEEP} == {k: plain[0][k] for k in KEEP}, name
        assert [(m["ip"], m["port"], m["codec"]) for m in got[0]["media"]] == [
            (m["ip"], m["port"], m["codec"]) for m in plain[0]["media"]], name
