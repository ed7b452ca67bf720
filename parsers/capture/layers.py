"""IP and transport layers of the capture engine: IPv4/IPv6 headers, fragments, and
the UDP, TCP and other-protocol flows every packet is counted in.

IPv4 per RFC 791 (IHL, total length, MF flag and fragment offset), IPv6 per RFC 8200
(hop-by-hop, routing, fragment and destination-options headers are skipped; an atomic
fragment, RFC 6946, is read in place).  Fragments go to
:class:`parsers.capture.ip_defrag.Defragmenter` and the reassembled datagram comes
back here.  UDP (RFC 768) and TCP (RFC 9293) packets are counted in their flow, then
handed to tier 2 by the flow's state (:mod:`parsers.capture.flows`); other IP
protocols are counted per address pair, offered to the detectors that name the
protocol number, and IP-in-IP / 6in4 (RFC 2003, RFC 4213) and GRE are opened.  In a
partitioned run, packets of flows another part owns stop here (SIP excepted).  A
mix-in of :class:`parsers.capture.engine.Engine`.
"""

from __future__ import annotations

from parsers.capture.flows import (
    BY,
    FR1,
    INFO,
    IPPROTO_NAMES,
    MAX_DECAP_DEPTH,
    PK,
    PR,
    PROBE_PACKETS,
    S_DECAP,
    S_DHCP,
    S_DNS,
    S_DONE,
    S_MEDIA,
    S_PROBE,
    S_SIP,
    SIP_START,
    ST,
    T1,
    new_flow,
    safe_sniff,
)
from parsers.capture.state import EngineState


class IpLayer(EngineState):
    """IP headers and per-flow accounting (tier 1 below the link layer)."""

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
                if payload[:3] in SIP_START:
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
                if data[l4 + 8 : l4 + 11] in SIP_START:
                    self._sip(self._udp_payload(data, l4, end), f, key, "udp")
                return
            payload = self._udp_payload(data, l4, end)
            if st == S_MEDIA:
                if payload[:3] in SIP_START:
                    self.needs_serial.add("sip-in-media-flow")
                if self.rtp is not None:
                    self._media(f, key, payload, self.ts, self.frame)
                return
            if payload[:3] in SIP_START:
                self._sip(payload, f, key, "udp")
                return
            if st == S_DNS:
                self._dns(payload)
                return
            if not payload:
                return
            if st == S_DHCP:
                self._dhcp(payload)
                if f[PR] < PROBE_PACKETS:
                    self._probe(f, key, payload, "udp", depth, mac, keep_state=True)
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
                    if data[l4 + doff : l4 + doff + 3] in SIP_START:
                        self.needs_serial.add("sip-after-probe")
                return
            doff = (data[l4 + 12] >> 4) << 2
            payload = data[l4 + doff : end]
            if st == S_SIP:
                self._sip_tcp(f, key, data, l4, payload)
                return
            if not payload:
                return
            if payload[:3] in SIP_START:
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
                    det = safe_sniff(d, payload, 0, 0, key == f[INFO].fwd)
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

    def _new_flow(self, table: dict, transport: str, src: bytes, dst: bytes, ports: bytes, key: bytes,
                  mac: bytes | None, proto: int | None = None) -> list:
        return new_flow(table, transport, src, dst, ports, key, mac, self.ts, self.frame, self.announced, proto)

