"""Expert Witness Compression Format images (EnCase ``.E01``/``.Ex01``), via pyewf.

Format: libewf's "Expert Witness Compression Format (EWF)" and "EWF2"
specifications.  EWF1 segment files start with ``EVF\\x09\\x0d\\x0a\\xff\\x00``, a
``0x01`` byte and the 16-bit little-endian segment number; EWF2 (``.Ex01``) with
``EVF2\\x0d\\x0a\\x81\\x00``, version bytes, compression method and a 32-bit segment
number at byte 12.  Only segment 1 is claimed: the other segments are read through
it (``pyewf.glob`` finds ``.E02``… beside it).

Logical evidence files (``LVF…`` L01, ``LEF2…`` Lx01) hold files rather than a disk;
they are recognised and reported as ``image-unsupported-format``.

Verified here for EWF1: the section chain of every segment file (76-byte section
descriptors: 16-byte type, 64-bit offset of the next section, 64-bit size).  A
chain that runs past the end of its file, or a last segment that ends in ``next``
rather than ``done``, is ``image-truncated``: the readable sectors are still scanned
and unreadable ones are reported per file.  Decompression, chunk tables and the
stored MD5 are left to libewf.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pyewf

from parsers.base import Container, ParseContext, Source
from parsers.images.blob import disk_path
from parsers.images.filesystems import scan

EVF1 = b"EVF\x09\x0d\x0a\xff\x00"
EVF2 = b"EVF2\x0d\x0a\x81\x00"
LVF1 = b"LVF\x09\x0d\x0a\xff\x00"
LEF2 = b"LEF2\x0d\x0a\x81\x00"
SECTION_DESCRIPTOR = 76


def _segment_number(head: bytes) -> int | None:
    if head.startswith((EVF1, LVF1)) and len(head) >= 13:
        return int.from_bytes(head[9:11], "little")
    if head.startswith((EVF2, LEF2)) and len(head) >= 16:
        return int.from_bytes(head[12:16], "little")
    return None


def sniff(head: bytes, name: str) -> bool:
    """First segment of an EWF / EWF2 / logical EWF set; never raises."""
    try:
        return _segment_number(head) == 1
    except Exception:  # noqa: BLE001 - sniffers never raise
        return False


class EwfBlob:
    """The media data of an open pyewf handle."""

    def __init__(self, handle: pyewf.handle) -> None:
        self._h = handle
        self.size = int(handle.get_media_size())

    def read_at(self, offset: int, length: int) -> bytes:
        if offset >= self.size or length <= 0:
            return b""
        try:
            return self._h.read_buffer_at_offset(
                min(length, self.size - offset), offset
            )
        except (OSError, RuntimeError) as exc:
            raise OSError(f"EWF data unreadable at media offset {offset}") from exc


def check_segments(paths: list[str], ctx: ParseContext) -> bool:
    """Walk the EWF1 section chain of every segment; warn and return False if cut."""
    ok = True
    last_type = b""
    for n, path in enumerate(paths, start=1):
        size = os.stat(path).st_size
        name = os.path.basename(path)
        with open(path, "rb") as fh:
            if fh.read(8) != EVF1:
                return True  # EWF2 / other: left to libewf
            off = 13
            while True:
                fh.seek(off)
                desc = fh.read(SECTION_DESCRIPTOR)
                if len(desc) < SECTION_DESCRIPTOR:
                    ctx.warn(
                        "image-truncated",
                        f"segment {n} ({name}) ends inside a section descriptor at "
                        f"byte {off} of {size}",
                        offset=off,
                    )
                    ok = False
                    break
                stype = desc[:16].rstrip(b"\0")
                nxt = int.from_bytes(desc[16:24], "little")
                ssize = int.from_bytes(desc[24:32], "little")
                if stype in (b"next", b"done"):
                    last_type = stype
                    break
                if nxt <= off or nxt > size or off + ssize > size:
                    ctx.warn(
                        "image-truncated",
                        f"segment {n} ({name}): section '{stype.decode('ascii', 'replace')}' "
                        f"at byte {off} points past the end of the file ({size} bytes)",
                        offset=off,
                    )
                    ok = False
                    break
                off = nxt
    if ok and last_type != b"done":
        ctx.warn(
            "image-truncated",
            f"the last segment found ({os.path.basename(paths[-1])}) does not end the "
            "set: later segments are missing",
        )
        ok = False
    return ok


def members(src: Source, ctx: ParseContext) -> Iterator[Source]:
    """One Source per candidate file found in the EWF image's file systems."""
    head = src.head
    if head.startswith((LVF1, LEF2)):
        ctx.warn(
            "image-unsupported-format",
            "logical evidence file (L01/Lx01): its file entries are not read yet",
            offset=0,
        )
        return
    path = disk_path(src)
    handle = pyewf.handle()
    try:
        if path is not None:
            paths = list(pyewf.glob(path))
            check_segments(paths, ctx)
            ctx.count("image-ewf-segments", len(paths))
            handle.open(paths)
        else:
            handle.open_file_objects([src.open()])
    except (OSError, RuntimeError) as exc:
        ctx.warn("image-truncated", f"EWF image cannot be opened: {exc}", offset=0)
        return
    blob = EwfBlob(handle)
    ctx.count("image-bytes", blob.size)
    yield from scan(blob, src, ctx)


CONTAINER = Container(name="ewf", version=1, sniff=sniff, members=members)
