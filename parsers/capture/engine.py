"""The capture engine: one pass over a capture, two tiers of work per frame.

Tier 1, for every frame: link layer, IP header, transport ports, and flow accounting
(packets, bytes, first/last time and frame) keyed by raw address bytes — no per-packet
objects.  Tier 2, only for frames that may matter: the first few payload packets of
each flow go to the protocol detectors (``parsers/protocols``), TLS ClientHellos give
SNI/ALPN, DNS answers build a name map, SIP-looking payloads are parsed in full (UDP,
reassembled TCP, reassembled IP fragments, and inside GRE / IP-in-IP / 6in4 / VXLAN /
GTP-U / L2TP / PPPoE / VLAN encapsulations), and media announced in SDP is tracked.

Every frame is accounted for in ``ctx.stats``: ``frames``, ``ip``, ``non_ip``,
``errors`` (damaged headers), ``unsupported_link``.  State is bounded: the flow table
is swept of idle flows, and the reassemblers have their own caps.

Speed: plain Ethernet/IPv4/UDP frames of a known flow (the bulk of an RTP-heavy
capture) are handled inside the :meth:`Engine.feed` loop without a function call, and
RTP packets that continue their stream in order (same SSRC and payload type, next
sequence number, fixed 12-byte header) update the stream's RFC 3550 A.1/A.8 state in
place with the same arithmetic as :meth:`parsers.protocols.rtp.RtpTracker.add`; any
other packet goes through the tracker itself.

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

import socket
import struct
from collections.abc import Iterable
from typing import Any

from forensics.model.core import Endpoint
from forensics.model.network import CaptureHost, DnsAnswer, Flow
from parsers.base import Detection, ParseContext, Protocol
from parsers.capture import linklayer
from parsers.capture.ip_defrag import Defragmenter
from parsers.capture.tcp_reassembly import TcpStreams
from parsers.protocols import dns, rtp, tls
from parsers.protocols import sip as sip_proto

# flow state slots (a list per flow; both directions' keys point at the same list)
PK, BY, T0, T1, FR0, FR1, ST, PR, INFO, SF, SR = range(11)  # SF/SR: cached RTP stream per direction
S_PROBE, S_SIP, S_MEDIA, S_DNS, S_DONE, S_DECAP = range(6)
PROBE_PACKETS = 8  # payload packets a flow is looked at before it is left alone
MAX_FLOWS = 400_000  # flow-table size that triggers a sweep
IDLE_NS = 300 * 1_000_000_000  # flows idle this long (capture time) are closed in a sweep
MAX_DNS_ANSWERS = 100_000
MAX_DECAP_DEPTH = 4
SIP_PORTS = frozenset({5060, 5061, 5080})
VXLAN_PORT, GTPU_PORT, L2TP_PORT = 4789, 2152, 1701
DECAP_PORTS = frozenset({VXLAN_PORT, GTPU_PORT, L2TP_PORT})
IPPROTO_NAMES = {4: "ipip", 41: "ipv6", 47: "gre", 50: "esp", 51: "ah", 132: "sctp"}

_SIP_START = frozenset(
    b"INV ACK BYE CAN REG OPT PRA SUB NOT PUB INF REF MES UPD SIP".split()
)
_RTP_FIXED = struct.Struct("!BBHII")  # RFC 3550 §5.1: V/P/X/CC, M/PT, sequence, timestamp, SSRC
_HASH_MUL = 0x9E3779B1  # Fibonacci hashing constant (Knuth), spreads the xor of the key
_FRAME_STATS = ("frames", "ip", "non_ip", "unsupported_link")  # counted by part 0 only


def owner_of(src: bytes, dst: bytes, sport: int, dport: int, parts: int) -> int:
    """The part that owns a flow; the same for both of its directions."""
    h = int.from_bytes(src, "big") ^ int.from_bytes(dst, "big") ^ sport ^ dport
    h = (h ^ (h >> 32) ^ (h >> 64) ^ (h >> 96)) & 0xFFFFFFFF
    return ((h * _HASH_MUL) >> 16 & 0xFFFF) % parts


def _ntop(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


class _FlowInfo:
    """Per-flow facts kept beyond the counters (created once per flow)."""

    __slots__ = ("transport", "cip", "cport", "sip_", "sport", "fwd", "cmac",
                 "detections", "sni", "alpn", "iface", "rtp_hits", "call_id")

    def __init__(self, transport: str, cip: str, cport: int, sip_: str, sport: int, fwd: bytes) -> None:
        self.transport = transport
        self.cip, self.cport, self.sip_, self.sport = cip, cport, sip_, sport
        self.fwd = fwd  # key of the client→server direction
        self.cmac: str | None = None
        self.detections: list[Detection] = []
        self.sni: str | None = None
        self.alpn: tuple[str, ...] = ()
        self.rtp_hits = 0
        self.call_id: str | None = None


class Engine:
    """Analyse one capture; call :meth:`feed` with reader tuples, then :meth:`finish`."""

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
        self.macs: dict[str, str] = {}
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

    # -- helpers -------------------------------------------------------------------
    def _warn_frame(self, code: str, message: str, frame: int | None = None) -> None:
        if self.owned or (self.owned is None and self.part == 0):
            self.ctx.warn(code, message, frame=frame)

    def _mine(self, src: bytes, dst: bytes, sport: int, dport: int) -> bool:
        return owner_of(src, dst, sport, dport, self.parts) == self.part

    # -- tier 1 --------------------------------------------------------------------
    def feed(self, frames: Iterable[tuple]) -> None:
        stats = self.stats
        locate = linklayer.locate
        handle_ip = self._ip
        udp_get = self.udp.get
        media_fast = self._media_fast
        parts = self.parts
        foreign = self.foreign
        sip_start = _SIP_START
        rtp_unpack = _RTP_FIXED.unpack_from
        need = self.rtp._need if self.rtp is not None else -1
        confirmed = self.rtp.confirmed_flows if self.rtp is not None else set()
        n = 0
        n_ip = 0
        ts = 0
        for frame, ts, linktype, data, _off, _orig, _iface in frames:
            n += 1
            # fast path: Ethernet, IPv4 without options, UDP, not a fragment, known flow
            if (linktype == 1 and len(data) >= 42 and data[23] == 17 and data[12] == 8 and data[13] == 0
                    and data[14] == 0x45 and not (data[20] & 0x3F or data[21])):
                key = data[26:38]
                f = udp_get(key)
                if f is not None and f[ST] == S_MEDIA:
                    tot = (data[16] << 8) | data[17]
                    end = 14 + tot if 20 <= tot and 14 + tot <= len(data) else len(data)
                    if end >= 42:
                        n_ip += 1
                        f[PK] += 1
                        f[BY] += end - 14
                        f[T1] = ts
                        f[FR1] = frame
                        ulen = (data[38] << 8) | data[39]
                        uend = 34 + ulen if 8 <= ulen and 34 + ulen <= end else end
                        info = f[INFO]
                        fwd = key == info.fwd
                        st = f[SF] if fwd else f[SR]
                        if st is not None and uend >= 54:
                            # in-order RTP packet of the cached stream: RtpTracker.add inlined
                            b0, b1, seq, rtp_ts, ssrc = rtp_unpack(data, 42)
                            if (b0 == 0x80 and b1 & 0x7F == st.prev_pt and seq == (st.max_seq + 1) & 0xFFFF
                                    and ssrc == st.key[4] and st.prev_rate
                                    and (st.announced or info.call_id is None)):
                                if seq < st.max_seq:
                                    st.cycles += 65536
                                st.max_seq = seq
                                st.good += 1
                                st.received += 1
                                if st.good == need and not st.announced:
                                    confirmed.add(st.key[:4])
                                st.packets += 1
                                st.bytes += uend - 54
                                st.last_ts = ts
                                st.last_frame = frame
                                st.pt_counts[st.prev_pt] += 1
                                d = (ts - st.prev_arrival) - (
                                    ((rtp_ts - st.prev_rtp_ts + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                                ) * 1e9 / st.prev_rate
                                j = st.jitter
                                j += ((-d if d < 0 else d) - j) / 16.0
                                st.jitter = j
                                st.jitter_n += 1
                                if j > st.jitter_max:
                                    st.jitter_max = j
                                st.prev_arrival = ts
                                st.prev_rtp_ts = rtp_ts
                                if not n & 0xFFFF:
                                    self._checkpoint(ts, frame)
                                continue
                        payload = data[42:uend]
                        if payload and 65 <= payload[0] <= 90 and payload[:3] in sip_start:
                            self.needs_serial.add("sip-in-media-flow")
                        if self.rtp is not None:
                            media_fast(f, key, payload, ts, frame)
                        if not n & 0xFFFF:
                            self._checkpoint(ts, frame)
                        continue
                elif f is None and parts > 1 and (key in foreign or not self._mine(
                        data[26:30], data[30:34], (data[34] << 8) | data[35], (data[36] << 8) | data[37])):
                    # a flow of another part: only SIP is looked at, for its SDP
                    n_ip += 1
                    if len(foreign) > 1_000_000:
                        foreign.clear()
                    foreign[key] = None
                    if 65 <= data[42 if len(data) > 42 else 0] <= 90:
                        self.owned = False
                        self.ts = ts
                        self.frame = frame
                        try:
                            handle_ip(data, 14, 4, 0, None)
                        except (IndexError, struct.error, ValueError):
                            pass
                    if not n & 0xFFFF:
                        self._checkpoint(ts, frame)
                    continue
            self.ts = ts
            self.frame = frame
            if linktype == 1 and len(data) >= 14 and data[12] == 8 and data[13] == 0:
                off, ver = 14, 4
            else:
                off, ver = locate(linktype, data)
            if ver <= 0:
                if ver < 0:
                    stats["unsupported_link"] += 1
                else:
                    stats["non_ip"] += 1
                continue
            n_ip += 1
            self.owned = True if parts == 1 else None
            try:
                handle_ip(data, off, ver, 0, data[6:12] if linktype == 1 else None)
            except (IndexError, struct.error, ValueError) as exc:
                if self.owned or (self.owned is None and self.part == 0):
                    stats["errors"] += 1
                    self.ctx.warn("packet-decode-error", f"damaged packet headers ({exc.__class__.__name__})", frame=frame)
            if not n & 0xFFFF:
                self._checkpoint(ts, frame)
        self.ts = ts
        if n:
            self.frame = frame
        stats["ip"] += n_ip
        stats["frames"] += n
        if self.part:
            for k in _FRAME_STATS:
                stats[k] = 0

    def _checkpoint(self, ts: int, frame: int) -> None:
        size = len(self.udp) + len(self.tcp)
        if self.parts > 1:
            self.checkpoints.append(size)
        if size > MAX_FLOWS:
            self.ts, self.frame = ts, frame
            self._sweep(ts)

    def _media_fast(self, f: list, key: bytes, payload: bytes, ts: int, frame: int) -> None:
        """One packet of a media flow.  An in-order packet of the stream seen last in
        this direction updates that stream in place, with the arithmetic of
        ``RtpTracker.add`` (RFC 3550 A.1 in-order step, A.8 jitter); anything else
        goes to the tracker."""
        info = f[INFO]
        fwd = key == info.fwd
        st = f[SF] if fwd else f[SR]
        if (st is not None and len(payload) >= 12 and payload[0] == 0x80
                and (payload[1] & 0x7F) == st.prev_pt and st.prev_rate
                and ((payload[2] << 8) | payload[3]) == (st.max_seq + 1) & 0xFFFF
                and int.from_bytes(payload[8:12], "big") == st.key[4]
                and (st.announced or info.call_id is None)):
            seq = (payload[2] << 8) | payload[3]
            if seq < st.max_seq:
                st.cycles += 65536
            st.max_seq = seq
            st.good += 1
            st.received += 1
            if st.good == self.rtp._need and not st.announced:
                self.rtp.confirmed_flows.add(st.key[:4])
            pt = st.prev_pt
            rtp_ts = int.from_bytes(payload[4:8], "big")
            st.packets += 1
            st.bytes += len(payload) - 12
            st.last_ts = ts
            st.last_frame = frame
            st.pt_counts[pt] += 1
            ts_delta = ((rtp_ts - st.prev_rtp_ts + 0x80000000) & 0xFFFFFFFF) - 0x80000000
            d = (ts - st.prev_arrival) - ts_delta * 1e9 / st.prev_rate
            st.jitter += (abs(d) - st.jitter) / 16.0
            st.jitter_n += 1
            st.jitter_max = max(st.jitter_max, st.jitter)
            st.prev_arrival = ts
            st.prev_rtp_ts = rtp_ts
            return
        ep = _ep(info, fwd)
        self.rtp.add(*ep, payload, ts, frame, info.call_id)  # type: ignore[union-attr]
        if len(payload) >= 12:
            st = self.rtp._streams.get((*ep, int.from_bytes(payload[8:12], "big")))  # type: ignore[union-attr]
            if st is not None:
                f[SF if fwd else SR] = st

    def _ip(self, data: bytes, off: int, ver: int, depth: int, mac: bytes | None) -> None:
        if ver == 4:
            b0 = data[off]
            ihl = (b0 & 15) << 2
            if b0 >> 4 != 4 or ihl < 20 or len(data) < off + 20:
                raise ValueError("bad IPv4 header")
            tot = (data[off + 2] << 8) | data[off + 3]
            end = off + tot if tot >= ihl and off + tot <= len(data) else len(data)
            proto = data[off + 9]
            src = data[off + 12 : off + 16]
            dst = data[off + 16 : off + 20]
            fl = ((data[off + 6] << 8) | data[off + 7])
            l4 = off + ihl
            if fl & 0x3FFF:  # MF set or fragment offset non-zero
                self._fragment(4, src, dst, data[off + 4 : off + 6], proto, (fl & 0x1FFF) << 3, bool(fl & 0x2000), data[l4:end], depth, mac)
                return
        else:
            if len(data) < off + 40 or data[off] >> 4 != 6:
                raise ValueError("bad IPv6 header")
            plen = (data[off + 4] << 8) | data[off + 5]
            end = off + 40 + plen if plen and off + 40 + plen <= len(data) else len(data)
            proto = data[off + 6]
            src = data[off + 8 : off + 24]
            dst = data[off + 24 : off + 40]
            l4 = off + 40
            while proto in (0, 43, 44, 60):  # hop-by-hop, routing, fragment, destination
                if l4 + 8 > end:
                    raise ValueError("truncated IPv6 extension header")
                if proto == 44:
                    fo = (data[l4 + 2] << 8) | data[l4 + 3]
                    nxt = data[l4]
                    if fo & 0xFFF9:
                        self._fragment(6, src, dst, data[l4 + 4 : l4 + 8], nxt, fo & 0xFFF8, bool(fo & 1), data[l4 + 8 : end], depth, mac)
                        return
                    proto, l4 = nxt, l4 + 8  # atomic fragment
                    continue
                proto, l4 = data[l4], l4 + ((data[l4 + 1] + 1) << 3)
        self._l4(data, l4, end, proto, src, dst, depth, mac, end - off)

    def _fragment(self, ver: int, src: bytes, dst: bytes, ident: bytes, proto: int, foff: int, more: bool,
                  payload: bytes, depth: int, mac: bytes | None) -> None:
        if self.owned or (self.owned is None and self.part == 0):
            self.stats["fragments"] += 1
        if self.defrag is None:
            return
        done = self.defrag.feed((ver, src, dst, ident, proto), foff, more, payload, self.frame, self.ts)
        if done is not None:
            whole, _frames = done
            self._l4(whole, 0, len(whole), proto, src, dst, depth, mac, len(whole) + (20 if ver == 4 else 40))

    def _l4(self, data: bytes, l4: int, end: int, proto: int, src: bytes, dst: bytes, depth: int,
            mac: bytes | None, iplen: int) -> None:
        self._depth_hint = depth
        if proto == 17:
            if l4 + 8 > end:
                raise ValueError("truncated UDP header")
            ports = data[l4 : l4 + 4]
            key = src + dst + ports
            if depth == 0 and self.parts > 1:
                self.owned = self._mine(src, dst, (ports[0] << 8) | ports[1], (ports[2] << 8) | ports[3])
            if not self.owned:
                payload = self._udp_payload(data, l4, end)
                if payload[:3] in _SIP_START:
                    self._shadow_sip(payload)
                return
            f = self.udp.get(key)
            if f is None:
                f = self._new_flow(self.udp, "udp", src, dst, ports, key, mac)
            f[PK] += 1
            f[BY] += iplen
            f[T1] = self.ts
            f[FR1] = self.frame
            st = f[ST]
            if st == S_DONE:
                # SIP is recognised by content at any time, even after the probe window
                if data[l4 + 8 : l4 + 11] in _SIP_START:
                    self._sip(self._udp_payload(data, l4, end), f, key, "udp")
                return
            payload = self._udp_payload(data, l4, end)
            if st == S_MEDIA:
                if payload[:3] in _SIP_START:
                    self.needs_serial.add("sip-in-media-flow")
                if self.rtp is not None:
                    self._media_fast(f, key, payload, self.ts, self.frame)
                return
            if payload[:3] in _SIP_START:
                self._sip(payload, f, key, "udp")
                return
            if st == S_DNS:
                self._dns(payload)
                return
            if not payload:
                return
            if st == S_DECAP:
                if f[PR] < PROBE_PACKETS:
                    self._probe(f, key, payload, "udp", depth, mac, keep_state=True)
                if depth < MAX_DECAP_DEPTH:
                    self._udp_decap(payload, (ports[2] << 8) | ports[3], (ports[0] << 8) | ports[1], depth)
                return
            self._probe(f, key, payload, "udp", depth, mac)
            return
        if proto == 6:
            if l4 + 20 > end:
                raise ValueError("truncated TCP header")
            ports = data[l4 : l4 + 4]
            key = src + dst + ports
            if depth == 0 and self.parts > 1:
                self.owned = self._mine(src, dst, (ports[0] << 8) | ports[1], (ports[2] << 8) | ports[3])
            if not self.owned:
                self._shadow_tcp(data, l4, end, key, ports)
                return
            f = self.tcp.get(key)
            if f is None:
                f = self._new_flow(self.tcp, "tcp", src, dst, ports, key, mac)
            f[PK] += 1
            f[BY] += iplen
            f[T1] = self.ts
            f[FR1] = self.frame
            st = f[ST]
            if st == S_DONE:
                if self.parts > 1:
                    doff = (data[l4 + 12] >> 4) << 2
                    if data[l4 + doff : l4 + doff + 3] in _SIP_START:
                        self.needs_serial.add("sip-after-probe")
                return
            doff = (data[l4 + 12] >> 4) << 2
            payload = data[l4 + doff : end]
            if st == S_SIP:
                self._sip_tcp(f, key, data, l4, payload)
                return
            if not payload:
                return
            if payload[:3] in _SIP_START:
                f[ST] = S_SIP
                self._sip_tcp(f, key, data, l4, payload)
                return
            self._probe(f, key, payload, "tcp", depth, mac)
            return
        # other IP protocols: per address-pair flow, detectors, decapsulation
        if depth == 0 and self.parts > 1:
            self.owned = self._mine(src, dst, proto, proto)
        if not self.owned:
            return
        key = bytes((proto,)) + src + dst
        f = self.ipf.get(key)
        if f is None:
            f = self._new_flow(self.ipf, IPPROTO_NAMES.get(proto, f"ip{proto}"), src, dst, b"\0\0\0\0", key, mac, proto)
        f[PK] += 1
        f[BY] += iplen
        f[T1] = self.ts
        f[FR1] = self.frame
        if f[ST] == S_PROBE:
            dets = self.ip_dets.get(proto)
            if dets:
                payload = data[l4:end]
                for d in dets:
                    det = _safe_sniff(d, payload, 0, 0, key == f[INFO].fwd)
                    if det:
                        f[INFO].detections.append(det)
                        f[ST] = S_DONE
                        break
            f[PR] += 1
            if f[PR] >= PROBE_PACKETS:
                f[ST] = S_DONE
        if depth >= MAX_DECAP_DEPTH:
            return
        if proto == 4 or proto == 41:
            self.stats["decapsulated"] += 1
            self._ip(data[:end], l4, 4 if proto == 4 else 6, depth + 1, None)
        elif proto == 47:
            self._gre(data, l4, end, depth)

    @staticmethod
    def _udp_payload(data: bytes, l4: int, end: int) -> bytes:
        ulen = (data[l4 + 4] << 8) | data[l4 + 5]
        return data[l4 + 8 : l4 + ulen if 8 <= ulen and l4 + ulen <= end else end]

    def _gre(self, data: bytes, l4: int, end: int, depth: int) -> None:
        """GRE (RFC 2784/2890) and enhanced GRE v1 of PPTP (RFC 2637)."""
        if l4 + 4 > end:
            return
        flags = data[l4]
        ver = data[l4 + 1] & 7
        ptype = (data[l4 + 2] << 8) | data[l4 + 3]
        pos = l4 + 4
        if ver == 0:
            pos += 4 * (bool(flags & 0x80) + bool(flags & 0x20) + bool(flags & 0x10))
        elif ver == 1:
            pos += 4 + 4 * (bool(flags & 0x10)) + 4 * bool(data[l4 + 1] & 0x80)
        else:
            return
        if pos >= end:
            return
        inner = data[pos:end]
        if ptype in (0x0800, 0x86DD):
            self.stats["decapsulated"] += 1
            self._ip(inner, 0, 4 if ptype == 0x0800 else 6, depth + 1, None)
        elif ptype == 0x6558:  # transparent Ethernet bridging
            self._inner_eth(inner, depth)
        elif ptype == 0x880B:  # PPP
            ioff, iver = linklayer.ppp_payload(inner, 0)
            if iver > 0:
                self.stats["decapsulated"] += 1
                self._ip(inner, ioff, iver, depth + 1, None)

    def _inner_eth(self, inner: bytes, depth: int) -> None:
        if len(inner) < 14:
            return
        ioff, iver = linklayer.ethertype_payload(inner, (inner[12] << 8) | inner[13], 14)
        if iver > 0:
            self.stats["decapsulated"] += 1
            self._ip(inner, ioff, iver, depth + 1, inner[6:12])

    def _udp_decap(self, p: bytes, dport: int, sport: int, depth: int) -> None:
        if (dport == VXLAN_PORT or sport == VXLAN_PORT) and len(p) > 22 and p[0] & 0x08:
            self._inner_eth(p[8:], depth)
        elif (dport == GTPU_PORT or sport == GTPU_PORT) and len(p) > 8 and p[0] >> 5 == 1 and p[1] == 0xFF:
            pos = 8 + (4 if p[0] & 0x07 else 0)
            if p[0] & 0x04:  # extension headers
                while pos < len(p) and p[pos - 1]:
                    ln = p[pos] * 4
                    if not ln:
                        return
                    pos += ln
            if pos < len(p) and p[pos] >> 4 in (4, 6):
                self.stats["decapsulated"] += 1
                self._ip(p, pos, p[pos] >> 4, depth + 1, None)
        elif (dport == L2TP_PORT or sport == L2TP_PORT) and len(p) > 8 and not p[0] & 0x80 and (p[1] & 0x0F) == 2:
            pos = 2 + (2 if p[0] & 0x40 else 0) + 4 + (4 if p[0] & 0x08 else 0)
            if p[0] & 0x02 and pos + 2 <= len(p):
                pos += 2 + ((p[pos] << 8) | p[pos + 1])
            ioff, iver = linklayer.ppp_payload(p, pos)
            if iver > 0:
                self.stats["decapsulated"] += 1
                self._ip(p, ioff, iver, depth + 1, None)

    def _new_flow(self, table: dict, transport: str, src: bytes, dst: bytes, ports: bytes, key: bytes,
                  mac: bytes | None, proto: int | None = None) -> list:
        sport = (ports[0] << 8) | ports[1]
        dport = (ports[2] << 8) | ports[3]
        if proto is None:
            rkey = dst + src + ports[2:4] + ports[0:2]
        else:
            rkey = bytes((proto,)) + dst + src
        info = _FlowInfo(transport, _ntop(src), sport, _ntop(dst), dport, key)
        if mac is not None:
            info.cmac = ":".join(f"{b:02x}" for b in mac)
        st = S_PROBE
        if transport == "udp" and (sport == 53 or dport == 53 or sport == 5353 or dport == 5353):
            st = S_DNS
        elif transport == "udp" and (sport in DECAP_PORTS or dport in DECAP_PORTS):
            st = S_DECAP
        elif transport == "tcp" and (sport in SIP_PORTS or dport in SIP_PORTS) and dport != 5061 and sport != 5061:
            st = S_SIP
        else:
            cid = self.announced.get((info.sip_, dport)) or self.announced.get((info.cip, sport))
            if cid is not None and transport == "udp":
                st = S_MEDIA
                info.call_id = cid
        f = [0, 0, self.ts, self.ts, self.frame, self.frame, st, 0, info, None, None]
        table[key] = f
        if rkey != key:
            table[rkey] = f
        return f

    # -- tier 2 --------------------------------------------------------------------
    def _probe(self, f: list, key: bytes, payload: bytes, transport: str, depth: int, mac: bytes | None,
               keep_state: bool = False) -> None:
        info: _FlowInfo = f[INFO]
        fwd = key == info.fwd
        f[PR] += 1
        if f[PR] >= PROBE_PACKETS and not keep_state:
            f[ST] = S_DONE
        if transport == "tcp" and payload[0] == 0x16 and fwd and info.sni is None and self._tls:
            hello = _safe_call(self._tls, payload)
            if hello is not None:
                info.sni = getattr(hello, "sni", None)
                info.alpn = tuple(getattr(hello, "alpn", ()) or ())
                if info.sni:
                    self._match_name(info, info.sni.lower(), "sni")
                if info.sport == 5061 or info.cport == 5061:
                    info.detections.append(Detection("sip-tls", "signalling", "medium", "port"))
        dets = self.udp_dets if transport == "udp" else self.tcp_dets
        for d in dets:
            det = _safe_sniff(d, payload, info.cport if fwd else info.sport, info.sport if fwd else info.cport, fwd)
            if det is not None:
                _keep_best(info.detections, det)
                # a sure detection ends the probe; a weaker one keeps looking, because a
                # later packet (a SOCKS request after its greeting) may say more
                if det.confidence == "high" and not keep_state:
                    f[ST] = S_DONE
                return
        if keep_state:
            return
        if transport != "udp" or self.rtp is None:
            return
        cid = self.announced.get((info.sip_, info.sport)) or self.announced.get((info.cip, info.cport))
        if cid is not None:  # announced in an SDP seen after the flow began
            info.call_id = cid
            f[ST] = S_MEDIA
            self.rtp.add(*(_ep(info, fwd)), payload, self.ts, self.frame, cid)
        elif info.cport >= 1024 and info.sport >= 1024 and _safe_call(self._looks_rtp, payload):
            # heuristic media: every RTP-looking packet goes to the tracker, which reports
            # a stream only after enough in-sequence packets with one SSRC
            info.rtp_hits += 1
            self.rtp.add(*(_ep(info, fwd)), payload, self.ts, self.frame, None)
            if info.rtp_hits >= 2:
                f[ST] = S_MEDIA

    def _match_name(self, info: _FlowInfo, name: str, method: str) -> None:
        _match_name(self.name_dets, info, name, method)

    def _dns(self, payload: bytes) -> None:
        if self._dns_parse is None:
            return
        answers = _safe_call(self._dns_parse, payload)
        if not answers:
            return
        for name, addr, ttl in answers:
            names = self.dns.setdefault(addr, {})
            if len(names) < 32:
                names.setdefault(name, self.frame)
            if (name, addr) not in self.dns_seen and len(self.dns_seen) < MAX_DNS_ANSWERS:
                self.dns_seen.add((name, addr))
                self.records.append(DnsAnswer(prov=self.ctx.prov(frame=self.frame), ts_ns=self.ts, name=name, address=addr, ttl=ttl))
                self.emitted.append(self.frame)

    def _sip(self, payload: bytes, f: list, key: bytes, transport: str, frames: tuple[int, ...] | None = None) -> None:
        info: _FlowInfo = f[INFO]
        fwd = key == info.fwd
        if f[ST] == S_PROBE:
            f[ST] = S_SIP
        src = Endpoint(info.cip if fwd else info.sip_, info.cport if fwd else info.sport, transport)
        dst = Endpoint(info.sip_ if fwd else info.cip, info.sport if fwd else info.cport, transport)
        self._sip_message(payload, src, dst, frames or (self.frame,))

    def _sip_message(self, payload: bytes, src: Endpoint, dst: Endpoint, frames: tuple[int, ...],
                     shadow: bool = False) -> None:
        frame = frames[-1]
        ctx = self.shadow_ctx if shadow else self.ctx
        msg = sip_proto.parse(payload, ctx, frame=frame, ts_ns=self.ts, src=src, dst=dst, frames=frames)
        if shadow:
            ctx.warnings.clear()
            ctx.stats.clear()
        if msg is None:
            if not shadow:
                self.stats["sip_malformed"] += 1
            return
        if not shadow:
            self.stats["sip_messages"] += 1
            self.records.append(msg)
            self.emitted.append(self.frame)
        if msg.sdp and msg.call_id and self.parts > 1 and self.frame and self._depth_hint:
            self.needs_serial.add("sdp-inside-tunnel")
        if msg.sdp and msg.call_id:
            for m in msg.sdp:
                if m.ip and m.port:
                    if len(self.announced) < 200_000:
                        self.announced[(m.ip, m.port)] = msg.call_id
                        self.announced[(m.ip, m.port + 1)] = msg.call_id  # RTCP (RFC 3550 §11)
                        if self.rtp is not None and self._rtpmap is not None:
                            self.rtp.announce(m.ip, m.port, msg.call_id, self._rtpmap(m.formats, m.codecs))

    # -- flows of other parts (partitioned runs) --------------------------------------
    _NOWHERE = Endpoint("0.0.0.0")

    def _shadow_sip(self, payload: bytes, frames: tuple[int, ...] | None = None) -> None:
        self._sip_message(payload, self._NOWHERE, self._NOWHERE, frames or (self.frame,), shadow=True)

    def _shadow_tcp(self, data: bytes, l4: int, end: int, key: bytes, ports: bytes) -> None:
        """Follow SIP over TCP of another part's flow, as that part does (by port or by
        content), only to learn the media its SDP announces."""
        if l4 + 20 > end:
            return
        doff = (data[l4 + 12] >> 4) << 2
        payload = data[l4 + doff : end]
        fwd = self.shadow_tcp.get(key)
        if fwd is None:
            sport, dport = (ports[0] << 8) | ports[1], (ports[2] << 8) | ports[3]
            by_port = (sport in SIP_PORTS or dport in SIP_PORTS) and 5061 not in (sport, dport)
            if not by_port and payload[:3] not in _SIP_START:
                return
            fwd = self.shadow_tcp[key] = key
            self.shadow_tcp[key[len(key) // 2 - 2 : -4] + key[: len(key) // 2 - 2] + key[-2:] + key[-4:-2]] = key
        if self.shadow_streams is None:
            return
        seq = int.from_bytes(data[l4 + 4 : l4 + 8], "big")
        done = self.shadow_streams.feed(fwd, 0 if key == fwd else 1, seq, data[l4 + 13], payload, self.frame, self.ts)
        for msg_bytes, frames, _ts in done or ():
            self._shadow_sip(msg_bytes, tuple(frames))

    def _sip_tcp(self, f: list, key: bytes, data: bytes, l4: int, payload: bytes) -> None:
        info: _FlowInfo = f[INFO]
        fwd = key == info.fwd
        if self.tcp_streams is None:
            if payload[:3] in _SIP_START:
                self._sip(payload, f, key, "tcp")
            return
        seq = int.from_bytes(data[l4 + 4 : l4 + 8], "big")
        flags = data[l4 + 13]
        done = self.tcp_streams.feed(info.fwd, 0 if fwd else 1, seq, flags, payload, self.frame, self.ts)
        for msg_bytes, frames, _ts in done or ():
            self._sip(msg_bytes, f, key, "tcp", tuple(frames))

    def _recovered(self, items: Iterable[tuple] | None) -> None:
        """Messages the TCP reassembler completes while closing streams (after a hole,
        on RST, on eviction or at the end of the capture) are parsed like the rest."""
        for flow_key, direction, msg_bytes, frames, ts in items or ():
            n = 4 if len(flow_key) == 12 else 16
            a, b = _ntop(flow_key[:n]), _ntop(flow_key[n : 2 * n])
            pa = int.from_bytes(flow_key[2 * n : 2 * n + 2], "big")
            pb = int.from_bytes(flow_key[2 * n + 2 : 2 * n + 4], "big")
            src, dst = (Endpoint(a, pa, "tcp"), Endpoint(b, pb, "tcp"))
            if direction:
                src, dst = dst, src
            saved = self.ts
            self.ts = ts
            self._sip_message(msg_bytes, src, dst, tuple(frames))
            self.ts = saved

    # -- bounded state -------------------------------------------------------------
    def _sweep(self, now: int) -> None:
        for table in (self.udp, self.tcp, self.ipf):
            stale = [k for k, f in table.items() if now - f[T1] > IDLE_NS]
            for k in stale:
                f = table.pop(k)
                if k == f[INFO].fwd and _interesting(f):
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
                    if k == f[INFO].fwd and _interesting(f):
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


def merge_problems(snaps: list[dict[str, Any]]) -> list[str]:
    """Why a partitioned run would not equal a single run (empty: it does)."""
    out = sorted({r for s in snaps for r in s["needs_serial"]})
    sizes = [s["checkpoints"] for s in snaps]
    if sizes and any(sum(x) > MAX_FLOWS for x in zip(*sizes)):
        out.append("flow-table-sweep")
    trackers = [s["rtp"] for s in snaps if s["rtp"] is not None]
    if trackers and sum(len(t) for t in trackers) > trackers[0].max_streams:
        out.append("rtp-stream-table-full")
    return out


def finalise(ctx: ParseContext, snaps: list[dict[str, Any]], port_dets: dict[tuple[str, int], Protocol],
             name_dets: tuple[tuple[str, Protocol], ...]) -> list[Any]:
    """Records of one capture from the snapshot of one engine, or of the parts of a
    partitioned run (merged in the order a single engine would have produced them)."""
    if len(snaps) == 1:
        snap = snaps[0]
        out = list(snap["records"])
        tables = snap["tables"]
        closed = list(snap["closed"])
        dns = {a: set(n) for a, n in snap["dns"].items()}
    else:
        out = _merge_records(snaps)
        tables = []
        for t in range(3):  # creation order: first frame, then order within the part
            rows = [(f[FR0], i, f) for s in snaps for i, f in enumerate(s["tables"][t])]
            rows.sort(key=lambda r: (r[0], r[1]))
            tables.append([r[2] for r in rows])
        closed = [f for s in snaps for f in s["closed"]]
        dns_frames: dict[str, dict[str, int]] = {}
        for s in snaps:
            for addr, names in s["dns"].items():
                cur = dns_frames.setdefault(addr, {})
                for name, fr in names.items():
                    if name not in cur or fr < cur[name]:
                        cur[name] = fr
        dns = {a: {n for n, _ in sorted(m.items(), key=lambda kv: (kv[1], kv[0]))[:32]}
               for a, m in dns_frames.items()}
    flows = closed
    hosts: dict[str, list] = {}
    for rows in tables:
        for f in rows:
            if _interesting(f):
                flows.append(f)
            _host_add(hosts, f[INFO].cip, f, f[INFO].cmac)
            _host_add(hosts, f[INFO].sip_, f, None)
    for f in flows:
        info: _FlowInfo = f[INFO]
        if not info.detections:
            for name in sorted(dns.get(info.sip_, ())):
                _match_name(name_dets, info, name, "dns")
                if info.detections:
                    break
        if not info.detections and info.sni is None:
            d = port_dets.get((info.transport, info.sport))
            if d is not None:
                info.detections.append(Detection(d.name, d.category, d.port_confidence or "low", "port"))
    for f in sorted(flows, key=lambda f: (f[FR0], f[INFO].fwd)):
        info = f[INFO]
        if not (info.detections or info.sni):
            continue
        out.append(Flow(
            prov=ctx.prov(frame=f[FR0]),
            transport=info.transport,
            client=Endpoint(info.cip, info.cport if info.transport in ("udp", "tcp") else None, info.transport),
            server=Endpoint(info.sip_, info.sport if info.transport in ("udp", "tcp") else None, info.transport),
            first_ts_ns=f[T0], last_ts_ns=f[T1], packets=f[PK], bytes=f[BY],
            first_frame=f[FR0], last_frame=f[FR1],
            detections=tuple(info.detections), sni=info.sni, alpn=info.alpn,
            names=tuple(sorted(dns.get(info.sip_, ())))[:8],
        ))
    for ip in sorted(hosts):
        h = hosts[ip]
        out.append(CaptureHost(prov=ctx.prov(frame=h[4]), ip=ip, mac=h[5], packets=h[0], bytes=h[1],
                               first_ts_ns=h[2], last_ts_ns=h[3]))
    tracker = _merge_trackers([s["rtp"] for s in snaps if s["rtp"] is not None])
    if tracker is not None:
        try:
            out.extend(tracker.streams(ctx))
        except Exception as exc:  # the media summary must not lose the rest
            ctx.warn("rtp-summary-failed", f"media statistics could not be summarised: {exc}")
    for s in snaps:
        for k, v in s["stats"].items():
            ctx.stats[k] = ctx.stats.get(k, 0) + v
    return out


def _merge_records(snaps: list[dict[str, Any]]) -> list[Any]:
    """Records made while reading, in frame order (a frame belongs to one part), then
    those recovered when the parts closed their TCP streams."""
    loop = [(fr, s["part"], i, r) for s in snaps
            for i, (fr, r) in enumerate(zip(s["emitted"], s["records"][: s["loop_records"]]))]
    loop.sort(key=lambda x: x[:3])
    out: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for _fr, _p, _i, r in loop:
        if isinstance(r, DnsAnswer):  # each part de-duplicates only its own answers
            k = (r.name, r.address)
            if k in seen or len(seen) >= MAX_DNS_ANSWERS:
                continue
            seen.add(k)
        out.append(r)
    for s in snaps:
        out.extend(s["records"][s["loop_records"] :])
    return out


def _merge_trackers(trackers: list[rtp.RtpTracker]) -> rtp.RtpTracker | None:
    if len(trackers) <= 1:
        return trackers[0] if trackers else None
    merged = rtp.RtpTracker(max_streams=trackers[0].max_streams,
                            min_heuristic_packets=trackers[0].min_heuristic_packets)
    for t in trackers:  # parts own disjoint flows, so their streams are disjoint
        merged._streams.update(t._streams)
        merged.overflow += t.overflow
        merged.rejected += t.rejected
    return merged


def _match_name(name_dets: tuple[tuple[str, Protocol], ...], info: _FlowInfo, name: str, method: str) -> None:
    for suffix, d in name_dets:
        if name == suffix or name.endswith("." + suffix):
            info.detections.append(Detection(d.name, d.category, d.name_confidence, method, detail=((method, name),)))
            return


def _quiet(code: str, message: str, frame: int | None = None) -> None:
    """Warnings of another part's streams: that part reports them."""


