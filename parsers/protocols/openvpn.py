"""OpenVPN control-channel resets over UDP and TCP.

Wire format: OpenVPN ``src/openvpn/ssl_pkt.h`` / ``ssl.c`` as described in the
Wireshark dissector ``packet-openvpn.c`` and nDPI ``openvpn.c``.  Byte 0 is
``opcode << 3 | key_id``; TCP packets carry a 2-byte big-endian length first.

A session opens with a hard reset (opcode 7 client V2, 8 server V2, 10 client V3
for tls-crypt-v2) with key_id 0, an 8-byte session id, then depending on the
key-wrapping mode:

* no auth:   ack-array length, [acked ids, remote session id], message packet id 0
* tls-auth:  HMAC (16/20/32/64 bytes), replay packet id (= 1 in the first packet),
             net time, then as above
* tls-crypt: replay packet id (1, or 0x0f000000 EARLY_NEG_START for V3), net time,
             32-byte tag, encrypted rest

Each layout is checked structurally (lengths, packet id, plausible net time), so a
match does not rest on the one-byte opcode.  Resets of 1200 bytes or more are
rejected, as nDPI does (QUIC collisions).  Verified on the corpus captures
(zeek-spicy-openvpn, nDPI tunnels).  The tls-auth HMAC proof against a seized key
is not implemented.  Fixture: ``tests/fixtures/protocols/openvpn.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, be32, never_raises

NAME = "openvpn"
_RESETS = {7: "hard_reset_client_v2", 8: "hard_reset_server_v2", 10: "hard_reset_client_v3"}
_HMAC_SIZES = (16, 20, 32, 64)  # MD5, SHA1 (default), SHA256, SHA512
_T_MIN = 1_000_000_000  # 2001-09-09: earliest plausible net time
_T_MAX = 4_102_444_800  # 2100-01-01


def _plain_tail(p: bytes, off: int, opcode: int) -> bool:
    """ack array (+ remote session id) then message packet id 0 at ``off``."""
    if off >= len(p):
        return False
    acks = p[off]
    if acks > 8 or (opcode == 7 and acks != 0):
        return False
    off += 1 + 4 * acks + (8 if acks else 0)
    return be32(p, off) == 0


def _mode(p: bytes, opcode: int) -> str | None:
    """The key-wrapping mode whose layout this reset fits, or None."""
    if _plain_tail(p, 9, opcode) and len(p) < 9 + 1 + 4 * 9 + 8 + 4 + 64:
        return "none"
    for h in _HMAC_SIZES:
        pid, ts = be32(p, 9 + h), be32(p, 13 + h)
        if pid == 1 and ts is not None and _T_MIN < ts < _T_MAX and _plain_tail(p, 17 + h, opcode):
            return "tls-auth"
    pid, ts = be32(p, 9), be32(p, 13)
    early = opcode == 10 and pid == 0x0F000000  # EARLY_NEG_START (tls-crypt-v2)
    if ts is not None and _T_MIN < ts < _T_MAX and len(p) >= 49 and (pid == 1 or early):
        return "tls-crypt-v2" if opcode == 10 else "tls-crypt"
    return None


def _reset(p: bytes) -> Detection | None:
    if len(p) < 14 or len(p) >= 1200 or p[0] & 0x07:
        return None
    opcode = p[0] >> 3
    if opcode not in _RESETS:
        return None
    if be32(p, 4) == 0x2112A442:  # STUN magic cookie at 4: not OpenVPN
        return None
    mode = _mode(p, opcode)
    if mode is None:
        return None
    return Detection(
        NAME,
        "tunnel",
        "high",
        "payload",
        detail=(("message", _RESETS[opcode]), ("session_id", p[1:9].hex()), ("auth", mode)),
    )


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    det = _reset(payload)
    if det is not None:
        return det
    # TCP: 2-byte length prefix; the first segment may hold several packets.
    plen = be16(payload, 0)
    if plen is None or plen < 14 or plen > len(payload) - 2:
        return None
    det = _reset(payload[2 : 2 + plen])
    if det is None:
        return None
    return Detection(det.protocol, det.category, det.confidence, det.method,
                     detail=det.detail + (("framing", "tcp"),))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"udp", "tcp"}),
    # 1194: IANA-registered "openvpn" port (UDP and TCP).
    ports=frozenset({1194}),
    sniff=sniff,
)
