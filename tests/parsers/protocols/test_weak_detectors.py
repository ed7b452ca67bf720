"""Weak detectors: names/ports, and their small published payload hints
(frp, todesk, rustdesk, splashtop, sunlogin, chrome_remote, ngrok, tor)."""

import _proto_payloads as P

from parsers.protocols import (
    chrome_remote,
    frp,
    ngrok,
    rustdesk,
    splashtop,
    sunlogin,
    todesk,
    tor,
)


def test_frp_login_without_key():
    det = frp.sniff(P.FRP_LOGIN, 40002, 7000, True)
    d = dict(det.detail)
    assert det.confidence == "high" and (d["version"], d["os"]) == ("0.49.0", "windows")
    assert "0123456789abcdef" not in repr(det)  # privilege_key is not copied
    yamux = b"\x00\x00\x00\x01" + b"\x00\x00\x00\x01" + len(P.FRP_LOGIN).to_bytes(4, "big")
    assert frp.sniff(yamux + P.FRP_LOGIN, 40002, 7000, True) is not None
    assert frp.sniff(b"o" + (20).to_bytes(8, "big") + b'{"hello":"world"}...', 1, 7000, True) is None


def test_todesk_et_structure():
    det = todesk.sniff(P.todesk_login(), 40002, 443, True)
    assert det.confidence == "medium" and dict(det.detail)["field2"] == "912345678"
    broken = bytearray(P.todesk_login())
    broken[39] = 0x13
    assert todesk.sniff(bytes(broken), 40002, 443, True) is None


def test_rustdesk_register_peer():
    det = rustdesk.sniff(P.RUSTDESK_REGISTER_PEER, 40001, 21116, True)
    assert (det.remote_id, det.confidence) == ("912345678", "medium")
    assert rustdesk.sniff(P.RUSTDESK_REGISTER_PEER + b"\x00", 1, 21116, True) is None


def test_splashtop_needs_port():
    assert splashtop.sniff(b"\x01\x00\x34\x12", 40002, 6784, True).confidence == "medium"
    assert splashtop.sniff(b"\x01\x00\x34\x12", 40002, 443, True) is None


def test_name_and_port_hints():
    assert "oray.com" in sunlogin.PROTOCOL.names and 4118 in sunlogin.PROTOCOL.ports
    assert "remotedesktop.google.com" in chrome_remote.PROTOCOL.names
    assert {"ngrok.io", "ngrok-free.app"} <= set(ngrok.PROTOCOL.names)
    assert tor.PROTOCOL.category == "proxy" and 9001 in tor.PROTOCOL.ports
    for proto in (sunlogin, chrome_remote, ngrok, tor):
        assert proto.PROTOCOL.sniff is None
