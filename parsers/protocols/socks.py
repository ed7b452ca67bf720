"""SOCKS4/4a and SOCKS5 handshakes (client side), with the requested destination.

Formats: RFC 1928 (SOCKS5: greeting ``05 NMETHODS METHODS``; request ``05 CMD 00
ATYP DST.ADDR DST.PORT`` with ATYP 1 IPv4, 3 domain (length-prefixed), 4 IPv6),
and the SOCKS4 / SOCKS4a protocol notes by Ying-Da Lee (``04 CMD DSTPORT DSTIP
USERID 00``; 4a: DSTIP ``0.0.0.x`` with x != 0, then the host name and ``00``).
nDPI ``socks45.c`` accepts the greetings ``05 01 00`` and ``05 02 00 01``.

Every form is checked against its exact length.  A request (SOCKS5 CONNECT / BIND /
UDP ASSOCIATE, or SOCKS4) names the final destination -> ``high`` with the
destination in ``detail`` (``destination`` = ``host:port``); a bare SOCKS5 greeting
is only three or four bytes and is ``medium``.  The SOCKS5 user/password
sub-negotiation (RFC 1929) is not reported: it would carry a password.
Fixture: ``tests/fixtures/protocols/socks.pcap``.
"""

from __future__ import annotations

import ipaddress

from parsers.base import Detection, Protocol
from parsers.protocols._common import be16, never_raises

NAME = "socks"
_CMD5 = {1: "connect", 2: "bind", 3: "udp-associate"}
_CMD4 = {1: "connect", 2: "bind"}
_METHODS = set(range(10)) | set(range(0x80, 0xFF))


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _socks5(p: bytes) -> Detection | None:
    n = len(p)
    if n >= 3 and p[1] >= 1 and n == 2 + p[1] and all(m in _METHODS for m in p[2:]):
        return Detection(NAME, "proxy", "medium", "payload",
                         detail=(("version", "5"), ("message", "greeting")))
    if n < 10 or p[1] not in _CMD5 or p[2] != 0:
        return None
    atyp = p[3]
    if atyp == 1 and n == 10:
        host = str(ipaddress.IPv4Address(p[4:8]))
    elif atyp == 4 and n == 22:
        host = str(ipaddress.IPv6Address(p[4:20]))
    elif atyp == 3 and p[4] > 0 and n == 7 + p[4]:
        raw = p[5 : 5 + p[4]]
        if not all(0x21 <= c < 0x7F for c in raw):
            return None
        host = raw.decode("ascii")
    else:
        return None
    port = be16(p, n - 2) or 0
    return Detection(NAME, "proxy", "high", "payload", detail=(
        ("version", "5"), ("message", _CMD5[p[1]]), ("destination", _hostport(host, port))))


def _socks4(p: bytes) -> Detection | None:
    if len(p) < 9 or p[1] not in _CMD4 or p[-1] != 0:
        return None
    port = be16(p, 2) or 0
    fields = p[8:-1].split(b"\x00")
    if len(fields) > 2 or not all(all(0x20 <= c < 0x7F for c in f) for f in fields):
        return None
    user = fields[0].decode("ascii")
    if p[4:7] == b"\x00\x00\x00" and p[7] != 0:  # SOCKS4a: host name follows the user id
        if len(fields) != 2 or not fields[1]:
            return None
        host = fields[1].decode("ascii")
    else:
        if len(fields) != 1 or p[4:8] == b"\x00\x00\x00\x00":
            return None
        host = str(ipaddress.IPv4Address(p[4:8]))
    detail = [("version", "4a" if ":" not in host and not host[0].isdecimal() else "4"),
              ("message", _CMD4[p[1]]), ("destination", _hostport(host, port))]
    if user:
        detail.append(("user", user))
    return Detection(NAME, "proxy", "high", "payload", detail=tuple(detail))


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 3 or len(payload) > 600:
        return None
    if payload[0] == 5:
        return _socks5(payload)
    if payload[0] == 4:
        return _socks4(payload)
    return None


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="proxy",
    transports=frozenset({"tcp"}),
    # 1080: IANA "socks" (RFC 1928 section 3).
    ports=frozenset({1080}),
    sniff=sniff,
)
