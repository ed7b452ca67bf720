"""ZeroTier One packets (UDP 9993).

Format: zerotier/ZeroTierOne ``node/Packet.hpp``: packet id (8), destination ZT
address (5), source ZT address (5), flags/cipher/hops (1: cipher in bits 3..5,
0 = none (HELLO), 1 = Salsa20/12-Poly1305, 3 = AES-GMAC-SIV; hops in bits 0..2),
MAC (8), verb (1, low 5 bits; 0x01 HELLO), payload.  Fragments carry ``0xFF`` at
byte 13 (``ZT_PACKET_FRAGMENT_INDICATOR``; no address starts with 0xFF).  HELLO is
sent unencrypted: protocol version (1), major, minor (1+1), revision (2), timestamp
(8), then the sender's identity.

There is no magic number, so a packet is claimed only when the header is
consistent (addresses neither zero nor 0xFF-prefixed, a known cipher) **and**
it is a HELLO with a plausible protocol version and a source address equal to
the identity's (``high``).  Other packets (encrypted verb) are left to the weak
port hint 9993 (``port_confidence`` low).  The 10-hex-digit
node addresses of both ends are the detail (``remote_id`` is the source address).
Fixture: ``tests/fixtures/protocols/zerotier.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "zerotier"
_PORTS = frozenset({9993})


def _addr_ok(a: bytes) -> bool:
    return len(a) == 5 and a[0] != 0xFF and a != b"\x00" * 5


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    p = payload
    if len(p) < 28:
        return None
    dst, src = p[8:13], p[13:18]
    if not (_addr_ok(dst) and _addr_ok(src)):
        return None
    cipher = (p[18] >> 3) & 0x07
    if cipher not in (0, 1, 3):
        return None
    verb = p[27] & 0x1F
    detail = (("destination_address", dst.hex()), ("source_address", src.hex()))
    # HELLO: cleartext, identity (address first) at 28 + 1 + 1 + 1 + 2 + 8 = 41
    if cipher == 0 and verb == 0x01 and len(p) >= 46 and 4 <= p[28] <= 30 and p[41:46] == src:
        return Detection(NAME, "tunnel", "high", "payload", remote_id=src.hex(),
                         detail=detail + (("message", "HELLO"), ("protocol_version", str(p[28]))))
    return None


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"udp"}),
    # 9993: ZeroTier primary port (ZT_DEFAULT_PORT in node/Constants.hpp).
    ports=_PORTS,
    sniff=sniff,
    names=("zerotier.com",),
    port_confidence="low",
)
