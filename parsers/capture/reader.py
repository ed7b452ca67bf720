"""Open a capture by content and stream its frames: pcap, pcapng, or either gzipped.

``iter_frames(src, ctx)`` yields the reader tuples of :mod:`parsers.capture.pcap`.
Gzip-compressed captures are decompressed as a stream (never to disk); a gzip stream
that ends early gives ``capture-gzip-truncated`` after the frames that were readable.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

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


def iter_frames(src: Source, ctx: ParseContext) -> Iterator[tuple]:
    fmt = capture_format(src.head)
    if fmt is None:
        ctx.warn("capture-unknown-format", "not a pcap or pcapng capture", offset=0)
        return
    ctx.stats["format"] = fmt  # type: ignore[assignment]
    with src.open() as raw:
        fh = gzip.GzipFile(fileobj=raw, mode="rb") if fmt.endswith(".gz") else raw
        reader = pcapng.read if fmt.startswith("pcapng") else pcap.read
        try:
            yield from reader(fh, ctx)  # type: ignore[arg-type]
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            ctx.warn("capture-gzip-truncated", f"compressed capture ends early or is damaged: {exc}")
