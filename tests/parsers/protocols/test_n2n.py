"""n2n detector (parsers/protocols/n2n.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, run

from parsers.protocols import n2n


def test_register_super_community():
    det = n2n.sniff(P.n2n_register_super(b"opsnet"), 40001, 7654, True)
    assert (det.remote_id, det.confidence, dict(det.detail)["message"]) == ("opsnet", "high", "REGISTER_SUPER")


def test_lookalikes_rejected():
    bad = bytearray(P.n2n_register_super())
    bad[23] = 0x41  # community not NUL-terminated
    assert n2n.sniff(bytes(bad), 1, 7654, True) is None
    assert n2n.sniff(bytes([3, 2, 0, 5]) + bytes(20), 1, 7654, True) is None  # empty community
    assert n2n.sniff(bytes([3, 2, 0, 0x1F]) + b"opsnet".ljust(20, b"\x00"), 1, 7654, True) is None  # type 31


def test_fixture():
    (det, _), = run(n2n.PROTOCOL, FIXTURES / "n2n.pcap").values()
    assert det.remote_id == "opsnet"
