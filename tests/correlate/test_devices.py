"""The devices rule: every attribution reason, conflicts, inferred devices."""

from __future__ import annotations

import _build as B

from forensics.correlate.devices import rule_devices


def _attr(c, dev_id):  # type: ignore[no-untyped-def]
    row = next(d for d in c.out["devices"] if d["id"] == dev_id)
    return [(a["host"], a["reason"]) for a in row["attribution"]], row


def test_manifest_address_cites_case_yaml() -> None:
    c = B.case([B.device("LAP", "laptop", ["192.168.1.30", "3C-52-82-AA-10-30"])])
    rule_devices(c)
    pairs, row = _attr(c, "LAP")
    assert pairs == [("192.168.1.30", "manifest"), ("3c:52:82:aa:10:30", "manifest")]
    assert row["attribution"][0]["sources"] == [{"evidence": "case.yaml"}]
    assert row["mac"] == "3c:52:82:aa:10:30"
    assert c.host_device == {"192.168.1.30": "LAP", "3c:52:82:aa:10:30": "LAP"}


def test_config_mac_reaches_the_ip_seen_with_it_and_config_ip() -> None:
    cfg = B.config("E1", mac="00:0b:82:5e:20:20", lan_ip="192.168.1.21", model="GXW4104", vendor="Grandstream")
    c = B.case([B.device("GW")], [cfg, B.host("E2", "192.168.1.20", "00:0b:82:5e:20:20", frame=4)], {"E1": "GW"})
    rule_devices(c)
    pairs, row = _attr(c, "GW")
    assert pairs == [("00:0b:82:5e:20:20", "config-mac"), ("192.168.1.20", "config-mac"),
                     ("192.168.1.21", "config-ip")]
    via = row["attribution"][1]
    assert via["mac"] == "00:0b:82:5e:20:20"
    assert via["sources"] == [{"evidence": "E1", "offset": 0}, {"evidence": "E2", "frame": 4}]
    assert (row["vendor"], row["model"], row["addresses"]) == ("Grandstream", "GXW4104", ["192.168.1.20", "192.168.1.21"])


def test_sip_account_by_auth_id_and_user_agent() -> None:
    cfg = B.config("E1", model="DBL FXO-4", accounts=[B.account("073158880001", auth_id="den-a-1")])
    reg = B.register("E2", "192.168.1.20", "other-user", frame=7, ua="DBL FXO-4 GST1610", auth="den-a-1")
    c = B.case([B.device("GW")], [cfg, reg], {"E1": "GW"})
    rule_devices(c)
    pairs, row = _attr(c, "GW")
    assert pairs == [("192.168.1.20", "sip-account"), ("192.168.1.20", "user-agent")]
    assert row["attribution"][0]["username"] == "den-a-1"
    assert row["attribution"][0]["sources"] == [{"evidence": "E2", "frame": 7}]
    assert row["attribution"][1]["user_agent"] == "DBL FXO-4 GST1610"
    assert row["user_agents"] == ["DBL FXO-4 GST1610"]


def test_shared_model_is_not_evidence() -> None:
    """Two seized gateways of the same model: a User-Agent naming it identifies neither."""
    cfgs = [B.config("E1", model="GXW4104"), B.config("E2", model="GXW4104")]
    reg = B.register("E3", "192.168.1.20", "9001", frame=1, ua="Grandstream GXW4104 1.4")
    c = B.case([B.device("GW-1"), B.device("GW-2")], [*cfgs, reg], {"E1": "GW-1", "E2": "GW-2"})
    rule_devices(c)
    assert c.device_of_host("192.168.1.20") == "inferred-192.168.1.20"
    assert c.warnings == []


def test_conflict_keeps_the_stronger_claim_and_warns() -> None:
    cfg = B.config("E1", accounts=[B.account("8100101")])
    reg = B.register("E3", "192.168.1.20", "8100101", frame=2)
    c = B.case([B.device("GW-1"), B.device("GW-2", addresses=["192.168.1.20"])], [cfg, reg], {"E1": "GW-1"})
    rule_devices(c)
    assert c.host_device["192.168.1.20"] == "GW-2"
    assert B.warnings(c) == [("attribution-conflict", ("host 192.168.1.20 in E3 matches several devices: kept GW-2 "
                              "(manifest); also GW-1 (sip-account)"))]
    assert _attr(c, "GW-1")[0] == []
    assert _attr(c, "GW-2")[0] == [("192.168.1.20", "manifest")]


def test_dhcp_lease_binds_mac_to_ip_and_names_device() -> None:
    """No frame shows the gateway's MAC with its address; the DHCP lease does."""
    cfg = B.config("E1", mac="00:1f:d6:3a:10:20", serial="DBL2024A0017")
    recs = [cfg, B.lease("E2", "00:1f:d6:3a:10:20", "fxo-DBL2024A0017", "192.168.1.20", frame=3)]
    c = B.case([B.device("GW")], recs, {"E1": "GW"})
    rule_devices(c)
    pairs, row = _attr(c, "GW")
    assert pairs == [("00:1f:d6:3a:10:20", "config-mac"), ("00:1f:d6:3a:10:20", "dhcp-hostname"),
                     ("192.168.1.20", "config-mac"), ("192.168.1.20", "dhcp-hostname")]
    assert row["attribution"][3]["matched"] == "serial"
    assert row["attribution"][2]["sources"] == [{"evidence": "E1", "offset": 0}, {"evidence": "E2", "frame": 3}]
    assert row["dhcp_hostnames"] == ["fxo-DBL2024A0017"]


def test_dhcp_hostname_equal_to_configured_hostname() -> None:
    cfg = B.config("E1", hostname="TA400-den7")
    c = B.case([B.device("GW")], [cfg, B.host("E2", "192.168.1.23", "00:11:22:33:44:55", dhcp_hostname="ta400-DEN7")],
               {"E1": "GW"})
    rule_devices(c)
    pairs, row = _attr(c, "GW")
    assert pairs == [("00:11:22:33:44:55", "dhcp-hostname"), ("192.168.1.23", "dhcp-hostname")]
    assert row["attribution"][0]["matched"] == "hostname"


def test_inferred_devices() -> None:
    recs = [B.register("E1", "192.168.1.50", "8100199", frame=1, ua="GoIP-8 GST1610"),
            B.register("E1", "192.168.1.60", "2001", frame=2, ua="Zoiper 5"),
            B.config("E2", vendor="Yeastar", model="TA400", mac="00:aa:bb:cc:dd:ee"),
            B.host("E1", "192.168.1.50", "00:21:6b:77:20:21")]
    c = B.case([], recs)
    rule_devices(c)
    rows = {d["id"]: d for d in c.out["devices"]}
    assert sorted(rows) == ["inferred-192.168.1.50", "inferred-192.168.1.60", "inferred-config-E2"]
    assert (rows["inferred-192.168.1.50"]["kind"], rows["inferred-192.168.1.50"]["mac"]) == ("voip_gateway", "00:21:6b:77:20:21")
    assert rows["inferred-192.168.1.60"]["kind"] == "sip_endpoint"
    assert all(not d["declared"] for d in rows.values())
    cfg_dev = rows["inferred-config-E2"]
    assert [a["reason"] for a in cfg_dev["attribution"]] == ["gateway-config", "config-mac"]
    assert c.evidence_device["E2"] == "inferred-config-E2"
