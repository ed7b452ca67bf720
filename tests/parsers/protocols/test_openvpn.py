"""OpenVPN reset detector (parsers/protocols/openvpn.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import openvpn


def test_resets_udp_and_tcp():
    det = openvpn.sniff(P.ovpn_client_reset(), 40001, 1194, True)
    assert dict(det.detail) == {"message": "hard_reset_client_v2", "session_id": "1a2b3c4d5e6f7081", "auth": "none"}
    assert dict(openvpn.sniff(P.ovpn_client_reset(True), 1, 1194, True).detail)["auth"] == "tls-auth"
    assert dict(openvpn.sniff(P.ovpn_server_reset(), 1194, 1, False).detail)["message"] == "hard_reset_server_v2"
    det = openvpn.sniff(P.tcp_framed(P.ovpn_client_reset(True)), 40002, 443, True)
    assert det.confidence == "high" and ("framing", "tcp") in det.detail


def test_lookalikes_rejected():
    assert openvpn.sniff(P.HTTP_GET, 40000, 1194, True) is None
    assert openvpn.sniff(P.QUIC_INITIAL, 40000, 443, True) is None
    bad_len = P.tcp_framed(P.ovpn_client_reset())[:-1]  # length prefix one too long
    assert openvpn.sniff(bad_len, 40000, 1194, True) is None
    assert openvpn.sniff(b"\x39" + P.ovpn_client_reset()[1:], 1, 1194, True) is None  # key_id 1
    assert openvpn.sniff(b"\x38" + bytes(8) + b"\x00\x00\x00\x00\x07", 1, 1194, True) is None  # msg pid != 0


def test_fixture():
    hits = run(openvpn.PROTOCOL, FIXTURES / "openvpn.pcap")
    assert endpoints(hits) == {flow("192.168.10.20:40001", "203.0.113.45:1194"),
                               flow("192.168.10.20:40003", "203.0.113.45:443")}


def test_corpus_ndpi_openvpn_all_flows():
    """nDPI's openvpn.pcap names exactly these 10 OpenVPN flows (UDP and TCP, tls-auth,
    tls-crypt, ports 443/1194/1234/13680)."""
    got = endpoints(run(openvpn.PROTOCOL, corpus("ndpi/tunnels/openvpn.pcap")))
    assert got == {
        flow("192.168.43.18:13680", "139.59.151.137:13680"), flow("10.181.235.122:39772", "10.251.71.30:1194"),
        flow("3.111.166.78:51146", "85.134.13.165:1194"), flow("192.168.1.77:60140", "46.101.231.218:443"),
        flow("192.168.43.12:41507", "139.59.151.137:13680"), flow("127.0.0.1:36138", "127.0.0.1:443"),
        flow("192.168.12.156:41133", "107.161.86.131:443"), flow("192.168.12.156:37383", "217.138.197.43:1234"),
        flow("69.197.143.179:443", "10.0.2.15:60201"), flow("192.168.75.18:60201", "166.161.181.18:443"),
    }


def test_corpus_zeek_openvpn_traces():
    for name, n in (("openvpn.pcap", 1), ("openvpn-tcp-tls-auth.pcap", 2), ("openvpn_udp_tls-auth.pcap", 2),
                    ("openvpn_udp_hmac_256.pcap", 1), ("openvpn_tcp_nontlsauth.pcap", 1)):
        assert len(run(openvpn.PROTOCOL, corpus(f"zeek-spicy-openvpn/{name}"))) == n, name


def test_corpus_obfuscated_server_reset_found():
    """nDPI labels this NordVPN flow plain TLS (the client's first segments are junk
    padding), but frame 109 is a cleartext tls-auth server reset whose remote
    session id (6a8e6fa7fff86018) echoes the client reset of frame 104: OpenVPN."""
    hits = run(openvpn.PROTOCOL, corpus("ndpi/tunnels/openvpn_obfuscated.pcapng"))
    assert endpoints(hits) == {flow("107.161.86.131:443", "192.168.12.156:48072")}
    det, frame = next(iter(hits.values()))
    assert frame in (104, 109)
    assert dict(det.detail)["session_id"] in ("6a8e6fa7fff86018", "01f164b51f341297")
