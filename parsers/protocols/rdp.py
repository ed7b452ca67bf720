"""RDP: the X.224 Connection Request / Confirm inside TPKT.

Formats: TPKT (RFC 1006 section 6: ``03 00`` + 16-bit length of the whole packet),
X.224 (ITU-T X.224 / RFC 905: length indicator = header length, ``E0`` Connection
Request, ``D0`` Connection Confirm), and MS-RDPBCGR 2.2.1.1: the CR may carry a
routing token or ``Cookie: mstshash=<user>\\r\\n`` and an RDP_NEG_REQ (type 1,
flags, length 8, requestedProtocols LE32); the CC an RDP_NEG_RSP (type 2).

Checked: TPKT version and length = segment length, X.224 length indicator = length
- 5, and the CR/CC code (nDPI ``rdp.c`` does the same).  The cookie's user name is
the detection's ``remote_id``: it is the name the operator typed in the client
(clients truncate it, MS-RDPBCGR 2.2.1.1 says "up to 9 characters" is common).
RDP over UDP (MS-RDPEUDP 2.2.2.1/2.2.2.5): the SYN datagram starts with the FEC
header snSourceAck ``FF FF FF FF``, receive window (2), uFlags (2, SYN = 0x0001),
then the SYN data: initial sequence (4), up- and down-stream MTU (2+2, each
1132..1232); nDPI checks the same fields.
Verified on the Zeek, nDPI, Suricata and Arkime corpus captures.
Fixture: ``tests/fixtures/protocols/rdp.pcap``.
"""

from __future__ import annotations

import re

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, never_raises

NAME = "rdp"
_COOKIE = re.compile(rb"Cookie: mstshash=([^\r\n]{0,128})\r\n")
_PROTOCOLS = {0: "rdp", 1: "tls", 2: "credssp", 4: "rdstls", 8: "credssp-early"}


def _protocols(mask: int) -> str:
    if mask == 0:
        return "rdp"
    return "+".join(name for bit, name in _PROTOCOLS.items() if bit and mask & bit) or str(mask)


def _udp_syn(p: bytes) -> Detection | None:
    flags = be16(p, 6) or 0
    up, down = be16(p, 12) or 0, be16(p, 14) or 0
    if flags & 0x0001 and 1132 <= up <= 1232 and 1132 <= down <= 1232:
        msg = "udp-syn-ack" if flags & 0x0004 else "udp-syn"
        return Detection(NAME, "remote", "high", "payload", detail=(("message", msg),))
    return None


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    p = payload
    if len(p) >= 16 and p[:4] == b"\xff\xff\xff\xff":
        return _udp_syn(p)
    if len(p) < 11 or p[0] != 0x03 or p[1] != 0x00:
        return None
    if be16(p, 2) != len(p) or p[4] != len(p) - 5 or p[5] not in (0xE0, 0xD0):
        return None
    detail: list[tuple[str, str]] = [("message", "connection-request" if p[5] == 0xE0 else "connection-confirm")]
    user = None
    rest = p[11:]
    m = _COOKIE.match(rest)
    if m:
        user = m.group(1).decode("utf-8", "replace")
        rest = rest[m.end():]
    elif rest.startswith(b"Cookie: msts="):  # routing token from a load balancer
        detail.append(("routing_token", rest[13:].split(b"\r\n", 1)[0].decode("ascii", "replace")))
        rest = rest.split(b"\r\n", 1)[-1]
    if len(rest) >= 8 and rest[0] in (1, 2) and rest[2:4] == b"\x08\x00":
        mask = int.from_bytes(rest[4:8], "little")
        key = "requested_protocols" if rest[0] == 1 else "selected_protocol"
        detail.append((key, _protocols(mask)))
    return Detection(NAME, "remote", "high", "payload", remote_id=user, detail=tuple(detail))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp", "udp"}),
    # 3389: IANA "ms-wbt-server" (TCP and UDP).
    ports=frozenset({3389}),
    sniff=sniff,
)
