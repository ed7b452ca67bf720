"""Limits and naming shared by the container readers.

Members are read into memory only, never extracted to disk.  Limits (brief of the
project; zip-bomb defence): one member ≤ 64 MiB, all members ≤ 256 MiB, compression
ratio ≤ 200, ≤ 10,000 members.  Beyond a limit the member (or the rest of the archive)
is skipped with a ``container-limit`` warning.  Absolute and ``..`` member paths are
kept as names only (``container-unsafe-path``).
"""

from __future__ import annotations

import os
import re

from parsers.base import ParseContext, Source

MAX_MEMBER = 64 * 1024 * 1024
MAX_TOTAL = 256 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 10_000


def chain(src: Source, inner: str) -> str:
    """``outer.zip!inner/path``; nested containers extend the chain."""
    outer = src.member or os.path.basename(src.name) or src.name
    return f"{outer}!{inner}"


def check_path(inner: str, ctx: ParseContext) -> None:
    """Warn about member names that would escape an extraction directory."""
    parts = re.split(r"[\\/]", inner)
    if inner.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", inner) or ".." in parts:
        ctx.warn("container-unsafe-path", f"member path {inner!r} is absolute or climbs out "
                 "with '..'; kept as a name only, nothing is extracted")


class Budget:
    """Running totals for one archive."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.total = 0
        self.count = 0

    def admit(self, inner: str, size: int | None, packed: int | None) -> bool:
        """True if a member of ``size`` bytes (``packed`` compressed) may be read."""
        self.count += 1
        if self.count > MAX_MEMBERS:
            if self.count == MAX_MEMBERS + 1:
                self.ctx.warn("container-limit", f"more than {MAX_MEMBERS} members; the "
                              "rest are not read")
            return False
        if size is not None and size > MAX_MEMBER:
            self.ctx.warn("container-limit", f"member {inner!r} is {size} bytes "
                          f"(limit {MAX_MEMBER}); not read")
            return False
        if size is not None and packed and size / packed > MAX_RATIO:
            self.ctx.warn("container-limit", f"member {inner!r} expands {size // packed}:1 "
                          f"(limit {MAX_RATIO}:1); not read")
            return False
        if size is not None and self.total + size > MAX_TOTAL:
            self.ctx.warn("container-limit", f"member {inner!r} would pass the total limit "
                          f"of {MAX_TOTAL} bytes; not read")
            return False
        return True

    def spend(self, n: int) -> None:
        self.total += n
