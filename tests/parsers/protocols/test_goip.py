"""GoIP SMS-server link detector (parsers/protocols/goip.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, run

from parsers.protocols import goip


def test_keepalive_fields_without_password():
    det = goip.sniff(P.GOIP_KEEPALIVE, 1024, 44444, True)
    d = dict(det.detail)
    assert det.remote_id == "gw01" and det.category == "management"
    assert (d["imei"], d["imsi"], d["operator"], d["cell_info"]) == (
        "867495000000011", "460001234567890", "CHINA MOBILE", "LAC:7E5,CELL ID:5E5B")
    assert "S3cret" not in repr(det)


def test_reply_and_rejects():
    assert dict(goip.sniff(P.GOIP_REG_REPLY, 44444, 1024, False).detail)["status"] == "200"
    assert goip.sniff(b"req:27;foo:bar;", 1, 44444, True) is None  # no id / pass
    assert goip.sniff(P.SIP_REGISTER, 1, 5060, True) is None


def test_fixture():
    (det, _), = run(goip.PROTOCOL, FIXTURES / "goip.pcap").values()
    assert det.remote_id == "gw01"
