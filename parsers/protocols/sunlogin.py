"""Sunlogin / 向日葵 (Oray) remote control: names and port only.

No public byte signature exists (none in nDPI as of 2024-10 nor in the ET Open
rules), so this detector is name- and port-based (weak):

* DNS/SNI under ``oray.com`` / ``oray.net`` (``sunlogin.oray.com``,
  ``client-api-v2.oray.com``, ``slapi.oray.net`` ... seen in public client code);
  note that Oray also runs the 花生壳 DDNS service under ``oray.net``;
* TCP/UDP 4118, the P2P/relay negotiation port that the client log names
  (``attempt to establish P2P connection via: <server>:4118``).
The operator's public address comes from the host log, not from here.
"""

from __future__ import annotations

from parsers.base import Protocol

NAME = "sunlogin"

PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp", "udp"}),
    ports=frozenset({4118}),  # Sunlogin client log "... via: <server>:4118"
    names=("oray.com", "oray.net", "sunlogin.com"),
    name_confidence="medium",
    port_confidence="low",
)
