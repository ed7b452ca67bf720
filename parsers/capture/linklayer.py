"""Link layers: find where the network-layer packet starts in a captured frame.

Link types (tcpdump.org/linktypes.html): 0 BSD loopback (host-order family), 1 Ethernet,
9 PPP, 12/14/101 raw IP, 108 OpenBSD loopback (network-order family), 113 Linux SLL,
228 raw IPv4, 229 raw IPv6, 276 Linux SLL2.  Ethernet may carry 802.1Q / 802.1ad / QinQ
tags (0x8100, 0x88A8, 0x9100) and PPPoE session frames (0x8864, RFC 2516).

``locate(linktype, data)`` returns ``(ip_offset, ip_version)``; version 0 means "not an
IP packet" (ARP, LLDP, PPPoE discovery ...), -1 means the link type is not supported.
"""

from __future__ import annotations

ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
PPPOE_SESSION = 0x8864
PPP_IPV4, PPP_IPV6 = 0x0021, 0x0057

SUPPORTED = frozenset({0, 1, 9, 12, 14, 101, 108, 113, 228, 229, 276})
BSD_AF_INET6 = (24, 28, 30)  # AF_INET6 differs between BSDs


def ethertype_payload(data: bytes, etype: int, pos: int) -> tuple[int, int]:
    """Follow VLAN tags and PPPoE from an EtherType at ``pos``; return (offset, version)."""
    n = len(data)
    while etype in VLAN_TYPES and pos + 4 <= n:
        etype = (data[pos + 2] << 8) | data[pos + 3]
        pos += 4
    if etype == ETH_IPV4:
        return pos, 4
    if etype == ETH_IPV6:
        return pos, 6
    if etype == PPPOE_SESSION and pos + 8 <= n:
        return ppp_payload(data, pos + 6)
    return pos, 0


def ppp_payload(data: bytes, pos: int) -> tuple[int, int]:
    """PPP (RFC 1661) protocol field, optionally behind address/control 0xFF 0x03."""
    if data[pos : pos + 2] == b"\xff\x03":
        pos += 2
    if pos >= len(data):
        return pos, 0
    if data[pos] & 1:  # protocol-field compression: one byte
        proto = data[pos]
        pos += 1
    else:
        proto = (data[pos] << 8) | data[pos + 1] if pos + 1 < len(data) else 0
        pos += 2
    if proto == PPP_IPV4:
        return pos, 4
    if proto == PPP_IPV6:
        return pos, 6
    return pos, 0


def locate(linktype: int, data: bytes) -> tuple[int, int]:
    n = len(data)
    if linktype == 1:
        if n < 14:
            return 0, 0
        return ethertype_payload(data, (data[12] << 8) | data[13], 14)
    if linktype == 113:  # Linux cooked v1: protocol at 14
        if n < 16:
            return 0, 0
        return ethertype_payload(data, (data[14] << 8) | data[15], 16)
    if linktype == 276:  # Linux cooked v2: protocol at 0, 20-byte header
        if n < 20:
            return 0, 0
        return ethertype_payload(data, (data[0] << 8) | data[1], 20)
    if linktype in (12, 14, 101, 228, 229):
        if not n:
            return 0, 0
        v = data[0] >> 4
        return 0, v if v in (4, 6) else 0
    if linktype in (0, 108):
        if n < 4:
            return 0, 0
        fam = int.from_bytes(data[:4], "little" if linktype == 0 else "big")
        if linktype == 0 and fam > 0xFFFF:  # written on a big-endian host
            fam = int.from_bytes(data[:4], "big")
        if fam == 2:
            return 4, 4
        if fam in BSD_AF_INET6:
            return 4, 6
        return 4, 0
    if linktype == 9:
        return ppp_payload(data, 0) if n >= 2 else (0, 0)
    return 0, -1
