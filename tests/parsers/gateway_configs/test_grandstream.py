"""Grandstream P-value text, XML v1 (GXW410x) and XML v2 (kept raw)."""

from gw_helpers import run

from forensics.model.core import Secret


def test_ht813_pvalue_text() -> None:
    name, (cfg,), ctx = run("grandstream-ht813.txt")
    assert (cfg.vendor, cfg.model, cfg.format) == ("Grandstream", "HT813", "grandstream-pvalue")
    fxo = next(a for a in cfg.accounts if a.id == "profile2")
    assert (fxo.username, fxo.auth_id, fxo.port) == ("073150012345", "hn-fxo-01", 2)
    assert fxo.password == Secret.of("Fxo-Secret-01")
    assert fxo.line == 52  # "P735 = 073150012345"
    assert [p.kind for p in cfg.ports] == ["fxs", "pstn"]
    srv = {(s.role, s.host, s.port, s.transport) for s in cfg.sip_servers}
    assert ("registrar", "203.0.113.10", 5062, "tcp") in srv  # P830=1 -> TCP on HT8xx
    assert ("outbound_proxy", "203.0.113.11", 5062, "tcp") in srv
    tr069 = next(m for m in cfg.management if m.kind == "tr069")
    assert tr069.target == "https://acs.remote-mgmt.example.com:7547/tr069"
    assert tr069.enabled is True
    assert {"tr069-acs", "wan-access", "caller-id-impersonation"} <= {
        i.code for i in cfg.indicators}
    assert {s.path for s in cfg.secrets} >= {"P2", "P34", "P734", "P4505", "P4512", "P1361"}
    assert cfg.nat is not None and cfg.nat.traversal == "stun"
    assert ctx.warnings == []


def test_gxw4104_xml_v1() -> None:
    _, (cfg,), _ = run("grandstream-gxw4104.xml")
    assert cfg.format == "grandstream-xml-v1"
    assert cfg.mac == "00:0b:82:a1:b2:c3"
    assert cfg.model == "GXW410x"
    assert [(a.port, a.username, a.auth_id) for a in cfg.accounts] == [
        (1, "8073150001", "jd-line01"), (2, "8073150002", "jd-line02"),
        (3, "8073150003", "jd-line03"), (4, "8073150004", "jd-line04")]
    # port 4 uses profile 2 (P3153 = 3001)
    assert cfg.accounts[3].server_ref == "198.51.100.20"
    assert cfg.accounts[0].server_ref == "sip.voip-carrier.example:5070"
    assert [p.inbound_target for p in cfg.ports] == ["9001", "9001", "9002", "9002"]
    assert {s.transport for s in cfg.sip_servers} == {"udp"}  # GXW P130=1 -> UDP
    route = next(r for r in cfg.routes if r.direction == "ip_to_tel")
    assert route.match_callee == "{x+|*x+|0731xxxxxxxx|1[3-9]xxxxxxxxx}"
    assert "one-stage-dialing" in {i.code for i in cfg.indicators}
    assert cfg.accounts[0].line == 47  # <P3060>


def test_ht802_variant_no_spaces_crlf() -> None:
    _, (cfg,), ctx = run("grandstream-ht802-variant.txt")
    assert cfg.model == "HT802"
    assert [w.code for w in ctx.warnings] == ["config-bad-line"]
    assert ctx.warnings[0].line == 16
    assert [p.kind for p in cfg.ports] == ["fxs", "fxs"]
    assert cfg.accounts[1].register is False  # P401=0
    assert cfg.sip_servers[0].transport == "tls"  # P130=2
    acs = next(m for m in cfg.management if m.kind == "tr069")
    assert (acs.target, acs.enabled) == ("acs.gdms.cloud", False)
    assert "tr069-acs" not in {i.code for i in cfg.indicators}


def test_xml_v2_kept_raw() -> None:
    _, (cfg,), ctx = run("grandstream-xmlv2-variant.xml")
    assert cfg.format == "grandstream-xml-v2"
    assert [w.code for w in ctx.warnings] == ["grandstream-xml-v2-unmapped"]
    assert cfg.unmapped == 4
    assert {s.path for s in cfg.secrets} == {"account.1.sip.password", "admin.password"}
