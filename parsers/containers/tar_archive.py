"""tar archives (POSIX ustar / GNU / pax), optionally gzip/bzip2/xz-compressed as a whole.

Recognised by ``ustar`` at offset 257 (POSIX.1-1988 header).  Regular files only are
yielded (links and devices are counted, never followed); names that are absolute or
contain ``..`` are kept as names only.  A header or data block cut short gives
``container-truncated``.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator

from parsers.base import Container, ParseContext, Source
from parsers.containers._limits import MAX_MEMBER, Budget, chain, check_path


# tarfile raises these on damaged headers; ValueError / OverflowError come from size or
# offset fields too large to seek to
_DAMAGE = (tarfile.TarError, OSError, EOFError, ValueError, OverflowError)


def sniff(head: bytes, name: str) -> bool:
    return head[257:262] == b"ustar"


def members(src: Source, ctx: ParseContext) -> Iterator[Source]:
    fh = src.open()
    try:
        try:
            tf = tarfile.open(fileobj=fh, mode="r:")
        except _DAMAGE as exc:
            ctx.warn("container-truncated", f"tar header unreadable ({exc})")
            return
        budget = Budget(ctx)
        while True:
            try:
                info = tf.next()
            except _DAMAGE as exc:
                ctx.warn("container-truncated", f"tar archive ends inside a header ({exc})")
                break
            if info is None:
                break
            if not info.isfile():
                ctx.count("tar-non-file-members")
                continue
            check_path(info.name, ctx)
            if not budget.admit(info.name, info.size, None):
                if budget.count > 10_000:
                    break
                continue
            try:
                f = tf.extractfile(info)
                data = f.read(MAX_MEMBER + 1) if f else b""
            except _DAMAGE as exc:
                ctx.warn("container-truncated", f"member {info.name!r} unreadable: {exc}",
                         offset=info.offset)
                break
            if len(data) < info.size:
                ctx.warn("container-truncated", f"member {info.name!r} has {len(data)} of "
                         f"{info.size} bytes", offset=info.offset)
            budget.spend(len(data))
            yield Source.from_bytes(data, info.name, member=chain(src, info.name))
    finally:
        fh.close()


CONTAINER = Container(name="tar_archive", version=1, sniff=sniff, members=members)
