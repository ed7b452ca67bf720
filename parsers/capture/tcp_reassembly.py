"""TCP stream reassembly (RFC 9293) and SIP message framing over TCP (RFC 3261 §18.3).

:class:`TcpStreams` keeps, per flow and direction, the next expected sequence number
(compared modulo 2^32, RFC 9293 §3.4, so streams may wrap) and hands the bytes, in
order and once only, to a per-direction framer.  A SYN sets the initial sequence
number; a stream first seen mid-way is anchored on its first payload segment (an
out-of-order segment that precedes it is then taken as old).  Retransmitted bytes are
dropped; where they overlap the last delivered segment or a buffered one and differ,
the bytes delivered first are kept and ``tcp-overlap-mismatch`` is warned.  Segments
ahead of a hole wait in a buffer bounded to 256 KiB and 1024 segments per direction;
when it overflows, or at FIN, RST, expiry or end of capture, the hole is taken as
lost from the capture (``tcp-stream-gap``) and the framer restarts at the next SIP
start line.  FIN (once the data before it has arrived) closes a direction; a flow with
both directions closed, or reset by RST, is forgotten, and later non-SYN segments of
it are ignored until a new SYN.  At most ``max_streams`` flows (20,000) are kept, the
least recently used going first.

:class:`SipFramer` cuts a byte stream into SIP messages: CRLF keep-alives (RFC 5626
§3.5.1 "\\r\\n\\r\\n" ping / "\\r\\n" pong, and RFC 3261 §7.5 leading CRLFs) are
skipped; the header ends at the first empty line (CRLF CRLF, a bare LF LF tolerated);
the body is ``Content-Length`` bytes (compact form ``l``, case-insensitive; absent
counts as 0, which RFC 3261 §20.14 makes mandatory on stream transports).  A start
line that is neither ``Method SP Request-URI SP SIP/2.0`` nor ``SIP/2.0 SP code``
(RFC 3261 §7.1/§7.2), a header over 64 KiB, or a Content-Length that is not a number
or exceeds 1 MiB gives ``sip-tcp-bad-framing``, and the framer skips to the next line
that looks like a start line.  A partial message left when a stream ends gives
``sip-tcp-incomplete-message``.  Each message comes out as ``(bytes, frames, ts_ns)``:
the frames whose bytes it holds, in stream order, and the latest of their times (when
the message became complete in the capture).
Fixtures: ``tests/parsers/capture/test_tcp_reassembly.py`` (inline segments and the
TCP SIP captures of the shared corpus).
"""

from __future__ import annotations

import ipaddress
import re
from bisect import insort
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

WarnFn = Callable[[str, str, "int | None"], None]
# (message bytes, frames in stream order, latest ts_ns among them)
Message = tuple[bytes, tuple[int, ...], int]

FIN, SYN, RST = 0x01, 0x02, 0x04  # RFC 9293 §3.1 control bits
_MASK = 0xFFFFFFFF
_HALF = 0x80000000

MAX_STREAMS = 20_000  # flows tracked at once (LRU beyond)
MAX_BUFFER = 256 * 1024  # out-of-order bytes held per direction
MAX_SEGMENTS = 1024  # out-of-order segments held per direction
IDLE_NS = 600 * 1_000_000_000  # a flow silent this long is closed by expire()
MAX_HEADER = 64 * 1024  # SIP header block limit before resynchronising
MAX_BODY = 1024 * 1024  # largest Content-Length believed
_HUNT_TAIL = 4096  # longest partial line kept while looking for a start line

# RFC 3261 §7.1 Request-Line (method is a token, §25.1) and §7.2 Status-Line.
_START = (
    rb"(?:[A-Za-z0-9.!%*_+`'~-]+ [^ \r\n]+ SIP/2\.0|SIP/2\.0 [1-6][0-9][0-9](?:[ \t][^\r\n]*)?)"
    rb"\r?\n"
)
_START_RE = re.compile(_START, re.IGNORECASE)
_START_SEARCH = re.compile(rb"(?m)^" + _START, re.IGNORECASE)
_PARTIAL_START = re.compile(
    rb"SIP/2\.0 [1-6]|[A-Za-z]+ [^ \r\n]+(?: S| *$)", re.IGNORECASE
)  # at finish
_CL_RE = re.compile(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)")


