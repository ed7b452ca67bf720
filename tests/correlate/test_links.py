"""The links rule: what ties devices (and dens) together, with its evidence."""

from __future__ import annotations

import _build as B

from forensics.correlate.links import rule_links


def _links(c):  # type: ignore[no-untyped-def]
    return {(ln["kind"], ln["value"]): ln for ln in c.out["links"]}


def _op(ip: str, devices: list[str], reserved: bool = False) -> dict:
    return {"ip": ip, "devices": devices, "roles": ["tunnel"], "country": None if reserved else "KH",
            "overseas": not reserved, "reserved": reserved, "device_roles": {d: ["tunnel"] for d in devices},
            "sources": [{"evidence": "E5", "frame": 1}, {"evidence": "E5", "frame": 1}]}


def test_same_operator_skips_private_and_single_device() -> None:
    c = B.case()
    c.out["operators"] = [_op("103.216.48.10", ["GW-A", "GW-B"]), _op("10.8.0.1", ["LAP-A", "LAP-B"], reserved=True),
                          _op("60.248.10.5", ["LAP-A"])]
    rule_links(c)
    links = _links(c)
    assert sorted(links) == [("same-operator", "103.216.48.10")]
    row = links[("same-operator", "103.216.48.10")]
    assert (row["devices"], row["country"], row["overseas"]) == (["GW-A", "GW-B"], "KH", True)
    assert row["sources"] == [{"evidence": "E5", "frame": 1}]  # duplicates dropped


def test_same_registrar_from_traffic_and_config_and_same_sip_account() -> None:
    cfg_a = B.config("E1", accounts=[B.account("8100101", line=4)], servers=[B.server("SIP.VOS.example", line=5)])
    cfg_b = B.config("E2", accounts=[B.account("8100101", line=9)], servers=[B.server("sip.vos.example", line=3),
                                                                           B.server("203.0.113.99", role="relay")])
    c = B.case([B.device("GW-A"), B.device("GW-B")], [cfg_a, cfg_b], {"E1": "GW-A", "E2": "GW-B"})
    c.out["sip_registrations"] = [
        {"device": "GW-A", "username": "u1", "registrar": {"ip": "203.0.113.10"}, "sources": [{"evidence": "E5", "frame": 3}]},
        {"device": "GW-C", "username": "u2", "registrar": {"ip": "203.0.113.10"}, "sources": [{"evidence": "E6", "frame": 1}]},
        {"device": None, "username": "u1", "registrar": {"ip": "203.0.113.10"}, "sources": [{"evidence": "E6", "frame": 8}]},
    ]
    rule_links(c)
    links = _links(c)
    assert sorted(links) == [("same-registrar", "203.0.113.10"), ("same-registrar", "sip.vos.example"),
                             ("same-sip-account", "8100101")]
    traffic = links[("same-registrar", "203.0.113.10")]
    assert (traffic["devices"], traffic["basis"]) == (["GW-A", "GW-C"], ["traffic"])
    conf = links[("same-registrar", "sip.vos.example")]
    assert (conf["devices"], conf["basis"], conf["sources"]) == (
        ["GW-A", "GW-B"], ["config"], [{"evidence": "E1", "line": 5}, {"evidence": "E2", "line": 3}])
    acct = links[("same-sip-account", "8100101")]
    assert acct["sources"] == [{"evidence": "E1", "line": 4}, {"evidence": "E2", "line": 9}]


def test_same_remote_id_per_tool() -> None:
    c = B.case()
    c.out["remote_sessions"] = [
        {"device": "LAP-A", "tool": "anydesk", "remote_id": "583920117", "sources": [{"evidence": "E2", "line": 2}]},
        {"device": "LAP-B", "tool": "anydesk", "remote_id": "583920117", "sources": [{"evidence": "E7", "line": 5}]},
        {"device": "LAP-B", "tool": "todesk", "remote_id": "583920117", "sources": [{"evidence": "E8", "line": 1}]},
    ]
    rule_links(c)
    assert [(ln["kind"], ln["value"], ln["tool"], ln["devices"]) for ln in c.out["links"]] == [
        ("same-remote-id", "583920117", "anydesk", ["LAP-A", "LAP-B"])]
