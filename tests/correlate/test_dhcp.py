"""DHCP decoding (parsers/protocols/dhcp.py) and host-name matching (correlate/dhcp.py)."""

from __future__ import annotations

from scapy.layers.dhcp import BOOTP, DHCP

from forensics.correlate.dhcp import match, squash
from parsers.protocols.dhcp import parse_dhcp, parse_options

MAC = bytes.fromhex("001fd63a1020") + bytes(10)


def _msg(op: int = 1, opts: list | None = None, **kw) -> bytes:  # type: ignore[no-untyped-def]
    return bytes(BOOTP(op=op, xid=1, chaddr=MAC, **kw) / DHCP(options=(opts or [("message-type", "request")]) + ["end"]))


def test_request_with_host_name_and_requested_address() -> None:
    p = _msg(opts=[("message-type", "request"), ("requested_addr", "192.168.10.20"), ("hostname", "DBL_FXO-4")])
    assert parse_dhcp(p) == ("00:1f:d6:3a:10:20", "DBL_FXO-4", "192.168.10.20")
    assert parse_options(p)[53] == b"\x03"


def test_address_falls_back_to_ciaddr_then_yiaddr() -> None:
    assert parse_dhcp(_msg(ciaddr="192.168.10.21")) == ("00:1f:d6:3a:10:20", None, "192.168.10.21")
    assert parse_dhcp(_msg(op=2, opts=[("message-type", "ack")], yiaddr="192.168.10.22")) == (
        "00:1f:d6:3a:10:20", None, "192.168.10.22")
    assert parse_dhcp(_msg()) == ("00:1f:d6:3a:10:20", None, None)


def test_not_dhcp_or_damaged() -> None:
    good = _msg(opts=[("message-type", "request"), ("hostname", "gw")])
    assert parse_dhcp(b"") is None
    assert parse_dhcp(good[:239]) is None  # cut inside the cookie
    assert parse_dhcp(good[:236] + b"\x00\x00\x00\x00" + good[240:]) is None  # no magic cookie
    assert parse_dhcp(good[:1] + b"\x06" + good[2:]) is None  # htype 6 (IEEE 802): not Ethernet
    cut = good[:240] + b"\x35\x01\x03\x0c\x09ab"  # host name option longer than the data left
    assert parse_dhcp(cut) == ("00:1f:d6:3a:10:20", None, None)
    assert parse_dhcp(bytes(300)) is None


def test_host_name_matching() -> None:
    assert squash("DBL_FXO-4") == squash("dbl fxo 4") == "dblfxo4"
    ident = {"model": "DBL FXO-4", "serial": "A1B2C3D4", "hostname": "den-a-gw"}
    assert match("DEN-A-GW", ident, True) == "hostname"
    assert match("fxo_a1b2c3d4", ident, True) == "serial"
    assert match("DBL_FXO-4", ident, True) == "model"
    assert match("DBL_FXO-4", ident, False) is None  # model shared with another device
    assert match("TA400", {"model": "TA4"}, True) is None  # model too short to mean anything
    assert match("", ident, True) is None
