"""Tailscale disco messages (UDP).

Format: tailscale ``disco/disco.go``: a disco packet is ``Magic`` = ``TS`` + U+1F4AC
(bytes ``54 53 F0 9F 92 AC``), the sender's 32-byte disco public key, a 24-byte
nonce, then a NaCl box (at least its 16-byte tag).  nDPI ``tailscale.c`` matches
the magic on port 41641; the six-byte magic plus the minimum size is ``high`` on
any port.  The sender's disco key (hex) is a stable per-node identifier and goes
into ``detail``.  The data plane is WireGuard (see ``wireguard.py``).
Fixture: ``tests/fixtures/protocols/tailscale.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "tailscale"
_MAGIC = b"TS\xf0\x9f\x92\xac"


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 6 + 32 + 24 + 16 or payload[:6] != _MAGIC:
        return None
    return Detection(NAME, "tunnel", "high", "payload",
                     detail=(("message", "disco"), ("disco_key", payload[6:38].hex())))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"udp"}),
    # 41641: tailscaled default listen port (tailscale KB "What firewall ports ...").
    ports=frozenset({41641}),
    sniff=sniff,
    names=("tailscale.com", "tailscale.io", "ts.net"),  # control, DERP, logs, MagicDNS
)
