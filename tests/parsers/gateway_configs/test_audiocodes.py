"""AudioCodes ini: header identity, FORMAT tables, $1$ secrets, hidden elements."""

from gw_helpers import run


def test_mp118_ini() -> None:
    _, (cfg,), ctx = run("audiocodes-mp118-fxo.ini")
    assert (cfg.model, cfg.serial, cfg.firmware, cfg.lan_ip) == (
        "MP-118 FXO", "4051234", "6.60A.367.005", "192.168.1.20")
    ports = {a.port: a for a in cfg.accounts if a.port}
    assert ports[1].username == "hn-fxo-01" and ports[1].line_number == "073150010001"
    assert ports[1].display_name == "JD-Service"
    p = {x.index: x for x in cfg.ports}
    assert p[1].inbound_target == "9000" and p[3].inbound_target is None
    assert p[7].line_number == "073150010007"  # FirstPhoneNumber 073150010005 + 2
    assert ("proxy", "203.0.113.66", 6060) in {(s.role, s.host, s.port) for s in cfg.sip_servers}
    ip2tel = [r for r in cfg.routes if r.direction == "ip_to_tel"]
    assert ip2tel[0].match_caller == "203.0.113.66" and ip2tel[1].match_caller is None
    assert {"TR069ACSPASSWORD", "PASSWORD", "Authentication 0.UserPassword"} <= {
        s.path for s in cfg.secrets}
    assert [(w.code, w.line) for w in ctx.warnings] == [
        ("audiocodes-hidden-param", 41), ("audiocodes-hidden-param", 62),
        ("audiocodes-hidden-table", 165)]
    telnet = next(m for m in cfg.management if m.kind == "telnet")
    assert (telnet.target, telnet.enabled) == ("2323", True)


def test_legacy_variant() -> None:
    _, (cfg,), ctx = run("audiocodes-mp114-variant.ini")
    assert cfg.sip_servers[0].transport == "tcp"
    assert cfg.accounts[0].username == "mp114-fxs"
    assert cfg.accounts[0].password.length == len("Mp114-Plain-Pw")
    assert [(w.code, w.line) for w in ctx.warnings] == [("audiocodes-bad-row", 18)]
    assert cfg.ports[0].index == 3 and cfg.ports[0].inbound_target == "7000"
