"""ToDesk (Youqu) remote control: names, port, and the ET login structure.

No public protocol description exists.  Network evidence:

* DNS/SNI ``*.todesk.com`` (names seen in public client code) -> method ``dns``/``sni``;
* the structure of Emerging Threats sid 2031242 ("ET POLICY ToDesk Remote Access
  Control Tool", TCP to 443, not TLS): ``00 00 00 ?? | 01 0A 20`` (protobuf field 1,
  32 bytes) ... byte 39 ``12`` (field 2, length-delimited), skip it, ``18 01 22``
  (field 3 = 1, field 4 string), skip it, ``3A 3F`` (field 7, 63 bytes), then
  ``42 24`` (field 8, 36 bytes: a UUID string).  Matched here byte for byte; the
  reading of field 2 as the device code is **unverified** (no capture available),
  so it is reported as ``field2`` only.  A match is ``medium``.
* the local listener 35600 (``localPort`` in config.ini) as a ``low`` port hint.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises, printable

NAME = "todesk"


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    p = payload
    if len(p) < 120 or p[:3] != b"\x00\x00\x00" or p[4:7] != b"\x01\x0a\x20" or p[39] != 0x12:
        return None
    f2 = p[41 : 41 + p[40]]
    off = 41 + p[40]
    if p[off : off + 3] != b"\x18\x01\x22":
        return None
    off += 4 + p[off + 3]
    if p[off : off + 2] != b"\x3a\x3f":
        return None
    off += 2 + 63
    if p[off : off + 2] != b"\x42\x24" or len(p) < off + 2 + 36:
        return None
    uuid = printable(p[off + 2 : off + 38])
    return Detection(NAME, "remote", "medium", "payload",
                     detail=(("field2", printable(f2)), ("uuid", uuid)))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp"}),
    # 35600: ToDesk's local listener (config.ini localPort; pentest write-ups).
    ports=frozenset({35600}),
    sniff=sniff,
    names=("todesk.com",),
    name_confidence="medium",
    port_confidence="low",
)
