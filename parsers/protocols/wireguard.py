"""WireGuard (UDP): handshake and transport messages, and the mac1 proof.

Wire format: the WireGuard whitepaper (Donenfeld, NDSS 2017) section 5.4 and
wireguard.com/protocol.  Every message starts with a type byte and three reserved
zero bytes; indices and counters are little-endian:

====  ======================  ======  =============================================
type  message                 size    checked here
====  ======================  ======  =============================================
1     handshake initiation    148     exact size, reserved zero
2     handshake response      92      exact size, reserved zero
3     cookie reply            64      exact size, reserved zero
4     transport data          >= 32   size multiple of 16 (16-byte header, plaintext
                                      padded to 16, 16-byte tag), reserved zero
====  ======================  ======  =============================================

mac1 (whitepaper 5.4.4): ``mac1 = BLAKE2s-128(key=BLAKE2s-256("mac1----" || S_pub_r),
msg[:116])`` for an initiation (``msg[:60]`` for a response, keyed with the
initiator's public key).  A match against a ``PublicKey`` from a seized
configuration proves which responder a captured initiation was addressed to, which
is why an initiation's detection carries the whole message as ``init_hex``.

Verified: sizes, reserved bytes, the transport-size rule and mac1 (against
constructed handshakes and the public capture in the project corpus).  Inferred:
a lone transport-data packet is only ``medium`` (no handshake seen).
Fixture: ``tests/fixtures/protocols/wireguard.pcap``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "wireguard"
_SIZES = {1: 148, 2: 92, 3: 64}
_MAC1_LABEL = b"mac1----"


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    n = len(payload)
    if n < 32 or payload[0] not in (1, 2, 3, 4) or payload[1:4] != b"\x00\x00\x00":
        return None
    kind = payload[0]
    if kind in _SIZES:
        if n != _SIZES[kind]:
            return None
        sender = int.from_bytes(payload[4:8], "little")
        detail: list[tuple[str, str]] = [("message", ("initiation", "response", "cookie")[kind - 1])]
        if kind == 1:
            detail += [("sender_index", f"{sender:08x}"), ("init_hex", payload.hex())]
        elif kind == 2:
            receiver = int.from_bytes(payload[8:12], "little")
            detail += [("sender_index", f"{sender:08x}"), ("receiver_index", f"{receiver:08x}")]
        conf = "medium" if kind == 3 else "high"
        return Detection(NAME, "tunnel", conf, "payload", detail=tuple(detail))
    # transport data: 16-byte header + padded ciphertext + 16-byte tag
    if n % 16:
        return None
    receiver = int.from_bytes(payload[4:8], "little")
    return Detection(
        NAME,
        "tunnel",
        "medium",
        "payload",
        detail=(("message", "transport"), ("receiver_index", f"{receiver:08x}")),
    )


def mac1_key(public_key: bytes) -> bytes:
    """BLAKE2s-256("mac1----" || public key): the key of mac1 for that receiver."""
    return hashlib.blake2s(_MAC1_LABEL + public_key).digest()


def mac1(message: bytes, public_key: bytes) -> bytes:
    """The mac1 a sender computes for ``message`` addressed to ``public_key``."""
    cut = 116 if message[:1] == b"\x01" else 60
    return hashlib.blake2s(message[:cut], digest_size=16, key=mac1_key(public_key)).digest()


def mac1_valid(message: bytes, public_key_b64: str) -> bool:
    """True when the initiation (148 B) or response (92 B) ``message`` carries a
    mac1 keyed with ``public_key_b64`` (the receiver's Curve25519 key, base64).
    Never raises: a malformed key or message gives False."""
    try:
        key = base64.b64decode(public_key_b64.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError):
        return False
    if len(key) != 32 or len(message) not in (148, 92) or message[0] not in (1, 2):
        return False
    if len(message) != _SIZES[message[0]]:
        return False
    off = 116 if message[0] == 1 else 60
    return hmac.compare_digest(mac1(message, key), message[off : off + 16])


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"udp"}),
    # 51820: the port wg(8) examples and wg-quick use; any port works in practice.
    ports=frozenset({51820}),
    sniff=sniff,
)
