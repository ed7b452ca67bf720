"""TeamViewer: its own framing on TCP 5938 (also 443/80) and UDP.

Signatures, from nDPI ``teamviewer.c`` and Emerging Threats sids 2008794/2008795:

* TCP: payload starts ``17 24`` (nDPI also counts ``11 30`` packets); the 5-byte
  keep-alive ``17 24 1B 00 00`` is exact.  Seen in the corpus capture and checked
  here as well: after ``17 24`` come a command byte and a little-endian 16-bit body
  length (header 5 bytes); after ``11 30`` come a command byte, ``00``, a
  little-endian 32-bit body length and a 32-bit message counter (header 24 bytes).  On port 443 this framing is *not* TLS
  (``17`` would be TLS application data, but ``24`` is no TLS version byte).
* UDP: payload[0] = ``00`` and payload[11..12] = ``17 24``.

nDPI needs four hits before it decides unless port 5938 is used; a sniffer sees one
packet, so the two-byte magic alone is ``medium`` and becomes ``high`` with port
5938 or the exact keep-alive.  IDs are not in cleartext (host logs carry them).
Verified on the nDPI corpus capture ``teamviewer.pcap``.
Fixture: ``tests/fixtures/protocols/teamviewer.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises, on_port

NAME = "teamviewer"
_PORTS = frozenset({5938})


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    n = len(payload)
    if n >= 2 and payload[:2] in (b"\x17\x24", b"\x11\x30"):
        if payload == b"\x17\x24\x1b\x00\x00":
            return Detection(NAME, "remote", "high", "payload", detail=(("message", "keep-alive"),))
        if payload[0] == 0x17:
            body = int.from_bytes(payload[3:5], "little") if n >= 5 else -1
            framed = 0 <= body and body + 5 <= n + 65536 and (body + 5 == n or n >= 64)
        else:
            body = int.from_bytes(payload[4:8], "little") if n >= 24 else -1
            counter = int.from_bytes(payload[8:12], "little") if n >= 24 else -1
            framed = 0 <= body < 1 << 20 and body + 24 >= n and 0 <= counter < 1 << 16 and payload[3] == 0
        if not framed:
            return None
        conf = "high" if on_port(sport, dport, _PORTS) else "medium"
        return Detection(NAME, "remote", conf, "payload", detail=(("framing", "tcp"),))
    if n >= 13 and payload[0] == 0 and payload[11:13] == b"\x17\x24":
        conf = "high" if on_port(sport, dport, _PORTS) else "medium"
        return Detection(NAME, "remote", conf, "payload", detail=(("framing", "udp"),))
    return None


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp", "udp"}),
    # 5938: TeamViewer KB "Which ports are used by TeamViewer?" (IANA "teamviewer").
    ports=_PORTS,
    sniff=sniff,
    names=("teamviewer.com", "svc.frontlineworker.com"),  # ET sid 2060630 / 2060624
    port_confidence="low",
)