class SipFramer:
    """Splits one direction's byte stream into SIP messages (RFC 3261 §18.3)."""

    __slots__ = (
        "_base",
        "_buf",
        "_hunting",
        "_marks",
        "_need",
        "_quiet",
        "_run",
        "_warn",
        "_where",
        "keepalives",
        "messages",
        "skipped",
    )

    def __init__(
        self, warn: WarnFn, where: Any = None, midstream: bool = False
    ) -> None:
        self._warn = warn
        self._where = where  # (flow_key, direction) for warning messages
        self._buf = bytearray()
        self._marks: deque[tuple[int, int, int]] = deque()  # (abs end, frame, ts_ns)
        self._base = 0  # stream position of _buf[0]
        self._hunting = midstream  # looking for a start line
        self._quiet = midstream  # skipping the tail of a message joined mid-way
        self._run = 0  # bytes skipped in the current resynchronisation
        self._need = 0  # stream position the body being awaited ends at
        self.messages = 0
        self.keepalives = 0  # runs of CRLF skipped between messages
        self.skipped = 0  # bytes discarded while resynchronising

    def feed(self, data: bytes, frame: int, ts_ns: int, out: list) -> None:
        """Append in-order stream bytes; complete messages are appended to ``out``."""
        if not data:
            return
        buf = self._buf
        if buf:
            buf += data
            work: bytes | bytearray = buf
        else:
            work = data
        self._marks.append((self._base + len(work), frame, ts_ns))
        if self._base + len(work) < self._need:
            return  # still inside a known body: no need to rescan
        used = self._scan(work, out)
        self._base += used
        if work is buf:
            del buf[:used]
        elif used < len(work):
            self._buf = bytearray(memoryview(work)[used:])
        marks = self._marks
        while marks and marks[0][0] <= self._base:
            marks.popleft()

    def _scan(self, buf: bytes | bytearray, out: list) -> int:
        pos, n = 0, len(buf)
        while pos < n:
            c = buf[pos]
            if c == 13 or c == 10:  # keep-alive CRLFs / CRLFs before a start line
                pos += 1
                while pos < n and buf[pos] in (13, 10):
                    pos += 1
                self.keepalives += 1
                continue
            if self._hunting:
                m = _START_SEARCH.search(buf, pos)
                if m is None:
                    keep = buf.rfind(b"\n", pos) + 1
                    keep = max(keep, pos, n - _HUNT_TAIL)
                    self.skipped += keep - pos
                    self._run += keep - pos
                    return keep
                self.skipped += m.start() - pos
                self._run += m.start() - pos
                if self._quiet and self._run:
                    self._warn(
                        "sip-tcp-bad-framing",
                        f"{self._label()}: stream joined "
                        f"mid-way; {self._run} bytes before the first SIP start line "
                        "skipped",
                        self._frame_at(pos),
                    )
                pos = m.start()
                self._hunting = self._quiet = False
                self._run = 0
            eol = buf.find(b"\n", pos)
            if eol < 0:
                if n - pos > MAX_HEADER:
                    self._bad(pos, "start line longer than 64 KiB")
                    self.skipped += n - pos
                    return n
                return pos
            if not _START_RE.match(buf, pos):
                self._bad(pos, "no SIP start line")
                continue
            he = buf.find(b"\r\n\r\n", pos)
            lf = buf.find(b"\n\n", pos, he if he >= 0 else n)
            if lf >= 0:
                hdr_end = lf + 2
            elif he >= 0:
                hdr_end = he + 4
            else:
                if n - pos > MAX_HEADER:
                    self._bad(pos, "header longer than 64 KiB")
                    pos = eol + 1
                    continue
                return pos
            if hdr_end - pos > MAX_HEADER:
                self._bad(pos, "header longer than 64 KiB")
                pos = eol + 1
                continue
            m = _CL_RE.search(buf, pos, hdr_end)
            length = 0
            if m is not None:
                raw = m.group(1).strip()
                if not raw.isdigit() or int(raw) > MAX_BODY:
                    shown = raw[:20].decode("latin-1")
                    self._bad(pos, f"Content-Length {shown!r} not believable")
                    pos = hdr_end
                    continue
                length = int(raw)
            end = hdr_end + length
            if end > n:
                self._need = self._base + end
                return pos
            self._emit(buf, pos, end, out)
            pos = end
        return pos

    def _emit(self, buf: bytes | bytearray, start: int, end: int, out: list) -> None:
        a, b = self._base + start, self._base + end
        marks = self._marks
        while marks[0][0] <= a:
            marks.popleft()
        frames: list[int] = []
        last = 0
        for m_end, frame, ts in marks:
            if not frames or frames[-1] != frame:
                frames.append(frame)
            last = max(last, ts)
            if m_end >= b:
                break
        data = buf[start:end]
        out.append((data if type(data) is bytes else bytes(data), tuple(frames), last))
        self.messages += 1

    def _bad(self, pos: int, why: str) -> None:
        self._warn(
            "sip-tcp-bad-framing",
            f"{self._label()}: {why}; resynchronising on the next SIP start line",
            self._frame_at(pos),
        )
        self._hunting = True
        self._quiet = False

    def _frame_at(self, pos: int) -> int | None:
        a = self._base + pos
        for m_end, frame, _ts in self._marks:
            if m_end > a:
                return frame
        return self._marks[-1][1] if self._marks else None

    def _label(self) -> str:
        return describe(self._where)

    def pending(self) -> int:
        """Bytes held waiting for the rest of a message."""
        return len(self._buf)

    def gap(self) -> None:
        """Bytes were lost before what comes next: drop the partial message, resync."""
        self._base += len(self._buf)
        self._buf = bytearray()
        self._marks.clear()
        self._need = 0
        self._hunting, self._quiet = True, False

    def finish(self) -> None:
        """The stream ended: a partial message left over is warned about."""
        rest = bytes(self._buf).strip(b"\r\n")
        if rest and (not self._hunting or _PARTIAL_START.match(rest)):
            first = rest.split(b"\n", 1)[0][:60].decode("latin-1").strip()
            self._warn(
                "sip-tcp-incomplete-message",
                f"{self._label()}: stream ended inside "
                f"a SIP message ({len(rest)} bytes held, starting {first!r})",
                self._frame_at(0),
            )
        elif rest:
            self.skipped += len(rest)
        self.gap()


