"""SIP hand-off of the capture engine: UDP datagrams, reassembled TCP streams, and the
SIP of flows another part owns.

A SIP message found by the engine (by port, or by its first bytes, RFC 3261 §7) is
parsed by :func:`parsers.protocols.sip.parse` with its endpoints and frames; over TCP
the message is first cut out of the reassembled stream by
:class:`parsers.capture.tcp_reassembly.TcpStreams` (Content-Length framing, RFC 3261
§18.3).  Media announced in an SDP body (RFC 4566 ``c=``/``m=``; RTCP on the next
port, RFC 3550 §11) is noted so that later UDP flows to it are media.

In a partitioned run, SIP of flows another part owns is parsed quietly (no records,
no warnings), only for its SDP, so that every part knows the same media at the same
frame.  A mix-in of the engine.
"""

from __future__ import annotations

from collections.abc import Iterable

from forensics.model.core import Endpoint
from parsers.capture.flows import (
    INFO,
    S_PROBE,
    S_SIP,
    SIP_PORTS,
    SIP_START,
    ST,
    FlowInfo,
    ntop,
)
from parsers.capture.state import EngineState
from parsers.protocols import sip as sip_proto


class SipHandoff(EngineState):
    """SIP over UDP and TCP, own flows and (quietly) other parts' flows."""

    _NOWHERE = Endpoint("0.0.0.0")

    def _sip(self, payload: bytes, f: list, key: bytes, transport: str, frames: tuple[int, ...] | None = None) -> None:
        info: FlowInfo = f[INFO]
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
            if not by_port and payload[:3] not in SIP_START:
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
        info: FlowInfo = f[INFO]
        fwd = key == info.fwd
        if self.tcp_streams is None:
            if payload[:3] in SIP_START:
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
            a, b = ntop(flow_key[:n]), ntop(flow_key[n : 2 * n])
            pa = int.from_bytes(flow_key[2 * n : 2 * n + 2], "big")
            pb = int.from_bytes(flow_key[2 * n + 2 : 2 * n + 4], "big")
            src, dst = (Endpoint(a, pa, "tcp"), Endpoint(b, pb, "tcp"))
            if direction:
                src, dst = dst, src
            saved = self.ts
            self.ts = ts
            self._sip_message(msg_bytes, src, dst, tuple(frames))
            self.ts = saved
