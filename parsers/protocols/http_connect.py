"""HTTP proxies: ``CONNECT host:port`` tunnels and absolute-URI forward requests.

Formats: RFC 9110 section 9.3.6 (CONNECT, request-target in authority form
``host:port``) and RFC 9112 section 3.2.2 (absolute-form ``GET http://host/...``
sent to forward proxies).  A CONNECT request line is ``high``: the target is the
``destination`` detail.  An absolute-form request is ``medium`` (any HTTP proxy,
not necessarily a tunnel).  A ``Proxy-Authorization: Basic`` header gives only the
user name (``user``); the password is never reported.
Fixture: ``tests/fixtures/protocols/http_connect.pcap``.
"""

from __future__ import annotations

import base64
import binascii
import re

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "http_connect"
_CONNECT = re.compile(rb"CONNECT (\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5}) HTTP/1\.[01]\r?\n")
_ABSOLUTE = re.compile(rb"(?:GET|POST|HEAD|PUT|OPTIONS) http://([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?[/ ?]")
_AUTH = re.compile(rb"\r\nProxy-Authorization:[ \t]*Basic[ \t]+([A-Za-z0-9+/=]+)", re.IGNORECASE)


def _user(head: bytes) -> str | None:
    m = _AUTH.search(head)
    if m is None:
        return None
    try:
        plain = base64.b64decode(m.group(1), validate=True)
    except (binascii.Error, ValueError):
        return None
    return plain.split(b":", 1)[0].decode("utf-8", "replace")


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 16 or payload[:1] not in (b"C", b"G", b"P", b"H", b"O"):
        return None
    head = payload[:4096]
    m = _CONNECT.match(head)
    if m is not None:
        port = int(m.group(2))
        if not 0 < port < 65536:
            return None
        detail = [("message", "connect"), ("destination", f"{m.group(1).decode()}:{port}")]
        conf = "high"
    else:
        m = _ABSOLUTE.match(head)
        if m is None:
            return None
        host = m.group(1).decode()
        detail = [("message", "absolute-uri"), ("destination", f"{host}:{int(m.group(2) or 80)}")]
        conf = "medium"
    user = _user(head)
    if user:
        detail.append(("user", user))
    return Detection(NAME, "proxy", conf, "payload", detail=tuple(detail))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="proxy",
    transports=frozenset({"tcp"}),
    # 3128 Squid default, 8080/8888 common proxy ports (hint only; any port is used).
    ports=frozenset({3128, 8080, 8888}),
    sniff=sniff,
)
