"""PPTP: the TCP 1723 control connection and its enhanced-GRE (version 1) data.

Control messages: RFC 2637 section 2.  Every message starts with length (2),
PPTP message type (2, 1 = control), magic cookie ``0x1A2B3C4D`` (4) and control
message type (2, 1..15).  Start-Control-Connection-Request/Reply (1/2) are 156
bytes and carry Host Name (offset 28, 64 bytes NUL-padded) and Vendor String
(offset 92, 64 bytes).  Outgoing-Call-Request/Reply (7/8) carry the call ids.

Data: RFC 2637 section 4.1, enhanced GRE on IP protocol 47: flags with K set, C/R/s
clear, version 1, protocol type ``880B`` (PPP), payload length, call id.

Checked: magic, message type, length (<= segment), control type; for GRE the
version, the mandatory K bit and the protocol type.  ``gre.py`` claims only
version 0, so the two do not overlap.  Fixture: ``tests/fixtures/protocols/pptp.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, be32, never_raises, printable

NAME = "pptp"
_MAGIC = 0x1A2B3C4D
_CTRL = {1: "SCCRQ", 2: "SCCRP", 3: "StopCCRQ", 4: "StopCCRP", 5: "ECHO-RQ", 6: "ECHO-RP",
         7: "OCRQ", 8: "OCRP", 9: "ICRQ", 10: "ICRP", 11: "ICCN", 12: "CCRQ", 13: "CDN",
         14: "WEN", 15: "SLI"}


def _control(p: bytes) -> Detection | None:
    length = be16(p, 0)
    if length is None or length < 16 or length > len(p):
        return None
    if be16(p, 2) != 1 or be32(p, 4) != _MAGIC:
        return None
    ctype = be16(p, 8) or 0
    if ctype not in _CTRL:
        return None
    detail: list[tuple[str, str]] = [("message", _CTRL[ctype])]
    if ctype in (1, 2) and length == 156:
        detail += [("host_name", printable(p[28:92])), ("vendor", printable(p[92:156]))]
    elif ctype == 7 and length == 168:
        detail.append(("call_id", str(be16(p, 12))))
    elif ctype == 8 and length == 32:
        detail += [("call_id", str(be16(p, 12))), ("peer_call_id", str(be16(p, 14)))]
    return Detection(NAME, "tunnel", "high", "payload", detail=tuple(detail))


def _gre_v1(p: bytes) -> Detection | None:
    # flags: C(0x80) R(0x40) K(0x20) S(0x10) s(0x08) recur(0x07); byte 1: A(0x80) ver(0x07)
    if len(p) < 8 or p[1] & 0x07 != 1 or p[0] & 0xCF or not p[0] & 0x20 or p[1] & 0x78:
        return None
    if be16(p, 2) != 0x880B:
        return None
    return Detection(NAME, "tunnel", "high", "payload",
                     detail=(("message", "gre-v1"), ("call_id", str(be16(p, 6)))))


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) >= 16 and payload[4:8] == b"\x1a\x2b\x3c\x4d":
        return _control(payload)
    if len(payload) >= 8 and payload[2:4] == b"\x88\x0b":
        return _gre_v1(payload)
    return None


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"tcp"}),
    # 1723: IANA "pptp" (RFC 2637 section 1.3).
    ports=frozenset({1723}),
    ip_protos=frozenset({47}),  # GRE carries the PPP data (RFC 2637 section 4)
    sniff=sniff,
)
