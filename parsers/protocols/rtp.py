"""RTP media streams (RFC 3550) with the static payload types of RFC 3551.

Not a ``parsers.base.Protocol`` detector: media is found by the capture engine, which
calls :meth:`RtpTracker.add` for UDP packets to or from endpoints announced in SDP,
and offers other UDP packets on even ports ≥ 1024 to :func:`looks_like_rtp`.

A caller that already holds a stream (:meth:`RtpTracker.add_stream` returns it) hands
the stream's next in-order packets to :meth:`RtpTracker.add_in_order`, which skips the
general header parse and lookup; :meth:`RtpTracker.merge` joins the trackers of a
partitioned capture.  Per packet the tracker does a constant amount of work: the fixed header (§5.1), the
sequence-number bookkeeping of RFC 3550 appendix A.1 (``MAX_DROPOUT`` 3000,
``MAX_MISORDER`` 100, a jump taken as a restart once two sequential packets confirm it)
and the interarrival jitter of A.8, ``J += (|D| - J) / 16``, computed with the clock
rate of the packet's payload type.  At the end, :meth:`RtpTracker.streams` gives one
:class:`MediaStream` per (src, dst, SSRC) with ``expected``/``lost`` per A.3.

Verified: header fields, counts, sequence gaps.  Inferred: that a stream not announced
in SDP is RTP (reported only after ``min_heuristic_packets`` packets of one SSRC with
sequence numbers stepping forward by 1..100), and codec names of dynamic payload types
(only from an SDP ``rtpmap``).  Fixtures: ``tests/fixtures/media/g711_call.pcap`` and the
public captures listed in ``tests/parsers/protocols/test_rtp.py``.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

from forensics.model.core import Endpoint
from forensics.model.media import MediaStream
from parsers.base import ParseContext

# RFC 3551 §6, tables 4 (audio) and 5 (video): payload type -> (encoding name, clock rate).
STATIC_PAYLOAD_TYPES: dict[int, tuple[str, int]] = {
    0: ("PCMU", 8000),
    3: ("GSM", 8000),
    4: ("G723", 8000),
    5: ("DVI4", 8000),
    6: ("DVI4", 16000),
    7: ("LPC", 8000),
    8: ("PCMA", 8000),
    9: ("G722", 8000),  # RTP clock stays 8000 although G.722 samples at 16 kHz (§4.5.2)
    10: ("L16", 44100),
    11: ("L16", 44100),
    12: ("QCELP", 8000),
    13: ("CN", 8000),
    14: ("MPA", 90000),
    15: ("G728", 8000),
    16: ("DVI4", 11025),
    17: ("DVI4", 22050),
    18: ("G729", 8000),
    25: ("CelB", 90000),
    26: ("JPEG", 90000),
    28: ("nv", 90000),
    31: ("H261", 90000),
    32: ("MPV", 90000),
    33: ("MP2T", 90000),
    34: ("H263", 90000),
}

RTP_SEQ_MOD = 1 << 16
MAX_DROPOUT = 3000  # RFC 3550 A.1
MAX_MISORDER = 100  # RFC 3550 A.1
MAX_STREAMS = 50_000
_NO_BAD_SEQ = RTP_SEQ_MOD + 1
_FIXED = struct.Struct("!BBHII")  # RFC 3550 §5.1 fixed header, first 12 octets


def _payload_span(payload: bytes) -> tuple[int, int]:
    """(payload offset, payload end) of a consistent RTP v2 packet, else (0, -1).

    Rejects payload types 72–76, which are RTCP packet types 200–204 seen through the
    RTP marker bit (RFC 3550 §12.1; RFC 5761 §4).
    """
    n = len(payload)
    if n < 12:
        return 0, -1
    b0 = payload[0]
    if b0 & 0xC0 != 0x80 or 72 <= (payload[1] & 0x7F) <= 76:
        return 0, -1
    h = 12 + 4 * (b0 & 0x0F)
    if b0 & 0x10:  # header extension (§5.3.1): 16-bit profile, 16-bit length in words
        if n < h + 4:
            return 0, -1
        h += 4 + 4 * ((payload[h + 2] << 8) | payload[h + 3])
    if h > n:
        return 0, -1
    if b0 & 0x20:  # padding: last octet counts the padding octets, itself included
        pad = payload[-1]
        if pad == 0 or h + pad > n:
            return 0, -1
        return h, n - pad
    return h, n


def rtp_header(payload: bytes) -> tuple[int, int, int, int, int, int] | None:
    """Parse an RTP header; ``None`` unless it is a consistent RTP version-2 packet.

    Returns (payload_type, sequence, timestamp, ssrc, payload_offset, payload_length).
    """
    h, end = _payload_span(payload)
    if end < 0:
        return None
    _b0, b1, seq, ts, ssrc = _FIXED.unpack_from(payload)
    return b1 & 0x7F, seq, ts, ssrc, h, end - h


def looks_like_rtp(payload: bytes) -> bool:
    """Cheap test: version 2, not RTCP, CSRC/extension/padding consistent with length."""
    return _payload_span(payload)[1] >= 0


def rtpmap_of(formats: Sequence[str], codecs: Sequence[str]) -> dict[int, str]:
    """Payload type -> ``"NAME/rate"`` from an SDP m-line's formats and rtpmap names.

    Pairs them only when both lists have the same length (else nothing is guessed).
    """
    if len(formats) != len(codecs):
        return {}
    out: dict[int, str] = {}
    for f, c in zip(formats, codecs):
        if f.isdecimal() and c and c != f:  # a bare number means "no rtpmap given"
            out[int(f)] = c
    return out


def codec_of(
    pt: int, rtpmap: Mapping[int, str] | None = None
) -> tuple[str | None, int | None]:
    """(encoding name, clock rate) of a payload type: SDP rtpmap first, then RFC 3551."""
    if rtpmap and pt in rtpmap:
        parts = rtpmap[pt].split("/")
        rate = int(parts[1]) if len(parts) > 1 and parts[1].strip().isdecimal() else None
        return parts[0].strip() or None, rate
    if pt in STATIC_PAYLOAD_TYPES:
        return STATIC_PAYLOAD_TYPES[pt]
    return None, None


class _Stream:
    """Mutable per-stream state (one object per stream, not per packet)."""

    __slots__ = (
        "acc_expected",
        "acc_received",
        "announced",
        "bad_seq",
        "base_seq",
        "bytes",
        "call_id",
        "cycles",
        "first_frame",
        "first_ts",
        "good",
        "jitter",
        "jitter_max",
        "jitter_n",
        "key",
        "last_frame",
        "last_ts",
        "max_seq",
        "packets",
        "prev_arrival",
        "prev_pt",
        "prev_rate",
        "prev_rtp_ts",
        "pt_counts",
        "received",
        "restarts",
        "rtpmap",
    )  # fmt: skip

    def __init__(self, key: tuple, seq: int, ts_ns: int, frame: int) -> None:
        self.key = key
        self.announced = False
        self.call_id: str | None = None
        self.rtpmap: Mapping[int, str] | None = None
        self.packets = 0
        self.bytes = 0
        self.first_ts = self.last_ts = ts_ns
        self.first_frame = self.last_frame = frame
        self.base_seq = self.max_seq = seq
        self.cycles = 0
        self.bad_seq = _NO_BAD_SEQ
        self.received = 0
        self.acc_expected = 0
        self.acc_received = 0
        self.restarts = 0
        self.good = 0  # forward steps of 1..MAX_MISORDER (heuristic confirmation)
        self.pt_counts: dict[int, int] = {}
        self.prev_pt = -1
        self.prev_rate: int | None = None
        self.prev_arrival = 0
        self.prev_rtp_ts = 0
        self.jitter = 0.0  # A.8 estimate, in nanoseconds (rate-independent form)
        self.jitter_max = 0.0
        self.jitter_n = 0

    def update_seq(self, seq: int) -> None:
        """RFC 3550 A.1 ``update_seq`` without probation; restarts keep earlier counts."""
        udelta = (seq - self.max_seq) & 0xFFFF
        if udelta < MAX_DROPOUT:
            if udelta:
                if seq < self.max_seq:
                    self.cycles += RTP_SEQ_MOD
                self.max_seq = seq
                if udelta <= MAX_MISORDER:
                    self.good += 1
        elif udelta <= RTP_SEQ_MOD - MAX_MISORDER:
            if seq != self.bad_seq:
                self.bad_seq = (seq + 1) & 0xFFFF  # wait for a second packet to confirm
                return
            # Two sequential packets after a jump: the sender restarted (A.1).  Close
            # the old segment; the packet that set bad_seq opens the new one.
            self.acc_expected += self.cycles + self.max_seq - self.base_seq + 1
            self.acc_received += self.received
            self.restarts += 1
            self.base_seq = (seq - 1) & 0xFFFF
            self.max_seq = seq
            self.cycles = RTP_SEQ_MOD if seq == 0 else 0
            self.bad_seq = _NO_BAD_SEQ
            self.received = 1
        # else: duplicate or reordered packet, counted below (A.1 does the same)
        self.received += 1

    def expected(self) -> int:
        return self.acc_expected + self.cycles + self.max_seq - self.base_seq + 1


class RtpTracker:
    """Collects RTP streams packet by packet; bounded to ``max_streams`` streams."""

    def __init__(
        self, max_streams: int = MAX_STREAMS, min_heuristic_packets: int = 5
    ) -> None:
        self.max_streams = max_streams
        self.min_heuristic_packets = min_heuristic_packets
        self._need = min_heuristic_packets - 1  # forward sequence steps to confirm
        self._streams: dict[tuple, _Stream] = {}
        # (src ip, src port, dst ip, dst port) of heuristic streams confirmed so far
        self.confirmed_flows: set[tuple[str, int, str, int]] = set()
        self._announced: dict[
            tuple[str, int], tuple[str | None, Mapping[int, str] | None]
        ] = {}
        self.rejected = 0  # packets given to add() that were not RTP
        self.overflow = 0  # packets of new streams refused because the table was full
        self._overflow_frame: int | None = None

    def announce(
        self,
        ip: str,
        port: int,
        call_id: str | None = None,
        rtpmap: Mapping[int, str] | None = None,
    ) -> None:
        """Note an SDP media endpoint and its rtpmap (codec names of dynamic types)."""
        self._announced[(ip, port)] = (call_id, rtpmap)

    def add(
        self,
        src_ip: str,
        src_port: int,
        dst_ip: str,
        dst_port: int,
        payload: bytes,
        ts_ns: int,
        frame: int,
        announced_call_id: str | None = None,
    ) -> bool:
        """Account one UDP payload; False if it is not RTP or the table is full.

        ``announced_call_id`` is the Call-ID whose SDP announced one of the endpoints
        (``None`` for heuristic discovery).  A heuristic stream that reaches
        ``min_heuristic_packets`` sequential packets enters ``confirmed_flows``, so
        the caller can go on passing every packet of that flow.
        """
        return self.add_stream(src_ip, src_port, dst_ip, dst_port, payload, ts_ns, frame,
                               announced_call_id) is not None

    def add_stream(
        self,
        src_ip: str,
        src_port: int,
        dst_ip: str,
        dst_port: int,
        payload: bytes,
        ts_ns: int,
        frame: int,
        announced_call_id: str | None = None,
    ) -> _Stream | None:
        """:meth:`add`, returning the stream the packet was counted in (None: not
        counted).  The stream is an opaque handle for :meth:`add_in_order`."""
        hdr = rtp_header(payload)
        if hdr is None:
            self.rejected += 1
            return None
        pt, seq, rtp_ts, ssrc, _off, plen = hdr
        key = (src_ip, src_port, dst_ip, dst_port, ssrc)
        st = self._streams.get(key)
        if st is None:
            if len(self._streams) >= self.max_streams:
                self.overflow += 1
                if self._overflow_frame is None:
                    self._overflow_frame = frame
                return None
            st = self._streams[key] = _Stream(key, seq, ts_ns, frame)
            self._attach_sdp(st, announced_call_id)
            st.received = 1  # init_seq of A.1: base = max = this packet's sequence
        else:
            if announced_call_id is not None and not st.announced:
                self._attach_sdp(st, announced_call_id)  # SDP seen after early media
            st.update_seq(seq)
            if st.good == self._need and not st.announced:
                self.confirmed_flows.add(key[:4])  # the engine may keep feeding it
        st.packets += 1
        st.bytes += plen
        st.last_ts = ts_ns
        st.last_frame = frame
        st.pt_counts[pt] = st.pt_counts.get(pt, 0) + 1
        # RFC 3550 A.8, in nanoseconds: D = (Rj - Ri) - (Sj - Si) / rate.
        if pt == st.prev_pt:
            rate = st.prev_rate
        else:
            rate = codec_of(pt, st.rtpmap)[1]
        if rate and pt == st.prev_pt:
            ts_delta = (
                (rtp_ts - st.prev_rtp_ts + 0x80000000) & 0xFFFFFFFF
            ) - 0x80000000
            d = (ts_ns - st.prev_arrival) - ts_delta * 1e9 / rate
            st.jitter += (abs(d) - st.jitter) / 16.0
            st.jitter_n += 1
            st.jitter_max = max(st.jitter_max, st.jitter)
        st.prev_pt = pt
        st.prev_rate = rate
        st.prev_arrival = ts_ns
        st.prev_rtp_ts = rtp_ts
        return st

    def add_in_order(
        self,
        st: _Stream,
        buf: bytes,
        off: int,
        end: int,
        ts_ns: int,
        frame: int,
        announced_call_id: str | None = None,
    ) -> bool:
        """Account ``buf[off:end]`` to ``st`` (a handle from :meth:`add_stream`) when it
        simply continues that stream; False, with nothing changed, otherwise.

        "Continues" means: a 12-byte header without padding, extension or CSRCs, the
        stream's SSRC and last payload type (whose clock rate is known), the next
        sequence number, and no SDP to attach.  That is the bulk of a call's packets;
        the update is then the in-order step of RFC 3550 A.1 and the A.8 jitter, the
        same arithmetic as :meth:`add`, which every other packet must go through.
        """
        if end - off < 12:
            return False
        b0, b1, seq, rtp_ts, ssrc = _FIXED.unpack_from(buf, off)
        if not (b0 == 0x80 and b1 & 0x7F == st.prev_pt and seq == (st.max_seq + 1) & 0xFFFF
                and ssrc == st.key[4] and st.prev_rate and (st.announced or announced_call_id is None)):
            return False
        if seq < st.max_seq:
            st.cycles += RTP_SEQ_MOD
        st.max_seq = seq
        st.good += 1
        st.received += 1
        if st.good == self._need and not st.announced:
            self.confirmed_flows.add(st.key[:4])
        st.packets += 1
        st.bytes += end - off - 12
        st.last_ts = ts_ns
        st.last_frame = frame
        st.pt_counts[st.prev_pt] += 1
        d = (ts_ns - st.prev_arrival) - (
            ((rtp_ts - st.prev_rtp_ts + 0x80000000) & 0xFFFFFFFF) - 0x80000000
        ) * 1e9 / st.prev_rate
        j = st.jitter
        j += ((-d if d < 0 else d) - j) / 16.0
        st.jitter = j
        st.jitter_n += 1
        if j > st.jitter_max:
            st.jitter_max = j
        st.prev_arrival = ts_ns
        st.prev_rtp_ts = rtp_ts
        return True

    @classmethod
    def merge(cls, trackers: Sequence[RtpTracker]) -> RtpTracker | None:
        """One tracker holding the streams of several trackers that saw disjoint
        flows (the parts of a partitioned capture); None for an empty list."""
        if len(trackers) <= 1:
            return trackers[0] if trackers else None
        merged = cls(max_streams=trackers[0].max_streams,
                     min_heuristic_packets=trackers[0].min_heuristic_packets)
        for t in trackers:
            merged._streams.update(t._streams)
            merged.confirmed_flows |= t.confirmed_flows
            merged.overflow += t.overflow
            merged.rejected += t.rejected
            if t._overflow_frame is not None and (
                    merged._overflow_frame is None or t._overflow_frame < merged._overflow_frame):
                merged._overflow_frame = t._overflow_frame
        return merged

    def _attach_sdp(self, st: _Stream, call_id: str | None) -> None:
        _s, sport, dst, dport, _x = st.key
        ann = self._announced.get((dst, dport)) or self._announced.get((_s, sport))
        if call_id is None and ann is None:
            return
        st.announced = True
        st.call_id = call_id if call_id is not None else ann[0] if ann else None
        if ann and ann[1]:
            st.rtpmap = ann[1]

    def __len__(self) -> int:
        return len(self._streams)

    def streams(self, ctx: ParseContext) -> list[MediaStream]:
        """The streams worth reporting, in order of first frame."""
        out: list[MediaStream] = []
        unconfirmed = 0
        need = self._need
        for st in self._streams.values():
            if not st.announced and (
                st.good < need or st.packets < self.min_heuristic_packets
            ):
                unconfirmed += 1
                continue
            main_pt = max(st.pt_counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
            codec, rate = codec_of(main_pt, st.rtpmap)
            src_ip, sport, dst_ip, dport, ssrc = st.key
            expected = st.expected()
            to_ms = (lambda v: round(v / 1e6, 3)) if st.jitter_n else (lambda v: None)
            out.append(
                MediaStream(
                    prov=ctx.prov(frame=st.first_frame),
                    src=Endpoint(src_ip, sport, "udp"),
                    dst=Endpoint(dst_ip, dport, "udp"),
                    ssrc=ssrc,
                    payload_types=tuple(sorted(st.pt_counts)),
                    codec=codec,
                    clock_rate=rate,
                    packets=st.packets,
                    bytes=st.bytes,
                    first_ts_ns=st.first_ts,
                    last_ts_ns=st.last_ts,
                    first_frame=st.first_frame,
                    last_frame=st.last_frame,
                    expected=expected,
                    lost=expected - st.acc_received - st.received,
                    jitter=to_ms(st.jitter),
                    jitter_max=to_ms(st.jitter_max),
                    seq_restarts=st.restarts,
                    announced=st.announced,
                    call_id=st.call_id,
                )
            )
        if unconfirmed:
            ctx.count("rtp-heuristic-unconfirmed", unconfirmed)
        if self.overflow:
            ctx.count("rtp-stream-table-overflow-packets", self.overflow)
            ctx.warn(
                "rtp-stream-table-full",
                f"more than {self.max_streams} RTP streams: {self.overflow} packets of "
                "further streams were not tracked",
                frame=self._overflow_frame,
            )
        out.sort(key=lambda s: (s.first_frame, s.ssrc))
        return out
