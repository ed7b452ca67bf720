"""SSH detector (parsers/protocols/ssh.py)."""

import _proto_payloads as P
from _proto_walk import FIXTURES, run

from parsers.protocols import ssh


def test_banner_software():
    d = dict(ssh.sniff(P.SSH_SERVER, 22, 40002, False).detail)
    assert (d["software"], d["comments"], d["protocol_version"]) == ("OpenSSH_8.9p1", "Ubuntu-3ubuntu0.6", "2.0")
    assert dict(ssh.sniff(P.SSH_CLIENT, 40002, 22, True).detail)["software"] == "PuTTY_Release_0.78"


def test_lookalikes_rejected():
    assert ssh.sniff(b"SSH-3.0-x\r\n", 1, 22, True) is None
    assert ssh.sniff(b"SSH-2.0-\r\n", 1, 22, True) is None
    assert ssh.sniff(P.HTTP_GET, 1, 22, True) is None


def test_fixture():
    (det, _), = run(ssh.PROTOCOL, FIXTURES / "ssh.pcap").values()
    assert dict(det.detail)["software"] in ("OpenSSH_8.9p1", "PuTTY_Release_0.78")
