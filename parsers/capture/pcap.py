"""Classic libpcap capture reader (tcpdump/libpcap file format, draft-ietf-opsawg-pcap).

Both byte orders, microsecond (0xA1B2C3D4) and nanosecond (0xA1B23C4D) magics.  The
reader streams the file in large chunks and yields one tuple per record::

    (frame_number, ts_ns, linktype, data, offset, orig_len, interface_id)

``frame_number`` is 1-based and equals Wireshark's ``frame.number``; ``offset`` is the
byte offset of the record header in the (decompressed) file.  A truncated or damaged
file yields every record before the damage and a located warning
(``pcap-truncated-record``, ``pcap-bad-record-length``); nothing stops silently.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from parsers.base import ParseContext

MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1000),  # little-endian, microseconds
    b"\xa1\xb2\xc3\xd4": (">", 1000),
    b"\x4d\x3c\xb2\xa1": ("<", 1),  # little-endian, nanoseconds
    b"\xa1\xb2\x3c\x4d": (">", 1),
}
CHUNK = 1 << 20
MAX_RECORD = 256 * 1024 * 1024  # larger than any link's snapshot length: corrupt header

FrameTuple = tuple[int, int, int, bytes, int, int, int]


def sniff(head: bytes, name: str = "") -> bool:
    return head[:4] in MAGICS


def read(fh: BinaryIO, ctx: ParseContext) -> Iterator[FrameTuple]:
    """Yield records of a pcap stream; warnings go to ``ctx``."""
    hdr = fh.read(24)
    if len(hdr) < 24 or hdr[:4] not in MAGICS:
        ctx.warn("pcap-bad-header", "file too short or wrong magic for pcap", offset=0)
        return
    endian, mult = MAGICS[hdr[:4]]
    _vmaj, _vmin, _zone, _sig, snaplen, network = struct.unpack(endian + "HHiIII", hdr[4:])
    linktype = network & 0xFFFF
    ctx.stats["linktype"] = linktype
    rec = struct.Struct(endian + "IIII")
    unpack_from = rec.unpack_from
    buf = b""
    pos = 0
    base = 24  # file offset of buf[0]
    frame = 0
    while True:
        if len(buf) - pos < 16:
            more = fh.read(CHUNK)
            if not more:
                if len(buf) - pos:
                    ctx.warn(
                        "pcap-truncated-record",
                        f"file ends inside a record header ({len(buf) - pos} of 16 bytes) "
                        f"after frame {frame}",
                        offset=base + pos,
                    )
                return
            buf = buf[pos:] + more
            base += pos
            pos = 0
            continue
        sec, frac, incl, orig = unpack_from(buf, pos)
        if incl > MAX_RECORD:
            ctx.warn(
                "pcap-bad-record-length",
                f"record after frame {frame} claims {incl} captured bytes; reading stops here",
                offset=base + pos,
            )
            return
        end = pos + 16 + incl
        if end > len(buf):
            more = fh.read(max(CHUNK, end - len(buf)))
            if not more:
                ctx.warn(
                    "pcap-truncated-record",
                    f"file ends inside frame {frame + 1}: {len(buf) - pos - 16} of {incl} "
                    "captured bytes present",
                    offset=base + pos,
                )
                return
            buf = buf[pos:] + more
            base += pos
            pos = 0
            continue
        frame += 1
        yield (frame, sec * 1_000_000_000 + frac * mult, linktype, buf[pos + 16 : end], base + pos, orig, 0)
        pos = end
