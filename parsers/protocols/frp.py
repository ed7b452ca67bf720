"""frp (fatedier/frp) reverse proxy: the cleartext login, and the default port.

* Without TLS (frp < 0.50 or ``tls_enable = false``) frpc sends framed JSON
  messages (fatedier/golib ``msg/json``): 1-byte type, 8-byte big-endian length,
  JSON.  Login is type ``'o'`` with ``{"version": ..., "hostname": ..., "os": ...,
  "privilege_key": ...}``.  With ``tcpMux`` (the default) a 12-byte yamux header
  (version 0, type 0..3) precedes it.  A login is ``high``; ``version`` and ``os``
  and ``user`` go to detail (never ``privilege_key``).
* Since 0.50 TLS is on by default and the login is hidden: the port hint 7000
  (frps ``bindPort`` default, ``pkg/config/v1/server.go``) remains (``low``).
"""

from __future__ import annotations

import json

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "frp"


def _login(p: bytes) -> Detection | None:
    if len(p) < 30 or p[0] != 0x6F:  # 'o' = TypeLogin
        return None
    n = int.from_bytes(p[1:9], "big")
    if not 10 <= n <= 65536 or p[9:10] != b"{":
        return None
    body = p[9 : 9 + n]
    try:
        msg = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        if b'"privilege_key"' not in body or b'"version"' not in body:
            return None
        msg = {}
    if msg and ("version" not in msg or "privilege_key" not in msg):
        return None
    detail = [("message", "login")]
    for key in ("version", "os", "arch", "hostname", "user", "run_id"):
        val = msg.get(key) if isinstance(msg, dict) else None
        if isinstance(val, str) and val:
            detail.append((key, val[:64]))
    return Detection(NAME, "tunnel", "high", "payload", detail=tuple(detail))


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    det = _login(payload)
    if det is None and len(payload) > 12 and payload[0] == 0 and payload[1] <= 3:
        det = _login(payload[12:])  # behind a yamux frame header
    return det


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    transports=frozenset({"tcp"}),
    ports=frozenset({7000}),  # frps bindPort default
    sniff=sniff,
    port_confidence="low",
)
