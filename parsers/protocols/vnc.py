"""VNC / RFB: the ProtocolVersion handshake.

RFC 6143 section 7.1.1: each side first sends exactly 12 bytes ``RFB xxx.yyy\\n``
(``RFB 003.003``, ``003.007``, ``003.008``; Apple Remote Desktop sends
``003.889``).  nDPI ``vnc.c`` and Zeek's RFB analyser key on the same banner.  A
12-byte banner with digits in both fields is ``high``.  The desktop name comes
later in ServerInit and is not read here.  Verified on the nDPI and Zeek corpus
captures.  Fixture: ``tests/fixtures/protocols/vnc.pcap``.
"""

from __future__ import annotations

import re

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "vnc"
_BANNER = re.compile(rb"RFB (\d{3})\.(\d{3})\n")


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) != 12 or payload[:4] != b"RFB ":
        return None
    m = _BANNER.fullmatch(payload)
    if m is None:
        return None
    version = f"{int(m.group(1))}.{int(m.group(2))}"
    side = "client" if from_initiator else "server"
    return Detection(NAME, "remote", "high", "payload", detail=(("rfb_version", version), ("banner_from", side)))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp"}),
    # 5900 (+display): RFC 6143 section 1 / IANA "rfb"; 5500 listening viewer.
    ports=frozenset({5900, 5901, 5902, 5500}),
    sniff=sniff,
)
