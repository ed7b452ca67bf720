"""Plain GRE (version 0) on IP protocol 47.

Header: RFC 2784 section 2 with the key and sequence extensions of RFC 2890: flags
C (0x80), K (0x20), S (0x10) in byte 0, version in the low 3 bits of byte 1 (0;
version 1 is PPTP's enhanced GRE, see ``pptp.py``), protocol type (2, an EtherType),
then optional checksum+reserved (4), key (4), sequence (4).  RFC 1701's routing,
strict-source-route and recursion bits are not used by RFC 2784 senders and must be
clear here.

Checked: reserved bits and version, a known protocol type, and for IPv4/IPv6
payloads a valid inner header (version nibble, IPv4 header length and total
length) — a protocol-47 packet whose inner header does not parse is not claimed.
Extracted: payload type, key (MikroTik EoIP: tunnel id), inner addresses.
Fixture: ``tests/fixtures/protocols/gre.pcap``.
"""

from __future__ import annotations

import ipaddress

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, be32, never_raises

NAME = "gre"
# EtherTypes seen in GRE (IANA ieee-802-numbers; 0x6400 MikroTik EoIP, vendor usage)
_TYPES = {0x0800: "ipv4", 0x86DD: "ipv6", 0x6558: "ethernet", 0x88BE: "erspan",
          0x22EB: "erspan3", 0x6400: "eoip", 0x8847: "mpls", 0x880B: "ppp"}


def inner_ip(p: bytes) -> tuple[str, str] | None:
    """(src, dst) of a valid IPv4/IPv6 header at the start of ``p``, else None."""
    if len(p) >= 20 and p[0] >> 4 == 4:
        ihl = (p[0] & 0x0F) * 4
        total = be16(p, 2) or 0
        if ihl < 20 or total < ihl or ihl > len(p):
            return None
        return str(ipaddress.IPv4Address(p[12:16])), str(ipaddress.IPv4Address(p[16:20]))
    if len(p) >= 40 and p[0] >> 4 == 6:
        return str(ipaddress.IPv6Address(p[8:24])), str(ipaddress.IPv6Address(p[24:40]))
    return None


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    p = payload
    if len(p) < 4 or p[1] & 0x07 != 0 or p[0] & 0x4F or p[1] & 0xF8:
        return None
    ptype = be16(p, 2) or 0
    if ptype not in _TYPES or ptype == 0x880B:
        return None
    off = 4
    detail: list[tuple[str, str]] = [("payload", _TYPES[ptype])]
    if p[0] & 0x80:
        off += 4
    if p[0] & 0x20:
        key = be32(p, off)
        if key is None:
            return None
        detail.append(("key", str(key)))
        off += 4
    if p[0] & 0x10:
        off += 4
    if off > len(p):
        return None
    if ptype in (0x0800, 0x86DD):
        inner = inner_ip(p[off:])
        if inner is None or (ptype == 0x0800) != ("." in inner[0]):
            return None
        detail += [("inner_src", inner[0]), ("inner_dst", inner[1])]
        return Detection(NAME, "tunnel", "high", "payload", detail=tuple(detail))
    return Detection(NAME, "tunnel", "medium", "payload", detail=tuple(detail))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    ip_protos=frozenset({47}),  # IANA protocol number 47 = GRE
    sniff=sniff,
)
