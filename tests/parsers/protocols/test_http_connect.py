"""HTTP CONNECT detector (parsers/protocols/http_connect.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, run

from parsers.protocols import http_connect


def test_connect_with_user_not_password():
    det = http_connect.sniff(P.HTTP_CONNECT, 40002, 3128, True)
    d = dict(det.detail)
    assert det.confidence == "high" and d["destination"] == "203.0.113.50:5061" and d["user"] == "opuser"
    assert "S3cretPw" not in repr(det)


def test_absolute_uri_and_rejects():
    det = http_connect.sniff(b"GET http://www.example.com/a HTTP/1.1\r\nHost: www.example.com\r\n\r\n", 1, 8080, True)
    assert det.confidence == "medium" and dict(det.detail)["destination"] == "www.example.com:80"
    assert http_connect.sniff(P.HTTP_GET, 1, 8080, True) is None
    assert http_connect.sniff(b"CONNECT example.com HTTP/1.1\r\n\r\n", 1, 8080, True) is None  # no port
    assert http_connect.sniff(P.SIP_REGISTER, 1, 5060, True) is None


def test_fixture():
    (det, _), = run(http_connect.PROTOCOL, FIXTURES / "http_connect.pcap").values()
    assert dict(det.detail)["destination"] == "203.0.113.50:5061"
