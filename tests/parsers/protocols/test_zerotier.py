"""ZeroTier detector (parsers/protocols/zerotier.py)."""

import os

import _proto_payloads as P
from _proto_walk import FIXTURES, run

from parsers.protocols import zerotier


def test_hello():
    det = zerotier.sniff(P.zerotier_hello(), 9993, 9993, True)
    assert det.remote_id == "89e92ceee5" and dict(det.detail)["destination_address"] == "1d71939404"


def test_encrypted_packets_left_to_port_hint():
    assert zerotier.sniff(os.urandom(64), 9993, 9993, True) is None
    assert zerotier.PROTOCOL.port_confidence == "low"
    bad = bytearray(P.zerotier_hello())
    bad[41] ^= 0xFF  # identity address differs from the header's source
    assert zerotier.sniff(bytes(bad), 9993, 9993, True) is None


def test_fixture():
    (det, _), = run(zerotier.PROTOCOL, FIXTURES / "zerotier.pcap").values()
    assert det.remote_id == "89e92ceee5"
