"""7-Zip archives (7z signature ``37 7A BC AF 27 1C``), e.g. the AudioCodes
Configuration Package (``ini.ini`` + scripts, LZMA2, optional AES-256 password).

Read with ``py7zr`` when it is installed (optional dependency); without it the archive
is recognised and reported (``container-unsupported``).  Encrypted archives are tried
with the examiner's case keys (``ctx.keys``), else ``container-encrypted``.  Sizes are
checked from the archive's directory before anything is decompressed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from parsers.base import Container, ParseContext, Source
from parsers.containers._limits import MAX_MEMBER, Budget, chain, check_path

MAGIC = b"7z\xbc\xaf\x27\x1c"


def sniff(head: bytes, name: str) -> bool:
    return head[:6] == MAGIC


def members(src: Source, ctx: ParseContext) -> Iterator[Source]:
    try:
        import py7zr
        from py7zr.io import BytesIOFactory
    except ImportError:
        ctx.warn("container-unsupported", "7-Zip archive recognised; py7zr is not installed, "
                 "members not read")
        return
    data = src.read_all()
    encrypted = False
    for pwd in [None, *ctx.keys]:
        try:
            with py7zr.SevenZipFile(io.BytesIO(data), password=pwd) as arc:
                if arc.needs_password() and pwd is None:
                    encrypted = True
                    continue
                infos = arc.list()
                budget = Budget(ctx)
                wanted = []
                for fi in infos:
                    if fi.is_directory:
                        continue
                    check_path(fi.filename, ctx)
                    if budget.admit(fi.filename, fi.uncompressed, fi.compressed or None):
                        wanted.append(fi.filename)
                        budget.spend(fi.uncompressed or 0)
                factory = BytesIOFactory(MAX_MEMBER + 1)
                if wanted:
                    arc.extract(targets=wanted, factory=factory)  # into memory only
        except Exception as exc:  # noqa: BLE001 - py7zr raises many types for bad data
            if pwd is None and not encrypted:
                if "password" in str(exc).lower():
                    encrypted = True
                    continue
                ctx.warn("container-truncated", f"7-Zip archive unreadable "
                         f"({type(exc).__name__}: {exc})")
                return
            continue  # wrong case key: try the next one
        for name in wanted:
            bio = factory.products.get(name)
            if bio is None:
                continue
            bio.seek(0)
            yield Source.from_bytes(bio.read(MAX_MEMBER + 1), name, member=chain(src, name))
        return
    ctx.warn("container-encrypted", "7-Zip archive is encrypted and no case key opens it")


CONTAINER = Container(name="sevenzip", version=1, sniff=sniff, members=members)
