"""Open a capture by content and stream its frames: pcap, pcapng, or either gzipped.

``iter_frames(src, ctx)`` yields the reader tuples of :mod:`parsers.capture.pcap`;
``open_blocks(src, ctx)`` gives a classic pcap (plain or gzipped) as
:class:`parsers.capture.pcap.Blocks` instead, for the capture engine's own record walk.
Gzip-compressed captures are decompressed as a stream (never to disk); a gzip stream
that ends early gives ``capture-gzip-truncated`` after the frames that were readable.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from parsers.base import ParseContext, Source
from parsers.capture import pcap, pcapng


def capture_format(head: bytes) -> str | None:
    """'pcap', 'pcapng', 'pcap.gz', 'pcapng.gz' or None."""
    if pcapng.sniff(head):
        return "pcapng"
    if pcap.sniff(head):
        return "pcap"
    if head[:2] == b"\x1f\x8b":
        try:
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return None
        if pcapng.sniff(inner):
            return "pcapng.gz"
        if pcap.sniff(inner):
            return "pcap.gz"
    return None


class _GunzipStream:
    """Read-only, incremental gunzip that hands out everything decodable before damage.

    ``gzip.GzipFile`` raises on a cut stream and loses the buffered tail; this keeps it,
    and notes ``damaged`` so the caller can warn.  Concatenated members are followed.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.buf = bytearray()
        self.eof = False
        self.damaged: str | None = None

    def read(self, n: int = -1) -> bytes:
        while not self.eof and (n < 0 or len(self.buf) < n):
            chunk = self.raw.read(1 << 18)
            if not chunk:
                self.eof = True
                if not self.d.eof:
                    self.damaged = "compressed stream ends early"
                break
            try:
                self.buf += self.d.decompress(chunk)
                while self.d.eof and self.d.unused_data:
                    rest = self.d.unused_data
                    self.d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    self.buf += self.d.decompress(rest)
            except zlib.error as exc:
                self.damaged = f"compressed data damaged ({exc})"
                self.eof = True
        if n < 0:
            n = len(self.buf)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


def _with_progress(frames: Iterator[tuple], cb: Callable[[int], None]) -> Iterator[tuple]:
    n = 0
    for fr in frames:
        n += 1
        if not n & 0x3FFF:
            cb(fr[4])
        yield fr


def iter_frames(src: Source, ctx: ParseContext, walk: pcapng.Walker | None = None,
                progress: Callable[[int], None] | None = None) -> Iterator[tuple]:
    """Frames of any capture as reader tuples.  ``walk`` is the pcapng fast-path hook
    (:func:`parsers.capture.pcapng.read`); ``progress`` is called with stream offsets
    (per buffer for pcapng, every 16,384 frames for classic pcap)."""
    fmt = capture_format(src.head)
    if fmt is None:
        ctx.warn("capture-unknown-format", "not a pcap or pcapng capture", offset=0)
        return
    ctx.stats["format"] = fmt  # type: ignore[assignment]
    with src.open() as raw:
        fh: Any = _GunzipStream(raw) if fmt.endswith(".gz") else raw
        if fmt.startswith("pcapng"):
            yield from pcapng.read(fh, ctx, walk, progress)
        elif progress is not None:
            yield from _with_progress(pcap.read(fh, ctx), progress)
        else:
            yield from pcap.read(fh, ctx)
        if isinstance(fh, _GunzipStream) and fh.damaged:
            ctx.warn("capture-gzip-truncated", f"gzip-compressed capture: {fh.damaged}; frames before the damage were read")


@contextmanager
def open_blocks(src: Source, ctx: ParseContext) -> Iterator[pcap.Blocks | None]:
    """A classic pcap capture as :class:`~parsers.capture.pcap.Blocks` (None for any
    other format: use :func:`iter_frames`).  Same statistics and warnings."""
    fmt = capture_format(src.head)
    if fmt not in ("pcap", "pcap.gz"):
        yield None
        return
    ctx.stats["format"] = fmt  # type: ignore[assignment]
    with src.open() as raw:
        fh: Any = _GunzipStream(raw) if fmt.endswith(".gz") else raw
        yield pcap.Blocks(fh, ctx)
        if isinstance(fh, _GunzipStream) and fh.damaged:
            ctx.warn("capture-gzip-truncated", f"gzip-compressed capture: {fh.damaged}; frames before the damage were read")
