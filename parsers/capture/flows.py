"""The capture engine's flow table: keys, per-flow state, ownership, small helpers.

A flow is a plain list (slots ``PK`` … ``SR`` below), one per conversation, reached
from both directions: the table maps the raw key of each direction (source address,
destination address and the two ports, as the bytes of the packet; or protocol
number and the two addresses for other IP protocols) to the same list.  Keys are
never decoded on the common path; a :class:`FlowInfo` with the printable endpoints is
made once, when the flow is created.  The first packet's source is the client.

``state`` (slot ``ST``) says what tier 2 still does with a flow: probe its first
payload packets with the detectors (``S_PROBE``), parse SIP (``S_SIP``), follow media
(``S_MEDIA``), read DNS answers or DHCP leases (``S_DNS``, ``S_DHCP``), look inside a
UDP tunnel (``S_DECAP``), or nothing more than counting (``S_DONE``).

:func:`owner_of` is the direction-free hash that splits flows between the parts of a
partitioned run (:mod:`forensics.parallel`).
"""

from __future__ import annotations

import socket
from typing import Any

from parsers.base import Detection, Protocol
from parsers.protocols import dhcp

# flow slots (a list per flow; both directions' keys point at the same list)
PK, BY, T0, T1, FR0, FR1, ST, PR, INFO, SF, SR = range(11)  # SF/SR: cached RTP stream per direction
S_PROBE, S_SIP, S_MEDIA, S_DNS, S_DONE, S_DECAP, S_DHCP = range(7)
PROBE_PACKETS = 8  # payload packets a flow is looked at before it is left alone
MAX_FLOWS = 400_000  # flow-table size that triggers a sweep
IDLE_NS = 300 * 1_000_000_000  # flows idle this long (capture time) are closed in a sweep
MAX_DNS_ANSWERS = 100_000
MAX_DHCP_LEASES = 10_000  # distinct (MAC, host name, address) leases kept
MAX_DECAP_DEPTH = 4
SIP_PORTS = frozenset({5060, 5061, 5080})  # RFC 3261 §19.1.2 (5060/5061); 5080: common alternate
VXLAN_PORT, GTPU_PORT, L2TP_PORT = 4789, 2152, 1701  # RFC 7348, 3GPP TS 29.281, RFC 2661
DECAP_PORTS = frozenset({VXLAN_PORT, GTPU_PORT, L2TP_PORT})
DNS_PORTS = frozenset({53, 5353})  # RFC 1035, RFC 6762 (mDNS)
IPPROTO_NAMES = {4: "ipip", 41: "ipv6", 47: "gre", 50: "esp", 51: "ah", 132: "sctp"}

# the first three bytes of a SIP request line or status line (RFC 3261 §7.1, §7.2)
SIP_START = frozenset(b"INV ACK BYE CAN REG OPT PRA SUB NOT PUB INF REF MES UPD SIP".split())
_HASH_MUL = 0x9E3779B1  # Fibonacci hashing constant (Knuth), spreads the xor of the key


def owner_of(src: bytes, dst: bytes, sport: int, dport: int, parts: int) -> int:
    """The part that owns a flow; the same for both of its directions."""
    h = int.from_bytes(src, "big") ^ int.from_bytes(dst, "big") ^ sport ^ dport
    h = (h ^ (h >> 32) ^ (h >> 64) ^ (h >> 96)) & 0xFFFFFFFF
    return ((h * _HASH_MUL) >> 16 & 0xFFFF) % parts


def ntop(raw: bytes) -> str:
    """Printable form of a 4- or 16-byte address."""
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


class FlowInfo:
    """Per-flow facts kept beyond the counters (created once per flow)."""

    __slots__ = ("transport", "cip", "cport", "sip_", "sport", "fwd", "cmac",
                 "detections", "sni", "alpn", "iface", "rtp_hits", "call_id")

    def __init__(self, transport: str, cip: str, cport: int, sip_: str, sport: int, fwd: bytes) -> None:
        self.transport = transport
        self.cip, self.cport, self.sip_, self.sport = cip, cport, sip_, sport
        self.fwd = fwd  # key of the client→server direction
        self.cmac: str | None = None
        self.detections: list[Detection] = []
        self.sni: str | None = None
        self.alpn: tuple[str, ...] = ()
        self.rtp_hits = 0
        self.call_id: str | None = None


