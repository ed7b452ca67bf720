"""Generic fallback on the INFERRED samples and a hand-written variant."""

from gw_helpers import run


def test_dinstar_inferred() -> None:
    _, (cfg,), _ = run("dinstar-dag2000-16o-INFERRED.txt")
    assert (cfg.confidence, cfg.vendor, cfg.model) == ("low", "Dinstar", "DAG2000-16O")
    assert cfg.mac == "02:44:53:11:22:33"
    assert {(s.role, s.host, s.port) for s in cfg.sip_servers} == {
        ("registrar", "sip.callcentre.example", 6060), ("backup_registrar", "198.51.100.20", 5060),
        ("outbound_proxy", "198.51.100.30", 5080), ("trunk_peer", "203.0.113.66", 5080)}
    assert [(a.port, a.username, a.auth_id) for a in cfg.accounts] == [
        (1, "073150050001", "ds-fxo-00"), (2, "073150050002", "ds-fxo-01"),
        (None, "073150050000", "ds-group-0")]
    assert cfg.routes[0].direction == "ip_to_tel"


def test_newrock_inferred() -> None:
    _, (cfg,), _ = run("newrock-mx8-INFERRED.txt")
    assert cfg.vendor == "New Rock"
    assert ("proxy", "sip.callcentre.example", 6060) in {
        (s.role, s.host, s.port) for s in cfg.sip_servers}
    assert [a.username for a in cfg.accounts] == ["nr-fxo-01", "nr-fxo-02"]
    ip2tel = [r for r in cfg.routes if r.direction == "ip_to_tel"]
    assert [r.raw for r in ip2tel][1] == "IP[203.0.113.66] 1[3-9]xxxxxxxxx ROUTE FXO 1-4"
    assert "vendor-cloud" in {i.code for i in cfg.indicators}
    assert "xxxxxxx" not in {s.host for s in cfg.sip_servers}


def test_synway_inferred() -> None:
    _, (cfg,), _ = run("synway-smg1008-INFERRED.ini")
    assert ("registrar", "sip.callcentre.example", 6060) in {
        (s.role, s.host, s.port) for s in cfg.sip_servers}
    assert [(a.username, a.auth_id) for a in cfg.accounts] == [
        ("073150060001", "sw-fxo-1"), ("073150060002", "sw-fxo-2")]
    assert (cfg.vpn[0].type, cfg.vpn[0].port) == ("openvpn", 1194)


def test_variant_flat_keys() -> None:
    _, (cfg,), _ = run("generic-kv-variant.txt")
    assert cfg.vendor == "unknown"
    assert ("registrar", "192.0.2.91", 5062) in {(s.role, s.host, s.port) for s in cfg.sip_servers}
    assert ("outbound_proxy", "192.0.2.92", 5063) in {
        (s.role, s.host, s.port) for s in cfg.sip_servers}
    assert (cfg.accounts[0].username, cfg.accounts[0].auth_id) == ("xg-line-1", "xg-auth-1")
