"""ZIP archives (PKWARE APPNOTE): backups, exported config bundles, seized folders.

Members are read into memory with the limits of ``_limits``; names that are absolute
or contain ``..`` are kept as names only.  Encrypted members are tried with the
examiner's case keys (``ctx.keys``); otherwise ``container-encrypted``.  A file without
a readable central directory, or a member that fails its CRC or ends early, gives
``container-truncated``.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator

from parsers.base import Container, ParseContext, Source
from parsers.containers._limits import MAX_MEMBER, Budget, chain, check_path


def sniff(head: bytes, name: str) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, ctx: ParseContext) -> bytes | None:
    pwds: list[bytes | None] = [None]
    if info.flag_bits & 0x1:
        pwds = [k.encode("utf-8") for k in ctx.keys]
        if not pwds:
            ctx.warn("container-encrypted", f"member {info.filename!r} is encrypted and no "
                     "case key was given")
            return None
    for pwd in pwds:
        try:
            with zf.open(info, pwd=pwd) as fh:
                data = fh.read(MAX_MEMBER + 1)
            if len(data) > MAX_MEMBER:
                ctx.warn("container-limit", f"member {info.filename!r} is larger than its "
                         "header says; not read")
                return None
            return data
        except RuntimeError:  # wrong password
            continue
        except NotImplementedError as exc:
            ctx.warn("container-unsupported", f"member {info.filename!r}: {exc}")
            return None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, OverflowError) as exc:
            # ValueError / OverflowError: header offsets that point before the file
            # start or past any seekable position (zipfile seeks them unchecked)
            ctx.warn("container-truncated", f"member {info.filename!r} unreadable: {exc}",
                     offset=info.header_offset)
            return None
    ctx.warn("container-encrypted", f"member {info.filename!r}: no case key opens it")
    return None


def members(src: Source, ctx: ParseContext) -> Iterator[Source]:
    fh = src.open()
    try:
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, OverflowError) as exc:
            ctx.warn("container-truncated", f"no readable ZIP central directory ({exc})")
            return
        except NotImplementedError as exc:  # e.g. a central directory of "version 6.6"
            ctx.warn("container-unsupported", f"ZIP archive not readable here: {exc}")
            return
        budget = Budget(ctx)
        for n, info in enumerate(zf.infolist(), 1):
            if info.filename.endswith("/"):  # a folder (ZipInfo.is_dir fails on "")
                continue
            if not info.filename:
                info.filename = f"unnamed-member-{n}"  # an empty name in a damaged directory
            check_path(info.filename, ctx)
            if not budget.admit(info.filename, info.file_size, info.compress_size):
                if budget.count > 10_000:
                    break
                continue
            data = _read(zf, info, ctx)
            if data is None:
                continue
            budget.spend(len(data))
            yield Source.from_bytes(data, info.filename, member=chain(src, info.filename))
    finally:
        fh.close()


CONTAINER = Container(name="zip_archive", version=1, sniff=sniff, members=members)
