"""Raw disk images: dd / ``.raw`` / ``.img``, and split raw (``.001``, ``.002``… or
``.aa``, ``.ab``…) read as one image.

Recognised by content, never by name: an MBR (0x55AA at byte 510 with four entries
that look like a partition table: boot flag 0x00/0x80, non-empty entries with a
start and a length), a GPT header (``EFI PART`` at LBA 1 for 512- or 4096-byte
sectors, UEFI 2.x §5.3), a bare file system boot sector or superblock (NTFS, exFAT,
FAT, ext2/3/4; see ``volumes.bare_filesystem``), or an encrypted volume header
(BitLocker ``-FVE-FS-``, LUKS ``LUKS\\xba\\xbe``) so that it is reported.

When the evidence is a plain file named like the first piece of a split set, the
following pieces are found beside it and read in order; the pipeline's other
evidence entries for those pieces are not images on their own.  Partitions and file
systems are walked by ``filesystems.scan``.
"""

from __future__ import annotations

from collections.abc import Iterator

from parsers.base import Container, ParseContext, Source
from parsers.images.blob import FileBlob, disk_path, split_raw_pieces
from parsers.images.filesystems import scan
from parsers.images.volumes import bare_filesystem, encryption, looks_like_table


def sniff(head: bytes, name: str) -> bool:
    """Content check only; never raises."""
    try:
        if len(head) < 512:
            return False
        if head[512:520] == b"EFI PART" or head[4096:4104] == b"EFI PART":
            return True
        if encryption(head) or bare_filesystem(head):
            return True
        return looks_like_table(head)
    except Exception:  # noqa: BLE001 - sniffers never raise
        return False


def members(src: Source, ctx: ParseContext) -> Iterator[Source]:
    """One Source per candidate file found in the image's file systems."""
    path = disk_path(src)
    if path is not None:
        pieces = split_raw_pieces(path)
        blob = FileBlob(pieces)
        if len(pieces) > 1:
            ctx.count("image-split-pieces", len(pieces))
    else:
        blob = FileBlob(handle=src.open())
    ctx.count("image-bytes", blob.size)
    yield from scan(blob, src, ctx)


CONTAINER = Container(name="raw", version=1, sniff=sniff, members=members)
