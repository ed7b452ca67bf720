"""IKE detector (parsers/protocols/ike.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, corpus, endpoints, flow, run

from parsers.protocols import ike


def test_ikev1_aggressive_identity():
    det = ike.sniff(P.ikev1_aggressive(b"vpn@op-group.example"), 500, 500, True)
    assert (det.protocol, det.remote_id) == ("ikev1", "vpn@op-group.example")
    d = dict(det.detail)
    assert d["exchange"] == "aggressive" and d["initiator_spi"] == "c0ffee0011223344"
    assert d["vendor_id"] == "afcad71368a1f1c96b8696fc77570100"


def test_ikev2_and_natt():
    assert ike.sniff(P.ikev2_sa_init(), 500, 500, True).protocol == "ikev2"
    det = ike.sniff(b"\x00\x00\x00\x00" + P.ikev2_sa_init(), 4500, 4500, True)
    assert ("nat_t", "non-esp-marker") in det.detail


def test_lookalikes_rejected():
    msg = bytearray(P.ikev2_sa_init())
    msg[27] += 1  # length field no longer equals the payload
    assert ike.sniff(bytes(msg), 500, 500, True) is None
    msg = bytearray(P.ikev2_sa_init())
    msg[17] = 0x30  # version 3
    assert ike.sniff(bytes(msg), 500, 500, True) is None
    assert ike.sniff(P.esp(), 4500, 4500, True) is None
    assert ike.sniff(P.DNS_QUERY, 500, 53, True) is None


def test_fixture():
    hits = run(ike.PROTOCOL, FIXTURES / "ike.pcap")
    assert endpoints(hits) == {flow("192.168.10.20:500", "203.0.113.45:500"),
                               flow("192.168.10.20:4500", "198.51.100.30:4500")}


def test_corpus_aggressive_mode_identity():
    """tshark shows ID_IPV4_ADDR 192.168.12.2 in the aggressive-mode initiation;
    Zeek's ipsec.log has exchange type 4 and initiator SPI e47a591f78c99d7f."""
    (det, _), = run(ike.PROTOCOL, corpus("zeek-spicy-ipsec/ipsec-ikev1-isakmp-aggressive-mode.pcap")).values()
    assert det.remote_id == "192.168.12.2"
    assert dict(det.detail)["initiator_spi"] == "e47a591f78c99d7f"


def test_corpus_arkime_and_natt():
    (det, _), = run(ike.PROTOCOL, corpus("arkime/IKEv2.pcap")).values()
    assert det.protocol == "ikev2" and dict(det.detail)["initiator_spi"] == "e5bc67550fd4d3ea"
    (det, _), = run(ike.PROTOCOL, corpus("arkime/IKEv1.pcap")).values()
    assert det.protocol == "ikev1"
    hits = run(ike.PROTOCOL, corpus("tcpdump/isakmp4500.pcap"))
    assert flow("192.1.2.23:4500", "192.1.2.254:4500") in endpoints(hits)