_RANK = {"high": 3, "medium": 2, "low": 1}


def _keep_best(found: list[Detection], det: Detection) -> None:
    """One detection per protocol: the more confident, then the more detailed, wins."""
    for i, old in enumerate(found):
        if old.protocol == det.protocol:
            if (_RANK.get(det.confidence, 0), len(det.detail) + bool(det.remote_id)) > (
                    _RANK.get(old.confidence, 0), len(old.detail) + bool(old.remote_id)):
                found[i] = det
            return
    found.append(det)


def _interesting(f: list) -> bool:
    info = f[INFO]
    return bool(info.detections or info.sni or f[ST] == S_SIP)


def _host_add(hosts: dict[str, list], ip: str, f: list, mac: str | None) -> None:
    h = hosts.get(ip)
    if h is None:
        if len(hosts) >= 100_000:
            return
        hosts[ip] = [f[PK], f[BY], f[T0], f[T1], f[FR0], mac]
        return
    h[0] += f[PK]
    h[1] += f[BY]
    if f[T0] < h[2]:
        h[2] = f[T0]
    if f[T1] > h[3]:
        h[3] = f[T1]
    if f[FR0] < h[4]:
        h[4] = f[FR0]
    if h[5] is None and mac:
        h[5] = mac


def _ep(info: _FlowInfo, fwd: bool) -> tuple[str, int, str, int]:
    if fwd:
        return info.cip, info.cport, info.sip_, info.sport
    return info.sip_, info.sport, info.cip, info.cport


def _safe_sniff(d: Protocol, payload: bytes, sport: int, dport: int, fwd: bool) -> Detection | None:
    try:
        return d.sniff(payload, sport, dport, fwd)  # type: ignore[misc]
    except Exception:  # a detector must never stop the capture
        return None


def _safe_call(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:
        return None
