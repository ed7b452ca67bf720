"""gzip wrapper (RFC 1952): one compressed member, e.g. ``config.txt.gz`` or a
gzip-compressed SPA profile (Cisco SB provisioning guide).

The inner name is the header's FNAME field when present, else the outer name without
``.gz``.  Decompression is streamed with a size and ratio cap (``container-limit``);
a stream that ends early gives ``container-truncated`` and the bytes recovered so far.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator

from parsers.base import Container, ParseContext, Source
from parsers.containers._limits import MAX_MEMBER, MAX_RATIO, chain

_CHUNK = 1 << 16


def sniff(head: bytes, name: str) -> bool:
    return head[:3] == b"\x1f\x8b\x08"


def _fname(head: bytes) -> str | None:
    """FNAME from the gzip header (RFC 1952 §2.3.1), if the FNAME flag is set."""
    try:
        flg = head[3]
        pos = 10
        if flg & 0x04:  # FEXTRA
            (xlen,) = struct.unpack_from("<H", head, pos)
            pos += 2 + xlen
        if flg & 0x08:  # FNAME
            end = head.index(b"\x00", pos)
            return head[pos:end].decode("latin-1") or None
    except (IndexError, ValueError, struct.error):
        return None
    return None


def members(src: Source, ctx: ParseContext) -> Iterator[Source]:
    base = os.path.basename(src.name)
    inner = _fname(src.head) or (base[:-3] if base.lower().endswith(".gz") else base + ".out")
    inner = os.path.basename(inner.replace("\\", "/")) or "member"
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    packed = 0
    with src.open() as fh:
        while not d.eof:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            packed += len(chunk)
            try:
                out += d.decompress(chunk, MAX_MEMBER + 1 - len(out))
            except zlib.error as exc:
                ctx.warn("container-truncated", f"gzip stream damaged: {exc}", offset=packed)
                break
            if len(out) > MAX_MEMBER or len(out) > MAX_RATIO * max(packed, 1) + _CHUNK * 4:
                ctx.warn("container-limit", f"gzip member {inner!r} passes the size or "
                         "ratio limit; not read")
                return
    if not d.eof:
        ctx.warn("container-truncated", "gzip stream ends before its trailer; "
                 f"{len(out)} bytes recovered", offset=packed)
    if out:
        yield Source.from_bytes(bytes(out), inner, member=chain(src, inner))


CONTAINER = Container(name="gzip_wrapper", version=1, sniff=sniff, members=members)