def new_flow(table: dict, transport: str, src: bytes, dst: bytes, ports: bytes, key: bytes,
             mac: bytes | None, ts: int, frame: int, announced: dict[tuple[str, int], str],
             proto: int | None = None) -> list:
    """Create a flow for ``key`` (and its reverse) in ``table``; its first state comes
    from the ports, or from an SDP announcement of one of its endpoints."""
    sport = (ports[0] << 8) | ports[1]
    dport = (ports[2] << 8) | ports[3]
    if proto is None:
        rkey = dst + src + ports[2:4] + ports[0:2]
    else:
        rkey = bytes((proto,)) + dst + src
    info = FlowInfo(transport, ntop(src), sport, ntop(dst), dport, key)
    if mac is not None:
        info.cmac = ":".join(f"{b:02x}" for b in mac)
    st = S_PROBE
    if transport == "udp" and (sport in DNS_PORTS or dport in DNS_PORTS):
        st = S_DNS
    elif transport == "udp" and (sport in DECAP_PORTS or dport in DECAP_PORTS):
        st = S_DECAP
    elif transport == "udp" and (sport in dhcp.PORTS or dport in dhcp.PORTS):
        st = S_DHCP
    elif transport == "tcp" and (sport in SIP_PORTS or dport in SIP_PORTS) and dport != 5061 and sport != 5061:
        st = S_SIP
    else:
        cid = announced.get((info.sip_, dport)) or announced.get((info.cip, sport))
        if cid is not None and transport == "udp":
            st = S_MEDIA
            info.call_id = cid
    f = [0, 0, ts, ts, frame, frame, st, 0, info, None, None]
    table[key] = f
    if rkey != key:
        table[rkey] = f
    return f


def interesting(f: list) -> bool:
    """Is the flow reported (a detection, a TLS server name, or SIP)?"""
    info = f[INFO]
    return bool(info.detections or info.sni or f[ST] == S_SIP)


def host_add(hosts: dict[str, list], ip: str, f: list, mac: str | None) -> None:
    """Add a flow's counters to the per-address totals ``hosts`` (bounded)."""
    h = hosts.get(ip)
    if h is None:
        if len(hosts) >= 100_000:
            return
        hosts[ip] = [f[PK], f[BY], f[T0], f[T1], f[FR0], mac]
        return
    h[0] += f[PK]
    h[1] += f[BY]
    if f[T0] < h[2]:
        h[2] = f[T0]
    if f[T1] > h[3]:
        h[3] = f[T1]
    if f[FR0] < h[4]:
        h[4] = f[FR0]
    if h[5] is None and mac:
        h[5] = mac


def endpoints(info: FlowInfo, fwd: bool) -> tuple[str, int, str, int]:
    """(source address, source port, destination address, destination port) of a direction."""
    if fwd:
        return info.cip, info.cport, info.sip_, info.sport
    return info.sip_, info.sport, info.cip, info.cport


_RANK = {"high": 3, "medium": 2, "low": 1}


def keep_best(found: list[Detection], det: Detection) -> None:
    """One detection per protocol: the more confident, then the more detailed, wins."""
    for i, old in enumerate(found):
        if old.protocol == det.protocol:
            if (_RANK.get(det.confidence, 0), len(det.detail) + bool(det.remote_id)) > (
                    _RANK.get(old.confidence, 0), len(old.detail) + bool(old.remote_id)):
                found[i] = det
            return
    found.append(det)


def match_name(name_dets: tuple[tuple[str, Protocol], ...], info: FlowInfo, name: str, method: str) -> None:
    """Detect a protocol by a server name (DNS answer or TLS SNI) and a detector's suffixes."""
    for suffix, d in name_dets:
        if name == suffix or name.endswith("." + suffix):
            info.detections.append(Detection(d.name, d.category, d.name_confidence, method, detail=((method, name),)))
            return


def safe_sniff(d: Protocol, payload: bytes, sport: int, dport: int, fwd: bool) -> Detection | None:
    try:
        return d.sniff(payload, sport, dport, fwd)  # type: ignore[misc]
    except Exception:  # a detector must never stop the capture
        return None


def safe_call(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:  # a decoder must never stop the capture
        return None
