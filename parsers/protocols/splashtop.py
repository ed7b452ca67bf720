"""Splashtop: cloud names, and the LAN streamer's session packets.

* DNS/SNI ``*.splashtop.com`` / ``*.splashtop.eu`` (ET sids 2035762 / 2035764);
* LAN / direct streamer on TCP 6783 (check-in) and 6784 (session), with the
  4-byte packets of ET sid 2014128 (client -> 6784: ``01 00 34 12``, session
  start) and sid 2014130 (6784 -> client: ``?? ?? 31 00``, keep-alive).  These
  patterns are tiny, so they count only on port 6784 and at ``medium``.
Cloud sessions run inside TLS; only the names are visible.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "splashtop"


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) != 4:
        return None
    if dport == 6784 and payload == b"\x01\x00\x34\x12":
        return Detection(NAME, "remote", "medium", "payload", detail=(("message", "session-start"),))
    if sport == 6784 and payload[2:4] == b"\x31\x00":
        return Detection(NAME, "remote", "medium", "payload", detail=(("message", "keep-alive"),))
    return None


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp"}),
    ports=frozenset({6783, 6784}),  # ET sids 2014128..2014130 (streamer LAN ports)
    sniff=sniff,
    names=("splashtop.com", "splashtop.eu"),
    port_confidence="low",
)
