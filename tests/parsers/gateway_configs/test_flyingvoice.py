"""Flyingvoice / Yealink-style cfg."""

from gw_helpers import run


def test_p10lte() -> None:
    _, (cfg,), ctx = run("flyingvoice-p10lte.cfg")
    acc = cfg.accounts[0]
    assert (acc.username, acc.auth_id, acc.server_ref) == (
        "900201", "lte-auth-01", "sip.callcentre.example:6060")
    assert [m.kind for m in cfg.management][:3] == ["tr069", "provisioning", "firmware"]
    assert cfg.vpn[0].type == "openvpn" and cfg.vpn[0].server == "203.0.113.50"
    assert "static.security.user_password" in {s.path for s in cfg.secrets}
    assert ctx.warnings == []


def test_variant_two_accounts() -> None:
    _, (cfg,), _ = run("yealink-style-variant.cfg")
    assert [(a.id, a.register) for a in cfg.accounts] == [("account1", False),
                                                        ("account2", None)]
    assert ("registrar", "192.0.2.44", 5061, "tls") in {
        (s.role, s.host, s.port, s.transport) for s in cfg.sip_servers}
    assert "outbound_proxy" not in {s.role for s in cfg.sip_servers}
