"""Patton SmartNode CLI configuration."""

from gw_helpers import run

from forensics.model.core import Secret


def test_sn4114() -> None:
    _, (cfg,), ctx = run("patton-sn4114-fxo.cfg")
    assert (cfg.model, cfg.firmware, cfg.mac) == ("SN4114/JO/EUI", "R6.11", "00:a0:ba:0c:1d:2e")
    acc = cfg.accounts[0]
    assert (acc.username, acc.auth_id, acc.server_ref) == (
        "073150010001", "hn-fxo-01", "sip.callcentre.example:6060")
    assert acc.password == Secret.of("Fxo01-Secret")
    ip2tel = [r for r in cfg.routes if r.direction == "ip_to_tel"]
    assert [(r.match_callee, r.destination) for r in ip2tel] == [
        ("1[3-9].........", "fxo port 1"), ("0.T", "fxo port 2"), ("default", "fxo port 3")]
    assert [r.line for r in ip2tel] == [56, 57, 58]
    assert len([r for r in cfg.routes if r.direction == "tel_to_ip"]) == 3
    assert [p.index for p in cfg.ports] == [1, 2, 3]
    assert {m.kind for m in cfg.management} >= {"provisioning", "syslog", "web", "admin"}
    assert ctx.warnings == []


def test_encrypted_password_variant() -> None:
    _, (cfg,), _ = run("patton-sn4112-variant.cfg")
    assert cfg.model == "SN4112/JS/EUI"
    assert "administrator root password" in {s.path for s in cfg.secrets}
    assert cfg.routes[0].match_caller == "192.0.2.200:5070"
    assert cfg.accounts[0].password == Secret.of("LineA-Pw-1")
