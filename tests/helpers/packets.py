"""Packet builders for tests (scapy), returning raw bytes."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

GW_MAC = "00:0b:82:11:22:33"
ROUTER_MAC = "00:11:22:33:44:55"


def eth_udp(src: str, dst: str, sport: int, dport: int, payload: bytes, *, smac: str = GW_MAC,
            dmac: str = ROUTER_MAC) -> bytes:
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    return bytes(Ether(src=smac, dst=dmac) / ip / UDP(sport=sport, dport=dport) / Raw(payload))


def eth_tcp(src: str, dst: str, sport: int, dport: int, payload: bytes, seq: int, flags: str = "PA",
            *, smac: str = GW_MAC, dmac: str = ROUTER_MAC) -> bytes:
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    pkt = Ether(src=smac, dst=dmac) / ip / TCP(sport=sport, dport=dport, seq=seq, flags=flags)
    if payload:
        pkt = pkt / Raw(payload)
    return bytes(pkt)


def sip_request(method: str, ruri: str, *, call_id: str, cseq: int, from_user: str, to_user: str,
                host: str = "203.0.113.5", via: str = "192.168.1.20:5060", branch: str = "z9hG4bK1",
                extra: str = "", body: str = "", from_tag: str = "f1", to_tag: str | None = None,
                compact: bool = False) -> bytes:
    to = f"<sip:{to_user}@{host}>" + (f";tag={to_tag}" if to_tag else "")
    h = {
        "Via": f"SIP/2.0/UDP {via};branch={branch}",
        "From": f"<sip:{from_user}@{host}>;tag={from_tag}",
        "To": to,
        "Call-ID": call_id,
        "CSeq": f"{cseq} {method}",
        "Max-Forwards": "70",
    }
    if compact:
        names = {"Via": "v", "From": "f", "To": "t", "Call-ID": "i"}
        h = {names.get(k, k): v for k, v in h.items()}
    lines = [f"{method} {ruri} SIP/2.0"] + [f"{k}: {v}" for k, v in h.items()]
    if extra:
        lines += extra.strip("\r\n").split("\n")
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def sip_response(code: int, reason: str, req: bytes, *, to_tag: str | None = "t1", extra: str = "", body: str = "") -> bytes:
    text = req.decode()
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
    keep = []
    for line in head:
        name = line.split(":", 1)[0].strip().lower()
        if name in ("via", "v", "from", "f", "call-id", "i", "cseq"):
            keep.append(line)
        elif name in ("to", "t"):
            keep.append(line + (f";tag={to_tag}" if to_tag and "tag=" not in line else ""))
    lines = [f"SIP/2.0 {code} {reason}"] + keep
    if extra:
        lines += extra.strip("\r\n").split("\n")
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def sdp(ip: str, port: int, pts: str = "0 8 101") -> str:
    return (f"v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP {pts}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n")