class _Half:
    """One direction of a flow."""

    __slots__ = (
        "closed",
        "fin_off",
        "framer",
        "isn",
        "next_off",
        "next_seq",
        "ooo",
        "ooo_bytes",
        "tail",
        "tail_off",
        "where",
    )

    def __init__(self, where: tuple) -> None:
        self.where = where  # (flow_key, direction), for warnings
        self.isn: int | None = None  # SYN sequence number, if seen
        self.next_seq: int | None = None  # next expected sequence number (mod 2^32)
        self.next_off = 0  # stream offset of next_seq (unbounded)
        self.ooo: list[tuple[int, int, bytes, int]] = []  # (offset, frame, data, ts)
        self.ooo_bytes = 0
        self.tail = b""  # last delivered segment, to check retransmissions against
        self.tail_off = 0
        self.fin_off: int | None = None
        self.closed = False
        self.framer: Any = None


class TcpStreams:
    """Bounded per-flow TCP reassembly feeding one framer per direction."""

    def __init__(
        self,
        warn: WarnFn,
        *,
        framer: Callable[..., Any] = SipFramer,
        max_streams: int = MAX_STREAMS,
        max_buffer: int = MAX_BUFFER,
        idle_ns: int = IDLE_NS,
    ) -> None:
        self._warn = warn
        self._framer = framer  # framer(warn, where, midstream) -> feed/gap/finish
        self.max_streams = max_streams
        self.max_buffer = max_buffer
        self.idle_ns = idle_ns
        # flow key -> [half 0, half 1, last ts_ns], least recently used first
        self._flows: OrderedDict[Any, list] = OrderedDict()
        self._closed: OrderedDict[Any, int] = OrderedDict()  # forgotten flows -> time
        self.segments = 0
        self.retransmissions = 0  # segments whose bytes were all delivered already
        self.gaps = 0
        self.evicted = 0  # flows dropped by the LRU cap
        self.ignored = 0  # segments of flows already closed
        self._orphans: list[tuple] = []  # messages recovered outside feed()'s direction

    def __len__(self) -> int:
        return len(self._flows)

    def feed(
        self,
        flow_key: Any,
        direction: int,
        seq: int,
        flags: int,
        payload: bytes,
        frame: int,
        ts_ns: int,
    ) -> list[Message]:
        """Add one segment; returns the messages it completed (often none)."""
        self.segments += 1
        out: list[Message] = []
        flows = self._flows
        flow = flows.get(flow_key)
        if flow is None:
            if self._closed and flow_key in self._closed:
                if not flags & SYN:
                    self.ignored += 1
                    return out
                del self._closed[flow_key]
            if not payload and not flags & SYN:
                return out
            flow = flows[flow_key] = [_Half((flow_key, 0)), _Half((flow_key, 1)), ts_ns]
            if len(flows) > self.max_streams:
                self._evict()
        else:
            flows.move_to_end(flow_key)
            flow[2] = ts_ns
        h: _Half = flow[direction]
        if flags & SYN:
            if h.isn != seq:
                if h.framer is not None:
                    self._close(h, out)
                    h = flow[direction] = _Half(h.where)
                h.isn = seq
                h.next_seq = (seq + 1) & _MASK
                h.framer = self._framer(self._warn, h.where, False)
            seq = (seq + 1) & _MASK
        if h.closed:
            return out
        if h.next_seq is None:
            if not payload:
                if flags & RST:
                    self._reset(flow_key, flow, direction, out)
                return out
            h.next_seq = seq
            h.framer = self._framer(self._warn, h.where, True)
        d = (seq - h.next_seq) & _MASK
        off = h.next_off + (d - 0x100000000 if d >= _HALF else d)
        if payload:
            if off <= h.next_off:
                self._deliver(h, off, payload, frame, ts_ns, out)
                if h.ooo:
                    self._drain(h, out)
            else:
                self._buffer(h, off, payload, frame, ts_ns, out)
        if flags & FIN and h.fin_off is None:
            h.fin_off = off + len(payload)
        if flags & RST:
            self._reset(flow_key, flow, direction, out)
            return out
        if h.fin_off is not None and h.next_off >= h.fin_off:
            self._close(h, out)
            if flow[1 - direction].closed:
                self._forget(flow_key, ts_ns)
        return out

    def _reset(self, key: Any, flow: list, direction: int, out: list) -> None:
        """RST (RFC 9293 §3.10.7): both directions end now; the flow is forgotten."""
        h, other = flow[direction], flow[1 - direction]
        if not h.closed:
            self._close(h, out)
        if not other.closed:
            self._close(other, None)
        self._forget(key, flow[2])

    def _deliver(
        self, h: _Half, off: int, data: bytes, frame: int, ts: int, out: list
    ) -> None:
        """Hand over the part of a segment at or before next_off that is new."""
        if off < h.next_off:
            self._compare(h, off, data, frame)
            cut = h.next_off - off
            if cut >= len(data):
                self.retransmissions += 1
                return
            data = data[cut:]
            off = h.next_off
        h.framer.feed(data, frame, ts, out)
        h.tail, h.tail_off = data, off
        h.next_off = off + len(data)
        h.next_seq = (h.next_seq + len(data)) & _MASK

    def _compare(self, h: _Half, off: int, data: bytes, frame: int) -> None:
        a = max(off, h.tail_off)
        b = min(off + len(data), h.tail_off + len(h.tail))
        if a < b and data[a - off : b - off] != h.tail[a - h.tail_off : b - h.tail_off]:
            self._warn(
                "tcp-overlap-mismatch",
                f"{describe(h.where)}: retransmitted bytes at "
                f"stream offset {a}-{b} differ from those delivered first; first kept",
                frame,
            )

    def _buffer(
        self, h: _Half, off: int, data: bytes, frame: int, ts: int, out: list
    ) -> None:
        if h.ooo_bytes + len(data) > self.max_buffer or len(h.ooo) >= MAX_SEGMENTS:
            self._skip_gap(h, out, "out-of-order buffer full")
            if off <= h.next_off:
                self._deliver(h, off, data, frame, ts, out)
                self._drain(h, out)
                return
        insort(h.ooo, (off, frame, data, ts))
        h.ooo_bytes += len(data)

    def _drain(self, h: _Half, out: list) -> None:
        ooo = h.ooo
        while ooo and ooo[0][0] <= h.next_off:
            off, frame, data, ts = ooo.pop(0)
            h.ooo_bytes -= len(data)
            self._deliver(h, off, data, frame, ts, out)

    def _skip_gap(self, h: _Half, out: list, why: str) -> None:
        """Give up on the hole before the first buffered segment."""
        if not h.ooo:
            return
        missing = max(h.ooo[0][0] - h.next_off, 0)
        self.gaps += 1
        self._warn(
            "tcp-stream-gap",
            f"{describe(h.where)}: {missing} bytes missing from the "
            f"capture at stream offset {h.next_off} ({why}); partial SIP message "
            "dropped",
            h.ooo[0][1],
        )
        h.framer.gap()
        h.next_seq = (h.next_seq + missing) & _MASK
        h.next_off += missing
        self._drain(h, out)

    def _close(self, h: _Half, out: list | None) -> None:
        """End one direction: recover what lies past holes, then finish the framer.

        With ``out`` None, recovered messages wait in ``_orphans`` for the next
        :meth:`expire` / :meth:`flush_all`."""
        h.closed = True
        if h.framer is None:
            return
        sink: list = [] if out is None else out
        while h.ooo:
            self._skip_gap(h, sink, "stream closed")
        h.framer.finish()
        if out is None and sink:
            self._orphans.extend((h.where[0], h.where[1], *m) for m in sink)

    def _forget(self, key: Any, ts: int) -> None:
        self._flows.pop(key, None)
        self._closed[key] = ts
        if len(self._closed) > self.max_streams:
            self._closed.popitem(last=False)

    def _evict(self) -> None:
        _key, flow = self._flows.popitem(last=False)
        self.evicted += 1
        for d in (0, 1):
            if not flow[d].closed:
                self._close(flow[d], None)

    def expire(self, now_ns: int) -> list[tuple]:
        """Close flows idle for ``idle_ns``; returns ``(flow_key, direction, bytes,
        frames, ts_ns)`` for messages recovered past holes while closing."""
        done, self._orphans = self._orphans, []
        flows = self._flows
        while flows:
            key, flow = next(iter(flows.items()))
            if now_ns - flow[2] <= self.idle_ns:
                break
            del flows[key]
            self._finish_flow(key, flow, done)
        limit = now_ns - self.idle_ns
        while self._closed and next(iter(self._closed.values())) < limit:
            self._closed.popitem(last=False)
        return done

    def flush_all(self) -> list[tuple]:
        """End of capture: close every flow, as :meth:`expire` does."""
        done, self._orphans = self._orphans, []
        while self._flows:
            key, flow = self._flows.popitem(last=False)
            self._finish_flow(key, flow, done)
        self._closed.clear()
        return done

    def _finish_flow(self, key: Any, flow: list, done: list) -> None:
        for d in (0, 1):
            if flow[d].closed:
                continue
            out: list[Message] = []
            self._close(flow[d], out)
            done.extend((key, d, *m) for m in out)


