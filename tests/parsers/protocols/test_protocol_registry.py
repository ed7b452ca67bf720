"""The DETECTORS tuple as a whole: names, categories, and robustness on junk input."""

import importlib
import os
import random

import _proto_payloads as P
import pytest

from parsers.base import CATEGORIES
from parsers.protocols import DETECTORS

STRONG = ("wireguard", "openvpn", "ike", "l2tp", "pptp", "gre", "ipip", "esp", "tailscale", "n2n", "zerotier",
          "anydesk", "teamviewer", "vnc", "rdp", "radmin", "ssh", "socks", "http_connect", "tr069", "goip")
WEAK = ("frp", "todesk", "rustdesk", "splashtop", "sunlogin", "chrome_remote", "ngrok", "tor")


def test_names_are_module_names_and_strong_first():
    names = [d.name for d in DETECTORS]
    assert names == list(STRONG + WEAK)
    for d in DETECTORS:
        assert importlib.import_module(f"parsers.protocols.{d.name}").PROTOCOL is d
        assert d.category in CATEGORIES and d.version == 1
        assert d.sniff is not None or d.names or d.port_confidence


def test_categories():
    cat = {d.name: d.category for d in DETECTORS}
    assert {cat[n] for n in ("socks", "http_connect", "tor")} == {"proxy"}
    assert {cat[n] for n in ("tr069", "goip")} == {"management"}
    assert {cat[n] for n in ("anydesk", "teamviewer", "todesk", "sunlogin", "rustdesk", "vnc", "rdp")} == {"remote"}


PORTS = [0, 22, 53, 80, 443, 500, 1080, 1194, 1701, 1723, 3128, 3389, 4500, 4899, 5060, 5900, 5938, 6784, 7000,
         7547, 7654, 9993, 21116, 41641, 44444, 51820, 50000]


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes_never_raise_nor_claim(seed):
    """Random payloads on every port: no exception, and nothing above 'low' except
    the rare exact-size shapes documented below (checked to stay below 1 in 2000)."""
    rnd = random.Random(seed)
    claims = 0
    for _ in range(3000):
        data = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 1, 3, 5, 12, 14, 28, 64, 92, 148, 300])))
        port = rnd.choice(PORTS[1:])
        for d in DETECTORS:
            if d.sniff is None or port == 0:
                continue
            det = d.sniff(data, 50000, port, bool(rnd.getrandbits(1)))
            if det is not None and det.confidence != "low":
                claims += 1
    assert claims <= 2


def test_protocol_lookalikes_not_claimed():
    """HTTP on 1194, QUIC on 443, TLS to an unrelated SNI, SIP on 5060, DNS on 53."""
    for data, port in ((P.HTTP_GET, 1194), (P.QUIC_INITIAL, 443), (P.client_hello(sni="www.example.com"), 443),
                       (P.server_flight((P.OTHER_CERT,)), 443), (P.SIP_REGISTER, 5060), (P.DNS_QUERY, 53)):
        for d in DETECTORS:
            if d.sniff is not None:
                assert d.sniff(data, 50000, port, True) is None, (d.name, port)
                assert d.sniff(data, port, 50000, False) is None, (d.name, port)


def test_sniffers_survive_truncation():
    samples = [P.wg_initiation(), P.ovpn_server_reset(), P.ikev1_aggressive(), P.l2tp_sccrq(), P.pptp_sccrq(),
               P.client_hello(alpn=("anydesk/1",)), P.server_flight((P.ANYNET_RELAY,)), P.rdp_cr(),
               P.TR069_INFORM, P.GOIP_KEEPALIVE, P.todesk_login(), P.FRP_LOGIN, P.zerotier_hello()]
    for s in samples:
        for n in range(0, len(s), 3):
            for d in DETECTORS:
                if d.sniff is not None:
                    d.sniff(s[:n], 1, 2, True)
                    d.sniff(s[:n], 0, 0, True)
    assert os.sep  # reached without an exception
