"""Partitions and file systems of a disk image, walked read-only with The Sleuth Kit.

Volume systems: MBR (DOS) and GPT, as detected by TSK (``pytsk3.Volume_Info``), or
none (a bare file system at offset 0).  Every allocated partition is checked for an
encrypted-volume header first (BitLocker: OEM id ``-FVE-FS-`` at byte 3 of the
volume boot sector; LUKS: ``LUKS\\xba\\xbe`` at byte 0, per the LUKS1/LUKS2 on-disk
format specifications), then opened with ``pytsk3.FS_Info``: NTFS, FAT12/16/32,
exFAT, ext2/3/4 (and whatever else TSK reads: HFS+, ISO 9660, APFS…).

Partition extents are checked in ``volumes.py`` (a partition that runs past the end
or overlaps another is ``image-bad-partition-table``, and is still read).
Taken from TSK as is: directory entries, deleted (unallocated) names and orphan
files with metadata still present (``$OrphanFiles``), sizes and times.  A deleted
name whose metadata entry has been re-allocated is skipped: its content now belongs
to another file.  FAT stores local time without a zone; TSK converts it with the
process time zone, so FAT times are only as good as that assumption.

Each file chosen by ``candidates.py`` becomes a :class:`~parsers.base.Source` with
member path ``p<partition>/<fs>/<path>`` (partition 0 = no partition table) and
``meta`` = partition, fs, path, inode, deleted, size, crtime/mtime/atime/ctime (ISO
8601 UTC or None), sha256 (of the file content, computed while yielding).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytsk3

from parsers.base import SNIFF_BYTES, ParseContext, Source
from parsers.images import candidates
from parsers.images.blob import Blob, TskImage, open_tsk_file
from parsers.images.volumes import OTHER_MAGICS, encryption, volumes

DEFAULT_SNIFF_LIMIT = 16 * 1024 * 1024  # option image_sniff_limit
MAX_DEPTH = 128  # directory nesting beyond this is a loop or damage
HASH_CHUNK = 1 << 20

FS_NAMES = {
    pytsk3.TSK_FS_TYPE_NTFS: "ntfs",
    pytsk3.TSK_FS_TYPE_FAT12: "fat12",
    pytsk3.TSK_FS_TYPE_FAT16: "fat16",
    pytsk3.TSK_FS_TYPE_FAT32: "fat32",
    pytsk3.TSK_FS_TYPE_EXFAT: "exfat",
    pytsk3.TSK_FS_TYPE_EXT2: "ext2",
    pytsk3.TSK_FS_TYPE_EXT3: "ext3",
    pytsk3.TSK_FS_TYPE_EXT4: "ext4",
    pytsk3.TSK_FS_TYPE_HFS: "hfs",
    pytsk3.TSK_FS_TYPE_ISO9660: "iso9660",
    pytsk3.TSK_FS_TYPE_APFS: "apfs",
}


def _iso(sec: int | None, nano: int | None = 0) -> str | None:
    if not sec or sec < 0:
        return None  # TSK reports 0 for "not recorded"
    try:
        base = datetime.fromtimestamp(sec, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return None
    frac = f".{nano:09d}".rstrip("0") if nano else ""
    return base + frac + "Z"


def scan(blob: Blob, src: Source, ctx: ParseContext) -> Iterator[Source]:
    """Yield one Source per candidate file in every readable file system of ``blob``."""

    def on_error(offset: int, length: int, message: str) -> None:
        ctx.warn(
            "image-read-error",
            f"{length} bytes at image offset {offset} "
            f"unreadable, read as zeros: {message}",
            offset=offset,
        )

    img = TskImage(blob, on_error)
    for idx, offset, desc in volumes(img, blob, ctx):
        boot = blob.read_at(offset, 4096)
        enc = encryption(boot)
        if enc:
            ctx.warn(
                "image-encrypted-volume",
                f"partition {idx} ({desc}) at offset {offset} is a {enc} volume; "
                "its content cannot be read without the key",
                offset=offset,
            )
            continue
        try:
            fs = pytsk3.FS_Info(img, offset=offset)
        except (OSError, RuntimeError) as exc:
            text = str(exc)
            if "Encryption detected" in text:
                ctx.warn(
                    "image-encrypted-volume",
                    f"partition {idx} ({desc}) at offset {offset}: {text.split('error: ')[-1]}",
                    offset=offset,
                )
                continue
            kind = next(
                (n for o, m, n in OTHER_MAGICS if boot[o : o + len(m)] == m), None
            )
            if kind is None and offset + 0x10048 <= blob.size:
                probe = blob.read_at(offset + 0x10040, 8)
                kind = "btrfs" if probe == b"_BHRfS_M" else None
            if kind is None:
                kind = "blank" if not boot.strip(b"\0") else "unknown type"
            ctx.warn(
                "image-unsupported-filesystem",
                f"partition {idx} ({desc}) at offset {offset}: no readable file "
                f"system ({kind})",
                offset=offset,
            )
            continue
        ctx.count("image-filesystems")
        fs_name = FS_NAMES.get(fs.info.ftype, f"fs{int(fs.info.ftype)}")
        yield from _walk(fs, img, idx, fs_name, src, ctx)


def _walk(
    fs: Any, img: TskImage, idx: int, fs_name: str, src: Source, ctx: ParseContext
) -> Iterator[Source]:
    limit = int(ctx.options.get("image_sniff_limit", DEFAULT_SNIFF_LIMIT))
    orphans = bool(ctx.options.get("image_orphans", True))
    try:
        root = fs.open_dir("/")
    except (OSError, RuntimeError) as exc:
        ctx.warn(
            "image-bad-directory", f"p{idx}/{fs_name}: root folder unreadable: {exc}"
        )
        return
    stack: list[tuple[str, Any, bool, int]] = [("", root, False, 0)]
    seen_dirs: set[int] = set()
    while stack:
        parent, directory, parent_deleted, depth = stack.pop()
        try:
            entries = list(directory)
        except (OSError, RuntimeError) as exc:
            ctx.warn(
                "image-bad-directory", f"p{idx}/{fs_name}/{parent}: unreadable: {exc}"
            )
            continue
        for f in entries:
            name_info = f.info.name
            name = name_info.name.decode("utf-8", "replace")
            meta = f.info.meta
            if name in (".", "..") or meta is None:
                continue
            rel = f"{parent}/{name}" if parent else name
            name_deleted = bool(int(name_info.flags) & pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
            meta_free = bool(int(meta.flags) & pytsk3.TSK_FS_META_FLAG_UNALLOC)
            if name_deleted and not meta_free:
                ctx.count("image-deleted-names-reallocated")
                continue
            deleted = parent_deleted or name_deleted or meta_free
            mtype = meta.type
            if mtype == pytsk3.TSK_FS_META_TYPE_VIRT_DIR:
                if orphans and name == "$OrphanFiles":
                    stack.append((rel, _as_dir(f, ctx), True, depth + 1))
                continue
            if mtype == pytsk3.TSK_FS_META_TYPE_DIR:
                if meta.addr in seen_dirs or depth >= MAX_DEPTH:
                    continue
                seen_dirs.add(meta.addr)
                sub = _as_dir(f, ctx)
                if sub is not None:
                    stack.append((rel, sub, deleted, depth + 1))
                continue
            if mtype != pytsk3.TSK_FS_META_TYPE_REG:
                continue
            ctx.count("image-files")
            member = _candidate(f, img, rel, deleted, idx, fs_name, src, ctx, limit)
            if member is not None:
                yield member


def _as_dir(f: Any, ctx: ParseContext) -> Any:
    try:
        return f.as_directory()
    except (OSError, RuntimeError) as exc:
        ctx.count("image-unreadable-directories")
        ctx.warn("image-bad-directory", f"folder inode {f.info.meta.addr}: {exc}")
        return None


def _candidate(
    f: Any,
    img: TskImage,
    rel: str,
    deleted: bool,
    idx: int,
    fs_name: str,
    src: Source,
    ctx: ParseContext,
    limit: int,
) -> Source | None:
    meta = f.info.meta
    size = int(meta.size)
    path = "/" + rel
    member_path = f"p{idx}/{fs_name}/{rel}"
    member = f"{src.member}!{member_path}" if src.member else member_path
    why = candidates.path_rule(path, size)
    head: bytes | None = None
    if why is None and candidates.may_sniff(path, size, limit):
        try:
            head = f.read_random(0, min(size, SNIFF_BYTES))
        except (OSError, RuntimeError):
            ctx.count("image-unreadable-files")
            return None
        why = candidates.content_rule(head)
    if why is None:
        return None
    errors_before = len(img.errors)
    digest = _sha256(f, size, member, ctx)
    if digest is not None and len(img.errors) > errors_before:
        ctx.warn(
            "image-unreadable-file",
            f"{member}: part of the content lies in unreadable image data "
            "(read as zeros); no hash given",
        )
        digest = None
    ctx.count("image-members")
    if deleted:
        ctx.count("image-deleted-members")
    info: dict[str, Any] = {
        "partition": idx,
        "fs": fs_name,
        "path": path,
        "inode": int(meta.addr),
        "deleted": deleted,
        "size": size,
        "crtime": _iso(meta.crtime, getattr(meta, "crtime_nano", 0)),
        "mtime": _iso(meta.mtime, getattr(meta, "mtime_nano", 0)),
        "atime": _iso(meta.atime, getattr(meta, "atime_nano", 0)),
        "ctime": _iso(meta.ctime, getattr(meta, "ctime_nano", 0)),
        "sha256": digest,
        "reason": why,
    }
    return Source(
        name=member_path,
        size=size,
        opener=lambda f=f, size=size: open_tsk_file(f, size),
        member=member,
        meta=info,
        _head=head,
    )


def _sha256(f: Any, size: int, member: str, ctx: ParseContext) -> str | None:
    """SHA-256 of a file's content, streamed; None (and a warning) if unreadable."""
    h = hashlib.sha256()
    pos = 0
    try:
        while pos < size:
            chunk = f.read_random(pos, min(HASH_CHUNK, size - pos))
            if not chunk:
                raise OSError("no data returned")
            h.update(chunk)
            pos += len(chunk)
    except (OSError, RuntimeError) as exc:
        ctx.warn(
            "image-unreadable-file",
            f"{member}: content unreadable at byte {pos}: {exc}",
        )
        return None
    return h.hexdigest()
