"""Tailscale disco detector (parsers/protocols/tailscale.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import tailscale


def test_disco_key():
    det = tailscale.sniff(P.TAILSCALE_DISCO, 41641, 41641, True)
    assert dict(det.detail)["disco_key"] == bytes(range(32)).hex()
    assert tailscale.sniff(P.TAILSCALE_DISCO[:60], 1, 41641, True) is None
    assert tailscale.sniff(b"TS\xf0\x9f\x92\xad" + P.TAILSCALE_DISCO[6:], 1, 41641, True) is None


def test_fixture_and_corpus():
    assert len(run(tailscale.PROTOCOL, FIXTURES / "tailscale.pcap")) == 1
    hits = run(tailscale.PROTOCOL, corpus("ndpi/tunnels/tailscale.pcap"))
    assert flow("192.168.88.3:41641", "18.196.71.179:41641") in endpoints(hits)  # nDPI flow 1
