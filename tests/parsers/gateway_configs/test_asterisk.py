"""Asterisk sip.conf, pjsip.conf, extensions.conf, chan_dahdi.conf."""

from gw_helpers import run

from forensics.model.core import Secret


def test_sip_conf() -> None:
    _, (cfg,), _ = run("asterisk-sip.conf")
    r1 = cfg.accounts[0]
    assert (r1.username, r1.auth_id, r1.server_ref) == (
        "jd-trunk01", "auth-trunk01", "sip.callcentre.example:6060")
    assert r1.password == Secret.of("Trk01-Secret")
    assert cfg.sip_servers[0].transport == "udp"
    ids = {a.id for a in cfg.accounts}
    assert "peer:agent01" in ids and "peer:callcentre" not in ids  # template skipped
    assert cfg.nat is not None and cfg.nat.public_ip == "203.0.113.45"


def test_sip_variant_templates() -> None:
    _, (cfg,), _ = run("asterisk-sip-variant.conf")
    peer = next(a for a in cfg.accounts if a.id == "peer:trunk-a")
    assert peer.username == "trunka" and peer.server_ref == "192.0.2.61:5066"
    assert cfg.sip_servers[0].transport == "tls"


def test_pjsip() -> None:
    _, (cfg,), _ = run("asterisk-pjsip.conf")
    acc = cfg.accounts[0]
    assert (acc.username, acc.auth_id) == ("jd-trunk01", "auth-trunk01")
    assert ("outbound_proxy", "198.51.100.30", 5080) in {
        (s.role, s.host, s.port) for s in cfg.sip_servers}


def test_extensions_ip_to_tel() -> None:
    _, (cfg,), _ = run("asterisk-extensions.conf")
    ip2tel = [r for r in cfg.routes if r.direction == "ip_to_tel"]
    assert [r.match_callee for r in ip2tel] == ["_99X.", "_1[3-9]XXXXXXXXX", "_0731XXXXXXXX"]
    assert ip2tel[0].destination == "DAHDI/g1/${EXTEN:2}"  # ${PSTN_GROUP} from [globals]
    tel2ip = [r for r in cfg.routes if r.direction == "tel_to_ip"]
    assert tel2ip[0].destination == "PJSIP/overseas/9000"
    assert "fixed-caller-id" in {i.code for i in cfg.indicators}


def test_chan_dahdi_fxo_ports() -> None:
    _, (cfg,), _ = run("asterisk-chan_dahdi.conf")
    assert [(p.index, p.kind) for p in cfg.ports] == [(i, "fxo") for i in range(1, 6)]
    assert cfg.ports[0].inbound_target == "context from-pstn"
