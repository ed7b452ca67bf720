"""IP-in-IP: IPv4 in IPv4 (IP protocol 4, RFC 2003) and IPv6 in IPv4 (protocol 41,
6in4/SIT, RFC 4213 section 3.5).

There is no tunnel header: the IP payload is the inner packet.  Checked: the inner
header is a valid IPv4 header (version 4, header length >= 20, total length >=
header length, correct header checksum), or a valid IPv6 header (version 6, payload
length + 40 equal to the bytes present).  The protocol number is
the main evidence, so a valid inner header gives ``high``.  Detection protocol is
``ipip`` or ``6in4``.  Extracted: inner addresses (the private addressing plan on
the far side).  Fixture: ``tests/fixtures/protocols/ipip.pcap``.
"""

from __future__ import annotations

import ipaddress

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, never_raises

NAME = "ipip"


def _checksum(header: bytes) -> int:
    """RFC 1071 ones'-complement sum; 0 for a header with a correct checksum."""
    total = sum(int.from_bytes(header[i : i + 2], "big") for i in range(0, len(header) - 1, 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    p = payload
    if len(p) >= 20 and p[0] >> 4 == 4:
        ihl = (p[0] & 0x0F) * 4
        total = be16(p, 2) or 0
        if ihl < 20 or total < ihl or len(p) < ihl or _checksum(p[:ihl]) != 0:
            return None
        src, dst = ipaddress.IPv4Address(p[12:16]), ipaddress.IPv4Address(p[16:20])
        proto = "ipip"
    elif len(p) >= 40 and p[0] >> 4 == 6:
        plen = be16(p, 4) or 0
        if plen + 40 != len(p):
            return None
        src, dst = ipaddress.IPv6Address(p[8:24]), ipaddress.IPv6Address(p[24:40])
        proto = "6in4"
    else:
        return None
    return Detection(proto, "tunnel", "high", "payload",
                     detail=(("inner_src", str(src)), ("inner_dst", str(dst))))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    ip_protos=frozenset({4, 41}),  # IANA: 4 = IPv4 encapsulation, 41 = IPv6 encapsulation
    sniff=sniff,
)
