"""IKE (ISAKMP IKEv1 and IKEv2) on UDP 500 and NAT-T 4500.

Header: RFC 2408 section 3.1 (IKEv1) and RFC 7296 section 3.1 (IKEv2), 28 bytes:
initiator SPI (8), responder SPI (8), next payload, version (0x10 IKEv1, 0x20
IKEv2), exchange type, flags, message id, length.  On port 4500 IKE messages follow
the 4-byte non-ESP marker ``00 00 00 00`` (RFC 3948 section 2.2).

Checked: the version byte, the length field equal to the UDP payload (minus the
marker), a valid exchange type and first payload type, and a non-zero initiator
SPI (as nDPI ``ipsec.c``).  The payload chain is walked for IKEv1 Aggressive Mode,
whose identification payload (type 5, RFC 2407 4.6.2) is cleartext: it becomes the
detection's ``remote_id``.  Vendor ID payloads are listed in hex (``vendor_id``).
Detection protocol is ``ikev1`` or ``ikev2`` (the findings' tunnel protocol names).
Fixture: ``tests/fixtures/protocols/ike.pcap``.
"""

from __future__ import annotations

import ipaddress

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, be32, never_raises, printable

NAME = "ike"
_V1_EXCH = {1: "base", 2: "main", 3: "auth-only", 4: "aggressive", 5: "informational",
            6: "transaction", 32: "quick", 33: "new-group"}
_V2_EXCH = {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL",
            43: "IKE_INTERMEDIATE"}
_V1_PAYLOADS = set(range(14)) | {15, 20, 21, 130, 131}  # RFC 2408 + NAT-D/NAT-OA
_V2_PAYLOADS = {0} | set(range(33, 55))  # RFC 7296 3.2 (+ later registrations)


def _id_text(id_type: int, data: bytes) -> str | None:
    """Text of an IKEv1 identification value (RFC 2407 4.6.2.1)."""
    if id_type == 1 and len(data) >= 4:  # ID_IPV4_ADDR
        return str(ipaddress.IPv4Address(data[:4]))
    if id_type == 5 and len(data) >= 16:  # ID_IPV6_ADDR
        return str(ipaddress.IPv6Address(data[:16]))
    if id_type in (2, 3, 11):  # FQDN, USER_FQDN, KEY_ID
        text = printable(data, 255)
        return text or data[:64].hex()
    return None


def _walk_v1(msg: bytes, first: int) -> tuple[str | None, list[str]]:
    """(cleartext identity, vendor ids) from an unencrypted IKEv1 payload chain."""
    ident, vids = None, []
    nxt, off = first, 28
    for _ in range(32):
        if nxt == 0 or off + 4 > len(msg):
            break
        plen = be16(msg, off + 2) or 0
        if plen < 4 or off + plen > len(msg):
            break
        body = msg[off + 4 : off + plen]
        if nxt == 5 and body and ident is None:  # Identification
            ident = _id_text(body[0], body[4:])
        elif nxt == 13 and len(vids) < 8:  # Vendor ID
            vids.append(body[:32].hex())
        nxt, off = msg[off], off + plen
    return ident, vids


def _ike(msg: bytes, natt: bool) -> Detection | None:
    if len(msg) < 28 or be32(msg, 24) != len(msg) or msg[0:8] == b"\x00" * 8:
        return None
    version, exch, first = msg[17], msg[18], msg[16]
    if version == 0x10:
        if exch not in _V1_EXCH or first not in _V1_PAYLOADS:
            return None
        proto, exch_name = "ikev1", _V1_EXCH[exch]
    elif version == 0x20:
        if exch not in _V2_EXCH or first not in _V2_PAYLOADS:
            return None
        proto, exch_name = "ikev2", _V2_EXCH[exch]
    else:
        return None
    detail: list[tuple[str, str]] = [
        ("exchange", exch_name),
        ("initiator_spi", msg[0:8].hex()),
        ("responder_spi", msg[8:16].hex()),
    ]
    if natt:
        detail.append(("nat_t", "non-esp-marker"))
    ident = None
    encrypted = (version == 0x10 and msg[19] & 0x01) or first == 46  # v1 E flag, v2 SK
    if version == 0x10 and not encrypted:
        ident, vids = _walk_v1(msg, first)
        detail += [("vendor_id", v) for v in vids]
        if ident is not None:
            detail.append(("identity", ident))
    return Detection(proto, "tunnel", "high", "payload", remote_id=ident, detail=tuple(detail))


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 28:
        return None
    if payload[:4] == b"\x00\x00\x00\x00":  # RFC 3948 non-ESP marker
        return _ike(payload[4:], True)
    return _ike(payload, False)


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"udp"}),
    # 500: IANA "isakmp"; 4500: IANA "ipsec-nat-t" (RFC 3947/3948).
    ports=frozenset({500, 4500}),
    sniff=sniff,
)
