"""DBL / GoIP KEY="value" dumps, GBK text, RC4-encrypted copies."""

from gw_helpers import run

from forensics.model.core import Secret
from parsers.gateway_configs.dbl_goip import rc4


def test_rc4_known_vector() -> None:
    # RFC 6229-style check with the classic "Key"/"Plaintext" vector
    assert rc4(b"Key", b"Plaintext").hex() == "bbf316e8d940af0ad3"


def test_goip8_line_mode() -> None:
    _, (cfg,), ctx = run("dbl-goip8.txt")
    assert (cfg.vendor, cfg.model) == ("DBL", "GoIP-8")
    assert len(cfg.accounts) == 8
    a1 = cfg.accounts[0]
    assert (a1.id, a1.port, a1.username, a1.auth_id) == ("line1", 1, "900101", "goip8-01")
    assert a1.line_number == "13907310001"
    assert a1.password == Secret.of("Ln1-Secret!")
    roles = {(s.role, s.host, s.port) for s in cfg.sip_servers}
    assert ("backup_registrar", "198.51.100.31", 5080) in roles
    assert ("relay", "relay.example.net", 8090) in roles
    rt = next(m for m in cfg.management if m.kind == "remote_tunnel")
    assert (rt.target, rt.detail) == ("radmin.example.com:1920", "radmin id GOIP8-SN0001")
    assert cfg.vpn[0].type == "pptp" and cfg.vpn[0].server == "vpn.example.org"
    assert cfg.media_crypto and cfg.media_crypto.signalling == "RC4"
    assert len(cfg.sms) == 8 and cfg.sms[0].port == 44444
    assert cfg.ports[0].imei == "860100000000001"
    codes = {i.code for i in cfg.indicators}
    assert {"imei-override", "remote-tunnel", "signalling-obfuscation", "relay-server",
            "vpn-client", "random-sip-port", "pstn-out-enabled", "ip-to-tel-route"} <= codes
    wl = [r for r in cfg.routes if r.match_caller == "203.0.113.66"]
    assert len(wl) == 8 and wl[0].direction == "ip_to_tel"
    assert ctx.warnings == []


def test_rc4_autocfg_equals_plain() -> None:
    _, (plain,), _ = run("dbl-goip8.txt")
    _, (enc,), ctx = run("dbl-goip8-autocfg-rc4.bin")
    assert enc.format == "dbl-kv-rc4"
    assert [w.code for w in ctx.warnings] == ["dbl-rc4-decrypted"]
    assert enc.accounts == tuple(a.__class__(**{**{f: getattr(a, f) for f in a.__slots__},
                                                "line": a.line - 5})
                                 for a in plain.accounts)  # the plain copy has 5 comment lines


def test_admin_password_at_dbl_key() -> None:
    _, (cfg,), ctx = run("dbl-goip4-rc4-adminkey.bin", keys=("Adm1n-Pw",))
    assert "examiner key 1 + '@dbl'" in ctx.warnings[0].message
    assert cfg.accounts[0].display_name == "京东客服"


def test_fxo4_gbk() -> None:
    _, (cfg,), _ = run("dbl-fxo4-gbk.txt")
    assert cfg.encoding == "gb18030"
    assert cfg.model == "DBL FXO-4"
    assert cfg.accounts[0].display_name == "湖南固话一线"
    assert [p.kind for p in cfg.ports] == ["fxo"] * 4
    assert cfg.nat is not None and cfg.nat.stun_server == "stun.example.net"


def test_single_mode_variant() -> None:
    _, (cfg,), ctx = run("dbl-goip4-single-variant.txt")
    assert cfg.accounts[0].id == "single"
    assert cfg.accounts[0].server_ref == "203.0.113.90:5090"
    assert {i.code for i in cfg.indicators} >= {"sim-bank", "signalling-obfuscation"}
    assert cfg.media_crypto is not None and cfg.media_crypto.rtp is None
    assert cfg.ports[0].out_enabled is False
    assert [w.line for w in ctx.warnings if w.code == "config-bad-line"] == [19]
