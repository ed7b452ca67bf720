"""Tunnels inside a capture: GRE, transparent Ethernet bridging, VXLAN, GTP-U, L2TP.

GRE per RFC 2784 / RFC 2890 (optional checksum, key and sequence words) and the
enhanced GRE version 1 of PPTP (RFC 2637 §4.1: key word always, sequence and
acknowledgement words by flag); GRE payload types IPv4, IPv6, transparent Ethernet
bridging (0x6558) and PPP (0x880B).  VXLAN per RFC 7348 (8-byte header, I flag),
GTP-U per 3GPP TS 29.281 §5 (version 1, G-PDU type 255, optional sequence/N-PDU/next
extension words and the extension header chain), L2TPv2 data messages per RFC 2661
§3.1 (optional length, Ns/Nr and offset fields) carrying PPP.  IP-in-IP and 6in4 are
handled where the IP layer is (:mod:`parsers.capture.engine`).

The inner packet goes back to the engine's IP layer one level deeper (at most
``MAX_DECAP_DEPTH``), so inner flows, SIP and media are handled like outer ones.
A mix-in of :class:`parsers.capture.engine.Engine`.
"""

from __future__ import annotations

from parsers.capture import linklayer
from parsers.capture.flows import GTPU_PORT, L2TP_PORT, VXLAN_PORT
from parsers.capture.state import EngineState


class Decapsulation(EngineState):
    """Tunnel decoders of the engine (they call back ``self._ip``)."""

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
