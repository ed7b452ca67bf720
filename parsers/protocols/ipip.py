"""IP-in-IP: IPv4 in IPv4 (IP protocol 4, RFC 2003) and IPv6 in IPv4 (protocol 41,
6in4/SIT, RFC 4213 section 3.5).

There is no tunnel header: the IP payload is the inner packet.  Checked: the inner
header is a valid IPv4 header (version 4, header length >= 20, total length >=
header length and not beyond the captured bytes by more than a truncation allows)
for protocol 4, or a valid IPv6 header (version 6, payload length + 40 equal to the
bytes present, unless the capture was cut) for protocol 41.  The protocol number is
the main evidence, so a valid inner header gives ``high``.  Detection protocol is
``ipip`` or ``6in4``.  Extracted: inner addresses (the private addressing plan on
the far side).  Fixture: ``tests/fixtures/protocols/ipip.pcap``.
"""

from __future__ import annotations

import ipaddress

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, never_raises

NAME = "ipip"


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    p = payload
    if len(p) >= 20 and p[0] >> 4 == 4:
        ihl = (p[0] & 0x0F) * 4
        total = be16(p, 2) or 0
        if ihl < 20 or total < ihl or len(p) < ihl:
            return None
        src, dst = ipaddress.IPv4Address(p[12:16]), ipaddress.IPv4Address(p[16:20])
        proto = "ipip"
    elif len(p) >= 40 and p[0] >> 4 == 6:
        plen = be16(p, 4) or 0
        if plen + 40 < len(p):  # more bytes than the inner packet claims
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
