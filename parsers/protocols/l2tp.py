"""L2TPv2 over UDP (control channel).

Header: RFC 2661 section 3.1.  The first 16 bits are flags and version: T (0x8000,
control), L (0x4000, length present), S (0x0800, Ns/Nr present), O (0x0200, offset),
P (0x0100, priority), version in the low 4 bits = 2.  Section 3.1 requires L=1,
S=1, O=0 and P=0 on control messages, so a control message starts ``C8 02``; then
length (= the whole message), tunnel id, session id, Ns, Nr.  The first AVP of a
non-ZLB control message is Message Type (RFC 2661 4.4.1): M bit set, length 8,
vendor 0, attribute 0: ``80 08 00 00 00 00 00 <type>``.

Checked: every field above; a control message is ``high``.  A data message has no
structure to check and is left to the port hint 1701 (``low``).  Extracted: tunnel
and session ids, message type, Host Name (AVP 7) and Vendor Name (AVP 8) of the
sender.  L2TP inside IPsec is invisible here (ESP).
Fixture: ``tests/fixtures/protocols/l2tp.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, never_raises, printable

NAME = "l2tp"
_PORTS = frozenset({1701})
_TYPES = {1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 7: "OCRQ", 8: "OCRP",
          9: "OCCN", 10: "ICRQ", 11: "ICRP", 12: "ICCN", 14: "CDN", 15: "WEN", 16: "SLI"}


def _avps(msg: bytes, off: int) -> list[tuple[int, bytes]]:
    """(attribute, value) of IETF AVPs (vendor 0), stopping at the first bad one."""
    out = []
    for _ in range(64):
        if off + 6 > len(msg):
            break
        hdr = be16(msg, off) or 0
        alen = hdr & 0x03FF
        if alen < 6 or off + alen > len(msg) or hdr & 0x3C00:  # reserved bits zero
            break
        vendor, attr = be16(msg, off + 2), be16(msg, off + 4)
        if vendor == 0 and attr is not None:
            out.append((attr, msg[off + 6 : off + alen]))
        off += alen
    return out


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 6 or payload[1] & 0x0F != 2:
        return None
    flags = be16(payload, 0) or 0
    if flags & 0x8000 == 0:  # data message: nothing to check beyond the version
        return None
    if flags & 0xFFF0 != 0xC800 or len(payload) < 12 or be16(payload, 2) != len(payload):
        return None
    tunnel, session = be16(payload, 4), be16(payload, 6)
    detail: list[tuple[str, str]] = [("tunnel_id", str(tunnel)), ("session_id", str(session))]
    if len(payload) == 12:  # ZLB acknowledgement: structurally valid, no AVP
        return Detection(NAME, "tunnel", "medium", "payload", detail=tuple(detail + [("message", "ZLB")]))
    avps = _avps(payload, 12)
    if not avps or avps[0][0] != 0 or len(avps[0][1]) != 2 or payload[12] & 0x80 == 0:
        return None
    mtype = be16(avps[0][1], 0) or 0
    detail.append(("message", _TYPES.get(mtype, str(mtype))))
    for attr, value in avps[1:]:
        if attr == 7:
            detail.append(("host_name", printable(value)))
        elif attr == 8:
            detail.append(("vendor_name", printable(value)))
        elif attr == 9 and len(value) == 2:
            detail.append(("assigned_tunnel_id", str(be16(value, 0))))
    return Detection(NAME, "tunnel", "high", "payload", detail=tuple(detail))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"udp"}),
    # 1701: IANA "l2tp" (RFC 2661 section 8.1).
    ports=_PORTS,
    sniff=sniff,
    port_confidence="low",
)
