"""Volume systems and volume headers of a disk image.

Partition tables: MBR (DOS) and GPT as read by The Sleuth Kit
(``pytsk3.Volume_Info``); their extents are checked here against the image size and
against each other (``image-bad-partition-table``).  Headers recognised by their
first bytes: bare file systems (Microsoft FAT/exFAT/NTFS boot sectors, the ext2/3/4
superblock), encrypted volumes (BitLocker ``-FVE-FS-`` at byte 3 of the volume boot
sector; LUKS1/LUKS2 ``LUKS\\xba\\xbe`` at byte 0) and a few file systems TSK does not
read, which are named in ``image-unsupported-filesystem`` warnings.
"""

from __future__ import annotations

import pytsk3

from parsers.base import ParseContext
from parsers.images.blob import Blob, TskImage

# Volumes TSK does not read, named in the warning: (offset, magic, name).
OTHER_MAGICS = (
    (0, b"XFSB", "xfs"),
    (0x10040, b"_BHRfS_M", "btrfs"),
    (3, b"ReFS", "refs"),
    (0, b"hsqs", "squashfs"),
    (4086, b"SWAPSPACE2", "linux swap"),
    (0x218, b"LVM2 001", "lvm2"),
)


def encryption(boot: bytes) -> str | None:
    """The encrypted-volume format whose header starts ``boot``, if any."""
    if boot[3:11] == b"-FVE-FS-":
        return "BitLocker"
    if boot[:6] == b"LUKS\xba\xbe":
        return "LUKS"
    return None


def bare_filesystem(head: bytes) -> str | None:
    """The file system whose boot sector / superblock starts ``head``, if any.

    NTFS and exFAT: OEM id at byte 3; FAT: type string at 54 (FAT12/16) or 82
    (FAT32) with the 0x55AA signature; ext2/3/4: superblock magic 0xEF53 at 1080
    with a sane block-size exponent (Microsoft FAT and ext4 on-disk layouts).
    """
    if head[3:11] == b"NTFS    ":
        return "ntfs"
    if head[3:11] == b"EXFAT   ":
        return "exfat"
    if head[510:512] == b"\x55\xaa" and (
        head[54:62] in (b"FAT12   ", b"FAT16   ") or head[82:90] == b"FAT32   "
    ):
        return "fat"
    if len(head) >= 1120 and head[1080:1082] == b"\x53\xef":
        log_block = int.from_bytes(head[1048:1052], "little")
        inodes = int.from_bytes(head[1024:1028], "little")
        if log_block <= 6 and inodes > 0:
            return "ext"
    return None


def looks_like_table(sector: bytes) -> bool:
    """An MBR whose four entries look like a partition table (not boot code)."""
    if len(sector) < 512 or sector[510:512] != b"\x55\xaa":
        return False
    used = 0
    for i in range(4):
        e = sector[446 + 16 * i : 462 + 16 * i]
        if e[0] not in (0x00, 0x80):
            return False
        lba = int.from_bytes(e[8:12], "little")
        count = int.from_bytes(e[12:16], "little")
        if e[4] != 0:
            if lba == 0 or count == 0:
                return False
            used += 1
        elif lba or count:
            return False
    return used > 0


def volumes(img: TskImage, blob: Blob, ctx: ParseContext) -> list[tuple[int, int, str]]:
    """(partition index, byte offset, description) of every volume to examine."""
    head = blob.read_at(0, 4096)
    try:
        vs = pytsk3.Volume_Info(img)
    except (OSError, RuntimeError):
        boot_sig = head[510:512] == b"\x55\xaa"
        if (boot_sig and not bare_filesystem(head) and not encryption(head)) or head[
            512:520
        ] == b"EFI PART":
            ctx.warn(
                "image-bad-partition-table",
                "partition table present but unreadable; scanning offset 0 as a bare "
                "file system",
                offset=0,
            )
        return [(0, 0, "no partition table")]
    bsize = vs.info.block_size
    out: list[tuple[int, int, str]] = []
    extents: list[tuple[int, int, int]] = []
    idx = 0  # 1-based over allocated partitions, in table order
    for part in vs:
        if not part.flags & pytsk3.TSK_VS_PART_FLAG_ALLOC:
            continue
        idx += 1
        start, end = part.start * bsize, (part.start + part.len) * bsize
        desc = part.desc.decode("utf-8", "replace")
        if end > blob.size:
            ctx.warn(
                "image-bad-partition-table",
                f"partition {idx} ({desc}) spans bytes {start}-{end} but the image has "
                f"{blob.size} bytes",
                offset=start,
            )
        for other, o_start, o_end in extents:
            if start < o_end and o_start < end:
                ctx.warn(
                    "image-bad-partition-table",
                    f"partition {idx} ({desc}) overlaps partition {other}",
                    offset=start,
                )
        extents.append((idx, start, end))
        if start < blob.size:
            out.append((idx, start, desc))
    ctx.count("image-partitions", len(out))
    return out or [(0, 0, "no partitions")]
