"""The capture engine: one pass over a capture, two tiers of work per frame.

Tier 1, for every frame: link layer, IP header, transport ports, and flow accounting
(packets, bytes, first/last time and frame) keyed by raw address bytes — no per-packet
objects.  Tier 2, only for frames that may matter: the first few payload packets of
each flow go to the protocol detectors (``parsers/protocols``), TLS ClientHellos give
SNI/ALPN, DNS answers build a name map, DHCP messages give leases, SIP-looking payloads are parsed in full (UDP,
reassembled TCP, reassembled IP fragments, and inside GRE / IP-in-IP / 6in4 / VXLAN /
GTP-U / L2TP / PPPoE / VLAN encapsulations), and media announced in SDP is tracked.

Every frame is accounted for in ``ctx.stats``: ``frames``, ``ip``, ``non_ip``,
``errors`` (damaged headers), ``unsupported_link``.  State is bounded: the flow table
is swept of idle flows, and the reassemblers have their own caps.

Rooms: this module holds the per-frame loops, the link layer and the engine's state
and ending; :mod:`.layers` IP headers, fragments and UDP/TCP/other-protocol flows,
:mod:`.flows` the flow table's layout and helpers, :mod:`.tier2` detectors, TLS, DNS,
DHCP and media, :mod:`.sip_handoff` SIP over UDP/TCP, :mod:`.decap` tunnels,
:mod:`.state` the attributes they share, and :mod:`.merge` the snapshot → records step.

Speed: a classic pcap is walked record by record in the reader's buffers
(:meth:`Engine.feed_pcap`, no object per frame); pcapng comes as reader tuples
(:meth:`Engine.feed`).  In both loops, plain Ethernet/IPv4/UDP frames of a known media
flow (the bulk of an RTP-heavy capture) are handled without decoding anything but the
flow key, and RTP packets that continue their stream in order go to
:meth:`parsers.protocols.rtp.RtpTracker.add_in_order`; any other frame goes through
:meth:`Engine._frame` and the IP layer.  When the compiled walker is built
(:mod:`parsers.capture.accel`), it takes those frames first, in the pcap buffers and,
through a reader hook, in the pcapng blocks, and hands every other frame to these
loops; the results are the same.

Partitioned runs (``parts > 1``, see :mod:`forensics.parallel`): every part reads
every frame but owns only the flows whose direction-free address/port hash falls to
it, so flows, RTP streams and TCP reassembly never cross parts.  Frame-level counters
and reader warnings belong to part 0.  SIP messages of flows a part does not own are
still parsed quietly, so that SDP announcements reach every part at the same frame as
in a single run.  Situations a partition cannot reproduce exactly are listed in
``needs_serial``; the caller then analyses the capture in one process.  :func:`finalise`
turns the :meth:`Engine.snapshot` of one or several parts into the records.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from typing import Any

from parsers.base import ParseContext, Protocol, Source
from parsers.capture import accel, linklayer, pcap, pcapng
from parsers.capture.decap import Decapsulation
from parsers.capture.flows import (
    BY,
    FR1,
    IDLE_NS,
    INFO,
    MAX_FLOWS,
    PK,
    S_MEDIA,
    SF,
    SIP_START,
    SR,
    ST,
    T1,
    interesting,
    owner_of,
)
from parsers.capture.ip_defrag import Defragmenter
from parsers.capture.layers import IpLayer
from parsers.capture.merge import finalise, merge_problems
from parsers.capture.reader import iter_frames, open_blocks
from parsers.capture.sip_handoff import SipHandoff
from parsers.capture.tcp_reassembly import TcpStreams
from parsers.capture.tier2 import Tier2
from parsers.protocols import dns, rtp, tls

__all__ = ["Engine", "finalise", "merge_problems", "owner_of"]

_FRAME_STATS = ("frames", "ip", "non_ip", "unsupported_link")  # counted by part 0 only


def _quiet(code: str, message: str, frame: int | None = None) -> None:
    """Warnings of another part's streams: that part reports them."""


def _not_in_order(*_args: Any) -> bool:
    """No RTP tracker: nothing is accounted in place."""
    return False


