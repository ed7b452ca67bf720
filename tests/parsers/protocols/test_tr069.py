"""TR-069 detector (parsers/protocols/tr069.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, run

from parsers.protocols import tr069


def test_inform_device_id():
    det = tr069.sniff(P.TR069_INFORM, 40002, 7547, True)
    assert (det.category, det.remote_id) == ("management", "00A0B1-FXO-8-GW0001234")
    assert [v for k, v in det.detail if k == "event"] == ["1 BOOT", "2 PERIODIC"]


def test_other_soap_not_claimed():
    soap = P.TR069_INFORM.replace(b"urn:dslforum-org:cwmp-1-0", b"urn:example:other")
    assert tr069.sniff(soap, 1, 7547, True) is None
    assert tr069.sniff(P.HTTP_GET, 1, 7547, True) is None
    resp = b"HTTP/1.1 200 OK\r\n\r\n<x xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><cwmp:InformResponse>"
    assert dict(tr069.sniff(resp, 7547, 1, False).detail)["rpc"] == "InformResponse"


def test_fixture():
    (det, _), = run(tr069.PROTOCOL, FIXTURES / "tr069.pcap").values()
    assert det.remote_id == "00A0B1-FXO-8-GW0001234"
