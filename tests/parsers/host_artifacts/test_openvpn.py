"""OpenVPN .ovpn profiles."""

from parsers.host_artifacts import openvpn

from .helpers import canonical, check_golden, dumps, run, sniff_file


def test_sniff():
    assert sniff_file(openvpn.PARSER, "openvpn/op-hk.ovpn")
    assert not sniff_file(openvpn.PARSER, "negative_settings.ini")
    assert not sniff_file(openvpn.PARSER, "wireguard/wg-op.conf")


def test_remotes_with_defaults():
    (cfg,), ctx = run(openvpn.PARSER, "openvpn/op-hk.ovpn")
    assert ctx.warnings == []
    assert [(p.host, p.port, p.transport) for p in cfg.peers] == [
        ("vpn1.example-op.net", 1194, "udp"),
        ("203.0.113.10", 443, "tcp"),
        ("203.0.113.11", 1194, "udp"),
    ]
    assert cfg.secret_names == ("key", "tls-auth")
    assert ("inline.ca", "present") in cfg.detail


def test_no_key_material_in_output():
    recs, ctx = run(openvpn.PARSER, "openvpn/op-hk.ovpn")
    out = dumps(canonical(recs, ctx))
    assert "OVPN-PRIVATE-KEY" not in out and "TLSAUTHSECRET" not in out


def test_truncated_profile_warns_and_keeps_peers():
    (cfg,), ctx = run(openvpn.PARSER, "openvpn/truncated.ovpn")
    assert [(w.code, w.line) for w in ctx.warnings] == [("openvpn-unclosed-inline", 21)]
    assert len(cfg.peers) == 3 and "tls-auth" in cfg.secret_names


def test_golden():
    check_golden(openvpn.PARSER, "openvpn/op-hk.ovpn")
