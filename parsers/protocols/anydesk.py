"""AnyDesk: TLS sessions recognised by ALPN and certificate.

AnyDesk runs its AnyNet protocol inside TLS (to relays on TCP 80/443/6568, direct
on TCP 7070).  Signatures, from nDPI ``tls.c`` (ALPN prefix test, certificate
organisation match) and Emerging Threats sid 2027761 (certificate subject):

* ClientHello ALPN starting ``anydesk/`` (e.g. ``anydesk/6.2.0/linux``): cleartext
  even in TLS 1.3 -> method ``alpn``;
* a TLS <= 1.2 certificate with ``O=philandro Software GmbH`` and ``CN=AnyNet
  Relay`` (relay) or ``CN=AnyDesk Client`` (the self-signed certificate of direct
  sessions, sent by both ends) -> method ``certificate``.

The certificate test looks for the DER-encoded names inside a TLS handshake record
(``16 03``) rather than parsing the whole chain, because the chain is often split
across TCP segments and only the first segments are sniffed.  The relay number or
the AnyDesk ids are not on the wire (they are in the host traces).  Verified on the
nDPI corpus capture ``anydesk.pcapng`` (the six flows nDPI marks ``TLS.AnyDesk``).
Fixture: ``tests/fixtures/protocols/anydesk.pcap``.
"""

from __future__ import annotations

from parsers.base import Detection, Protocol
from parsers.protocols import tls
from parsers.protocols._common import never_raises

NAME = "anydesk"
_CERT_MARKS = (b"philandro Software GmbH", b"AnyNet Relay", b"AnyDesk Client")


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 6 or payload[0] != 0x16 or payload[1] != 0x03:
        return None
    if payload[5] == 0x01:  # ClientHello
        hello = tls.parse_client_hello(payload)
        if hello is not None:
            for name in hello.alpn:
                if name.startswith("anydesk/"):
                    return Detection(NAME, "remote", "high", "alpn", detail=(("alpn", name),))
    for mark in _CERT_MARKS:
        if mark in payload:
            names = tls.parse_server_certificate_names(payload)
            subject = names[0] if names else mark.decode()
            return Detection(NAME, "remote", "high", "certificate", detail=(("certificate", subject),))
    return None


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    transports=frozenset({"tcp"}),
    # 7070 direct sessions, 6568 relay (AnyDesk KB "firewall"); 80/443 are shared.
    ports=frozenset({7070, 6568}),
    sniff=sniff,
    # relay/boot/api names: ET DNS rules sid 2060507/2060510/2060512
    names=("anydesk.com",),
    name_confidence="medium",
)
