"""Test helper: run one detector over a capture the way the capture engine does.

dpkt reads the file and decodes the layers (the engine may not be ready when these
tests run); for every UDP/TCP flow the detector sees the first payload-bearing
packets (up to 4 per direction, TCP without reassembly), and for its IP protocols
the IP payload.  Returns {flow key: (strongest detection, its frame number)}; the
initiator is the sender of a flow's first packet.
"""

from __future__ import annotations

import socket
from pathlib import Path

import dpkt
import pytest

from parsers.base import Detection, Protocol

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "protocols"

_RANK = {"high": 3, "medium": 2, "low": 1}


def corpus(rel: str) -> Path:
    """A corpus capture, or skip the test when the shared corpus is absent."""
    path = CORPUS / rel
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present")
    assert path.is_file(), f"corpus file missing: {rel}"
    return path


def endpoints(hits: dict) -> set[tuple]:
    """Flow keys of the hits as {frozenset of "ip:port"} for order-free comparison."""
    return {frozenset(f"{ip}:{port}" for ip, port in k[1:]) for k in hits if k[0] in ("tcp", "udp")}


def flow(*eps: str) -> frozenset:
    return frozenset(eps)


# keep tunnel payloads as raw bytes (dpkt would decode GRE/ESP/IPIP into objects)
_RAW = {4, 41, 47, 50, 51}


def _ip_layer(linktype: int, buf: bytes):
    if linktype == 1:
        pkt = dpkt.ethernet.Ethernet(buf).data
    elif linktype in (0, 108):
        pkt = dpkt.loopback.Loopback(buf).data
    elif linktype == 113:
        pkt = dpkt.sll.SLL(buf).data
    elif linktype in (12, 101, 228, 229):
        pkt = dpkt.ip.IP(buf) if buf[0] >> 4 == 4 else dpkt.ip6.IP6(buf)
    else:
        return None
    if isinstance(pkt, dpkt.pppoe.PPPoE):
        pkt = getattr(pkt.data, "data", None)
    return pkt if isinstance(pkt, (dpkt.ip.IP, dpkt.ip6.IP6)) else None


def _frames(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(4)
        fh.seek(0)
        rd = dpkt.pcapng.Reader(fh) if magic == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(fh)
        lt = rd.datalink()
        yield from ((lt, buf) for _ts, buf in rd)


def _addr(ip, raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6 if isinstance(ip, dpkt.ip6.IP6) else socket.AF_INET, raw)


def run(proto: Protocol, path: Path, per_direction: int = 4) -> dict[tuple, tuple[Detection, int]]:
    saved = {p: dpkt.ip.IP._protosw.pop(p) for p in list(_RAW) if p in dpkt.ip.IP._protosw}
    try:
        return _run(proto, path, per_direction)
    finally:
        dpkt.ip.IP._protosw.update(saved)


def _run(proto: Protocol, path: Path, per_direction: int) -> dict[tuple, tuple[Detection, int]]:
    hits: dict[tuple, tuple[Detection, int]] = {}
    first: dict[tuple, tuple] = {}
    counts: dict[tuple, int] = {}
    for frame, (lt, buf) in enumerate(_frames(path), 1):
        try:
            ip = _ip_layer(lt, buf)
        except (dpkt.UnpackError, IndexError, ValueError):
            continue
        if ip is None:
            continue
        src, dst = _addr(ip, ip.src), _addr(ip, ip.dst)
        l4 = ip.data
        if isinstance(l4, (dpkt.tcp.TCP, dpkt.udp.UDP)):
            t = "tcp" if isinstance(l4, dpkt.tcp.TCP) else "udp"
            data = bytes(l4.data)
            a, b = (src, l4.sport), (dst, l4.dport)
            key = (t,) + tuple(sorted([a, b]))
            first.setdefault(key, a)  # the initiator sent the first packet (SYN for TCP)
            if t not in proto.transports or not data:
                continue
            direction = key + (a,)
            counts[direction] = counts.get(direction, 0) + 1
            if counts[direction] > per_direction:
                continue
            det = proto.sniff(data, l4.sport, l4.dport, first[key] == a)
        else:
            p = ip.p if isinstance(ip, dpkt.ip.IP) else ip.nxt
            if p not in proto.ip_protos or not isinstance(l4, bytes):
                continue
            key = (p, tuple(sorted([src, dst])))
            if key in hits:
                continue
            det = proto.sniff(l4, 0, 0, True)
        if det is not None and (key not in hits or _RANK[det.confidence] > _RANK[hits[key][0].confidence]):
            hits[key] = (det, frame)
    return hits
