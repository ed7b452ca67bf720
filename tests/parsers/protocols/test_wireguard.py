"""WireGuard detector and mac1 proof (parsers/protocols/wireguard.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import wireguard


def test_initiation_detected_with_init_hex():
    msg = P.wg_initiation(sender=0x11223344)
    det = wireguard.sniff(msg, 40001, 51820, True)
    assert det is not None and (det.protocol, det.category, det.confidence) == ("wireguard", "tunnel", "high")
    detail = dict(det.detail)
    assert detail["sender_index"] == "11223344"  # the LE integer, in hex
    assert detail["init_hex"] == msg.hex() and len(detail["init_hex"]) == 296


def test_response_and_transport():
    det = wireguard.sniff(P.wg_response(receiver=0x11223344), 51820, 40001, False)
    assert dict(det.detail)["receiver_index"] == "11223344" and det.confidence == "high"
    det = wireguard.sniff(P.wg_transport(plain=40), 51820, 40001, False)
    assert det.confidence == "medium" and dict(det.detail)["message"] == "transport"


def test_lookalikes_rejected():
    msg = bytearray(P.wg_initiation())
    msg[2] = 0x01  # reserved byte non-zero
    assert wireguard.sniff(bytes(msg), 40001, 51820, True) is None
    assert wireguard.sniff(P.wg_initiation()[:147], 40001, 51820, True) is None  # 147 bytes
    assert wireguard.sniff(P.wg_transport(plain=16) + b"\x00", 1, 2, True) is None  # not multiple of 16
    assert wireguard.sniff(b"\x01\x00\x00\x00" + bytes(144), 1, 2, True) is not None  # exact shape only
    assert wireguard.sniff(P.QUIC_INITIAL, 40000, 443, True) is None


def test_mac1_valid_with_constructed_handshake():
    msg = P.wg_initiation(pub=P.WG_RESPONDER_PUB)
    assert wireguard.mac1_valid(msg, P.WG_RESPONDER_PUB_B64)
    assert not wireguard.mac1_valid(msg, P.WG_OTHER_PUB_B64)
    tampered = bytearray(msg)
    tampered[50] ^= 1
    assert not wireguard.mac1_valid(bytes(tampered), P.WG_RESPONDER_PUB_B64)
    resp = P.wg_response(initiator_pub=P.WG_RESPONDER_PUB)
    assert wireguard.mac1_valid(resp, P.WG_RESPONDER_PUB_B64)
    assert not wireguard.mac1_valid(msg, "not base64!")
    assert not wireguard.mac1_valid(msg[:100], P.WG_RESPONDER_PUB_B64)


def test_fixture():
    hits = run(wireguard.PROTOCOL, FIXTURES / "wireguard.pcap")
    assert endpoints(hits) == {flow("192.168.10.20:40001", "203.0.113.45:51820")}
    (det, frame), = hits.values()
    assert frame == 1 and wireguard.mac1_valid(bytes.fromhex(dict(det.detail)["init_hex"]), P.WG_RESPONDER_PUB_B64)


def test_corpus_zeek_wireguard():
    """Oracle wireguard.log: 188.166.170.114:45965 -> 188.166.170.115:51194.  No public
    key of that capture is published, so mac1 can only be shown *not* to match an
    unrelated key."""
    hits = run(wireguard.PROTOCOL, corpus("zeek-spicy-wireguard/wireguard.pcap"))
    assert endpoints(hits) == {flow("188.166.170.114:45965", "188.166.170.115:51194")}
    det, _ = next(iter(hits.values()))
    init = bytes.fromhex(dict(det.detail)["init_hex"])
    assert len(init) == 148 and not wireguard.mac1_valid(init, P.WG_RESPONDER_PUB_B64)


def test_corpus_ndpi_wireguard_flows():
    """nDPI names 2 WireGuard flows, 1 on UDP/443 (ProtonVPN) and 1 on UDP/5060 (Mullvad)."""
    assert endpoints(run(wireguard.PROTOCOL, corpus("ndpi/tunnels/wireguard.pcap"))) == {
        flow("139.162.192.157:51820", "192.168.0.14:36116"), flow("10.9.0.1:43462", "10.9.0.2:51820")}
    assert flow("10.0.2.15:57701", "217.23.3.76:443") in endpoints(
        run(wireguard.PROTOCOL, corpus("ndpi/tunnels/protonvpn.pcap")))
    assert endpoints(run(wireguard.PROTOCOL, corpus("ndpi/tunnels/mullvad_wireguard.pcap"))) == {
        flow("192.168.122.11:22595", "198.54.131.98:5060")}
