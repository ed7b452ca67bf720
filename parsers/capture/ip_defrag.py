"""IP fragment reassembly for IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5).

The capture engine hands every fragment to :meth:`Defragmenter.feed` with a key
``(version, src, dst, identification, protocol)`` — for IPv6 the Fragment header's
Identification and Next Header — the fragment's byte offset (the header field × 8),
its More-Fragments flag and its payload.  Once every byte from 0 to the end given by
the last fragment (MF = 0) is present, the upper-layer payload comes back together
with the frames that carried it, in arrival order: the last one completed the
datagram, which is where Wireshark shows the reassembled packet.

Verified: offsets and lengths against each other and against the 65,535-byte limit
(a datagram that would grow past it is dropped, the "ping of death" case), and the
bytes of overlapping fragments.  Overlaps keep the bytes that arrived first
(first-wins) and are warned about when they disagree; RFC 5722 makes overlapping
IPv6 fragments illegal, but evidence is kept and the conflict reported rather than
the datagram silently discarded.  Identical duplicates (a fragment captured twice)
are only counted.  Not verified: that non-final fragments are multiples of 8 bytes
(RFC 791), which senders honour and evidence need not.

State is bounded: at most ``max_pending`` datagrams (4096) are held; a datagram older
than ``timeout_ns`` (30 s of capture time, the RFC 8200 reassembly time) is dropped by
:meth:`expire`, which ``feed`` also runs once per second of capture time.  Every drop
is a warning through the ``warn(code, message, frame)`` callback:
``ip-fragment-overlap``, ``ip-fragment-timeout``, ``ip-fragment-too-large``,
``ip-fragment-table-full``.  Fixtures: ``tests/parsers/capture/test_ip_defrag.py``
builds its fragments inline and reads ``packetnet/udp-ip-fragmented.pcap`` and
``sngrep/ipv6frag.pcap`` from the shared corpus.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Callable

WarnFn = Callable[[str, str, "int | None"], None]

MAX_PENDING = 4096  # datagrams under reassembly at once
MAX_DATAGRAM = (
    65535  # bytes of reassembled payload (IPv4 total length / IPv6 payload length)
)
TIMEOUT_NS = 30 * 1_000_000_000  # RFC 8200 §4.5: 60 s upper bound; Linux uses 30 s
_SWEEP_NS = 1_000_000_000  # how often feed() sweeps timed-out datagrams (capture time)


class _Pending:
    """One datagram under reassembly: non-overlapping pieces sorted by offset."""

    __slots__ = ("conflict", "first_ts", "frames", "have", "pieces", "starts", "total")

    def __init__(self, ts_ns: int) -> None:
        self.starts: list[int] = []  # piece start offsets, sorted (for bisect)
        self.pieces: list[tuple[int, int, bytes]] = []  # (start, end, data), sorted
        self.have = 0  # bytes covered
        self.total: int | None = None  # end offset given by the final fragment
        self.frames: list[int] = []  # frames in arrival order
        self.first_ts = ts_ns
        self.conflict = False  # an overlap disagreed (warned once per datagram)


class Defragmenter:
    """Bounded IPv4/IPv6 fragment reassembly with first-wins overlap handling."""

    def __init__(
        self,
        warn: WarnFn,
        *,
        max_pending: int = MAX_PENDING,
        max_size: int = MAX_DATAGRAM,
        timeout_ns: int = TIMEOUT_NS,
    ) -> None:
        self._warn = warn
        self.max_pending = max_pending
        self.max_size = max_size
        self.timeout_ns = timeout_ns
        self._pending: dict[tuple, _Pending] = {}  # insertion order = age
        self._dead: dict[tuple, int] = {}  # dropped datagrams: key -> drop time
        self._swept = 0
        self.fragments = 0  # fragments fed
        self.reassembled = 0  # datagrams completed
        self.dropped = 0  # datagrams given up (timeout, too large, table full, end)
        self.duplicates = 0  # fragments whose bytes were all present already

    @property
    def pending(self) -> int:
        return len(self._pending)

    def feed(
        self,
        key: tuple,
        offset: int,
        more: bool,
        payload: bytes,
        frame: int,
        ts_ns: int,
    ) -> tuple[bytes, tuple[int, ...]] | None:
        """Add one fragment; the payload and its frames once the datagram is whole."""
        self.fragments += 1
        if ts_ns - self._swept >= _SWEEP_NS:
            self.expire(ts_ns)
        if offset == 0 and not more:  # atomic fragment (RFC 6946): stands alone
            self.reassembled += 1
            return bytes(payload), (frame,)
        if self._dead and key in self._dead:
            if ts_ns - self._dead[key] <= self.timeout_ns:
                return None  # rest of a datagram already dropped and warned about
            del self._dead[key]
        end = offset + len(payload)
        p = self._pending.get(key)
        if p is None:
            if end > self.max_size:
                self._too_large(key, None, end, frame, ts_ns)
                return None
            if len(self._pending) >= self.max_pending:
                old_key = next(iter(self._pending))
                old = self._pending.pop(old_key)
                self.dropped += 1
                self._warn(
                    "ip-fragment-table-full",
                    f"{self.max_pending} datagrams under reassembly; oldest "
                    f"{_describe(old_key)} (frames {_frames(old.frames)}) dropped",
                    old.frames[0],
                )
            p = self._pending[key] = _Pending(ts_ns)
        elif ts_ns - p.first_ts > self.timeout_ns:
            self._drop_timeout(key, p)
            return self.feed(key, offset, more, payload, frame, ts_ns)
        if end > self.max_size:
            self._too_large(key, p, end, frame, ts_ns)
            return None
        p.frames.append(frame)
        if not more:
            if p.total is None:
                p.total = end
                if p.pieces and p.pieces[-1][1] > end:
                    self._cut(key, p, end, frame)
            elif p.total != end:
                self._overlap(
                    key,
                    p,
                    frame,
                    f"second last fragment ends at {end}, "
                    f"first said {p.total}; first kept",
                )
        if p.total is not None and end > p.total:
            self._overlap(
                key,
                p,
                frame,
                f"fragment ends at {end}, past the datagram "
                f"end {p.total}; extra bytes ignored",
            )
            if offset >= p.total:
                return None
            payload = payload[: p.total - offset]
            end = p.total
        if (
            not p.pieces or offset >= p.pieces[-1][1]
        ):  # common case: in order, no overlap
            if end > offset:
                p.starts.append(offset)
                p.pieces.append((offset, end, payload))
                p.have += end - offset
        else:
            self._insert(key, p, offset, end, payload, frame)
        if p.total is None or p.have < p.total:
            return None
        del self._pending[key]
        self.reassembled += 1
        data = b"".join(piece[2] for piece in p.pieces)
        return data, tuple(p.frames)

    def _insert(
        self, key: tuple, p: _Pending, start: int, end: int, data: bytes, frame: int
    ) -> None:
        """Add the parts of [start, end) not yet covered; compare the rest."""
        i = max(bisect_right(p.starts, start) - 1, 0)
        pos = start
        new: list[tuple[int, int, bytes]] = []
        differs = False
        pieces = p.pieces
        while i < len(pieces) and pos < end:
            s, e, d = pieces[i]
            if e <= pos:
                i += 1
                continue
            if s >= end:
                break
            if s > pos:  # gap before this piece: ours
                new.append((pos, s, data[pos - start : s - start]))
                pos = s
            hi = min(e, end)
            if data[pos - start : hi - start] != d[pos - s : hi - s]:
                differs = True
            pos = hi
            i += 1
        if pos < end:
            new.append((pos, end, data[pos - start :]))
        if not new:
            self.duplicates += 1
        for piece in new:
            j = bisect_right(p.starts, piece[0])
            p.starts.insert(j, piece[0])
            pieces.insert(j, piece)
            p.have += piece[1] - piece[0]
        if differs:
            self._overlap(
                key,
                p,
                frame,
                f"bytes {start}-{end} overlap earlier fragments "
                "with different content; first-received bytes kept",
            )

    def _cut(self, key: tuple, p: _Pending, total: int, frame: int) -> None:
        """Trim pieces that lie past the end the final fragment gave."""
        while p.pieces and p.pieces[-1][1] > total:
            s, e, d = p.pieces.pop()
            p.starts.pop()
            p.have -= e - s
            if s < total:
                p.starts.append(s)
                p.pieces.append((s, total, d[: total - s]))
                p.have += total - s
        self._overlap(
            key,
            p,
            frame,
            f"earlier fragments reach past the datagram end "
            f"{total}; extra bytes ignored",
        )

    def _overlap(self, key: tuple, p: _Pending, frame: int, what: str) -> None:
        if p.conflict:
            return
        p.conflict = True
        self._warn("ip-fragment-overlap", f"{_describe(key)}: {what}", frame)

    def _too_large(
        self, key: tuple, p: _Pending | None, end: int, frame: int, ts_ns: int
    ) -> None:
        if p is not None:
            del self._pending[key]
        self.dropped += 1
        self._bury(key, ts_ns)
        frames = ([] if p is None else p.frames) + [frame]
        self._warn(
            "ip-fragment-too-large",
            f"{_describe(key)}: fragment reaches byte {end}, beyond {self.max_size}; "
            f"datagram (frames {_frames(frames)}) dropped",
            frame,
        )

    def _drop_timeout(self, key: tuple, p: _Pending, reason: str = "") -> None:
        del self._pending[key]
        self.dropped += 1
        total = "unknown" if p.total is None else str(p.total)
        self._warn(
            "ip-fragment-timeout",
            f"{_describe(key)}: incomplete datagram dropped{reason}: {p.have} of "
            f"{total} bytes in frames {_frames(p.frames)}",
            p.frames[0] if p.frames else None,
        )

    def _bury(self, key: tuple, ts_ns: int) -> None:
        if len(self._dead) >= self.max_pending:
            self._dead.pop(next(iter(self._dead)))
        self._dead[key] = ts_ns

    def expire(self, now_ns: int) -> int:
        """Drop datagrams started more than ``timeout_ns`` before ``now_ns``."""
        self._swept = max(self._swept, now_ns)
        limit = now_ns - self.timeout_ns
        stale = [k for k, p in self._pending.items() if p.first_ts < limit]
        for k in stale:
            self._drop_timeout(
                k, self._pending[k], f" after {self.timeout_ns / 1e9:g} s"
            )
        if self._dead:
            for k in [k for k, t in self._dead.items() if t < limit]:
                del self._dead[k]
        return len(stale)

    def flush_all(self) -> int:
        """End of capture: every datagram still incomplete is dropped with a warning."""
        keys = list(self._pending)
        for k in keys:
            self._drop_timeout(k, self._pending[k], " at end of capture")
        self._dead.clear()
        return len(keys)


def _describe(key: tuple) -> str:
    """``IPv4 192.0.2.1 -> 192.0.2.2 id 0x1234 proto 17`` for warnings (not the hot path)."""
    try:
        ver, src, dst, ident, proto = key
        if isinstance(ident, (bytes, bytearray)):
            ident = int.from_bytes(ident, "big")
        return f"IPv{ver} {_addr(src)} -> {_addr(dst)} id 0x{ident:x} proto {proto}"
    except (TypeError, ValueError):
        return repr(key)


def _addr(a: object) -> str:
    if isinstance(a, (bytes, bytearray)) and len(a) in (4, 16):
        return str(ipaddress.ip_address(bytes(a)))
    return str(a)


def _frames(frames: list[int]) -> str:
    if len(frames) > 8:
        return f"{frames[0]}..{frames[-1]} ({len(frames)})"
    return ",".join(map(str, frames))
