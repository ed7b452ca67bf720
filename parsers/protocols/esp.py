"""ESP (IP protocol 50), and ESP in UDP on the NAT-T port 4500.

Header: RFC 4303 section 2: SPI (4, BE) then sequence number (4, BE), then the
encrypted payload.  SPI values 1..255 are reserved by IANA and 0 is never sent on
the wire (RFC 4303 2.1), so a valid SPI is >= 256.  In UDP encapsulation (RFC 3948
section 2.1) an ESP packet follows the UDP header directly; a zero first word is
the non-ESP marker (IKE, see ``ike.py``) and the one byte ``FF`` is a NAT-keepalive.

Verified: header layout.  Inferred: ESP has no magic, so a protocol-50 packet is a
``high`` tunnel indication only because the IP protocol number says so; ESP in UDP
is claimed only on port 4500, with a sequence number below 65536 (the sniffer sees
a flow's first packets, and sequence numbers start at 1), and at ``medium``.  The SPI and first sequence number
are given for correlation with IKE.  Fixture: ``tests/fixtures/protocols/esp.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import be32, never_raises

NAME = "esp"
_NATT = frozenset({4500})


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    # Called with sport == dport == 0 for the IP payload of protocol 50.
    if len(payload) < 16:  # SPI + seq + at least an IV/ICV's worth
        return None
    spi, seq = be32(payload, 0), be32(payload, 4)
    if spi is None or spi < 256 or seq is None:
        return None
    udp = sport != 0 or dport != 0
    if udp and (sport not in _NATT and dport not in _NATT or not 0 < seq < 1 << 16):
        return None
    detail = (("spi", f"{spi:08x}"), ("sequence", str(seq)))
    if udp:
        return Detection(NAME, "tunnel", "medium", "payload", detail=detail + (("nat_t", "udp-4500"),))
    return Detection(NAME, "tunnel", "high", "payload", detail=detail)


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"udp"}),
    # 4500: IANA "ipsec-nat-t" (RFC 3948 UDP encapsulation).
    ports=frozenset({4500}),
    ip_protos=frozenset({50}),  # IANA protocol number 50 = ESP
    sniff=sniff,
)
