"""Tiny capture writers for tests: exact pcap / pcapng bytes with chosen options."""

from __future__ import annotations

import struct
from collections.abc import Iterable


def pcap_bytes(frames: Iterable[tuple[int, bytes]], linktype: int = 1, *, endian: str = "<",
               nanos: bool = False, snaplen: int = 262144) -> bytes:
    """frames: (ts_ns, data).  ``endian`` '<' or '>'; ``nanos`` picks the ns magic."""
    magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
    out = [struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for ts, data in frames:
        sec, ns = divmod(ts, 1_000_000_000)
        frac = ns if nanos else ns // 1000
        out.append(struct.pack(endian + "IIII", sec, frac, len(data), len(data)) + data)
    return b"".join(out)


def _block(btype: int, body: bytes, e: str = "<") -> bytes:
    body += b"\0" * (-len(body) % 4)
    ln = 12 + len(body)
    return struct.pack(e + "II", btype, ln) + body + struct.pack(e + "I", ln)


def shb(e: str = "<") -> bytes:
    return _block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1), e)


def idb(linktype: int, tsresol: int | None = None, e: str = "<", snaplen: int = 262144) -> bytes:
    body = struct.pack(e + "HHI", linktype, 0, snaplen)
    if tsresol is not None:
        body += struct.pack(e + "HH", 9, 1) + bytes([tsresol]) + b"\0\0\0" + struct.pack(e + "HH", 0, 0)
    return _block(1, body, e)


def epb(iface: int, ts_units: int, data: bytes, e: str = "<") -> bytes:
    return _block(6, struct.pack(e + "IIIII", iface, ts_units >> 32, ts_units & 0xFFFFFFFF, len(data), len(data)) + data, e)


def spb(data: bytes, e: str = "<") -> bytes:
    return _block(3, struct.pack(e + "I", len(data)) + data, e)


def opb(iface: int, ts_units: int, data: bytes, e: str = "<") -> bytes:
    return _block(2, struct.pack(e + "HHIIII", iface, 0, ts_units >> 32, ts_units & 0xFFFFFFFF, len(data), len(data)) + data, e)


def raw_block(btype: int, body: bytes, e: str = "<") -> bytes:
    return _block(btype, body, e)
