"""TLS ClientHello and certificate parsing (parsers/protocols/tls.py)."""

import _proto_payloads as P
from _proto_walk import corpus

from parsers.protocols import tls


def test_client_hello_fields():
    ch = tls.parse_client_hello(P.client_hello(sni="Relay-1.Example.NET", alpn=("h2", "http/1.1")))
    assert ch.sni == "relay-1.example.net" and ch.alpn == ("h2", "http/1.1")
    assert ch.version == 0x0303 and ch.supported_versions == (0x0304,)
    assert ch.ciphers == (0x1301, 0x1302, 0xC02F) and not ch.truncated  # GREASE dropped


def test_truncated_hello_keeps_what_is_there():
    full = P.client_hello(sni="relay.example.net", alpn=("anydesk/8.0.8/windows",))
    cut = full[:-10]
    ch = tls.parse_client_hello(cut)
    assert ch is not None and ch.truncated and ch.sni == "relay.example.net"
    assert tls.parse_client_hello(full[:20]) is not None or True  # must not raise
    for n in range(len(full)):
        tls.parse_client_hello(full[:n])  # never raises


def test_not_a_hello():
    assert tls.parse_client_hello(P.HTTP_GET) is None
    assert tls.parse_client_hello(P.server_flight((P.OTHER_CERT,))) is None
    assert tls.parse_client_hello(b"") is None


def test_certificate_names():
    flight = P.server_flight((P.OTHER_CERT,))
    assert tls.parse_server_certificate_names(flight) == ("www.example.com", "example.com")
    subjects = tls.parse_server_certificates(P.server_flight((P.ANYNET_RELAY,)))
    assert subjects == ((("O", "philandro Software GmbH"), ("CN", "AnyNet Relay")),)
    assert tls.parse_server_certificate_names(P.client_hello(sni="x")) == ()
    for n in range(0, len(flight), 7):
        tls.parse_server_certificate_names(flight[:n])  # never raises


def test_corpus_anydesk_certificate():
    import dpkt
    names = set()
    with open(corpus("ndpi/remote/anydesk.pcapng"), "rb") as fh:
        for _ts, buf in dpkt.pcapng.Reader(fh):
            seg = dpkt.ethernet.Ethernet(buf).data.data
            if isinstance(seg, dpkt.tcp.TCP) and seg.data:
                names.update(tls.parse_server_certificate_names(bytes(seg.data)))
    assert {"AnyNet Relay", "AnyDesk Client"} <= names  # nDPI: Subject CN=AnyNet Relay / AnyDesk Client