def describe(where: Any) -> str:
    """``192.0.2.1:5060 -> 192.0.2.2:49152`` for warnings, from a (flow key, direction)."""
    if where is None:
        return ""
    try:
        key, direction = where
        if isinstance(key, (bytes, bytearray)) and len(key) in (12, 36):
            n = (len(key) - 4) // 2
            a, b = (
                ipaddress.ip_address(bytes(key[:n])),
                ipaddress.ip_address(bytes(key[n : 2 * n])),
            )
            pa, pb = (
                int.from_bytes(key[2 * n : 2 * n + 2], "big"),
                int.from_bytes(key[-2:], "big"),
            )
            ends = [f"{a}:{pa}", f"{b}:{pb}"]
        elif isinstance(key, tuple) and len(key) == 4:
            ends = [f"{_addr(key[0])}:{key[1]}", f"{_addr(key[2])}:{key[3]}"]
        else:
            return f"TCP {key!r} dir {direction}"
        if direction:
            ends.reverse()
        return f"TCP {ends[0]} -> {ends[1]}"
    except (TypeError, ValueError):
        return repr(where)


def _addr(a: Any) -> str:
    if isinstance(a, (bytes, bytearray)) and len(a) in (4, 16):
        return str(ipaddress.ip_address(bytes(a)))
    return str(a)
