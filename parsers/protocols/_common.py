"""Small helpers shared by the network detectors in this package.

Nothing here knows a protocol: a guard that turns any exception of a sniffer into
``None`` (detectors must never raise, see ``parsers.base.Protocol``), and tiny
byte-reading helpers that return ``None`` instead of raising on short input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from parsers.base import Detection

SniffImpl = Callable[[bytes, int, int, bool], "Detection | None"]


def never_raises(fn: SniffImpl) -> SniffImpl:
    """Wrap a sniffer so that odd input gives ``None`` rather than an exception."""

    @functools.wraps(fn)
    def wrapper(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
        try:
            return fn(bytes(payload), sport, dport, from_initiator)
        except Exception:  # noqa: BLE001 - a detector must not stop the capture engine
            return None

    return wrapper


def be16(b: bytes, off: int) -> int | None:
    """Big-endian uint16 at ``off``, or None when the buffer is too short."""
    if off < 0 or off + 2 > len(b):
        return None
    return int.from_bytes(b[off : off + 2], "big")


def be32(b: bytes, off: int) -> int | None:
    """Big-endian uint32 at ``off``, or None when the buffer is too short."""
    if off < 0 or off + 4 > len(b):
        return None
    return int.from_bytes(b[off : off + 4], "big")


def printable(raw: bytes, limit: int = 128) -> str:
    """ASCII text of a NUL-padded field, non-printables dropped, cut at ``limit``."""
    raw = raw.split(b"\x00", 1)[0][:limit]
    return "".join(chr(c) for c in raw if 0x20 <= c < 0x7F)


def on_port(sport: int, dport: int, ports: frozenset[int]) -> bool:
    """True when either side of the flow uses one of ``ports``."""
    return sport in ports or dport in ports
