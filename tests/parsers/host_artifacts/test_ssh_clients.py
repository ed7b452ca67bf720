"""PuTTY/WinSCP registry exports (UTF-16 LE), WinSCP.ini, OpenSSH files."""

from forensics.model.remote import RemoteEvent, RemoteToolConfig, TunnelConfig, detail_get
from parsers.host_artifacts import openssh, putty_winscp

from .helpers import canonical, check_golden, dumps, run, sniff_file

REG = "putty_winscp/putty_winscp.reg"


def test_sniff():
    assert open(f"tests/fixtures/host_artifacts/{REG}", "rb").read(2) == b"\xff\xfe"
    assert sniff_file(putty_winscp.PARSER, REG)
    assert sniff_file(putty_winscp.PARSER, "putty_winscp/WinSCP.ini")
    assert sniff_file(openssh.PARSER, "openssh/known_hosts")
    assert sniff_file(openssh.PARSER, "openssh/config")
    for f in ("negative_settings.ini", "negative_generic.log", "negative_app.toml"):
        assert not sniff_file(putty_winscp.PARSER, f) and not sniff_file(openssh.PARSER, f), f


def test_utf16_reg_sessions_forwardings_and_host_keys():
    recs, ctx = run(putty_winscp.PARSER, REG)
    cfgs = [r for r in recs if isinstance(r, RemoteToolConfig)]
    assert [(c.tool, c.servers, c.user, detail_get(c.detail, "session")) for c in cfgs] == [
        ("putty", ("203.0.113.7:22",), "root", "hk relay"),
        ("winscp", ("198.51.100.8:22",), "op", "op@198.51.100.8"),
    ]
    assert cfgs[1].secret_names == ("Password",)
    (tun,) = [r for r in recs if isinstance(r, TunnelConfig)]
    assert detail_get(tun.detail, "forwardings") == "D1080,L13389=10.8.0.5:3389"
    keys = [r for r in recs if isinstance(r, RemoteEvent)]
    assert [(k.peer_ip, k.peer_port, detail_get(k.detail, "host")) for k in keys] == [
        ("203.0.113.7", 22, "203.0.113.7"), (None, 2222, "jump.example-op.net")]
    assert [(w.code, w.line) for w in ctx.warnings] == [("reg-bad-hostkey-name", 13)]
    assert "WINSCPOBFUSCATED" not in dumps(canonical(recs, ctx))


def test_winscp_ini():
    (cfg,), ctx = run(putty_winscp.PARSER, "putty_winscp/WinSCP.ini")
    assert (cfg.servers, cfg.user, detail_get(cfg.detail, "session")) == (("203.0.113.9:2222",), "admin", "ops box")
    assert "INIOBFUSCATED" not in str(cfg.to_json())


def test_known_hosts():
    recs, ctx = run(openssh.PARSER, "openssh/known_hosts")
    assert [(r.peer_ip, r.peer_port, detail_get(r.detail, "host")) for r in recs] == [
        ("203.0.113.7", 22, "203.0.113.7"),
        (None, 2222, "vps.example-op.net"),
        ("198.51.100.12", 2222, "198.51.100.12"),
    ]
    assert ctx.stats["hashed_known_hosts"] == 1
    assert [(w.code, w.line) for w in ctx.warnings] == [("known-hosts-bad-line", 4)]


def test_ssh_config_blocks_and_forwards():
    recs, _ = run(openssh.PARSER, "openssh/config")
    cfgs = [r for r in recs if isinstance(r, RemoteToolConfig)]
    assert [(c.servers, c.user) for c in cfgs] == [(("203.0.113.7:22",), "root"), (("192.168.1.1:22",), "admin")]
    (tun,) = [r for r in recs if isinstance(r, TunnelConfig)]
    assert tun.peers[0].host == "203.0.113.7"
    assert ("dynamicforward", "1080") in tun.detail and ("localforward", "13389 10.8.0.5:3389") in tun.detail


def test_golden():
    check_golden(putty_winscp.PARSER, REG)
    check_golden(openssh.PARSER, "openssh/known_hosts")
