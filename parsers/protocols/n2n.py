"""n2n (ntop) edge/supernode packets with a cleartext header (v3, and v2).

Format: ntop/n2n ``src/wire.c`` ``encode_common``: version (1) = 3, TTL (1), flags
(2, BE; message type in the low 5 bits, 1..11; 0x20 FROM_SUPERNODE, 0x40 SOCKET,
0x80 OPTIONS), community name (20 bytes, NUL-padded, last byte NUL).  The
supernode's own plain-header test (``sn_utils.c``) is ``buf[23] == 0 && buf[0] ==
3 && (flags & 0x1f) <= 11 && flags < 0x80``; n2n 2.x used version 2 and a 16-byte
community.  Here the community must also be non-empty printable text, which keeps
random datagrams out.  The community (the name of the operator's overlay) is the
detection's ``remote_id``.  With header encryption (``-H``) nothing is visible.
Fixture: ``tests/fixtures/protocols/n2n.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, never_raises

NAME = "n2n"
_TYPES = {1: "REGISTER", 2: "DEREGISTER", 3: "PACKET", 4: "REGISTER_ACK", 5: "REGISTER_SUPER",
          6: "UNREGISTER_SUPER", 7: "REGISTER_SUPER_ACK", 8: "REGISTER_SUPER_NAK", 9: "FEDERATION",
          10: "PEER_INFO", 11: "QUERY_PEER"}


def _community(raw: bytes) -> str | None:
    name = raw.split(b"\x00", 1)[0]
    if not name or any(c < 0x21 or c >= 0x7F for c in name):
        return None
    if any(raw[len(name):]):  # padding after the name must be NULs
        return None
    return name.decode("ascii")


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    p = payload
    if len(p) < 20 or p[0] not in (2, 3):
        return None
    flags = be16(p, 2) or 0
    mtype = flags & 0x1F
    if mtype not in _TYPES or flags >= 0x80 or p[1] == 0:
        return None
    width = 20 if p[0] == 3 else 16
    if len(p) < 4 + width or p[4 + width - 1] != 0:
        return None
    community = _community(p[4 : 4 + width])
    if community is None:
        return None
    return Detection(NAME, "tunnel", "high" if p[0] == 3 else "medium", "payload", remote_id=community,
                     detail=(("version", str(p[0])), ("message", _TYPES[mtype]), ("community", community)))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"udp"}),
    # 7654: N2N_SN_LPORT_DEFAULT (n2n v3 include/n2n_define.h); 7777 in n2n docs/examples.
    ports=frozenset({7654, 7777}),
    sniff=sniff,
)
