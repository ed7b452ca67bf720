"""Classic libpcap capture reader (tcpdump/libpcap file format, draft-ietf-opsawg-pcap).

Both byte orders, microsecond (0xA1B2C3D4) and nanosecond (0xA1B23C4D) magics.  The
reader streams the file in large chunks and yields one tuple per record::

    (frame_number, ts_ns, linktype, data, offset, orig_len, interface_id)

``frame_number`` is 1-based and equals Wireshark's ``frame.number``; ``offset`` is the
byte offset of the record header in the (decompressed) file.  :class:`Blocks` hands
out the same records as whole-record buffers for a caller that walks the 16-byte
record headers itself (the capture engine's loop), with the same warnings.  A truncated or damaged
file yields every record before the damage and a located warning
(``pcap-truncated-record``, ``pcap-bad-record-length``); nothing stops silently.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
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
    """Yield records of a pcap stream; warnings go to ``ctx``.

    One tuple per record, walked over the buffers of :class:`Blocks`, which owns the
    reading, the carry-over between buffers and every damage warning."""
    blocks = Blocks(fh, ctx)
    unpack = blocks.header.unpack_from
    mult, linktype = blocks.mult, blocks.linktype
    frame = 0
    buf = blocks.next(0, 0)
    while buf is not None:
        base = blocks.base
        pos, size = 0, len(buf)
        while pos + 16 <= size:
            sec, frac, incl, orig = unpack(buf, pos)
            stop = pos + 16 + incl
            if stop > size or incl > MAX_RECORD:
                break  # carried into the next buffer, or warned about by Blocks
            frame += 1
            yield (frame, sec * 1_000_000_000 + frac * mult, linktype, buf[pos + 16 : stop], base + pos, orig, 0)
            pos = stop
        buf = blocks.next(pos, frame)


class Blocks:
    """A pcap stream as buffers that start at a record header, for a caller that walks
    the records itself (no object per record).

    The caller takes ``buf = blocks.next(0, 0)``, reads the records it finds whole in
    ``buf`` (16-byte header unpacked with :attr:`header`, ``incl`` at most
    :data:`MAX_RECORD`), and calls ``blocks.next(consumed, frames)`` with the bytes it
    used and the frames read so far; ``None`` ends the stream.  What the caller could
    not read is carried into the next buffer; at the end of the file, or at a record
    claiming more than :data:`MAX_RECORD` bytes, the warnings of :func:`read` are given.
    ``linktype`` is 0 and :attr:`ok` False when the file header is bad.
    """

    def __init__(self, fh: BinaryIO, ctx: ParseContext) -> None:
        self.fh, self.ctx = fh, ctx
        self.progress: Callable[[int], None] | None = None  # called with file offsets
        hdr = fh.read(24)
        self.ok = len(hdr) == 24 and hdr[:4] in MAGICS
        self.linktype, self.mult = 0, 1
        self.header = struct.Struct("<IIII")
        self._buf = b""
        self._base = 24  # file offset of _buf[0]
        if not self.ok:
            ctx.warn("pcap-bad-header", "file too short or wrong magic for pcap", offset=0)
            return
        endian, self.mult = MAGICS[hdr[:4]]
        network = struct.unpack_from(endian + "I", hdr, 20)[0]
        self.linktype = network & 0xFFFF
        ctx.stats["linktype"] = self.linktype
        self.header = struct.Struct(endian + "IIII")

    def next(self, consumed: int, frames: int) -> bytes | None:
        """The next buffer (``consumed`` bytes of the last one were used), or None."""
        if not self.ok:
            return None
        rest = self._buf[consumed:]
        self._base += consumed
        if self.progress is not None:
            self.progress(self._base)
        want = CHUNK
        if len(rest) >= 16:
            incl = self.header.unpack_from(rest)[2]
            if incl > MAX_RECORD:
                self.ctx.warn(
                    "pcap-bad-record-length",
                    f"record after frame {frames} claims {incl} captured bytes; reading stops here",
                    offset=self._base,
                )
                self._end()
                return None
            want = max(CHUNK, 16 + incl - len(rest))
        more = self.fh.read(want)
        if not more:
            if len(rest) >= 16:
                incl = self.header.unpack_from(rest)[2]
                self.ctx.warn(
                    "pcap-truncated-record",
                    f"file ends inside frame {frames + 1}: {len(rest) - 16} of {incl} "
                    "captured bytes present",
                    offset=self._base,
                )
            elif rest:
                self.ctx.warn(
                    "pcap-truncated-record",
                    f"file ends inside a record header ({len(rest)} of 16 bytes) after frame {frames}",
                    offset=self._base,
                )
            self._end()
            return None
        self._buf = rest + more if rest else more
        return self._buf

    @property
    def base(self) -> int:
        """File offset of the first byte of the current buffer."""
        return self._base

    def _end(self) -> None:
        self.ok = False
        self._buf = b""
