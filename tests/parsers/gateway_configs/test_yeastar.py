"""Yeastar TA provisioning XML."""

from gw_helpers import run


def test_ta400() -> None:
    _, (cfg,), ctx = run("yeastar-ta400.xml")
    assert (cfg.model, cfg.lan_ip) == ("TA400", "192.168.5.150")
    assert [(a.username, a.display_name, a.line_number) for a in cfg.accounts] == [
        ("3001", "客服1", "073150020001"), ("3002", "客服2", "073150020002")]
    assert cfg.ports[0].inbound_target == "8000" and cfg.ports[1].inbound_target is None
    roles = {(s.role, s.host, s.port) for s in cfg.sip_servers}
    assert ("registrar", "sip.callcentre.example", 6060) in roles
    assert ("backup_registrar", "198.51.100.20", 5060) in roles
    assert ctx.warnings == []


def test_ta810_inferred_fxo_warns() -> None:
    _, (cfg,), ctx = run("yeastar-ta810-INFERRED.xml")
    assert [w.code for w in ctx.warnings] == ["yeastar-fxo-inferred"]
    assert [p.kind for p in cfg.ports] == ["fxo", "fxo"]
    assert cfg.accounts[0].server_ref == "203.0.113.66:5080"


def test_ta200_variant() -> None:
    _, (cfg,), _ = run("yeastar-ta200-variant.xml")
    assert cfg.ports[0].inbound_target == "9999"  # hotline disabled -> forward destination
    trunk = next(a for a in cfg.accounts if a.id == "trunk1")
    assert (trunk.username, trunk.auth_id) == ("ta200trunk", "ta200auth")
    assert cfg.sip_servers[0].transport == "tcp"
