"""Tor: names and ports only.

Tor's link protocol is TLS with randomised certificate names, hidden from TLS 1.3
on; nDPI identifies it by a dated relay address list, which this project does not
ship.  What remains are weak hints:

* DNS ``torproject.org`` (``check.``, ``bridges.``; ET 2017925-2017928);
* relay ORPort 9001 and DirPort 9030 (tor ``doc/man/tor.1`` examples; torrc
  defaults of relays), and the local SOCKS ports 9050 (tor) / 9150 (Tor Browser)
  when the capture sees loopback or a LAN SOCKS client.
A relay list for the capture date (Onionoo / CollecTor) would make this strong.
"""

from __future__ import annotations

from parsers.base import Protocol

NAME = "tor"

PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="proxy",
    transports=frozenset({"tcp"}),
    ports=frozenset({9001, 9030, 9050, 9150}),
    names=("torproject.org",),
    name_confidence="low",
    port_confidence="low",
)
