"""AnyDesk detector (parsers/protocols/anydesk.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import anydesk


def test_alpn_and_certificate():
    det = anydesk.sniff(P.client_hello(alpn=("anydesk/8.0.8/windows",)), 40002, 443, True)
    assert (det.method, det.confidence, dict(det.detail)["alpn"]) == ("alpn", "high", "anydesk/8.0.8/windows")
    det = anydesk.sniff(P.server_flight((P.ANYNET_RELAY,)), 443, 40002, False)
    assert (det.method, dict(det.detail)["certificate"]) == ("certificate", "AnyNet Relay")


def test_unrelated_tls_rejected():
    assert anydesk.sniff(P.client_hello(sni="www.example.com", alpn=("h2",)), 40002, 443, True) is None
    assert anydesk.sniff(P.server_flight((P.OTHER_CERT,)), 443, 40002, False) is None
    assert anydesk.sniff(P.QUIC_INITIAL, 40002, 443, True) is None
    assert anydesk.sniff(b"philandro Software GmbH", 1, 7070, True) is None  # not inside TLS


def test_fixture():
    assert endpoints(run(anydesk.PROTOCOL, FIXTURES / "anydesk.pcap")) == {
        flow("192.168.10.20:40002", "198.51.100.23:443")}


def test_corpus_all_ndpi_anydesk_flows():
    """nDPI marks these four flows TLS.AnyDesk (3 by certificate, 1 by ALPN)."""
    hits = run(anydesk.PROTOCOL, corpus("ndpi/remote/anydesk.pcapng"))
    assert endpoints(hits) == {
        flow("192.168.149.129:43535", "51.83.238.219:80"), flow("192.168.1.128:48260", "195.181.174.176:443"),
        flow("192.168.1.187:54164", "192.168.1.178:7070"), flow("192.168.1.178:52039", "192.168.1.187:7070")}
    methods = sorted(d.method for d, _ in hits.values())
    assert methods == ["alpn", "certificate", "certificate", "certificate"]
