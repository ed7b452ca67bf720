"""The operators rule: roles per device, geolocation, what counts as overseas."""

from __future__ import annotations

import _build as B

from forensics.correlate.operators import rule_operators
from forensics.model.network import DnsAnswer

KH, HK, MO, TW, CN = "103.216.48.10", "1.64.33.9", "202.175.3.77", "60.248.10.5", "114.114.114.114"


def _ops(c):  # type: ignore[no-untyped-def]
    return {o["ip"]: o for o in c.out["operators"]}


def test_roles_from_every_list_and_device_hosts_excluded() -> None:
    c = B.case([B.device("GW"), B.device("LAP", "laptop")])
    c.host_device = {"192.168.1.20": "GW"}
    c.out["sip_registrations"] = [{"device": "GW", "registrar": {"ip": KH, "port": 5060}, "first_seen": "2024-08-17T02:00:00.000000Z",
                                   "last_seen": "2024-08-17T05:00:00.000000Z", "sources": [{"evidence": "E1", "frame": 1}]}]
    c.out["calls"] = [B.call_row("c1", "GW", "+8613800000001", "2024-08-17T01:00:00.000000Z", peer=KH),
                      B.call_row("c2", "GW", None, "2024-08-17T06:00:00.000000Z", direction="from_pstn", peer=HK),
                      B.call_row("c3", "GW", None, "2024-08-17T06:00:00.000000Z", peer="192.168.1.20")]
    c.out["remote_sessions"] = [{"device": "LAP", "peer": {"ip": TW, "port": 443}, "first_seen": None, "last_seen": None,
                                 "sources": [{"evidence": "E2", "line": 3}]}]
    c.out["tunnels"] = [{"device": "LAP", "peer": {"ip": "10.66.0.1", "port": 51820}, "first_seen": None,
                         "last_seen": None, "sources": [{"evidence": "E3", "line": 7}]}]
    rule_operators(c)
    ops = _ops(c)
    assert sorted(ops) == ["1.64.33.9", "10.66.0.1", KH, TW]
    assert (ops[KH]["roles"], ops[KH]["devices"], ops[KH]["first_seen"], ops[KH]["last_seen"]) == (
        ["call_origin", "sip_registrar"], ["GW"], "2024-08-17T01:00:00.000000Z", "2024-08-17T05:00:00.000000Z")
    assert ops[HK]["roles"] == ["sip_proxy"]
    assert (ops[TW]["roles"], ops[TW]["device_roles"]) == (["remote_control"], {"LAP": ["remote_control"]})
    private = ops["10.66.0.1"]
    assert (private["roles"], private["reserved"], private["overseas"], private["country"]) == (["tunnel"], True, False, None)
    assert all(o["geo_source"] for o in ops.values())
    assert c.facts["databases"] == [ops[KH]["geo_source"]]


def test_hong_kong_macau_taiwan_are_overseas_from_cn_and_home_is_not() -> None:
    c = B.case([B.device("GW")])
    c.out["calls"] = [B.call_row(f"c{i}", "GW", None, "2024-08-17T01:00:00.000000Z", peer=ip)
                      for i, ip in enumerate((HK, MO, TW, CN, "198.51.100.7"))]
    rule_operators(c)
    got = {ip: (o["country"], o["overseas"]) for ip, o in _ops(c).items()}
    assert got == {HK: ("HK", True), MO: ("MO", True), TW: ("TW", True), CN: ("CN", False),
                   "198.51.100.7": (None, False)}


def test_home_country_from_the_manifest() -> None:
    c = B.case([B.device("GW")], home="HK")
    c.out["calls"] = [B.call_row("c1", "GW", None, "2024-08-17T01:00:00.000000Z", peer=HK),
                      B.call_row("c2", "GW", None, "2024-08-17T01:00:00.000000Z", peer=CN)]
    rule_operators(c)
    assert {ip: o["overseas"] for ip, o in _ops(c).items()} == {HK: False, CN: True}


def test_configured_servers_cite_their_line_and_names_resolve_through_dns() -> None:
    cfg = B.config("E1", servers=[B.server("sip.vos.example", line=12), B.server(KH, role="proxy", line=13)],
                   management=[B.mgmt(f"http://{MO}:7547/acs", line=20), B.mgmt("[2001:db8::5]:7547", line=21)])
    dns = DnsAnswer(prov=B.prov("E2", frame=9), ts_ns=B.T0, name="sip.vos.example", address=TW)
    c = B.case([B.device("GW")], [cfg, dns], {"E1": "GW"})
    rule_operators(c)
    ops = _ops(c)
    assert (ops[TW]["roles"], ops[TW]["sources"]) == (["configured_server"], [{"evidence": "E1", "line": 12}])
    assert ops[MO]["sources"] == [{"evidence": "E1", "line": 20}]
    assert ops["2001:db8::5"]["roles"] == ["management"] and ops["2001:db8::5"]["overseas"] is False
    assert (ops[KH]["roles"], ops[KH]["devices"], ops[KH]["sources"]) == (
        ["configured_server"], ["GW"], [{"evidence": "E1", "line": 13}])
