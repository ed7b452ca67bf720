"""SSH: the identification string exchanged before key exchange.

RFC 4253 section 4.2: each side sends ``SSH-protoversion-softwareversion SP
comments CR LF`` (max 255 bytes, CR optional in practice), protoversion ``2.0`` or
``1.99`` (``1.5`` for SSH-1, RFC-less but still seen).  The software version
(``OpenSSH_8.9p1``, ``PuTTY_Release_0.78``, ``dropbear_2022.83``) is the detail.
Servers may send other lines before the identification (RFC 4253 4.2); only a
payload that starts with ``SSH-`` is considered, which covers client and almost all
servers.  A banner is ``high``.  Port forwarding inside SSH is not visible.
Fixture: ``tests/fixtures/protocols/ssh.pcap``.
"""

from __future__ import annotations

import re

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "ssh"
_IDENT = re.compile(rb"SSH-(2\.0|1\.99|1\.5)-([\x21-\x2c\x2e-\x7e][\x21-\x7e]{0,200})(?: ([\x20-\x7e]{0,200}))?\r?\n")


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 9 or payload[:4] != b"SSH-":
        return None
    m = _IDENT.match(payload[:300])
    if m is None:
        return None
    detail = [("protocol_version", m.group(1).decode()), ("software", m.group(2).decode())]
    if m.group(3):
        detail.append(("comments", m.group(3).decode()))
    detail.append(("banner_from", "client" if from_initiator else "server"))
    return Detection(NAME, "remote", "high", "payload", detail=tuple(detail))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp"}),
    # 22: IANA "ssh" (RFC 4253 section 4.1).
    ports=frozenset({22}),
    sniff=sniff,
)
