"""RustDesk: public servers' names, default ports and the UDP RegisterPeer message.

* DNS/SNI ``*.rustdesk.com`` (ET 2043343 / 2044076, ``rs-ny.rustdesk.com``...);
* hbbs/hbbr default ports 21115..21119 (rustdesk ``libs/hbb_common/src/config.rs``
  RENDEZVOUS_PORT 21116, RELAY_PORT 21117), often changed when self-hosted;
* UDP to the rendezvous server carries a raw protobuf ``RendezvousMessage``
  (``rendezvous.proto``); RegisterPeer is field 6 (tag ``32``) holding
  ``{id (1): string, serial (2): varint}``: ``32 LL 0A NN <id> [10 <varint>]``.
  The structure is derived from the .proto (no capture was available), so a match
  is ``medium``; the RustDesk id (9-10 digits, custom ids allowed) is the
  ``remote_id`` — the *sending* device's own id.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "rustdesk"


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    p = payload
    if len(p) < 6 or p[0] != 0x32 or p[2] != 0x0A or p[1] != len(p) - 2:
        return None
    n = p[3]
    ident = p[4 : 4 + n]
    if not 6 <= n <= 64 or len(ident) != n or not all(0x21 <= c < 0x7F for c in ident):
        return None
    rest = p[4 + n :]
    if rest and (rest[0] != 0x10 or len(rest) > 11):
        return None
    return Detection(NAME, "remote", "medium", "payload", remote_id=ident.decode("ascii"),
                     detail=(("message", "RegisterPeer"),))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"udp"}),
    ports=frozenset({21115, 21116, 21117, 21118, 21119}),  # hbb_common config.rs defaults
    sniff=sniff,
    names=("rustdesk.com",),
    port_confidence="low",
)
