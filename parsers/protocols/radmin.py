"""Radmin (Famatech) remote control, TCP 4899.

Signatures, from nDPI ``radmin.c`` and Emerging Threats sids 2019101, 2003481,
2003482 (no public specification exists):

* client hello, exactly 10 bytes ``01 00 00 00 01 00 00 00 08 08``;
* server reply, 46 bytes: [0..3] ``01 00 00 00``, [4] ``25``, [7..10]
  ``02 12 08 02``, [13] ``0A``;
* authentication challenge / response, exactly 14 bytes
  ``01 00 00 00 05 00 00 02 27 27 02 00 00 00`` and
  ``01 00 00 00 05 00 00 00 27 27 00 00 00 00``.

Each is a fixed pattern with an exact size, so a match is ``high`` on any port.
Verified on the nDPI corpus capture ``radmin3.pcapng``.
Fixture: ``tests/fixtures/protocols/radmin.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "radmin"
_EXACT = {
    bytes.fromhex("01000000010000000808"): "hello",
    bytes.fromhex("0100000005000002272702000000"): "auth-challenge",
    bytes.fromhex("0100000005000000272700000000"): "auth-response",
}


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 10 or payload[:4] != b"\x01\x00\x00\x00":
        return None
    msg = _EXACT.get(payload)
    if msg is None and len(payload) == 46 and payload[4] == 0x25 and payload[7:11] == b"\x02\x12\x08\x02" \
            and payload[13] == 0x0A:
        msg = "server-reply"
    if msg is None:
        return None
    return Detection(NAME, "remote", "high", "payload", detail=(("message", msg),))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp"}),
    # 4899: IANA "radmin-port" (Famatech).
    ports=frozenset({4899}),
    sniff=sniff,
)
