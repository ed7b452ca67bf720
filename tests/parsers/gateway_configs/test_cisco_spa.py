"""Cisco/Linksys SPA flat-profile XML, SPC text and encrypted profiles."""

from gw_helpers import run, run_source

from parsers.base import Source


def test_spa3102_flat_profile() -> None:
    _, (cfg,), ctx = run("cisco-spa3102.xml")
    assert (cfg.model, cfg.hostname) == ("SPA3102", "SipuraSPA")
    pstn = next(a for a in cfg.accounts if a.id == "line2")
    assert (pstn.username, pstn.server_ref) == ("073150012345", "203.0.113.66:5080")
    assert [p.kind for p in cfg.ports] == ["fxs", "pstn"]
    ip2tel = next(r for r in cfg.routes if r.direction == "ip_to_tel")
    assert ip2tel.match_caller == "203.0.113.66,198.51.100.0/24"
    assert ip2tel.match_callee == "(<:0731>[2-9]xxxxxxx|1[3-9]xxxxxxxxx)"  # Dial_Plan_2_2__1_
    assert {"one-stage-dialing", "pstn-out-enabled", "pppoe-account"} <= {
        i.code for i in cfg.indicators}
    rules = [m for m in cfg.management if m.kind == "provisioning"]
    assert rules[1].target == "http://203.0.113.50/spa$MA.cfg"
    assert rules[1].detail.startswith("AES-encrypted profile, key $B")
    assert {"GPP_B", "VoIP_Caller_1_PIN_1_", "GW1_Password_1_"} <= {s.path for s in cfg.secrets}
    assert ctx.warnings == []


def test_spc_text() -> None:
    _, (cfg,), _ = run("cisco-spa3102-spc.txt")
    assert cfg.format == "spa-spc-text"
    assert [(a.id, a.username) for a in cfg.accounts] == [("line1", "2001"),
                                                         ("line2", "073150012345")]
    assert cfg.accounts[0].line == 9


def test_spa112_variant_tls_and_disabled_outbound_proxy() -> None:
    _, (cfg,), _ = run("cisco-spa112-variant.xml")
    assert cfg.model is None or cfg.model == "SPA112"
    assert [(s.role, s.host, s.port, s.transport) for s in cfg.sip_servers] == [
        ("registrar", "sips.carrier-c.example", 5061, "tls"),
        ("proxy", "sips.carrier-c.example", 5061, "tls")]
    prov = next(m for m in cfg.management if m.kind == "provisioning")
    assert prov.target == "https://prov.example.org/spa112.cfg"
    assert "MyInlineKey99" not in (prov.detail or "")


def test_openssl_encrypted_profile_reported() -> None:
    src = Source.from_bytes(b"Salted__" + bytes(range(200)), "spa0011.cfg")
    name, records, ctx = run_source(src)
    assert name == "cisco_spa"
    assert records == []
    assert [w.code for w in ctx.warnings] == ["spa-encrypted-profile"]
