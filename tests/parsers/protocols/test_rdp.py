"""RDP detector (parsers/protocols/rdp.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import rdp


def test_cookie_user_is_remote_id():
    det = rdp.sniff(P.rdp_cr("opuser", 3), 40006, 3389, True)
    assert det.remote_id == "opuser"
    assert dict(det.detail) == {"message": "connection-request", "requested_protocols": "tls+credssp"}
    assert rdp.sniff(P.rdp_cr(None, 0), 40006, 3389, True).remote_id is None


def test_lookalikes_rejected():
    bad = bytearray(P.rdp_cr())
    bad[4] -= 1  # X.224 length indicator inconsistent
    assert rdp.sniff(bytes(bad), 1, 3389, True) is None
    assert rdp.sniff(P.rdp_cr()[:-1], 1, 3389, True) is None  # TPKT length mismatch
    assert rdp.sniff(P.HTTP_GET, 1, 3389, True) is None


def test_fixture():
    (det, _), = run(rdp.PROTOCOL, FIXTURES / "rdp.pcap").values()
    assert det.remote_id == "opuser"


def test_corpus_cookies_match_zeek():
    """Zeek rdp.log cookies: AWAKECODI (rdp-to-ssl), JOHN-PC (rdp-unknown-keyboard)."""
    assert {d.remote_id for d, _ in run(rdp.PROTOCOL, corpus("zeek/rdp/rdp-to-ssl.pcap")).values()} == {"AWAKECODI"}
    (det, _), = run(rdp.PROTOCOL, corpus("zeek/rdp/rdp-unknown-keyboard.pcap")).values()
    assert det.remote_id.strip() == "JOHN-PC"
    (det, _), = run(rdp.PROTOCOL, corpus("zeek/rdp/rdp-no-cookie-mstshash.pcap")).values()
    assert det.remote_id is None


def test_corpus_rdp_udp_and_via_socks():
    hits = run(rdp.PROTOCOL, corpus("ndpi/remote/rdp2.pcap"))
    assert {flow("192.168.122.181:54759", "192.168.122.2:3389"), flow("10.50.181.210:60355", "10.50.73.36:3389")} \
        <= endpoints(hits)
    (det, _), = run(rdp.PROTOCOL, corpus("arkime/socks5-rdp.pcap")).values()
    assert det.remote_id == "XXX"
