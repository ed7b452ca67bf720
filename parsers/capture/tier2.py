"""Tier 2 of the capture engine: detectors, TLS ClientHello, DNS, DHCP, media.

Only frames that may matter get here (see :mod:`parsers.capture.engine`): the first
``PROBE_PACKETS`` payload packets of a flow are offered to the protocol detectors of
``parsers/protocols`` (:class:`parsers.base.Protocol`; the best detection per
protocol is kept, a high-confidence one ends the probe); a TLS ClientHello gives the
server name and ALPN (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301), and the name is matched
against the detectors' domain suffixes; DNS answers (RFC 1035) build the address →
name map used at the end; DHCP messages (RFC 2131/2132,
:func:`parsers.protocols.dhcp.parse_dhcp`) give :class:`DhcpLease` records; UDP flows
whose endpoint was announced in SDP, or that look like RTP twice, become media and go
to the :class:`parsers.protocols.rtp.RtpTracker`.  A mix-in of the engine.
"""

from __future__ import annotations

from forensics.model.network import DnsAnswer
from forensics.model.network_dhcp import DhcpLease
from parsers.base import Detection
from parsers.capture.flows import (
    INFO,
    MAX_DHCP_LEASES,
    MAX_DNS_ANSWERS,
    PR,
    PROBE_PACKETS,
    S_DONE,
    S_MEDIA,
    SF,
    SR,
    ST,
    FlowInfo,
    endpoints,
    keep_best,
    match_name,
    safe_call,
    safe_sniff,
)
from parsers.capture.state import EngineState
from parsers.protocols import dhcp


class Tier2(EngineState):
    """Per-flow work beyond counting, for frames the engine passes on."""

    def _probe(self, f: list, key: bytes, payload: bytes, transport: str, depth: int, mac: bytes | None,
               keep_state: bool = False) -> None:
        info: FlowInfo = f[INFO]
        fwd = key == info.fwd
        f[PR] += 1
        if f[PR] >= PROBE_PACKETS and not keep_state:
            f[ST] = S_DONE
        if transport == "tcp" and payload[0] == 0x16 and fwd and info.sni is None and self._tls:
            hello = safe_call(self._tls, payload)
            if hello is not None:
                info.sni = getattr(hello, "sni", None)
                info.alpn = tuple(getattr(hello, "alpn", ()) or ())
                if info.sni:
                    self._match_name(info, info.sni.lower(), "sni")
                if info.sport == 5061 or info.cport == 5061:
                    info.detections.append(Detection("sip-tls", "signalling", "medium", "port"))
        dets = self.udp_dets if transport == "udp" else self.tcp_dets
        for d in dets:
            det = safe_sniff(d, payload, info.cport if fwd else info.sport, info.sport if fwd else info.cport, fwd)
            if det is not None:
                keep_best(info.detections, det)
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
            self.rtp.add(*(endpoints(info, fwd)), payload, self.ts, self.frame, cid)
        elif info.cport >= 1024 and info.sport >= 1024 and safe_call(self._looks_rtp, payload):
            # heuristic media: every RTP-looking packet goes to the tracker, which reports
            # a stream only after enough in-sequence packets with one SSRC
            info.rtp_hits += 1
            self.rtp.add(*(endpoints(info, fwd)), payload, self.ts, self.frame, None)
            if info.rtp_hits >= 2:
                f[ST] = S_MEDIA

    def _match_name(self, info: FlowInfo, name: str, method: str) -> None:
        match_name(self.name_dets, info, name, method)

    def _dns(self, payload: bytes) -> None:
        if self._dns_parse is None:
            return
        answers = safe_call(self._dns_parse, payload)
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

    def _dhcp(self, payload: bytes) -> None:
        """A DHCP message (RFC 2131): one lease record per distinct (MAC, host name,
        address), so a chatty client renewing every minute stays one record."""
        got = dhcp.parse_dhcp(payload)
        if got is None or got in self.dhcp_seen or len(self.dhcp_seen) >= MAX_DHCP_LEASES:
            return
        self.dhcp_seen.add(got)
        mac, hostname, ip = got
        self.records.append(DhcpLease(prov=self.ctx.prov(frame=self.frame), ts_ns=self.ts, client_mac=mac,
                                      hostname=hostname, requested_ip=ip))
        self.emitted.append(self.frame)

    def _media(self, f: list, key: bytes, payload: bytes, ts: int, frame: int) -> None:
        """One packet of a media flow.  The stream seen last in this direction is kept
        in the flow (slots ``SF``/``SR``), and an in-order packet of it takes the
        tracker's short path (:meth:`parsers.protocols.rtp.RtpTracker.add_in_order`);
        anything else goes through :meth:`~parsers.protocols.rtp.RtpTracker.add_stream`."""
        info = f[INFO]
        fwd = key == info.fwd
        st = f[SF] if fwd else f[SR]
        tracker = self.rtp
        if tracker is None:
            return
        if st is not None and tracker.add_in_order(st, payload, 0, len(payload), ts, frame, info.call_id):
            return
        st = tracker.add_stream(*endpoints(info, fwd), payload, ts, frame, info.call_id)
        if st is not None:
            f[SF if fwd else SR] = st
