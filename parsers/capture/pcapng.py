"""PCAP Next Generation reader (draft-ietf-opsawg-pcapng).

Handles several sections (each with its own byte order), several interfaces with
different link types and time resolutions (``if_tsresol``, ``if_tsoffset``), and the
three packet blocks: Enhanced (EPB), Simple (SPB) and the obsolete Packet Block (OPB).
Frame numbers count every packet block in file order, as Wireshark does.  Known
non-packet blocks (NRB, ISB, DSB, custom, journal) are skipped quietly; unknown block
types are skipped with ``pcapng-unknown-block``.  A Simple Packet Block has no time
stamp: it takes the time of the previous packet (or 0) and says so once.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

from parsers.base import ParseContext

SHB = 0x0A0D0D0A
IDB, OPB, SPB, NRB, ISB, EPB = 1, 2, 3, 4, 5, 6
QUIET_BLOCKS = {NRB, ISB, 7, 8, 9, 0x0A, 0x0BAD, 0x40000BAD}  # 7/8: IRIG/ARINC, 9: journal, 0xA: DSB
MAX_BLOCK = 256 * 1024 * 1024
CHUNK = 1 << 20

FrameTuple = tuple[int, int, int, bytes, int, int, int]


def sniff(head: bytes, name: str = "") -> bool:
    return len(head) >= 12 and head[:4] == b"\x0a\x0d\x0d\x0a" and head[8:12] in (
        b"\x4d\x3c\x2b\x1a",
        b"\x1a\x2b\x3c\x4d",
    )


class _Iface:
    __slots__ = ("linktype", "snaplen", "mul", "div", "offset_ns")

    def __init__(self, linktype: int, snaplen: int) -> None:
        self.linktype = linktype
        self.snaplen = snaplen
        self.mul, self.div = 1000, 1  # default resolution: microseconds
        self.offset_ns = 0

    def ts(self, raw: int) -> int:
        return raw * self.mul // self.div + self.offset_ns


def _parse_idb_options(iface: _Iface, body: bytes, e: str) -> None:
    pos = 8
    while pos + 4 <= len(body):
        code, ln = struct.unpack_from(e + "HH", body, pos)
        pos += 4
        val = body[pos : pos + ln]
        pos += (ln + 3) & ~3
        if code == 0:
            break
        if code == 9 and val:  # if_tsresol (the value may be cut short by the block's end)
            r = val[0]
            units = 2 ** (r & 0x7F) if r & 0x80 else 10 ** (r & 0x7F)
            if 1_000_000_000 % units == 0:
                iface.mul, iface.div = 1_000_000_000 // units, 1
            else:
                iface.mul, iface.div = 1_000_000_000, units
        elif code == 14 and ln == 8 and len(val) == 8:  # if_tsoffset, seconds
            iface.offset_ns = struct.unpack(e + "q", val)[0] * 1_000_000_000


# a fast-path walker (see parsers.capture.accel): (buf, pos, frame, last_ts, byte order,
# interfaces) -> (pos, frame, last_ts), having consumed the packet blocks it handled
Walker = Callable[[bytes, int, int, int, str, list], tuple[int, int, int]]


def read(fh: BinaryIO, ctx: ParseContext, walk: Walker | None = None,
         progress: Callable[[int], None] | None = None) -> Iterator[FrameTuple]:
    """Yield packet records of a pcapng stream; warnings go to ``ctx``.

    ``walk``, when given, is offered the buffer before each block: it takes the
    Enhanced Packet Blocks it can handle itself (never one this reader would warn
    about) and returns where it stopped; those frames are not yielded.
    ``progress`` is called with the stream offset each time a buffer is read."""
    buf = b""
    pos = 0
    base = 0
    e = "<"
    ifaces: list[_Iface] = []
    frame = 0
    last_ts = 0
    spb_warned = False
    while True:
        if walk is not None and len(buf) - pos >= 32:
            pos, frame, last_ts = walk(buf, pos, frame, last_ts, e, ifaces)
        if len(buf) - pos < 12:
            more = fh.read(CHUNK)
            if progress is not None:
                progress(base + pos)
            if not more:
                if len(buf) - pos:
                    ctx.warn(
                        "pcapng-truncated-block",
                        f"file ends inside a block header after frame {frame}",
                        offset=base + pos,
                    )
                return
            buf = buf[pos:] + more
            base += pos
            pos = 0
            continue
        btype_raw = buf[pos : pos + 4]
        if btype_raw == b"\x0a\x0d\x0d\x0a":
            bom = buf[pos + 8 : pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                e = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                e = ">"
            else:
                ctx.warn("pcapng-bad-section", "section header with unknown byte-order magic", offset=base + pos)
                return
            ifaces = []  # interface ids are per section
        btype, blen = struct.unpack_from(e + "II", buf, pos)
        if blen < 12 or blen % 4 or blen > MAX_BLOCK:
            ctx.warn(
                "pcapng-bad-block-length",
                f"block of type 0x{btype:08x} after frame {frame} has impossible length {blen}; "
                "reading stops here",
                offset=base + pos,
            )
            return
        end = pos + blen
        if end > len(buf):
            more = fh.read(max(CHUNK, end - len(buf)))
            if progress is not None:
                progress(base + pos)
            if not more:
                ctx.warn(
                    "pcapng-truncated-block",
                    f"file ends inside a block of type 0x{btype:08x} ({len(buf) - pos} of {blen} "
                    f"bytes) after frame {frame}",
                    offset=base + pos,
                )
                return
            buf = buf[pos:] + more
            base += pos
            pos = 0
            continue
        off = base + pos
        (trail,) = struct.unpack_from(e + "I", buf, end - 4)
        if trail != blen:
            ctx.warn(
                "pcapng-block-length-mismatch",
                f"block of type 0x{btype:08x} has leading length {blen} but trailing length {trail}",
                offset=off,
            )
        body_start = pos + 8
        if btype == EPB:
            if blen < 32:
                ctx.warn("pcapng-bad-block-length", "enhanced packet block too short", offset=off)
            else:
                iid, hi, lo, cap, orig = struct.unpack_from(e + "IIIII", buf, body_start)
                if iid >= len(ifaces):
                    ctx.warn("pcapng-unknown-interface", f"packet names interface {iid}, which was never described", offset=off)
                    frame += 1
                    ctx.count("frames_unusable")
                elif 28 + cap > blen - 4:
                    ctx.warn("pcapng-bad-block-length", f"captured length {cap} exceeds the block", offset=off)
                    frame += 1
                    ctx.count("frames_unusable")
                else:
                    frame += 1
                    ifc = ifaces[iid]
                    last_ts = ifc.ts((hi << 32) | lo)
                    d = body_start + 20
                    yield (frame, last_ts, ifc.linktype, buf[d : d + cap], off, orig, iid)
        elif btype == SPB:
            if not ifaces:
                ctx.warn("pcapng-unknown-interface", "simple packet block before any interface", offset=off)
            else:
                (orig,) = struct.unpack_from(e + "I", buf, body_start)
                ifc = ifaces[0]
                cap = min(orig, blen - 16, ifc.snaplen or orig)
                if not spb_warned:
                    spb_warned = True
                    ctx.warn("pcapng-simple-packet-no-time", "simple packet blocks carry no time stamp; the previous packet's time is used", offset=off)
                frame += 1
                d = body_start + 4
                yield (frame, last_ts, ifc.linktype, buf[d : d + cap], off, orig, 0)
        elif btype == OPB:
            iid, _drops, hi, lo, cap, orig = struct.unpack_from(e + "HHIIII", buf, body_start)
            frame += 1
            if iid < len(ifaces) and 28 + cap <= blen - 4:
                ifc = ifaces[iid]
                last_ts = ifc.ts((hi << 32) | lo)
                d = body_start + 20
                yield (frame, last_ts, ifc.linktype, buf[d : d + cap], off, orig, iid)
            else:
                ctx.warn("pcapng-bad-block", "obsolete packet block with bad interface or length", offset=off)
                ctx.count("frames_unusable")
        elif btype == IDB:
            lt, _res, snap = struct.unpack_from(e + "HHI", buf, body_start)
            ifc = _Iface(lt, snap)
            try:
                _parse_idb_options(ifc, buf[body_start : end - 4], e)
            except struct.error:
                ctx.warn("pcapng-bad-options", "interface description options are damaged", offset=off)
            ifaces.append(ifc)
            ctx.stats.setdefault("interfaces", 0)
            ctx.stats["interfaces"] += 1
        elif btype == SHB or btype in QUIET_BLOCKS:
            pass
        else:
            ctx.warn("pcapng-unknown-block", f"unknown block type 0x{btype:08x} ({blen} bytes) skipped", offset=off)
        pos = end
