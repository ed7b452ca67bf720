"""Fanvil / ATCOM legacy "VOIP CONFIG FILE"."""

from gw_helpers import run


def test_legacy_voipcfg() -> None:
    _, (cfg,), ctx = run("fanvil-legacy-voipcfg.txt")
    acc = cfg.accounts[0]
    assert (acc.username, acc.line_number, acc.server_ref) == (
        "fv-line1", "073150070001", "sip.callcentre.example:6060")
    assert cfg.ports[0].inbound_target == "8000"
    assert cfg.media_crypto is not None and cfg.media_crypto.signalling == "enc 1"
    assert (cfg.vpn[0].type, cfg.vpn[0].server, cfg.vpn[0].user) == (
        "l2tp", "vpn.example.org", "l2tpuser")
    assert cfg.routes[0].destination == "203.0.113.66:5080"
    assert {"signalling-obfuscation", "vpn-client", "pppoe-account"} <= {
        i.code for i in cfg.indicators}
    assert ctx.warnings == []


def test_variant_truncated_pptp() -> None:
    _, (cfg,), ctx = run("fanvil-legacy-variant.txt")
    assert [w.code for w in ctx.warnings] == ["config-bad-line", "config-truncated"]
    assert cfg.media_crypto is None
    assert cfg.sip_servers[0].transport == "tcp"
    assert cfg.vpn[0].type == "pptp"