class _Walked:
    """Frames a pcapng fast-path hook took since the engine's last reader tuple."""

    __slots__ = ("n", "total", "frame", "ts")

    def __init__(self) -> None:
        self.n = 0  # taken since the last tuple
        self.total = 0  # frames handled by the engine up to and including the last tuple
        self.frame = self.ts = 0  # frame number and time of the last frame taken

    def fold(self, n: int, fast: int) -> tuple[int, int]:
        """The engine's frame and fast-path counts with the frames taken since the last
        tuple added (they are all fast-path frames); the count starts again."""
        taken, self.n = self.n, 0
        return n + taken, fast + taken


class Engine(IpLayer, SipHandoff, Tier2, Decapsulation):
    """Analyse one capture: :meth:`read` it (or :meth:`feed` reader tuples), then
    :meth:`finish` (one process) or :meth:`snapshot` (a part of a partitioned run)."""

    def __init__(self, ctx: ParseContext, detectors: Iterable[Protocol] = (), *, part: int = 0,
                 parts: int = 1) -> None:
        self.ctx = ctx
        self.part, self.parts = part, max(1, parts)
        self.records: list[Any] = []
        self.emitted: list[int] = []  # frame at which each record of ``records`` was made
        self.udp: dict[bytes, list] = {}
        self.tcp: dict[bytes, list] = {}
        self.ipf: dict[bytes, list] = {}
        self.closed: list[list] = []
        self.stats = {"frames": 0, "ip": 0, "non_ip": 0, "errors": 0, "unsupported_link": 0,
                      "sip_messages": 0, "sip_malformed": 0, "fragments": 0, "decapsulated": 0}
        dets = tuple(detectors)
        self.udp_dets = tuple(d for d in dets if "udp" in d.transports and d.sniff)
        self.tcp_dets = tuple(d for d in dets if "tcp" in d.transports and d.sniff)
        self.ip_dets: dict[int, tuple[Protocol, ...]] = {}
        for d in dets:
            for p in d.ip_protos:
                self.ip_dets[p] = self.ip_dets.get(p, ()) + (d,)
        self.port_dets: dict[tuple[str, int], Protocol] = {}
        for d in dets:
            if d.port_confidence:
                for t in d.transports:
                    for p in d.ports:
                        self.port_dets.setdefault((t, p), d)
        self.name_dets = tuple((n, d) for d in dets for n in d.names)
        self.announced: dict[tuple[str, int], str] = {}
        self.dns: dict[str, dict[str, int]] = {}  # address -> {name: first frame}
        self.dns_seen: set[tuple[str, str]] = set()
        self.dhcp_seen: set[tuple[str, str | None, str | None]] = set()
        self._tls = tls.parse_client_hello
        self._dns_parse = dns.parse_answers
        self._looks_rtp = rtp.looks_like_rtp
        self._rtpmap = rtp.rtpmap_of
        self.rtp: rtp.RtpTracker | None = rtp.RtpTracker()
        self.defrag: Defragmenter | None = Defragmenter(warn=self._warn_frame)
        self.tcp_streams: TcpStreams | None = TcpStreams(warn=self._warn_frame)
        self.frame = 0
        self.ts = 0
        # partitioned runs
        self.owned: bool | None = True  # does this part own the frame being handled?
        self.foreign: dict[bytes, None] = {}  # cache of UDP keys owned by other parts
        self.shadow_tcp: dict[bytes, bytes] = {}  # SIP/TCP flows of other parts -> fwd key
        self.shadow_streams: TcpStreams | None = TcpStreams(warn=_quiet) if self.parts > 1 else None
        self.shadow_ctx = ParseContext(evidence_id=ctx.evidence_id, max_warnings_per_code=0)
        self.checkpoints: list[int] = []  # flow-table size every 65536 frames
        self.needs_serial: set[str] = set()
        self._depth_hint = 0

    def _warn_frame(self, code: str, message: str, frame: int | None = None) -> None:
        if self.owned or (self.owned is None and self.part == 0):
            self.ctx.warn(code, message, frame=frame)

    def _mine(self, src: bytes, dst: bytes, sport: int, dport: int) -> bool:
        return owner_of(src, dst, sport, dport, self.parts) == self.part

    # -- tier 1 --------------------------------------------------------------------
    def read(self, src: Source, reader_ctx: ParseContext | None = None,
             progress: Callable[[int], None] | None = None) -> None:
        """Read a whole capture.  Classic pcap (plain or gzipped) is walked here, in the
        reader's buffers (:class:`parsers.capture.pcap.Blocks`); pcapng goes through
        reader tuples.  Reader warnings and statistics go to ``reader_ctx`` (default:
        the engine's context); ``progress`` is called with file offsets."""
        rctx = reader_ctx if reader_ctx is not None else self.ctx
        with open_blocks(src, rctx) as blocks:
            if blocks is not None:
                blocks.progress = progress
                self.feed_pcap(blocks)
                return
        walked = _Walked()
        hook = self._pcapng_hook(walked)
        self.feed(iter_frames(src, rctx, hook, progress), walked if hook is not None else None)

    def _pcapng_hook(self, walked: _Walked) -> pcapng.Walker | None:
        """The compiled walker as a :func:`parsers.capture.pcapng.read` hook (None when
        it is not available); the frames it takes are counted in ``walked``."""
        walk_ng = accel.walker_ng()
        if walk_ng is None:
            return None
        udp, foreign = self.udp, self.foreign
        need = self.rtp._need if self.rtp is not None else -1
        limit = pcapng.MAX_BLOCK

        def hook(buf: bytes, pos: int, frame: int, last_ts: int, e: str, ifaces: list) -> tuple[int, int, int]:
            total = walked.total + walked.n
            pos, frame2, n, ts = walk_ng(buf, pos, frame, total, last_ts, e == ">", ifaces, limit, udp, foreign, need)
            if n != total:
                walked.n += n - total
                walked.frame, walked.ts = frame2, ts
            return pos, frame2, ts

        return hook

    def feed(self, frames: Iterable[tuple], walked: _Walked | None = None) -> None:
        """Frames as reader tuples ``(frame, ts_ns, linktype, data, offset, orig_len,
        interface)``, from any reader; ``walked`` counts the frames a pcapng fast-path
        hook took between tuples (they are all fast-path frames)."""
        udp_get = self.udp.get
        in_order = self.rtp.add_in_order if self.rtp is not None else _not_in_order
        media_rest = self._media_rest
        one = self._frame
        foreign = self.foreign
        n = fast = frame = ts = 0
        for frame, ts, linktype, data, _off, _orig, _iface in frames:
            if walked is not None:
                n, fast = walked.fold(n, fast)
                walked.total = n + 1
            n += 1
            # fast path (as in feed_pcap): Ethernet, IPv4 without options, UDP, not a
            # fragment, a known media flow
            if (linktype == 1 and len(data) >= 42 and data[23] == 17 and data[12] == 8 and data[13] == 0
                    and data[14] == 0x45 and not (data[20] & 0x3F or data[21])):
                key = data[26:38]
                f = udp_get(key)
                if f is not None and f[ST] == S_MEDIA:
                    tot = (data[16] << 8) | data[17]
                    end = 14 + tot if 20 <= tot and 14 + tot <= len(data) else len(data)
                    if end >= 42:
                        fast += 1
                        f[PK] += 1
                        f[BY] += end - 14
                        f[T1] = ts
                        f[FR1] = frame
                        ulen = (data[38] << 8) | data[39]
                        uend = 34 + ulen if 8 <= ulen and 34 + ulen <= end else end
                        info = f[INFO]
                        st = f[SF] if key == info.fwd else f[SR]
                        if st is None or not in_order(st, data, 42, uend, ts, frame, info.call_id):
                            media_rest(f, key, data[42:uend], ts, frame)
                        if not n & 0xFFFF:
                            self._checkpoint(ts, frame)
                        continue
                elif f is None and key in foreign and not 65 <= data[42 if len(data) > 42 else 0] <= 90:
                    fast += 1  # a known flow of another part, and no SIP text to look at
                    if not n & 0xFFFF:
                        self._checkpoint(ts, frame)
                    continue
            one(frame, ts, linktype, data)
            if not n & 0xFFFF:
                self._checkpoint(ts, frame)
        if walked is not None and walked.n:  # frames the hook took after the last tuple
            frame, ts = walked.frame, walked.ts
            n, fast = walked.fold(n, fast)
        self._fed(n, fast, frame, ts)

    def feed_pcap(self, blocks: pcap.Blocks) -> None:
        """Frames of a classic pcap stream, walked in the reader's buffers: no tuple
        and no generator step per frame.  Same per-frame work as :meth:`feed`."""
        udp_get = self.udp.get
        in_order = self.rtp.add_in_order if self.rtp is not None else _not_in_order
        media_rest = self._media_rest
        one = self._frame
        foreign = self.foreign
        unpack = blocks.header.unpack_from
        mult, linktype, limit = blocks.mult, blocks.linktype, pcap.MAX_RECORD
        eth = linktype == 1
        walk = accel.walker() if linktype in accel.LINKTYPES else None
        big = blocks.header.format[0] == ">"
        need = self.rtp._need if self.rtp is not None else -1
        udp = self.udp
        n = fast = ts = 0
        buf = blocks.next(0, 0)
        while buf is not None:
            pos = 0
            size = len(buf)
            while pos + 16 <= size:
                if walk is not None:
                    # the compiled fast path takes every frame it can; it stops at the
                    # first frame for the code below
                    pos, n, fast, ts = walk(buf, pos, n, fast, ts, mult, big, linktype, limit, udp, foreign, need)
                    if pos + 16 > size:
                        break
                sec, frac, incl, _orig = unpack(buf, pos)
                stop = pos + 16 + incl
                if stop > size or incl > limit:
                    break  # the reader carries the rest over, or warns
                data = buf[pos + 16 : stop]
                pos = stop
                n += 1
                ts = sec * 1_000_000_000 + frac * mult
                if (eth and incl >= 42 and data[23] == 17 and data[12] == 8 and data[13] == 0
                        and data[14] == 0x45 and not (data[20] & 0x3F or data[21])):
                    key = data[26:38]
                    f = udp_get(key)
                    if f is not None and f[ST] == S_MEDIA:
                        tot = (data[16] << 8) | data[17]
                        end = 14 + tot if 20 <= tot and 14 + tot <= incl else incl
                        if end >= 42:
                            fast += 1
                            f[PK] += 1
                            f[BY] += end - 14
                            f[T1] = ts
                            f[FR1] = n
                            ulen = (data[38] << 8) | data[39]
                            uend = 34 + ulen if 8 <= ulen and 34 + ulen <= end else end
                            info = f[INFO]
                            st = f[SF] if key == info.fwd else f[SR]
                            if st is None or not in_order(st, data, 42, uend, ts, n, info.call_id):
                                media_rest(f, key, data[42:uend], ts, n)
                            if not n & 0xFFFF:
                                self._checkpoint(ts, n)
                            continue
                    elif f is None and key in foreign and not 65 <= data[42 if incl > 42 else 0] <= 90:
                        fast += 1  # a known flow of another part, and no SIP text to look at
                        if not n & 0xFFFF:
                            self._checkpoint(ts, n)
                        continue
                one(n, ts, linktype, data)
                if not n & 0xFFFF:
                    self._checkpoint(ts, n)
            self.frame = n
            buf = blocks.next(pos, n)
        self._fed(n, fast, n, ts)

    def _fed(self, n: int, fast: int, frame: int, ts: int) -> None:
        """End of a feed: frame counters (those of the fast path are kept in locals)."""
        stats = self.stats
        self.ts = ts
        if n:
            self.frame = frame
        stats["ip"] += fast
        stats["frames"] += n
        if self.part:
            for k in _FRAME_STATS:
                stats[k] = 0

    def _media_rest(self, f: list, key: bytes, payload: bytes, ts: int, frame: int) -> None:
        """A media-flow packet the fast path could not account in place."""
        if payload and 65 <= payload[0] <= 90 and payload[:3] in SIP_START:
            self.needs_serial.add("sip-in-media-flow")
        if self.rtp is not None:
            self._media(f, key, payload, ts, frame)

    def _frame(self, frame: int, ts: int, linktype: int, data: bytes) -> None:
        """Any frame the fast path does not take: link layer, then the IP layer."""
        stats = self.stats
        if (self.parts > 1 and linktype == 1 and len(data) >= 42 and data[23] == 17 and data[12] == 8
                and data[13] == 0 and data[14] == 0x45 and not (data[20] & 0x3F or data[21])):
            key = data[26:38]
            if key not in self.udp and (key in self.foreign or not self._mine(
                    data[26:30], data[30:34], (data[34] << 8) | data[35], (data[36] << 8) | data[37])):
                # a flow of another part: only SIP is looked at, for its SDP
                stats["ip"] += 1
                if len(self.foreign) > 1_000_000:
                    self.foreign.clear()
                self.foreign[key] = None
                if 65 <= data[42 if len(data) > 42 else 0] <= 90:
                    self.owned = False
                    self.ts = ts
                    self.frame = frame
                    try:
                        self._ip(data, 14, 4, 0, None)
                    except (IndexError, struct.error, ValueError):
                        pass
                return
        self.ts = ts
        self.frame = frame
        if linktype == 1 and len(data) >= 14 and data[12] == 8 and data[13] == 0:
            off, ver = 14, 4
        else:
            off, ver = linklayer.locate(linktype, data)
        if ver <= 0:
            if ver < 0:
                stats["unsupported_link"] += 1
            else:
                stats["non_ip"] += 1
            return
        stats["ip"] += 1
        self.owned = True if self.parts == 1 else None
        try:
            self._ip(data, off, ver, 0, data[6:12] if linktype == 1 else None)
        except (IndexError, struct.error, ValueError) as exc:
            if self.owned or (self.owned is None and self.part == 0):
                stats["errors"] += 1
                self.ctx.warn("packet-decode-error", f"damaged packet headers ({exc.__class__.__name__})", frame=frame)

    def _checkpoint(self, ts: int, frame: int) -> None:
        size = len(self.udp) + len(self.tcp)
        if self.parts > 1:
            self.checkpoints.append(size)
        if size > MAX_FLOWS:
            self.ts, self.frame = ts, frame
            self._sweep(ts)

    # -- bounded state -------------------------------------------------------------
    def _sweep(self, now: int) -> None:
        for table in (self.udp, self.tcp, self.ipf):
            stale = [k for k, f in table.items() if now - f[T1] > IDLE_NS]
            for k in stale:
                f = table.pop(k)
                if k == f[INFO].fwd and interesting(f):
                    self.closed.append(f)
        if self.defrag is not None and hasattr(self.defrag, "expire"):
            self.defrag.expire(now)
        if self.tcp_streams is not None:
            self._recovered(self.tcp_streams.expire(now))
        if len(self.udp) + len(self.tcp) > MAX_FLOWS:
            self.ctx.warn("flow-table-full", f"more than {MAX_FLOWS} concurrent flows; the oldest are closed early", frame=self.frame)
            for table in (self.udp, self.tcp):
                items = sorted(table.items(), key=lambda kv: kv[1][T1])
                for k, f in items[: len(items) // 2]:
                    table.pop(k, None)
                    if k == f[INFO].fwd and interesting(f):
                        self.closed.append(f)

    # -- end -----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Close the capture and return this engine's state for :func:`finalise`
        (plain data, picklable: it travels back from worker processes)."""
        loop_records = len(self.records)
        if self.tcp_streams is not None:
            self._recovered(self.tcp_streams.flush_all())
        if self.rtp is not None and self.parts > 1:
            if self.rtp.overflow:
                self.needs_serial.add("rtp-stream-table-full")
        tables = []
        for table in (self.udp, self.tcp, self.ipf):
            rows = []
            for k, f in table.items():
                if k == f[INFO].fwd:
                    f[SF] = f[SR] = None  # cached stream objects stay in the tracker
                    rows.append(f)
            tables.append(rows)
        for f in self.closed:
            f[SF] = f[SR] = None
        return {
            "part": self.part, "records": self.records, "emitted": self.emitted,
            "loop_records": loop_records, "tables": tables, "closed": self.closed,
            "dns": self.dns, "stats": dict(self.stats), "rtp": self.rtp,
            "checkpoints": self.checkpoints, "needs_serial": sorted(self.needs_serial),
        }

    def finish(self) -> list[Any]:
        return finalise(self.ctx, [self.snapshot()], self.port_dets, self.name_dets)
