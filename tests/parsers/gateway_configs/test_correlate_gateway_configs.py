"""forensics.correlate.gateway_configs: rows, same-password links, attribution helpers."""

from dataclasses import replace

from gw_helpers import run

from forensics.correlate.context import CaseData
from forensics.correlate.gateway_configs import (
    config_hosts,
    config_usernames,
    rule_gateway_configs,
)


def _cfg(fixture: str, ev: str):
    _, (cfg,), _ = run(fixture)
    return replace(cfg, prov=replace(cfg.prov, evidence_id=ev))


def test_rows_and_same_password_link() -> None:
    a = _cfg("asterisk-sip.conf", "E1")
    b = _cfg("freeswitch-sofia-gateway.xml", "E2")  # same Trk01/Trk02 secrets
    case = CaseData(manifest=None, evidence=[], records=[b, a])
    case.evidence_device = {"E1": "D1", "E2": "D2"}
    rule_gateway_configs(case)
    rows = case.out["gateway_configs"]
    assert [(r["evidence"], r["device"], r["vendor"]) for r in rows] == [
        ("E1", "D1", "Asterisk"), ("E2", "D2", "FreeSWITCH")]
    assert rows[0]["sources"][0] == {"evidence": "E1", "offset": 0}
    assert {"evidence": "E1", "line": 16} in rows[0]["sources"]
    links = case.out["links"]
    assert len(links) == 2
    assert all(lk["kind"] == "same-password" and lk["devices"] == ["D1", "D2"] for lk in links)
    assert {lk["value"] for lk in links} == {"bc6a3f5a", "bb046254"}
    assert "Trk01-Secret" not in repr(case.out)


def test_no_link_within_one_device() -> None:
    a = _cfg("asterisk-sip.conf", "E1")
    b = _cfg("asterisk-pjsip.conf", "E2")
    case = CaseData(manifest=None, evidence=[], records=[a, b])
    case.evidence_device = {"E1": "D1", "E2": "D1"}
    rule_gateway_configs(case)
    assert case.out["links"] == []


def test_attribution_helpers() -> None:
    _, (gs,), _ = run("grandstream-gxw4104.xml")
    assert config_hosts(gs) == ({"00:0b:82:a1:b2:c3"}, {"203.0.113.45"})
    _, (dbl,), _ = run("dbl-fxo4.txt")
    assert {"073150000001", "fxo-1"} <= config_usernames(dbl)
