"""The summary rule: one row per device, roles as that device saw them."""

from __future__ import annotations

import _build as B

from forensics.correlate.summary import rule_summary


def test_rows_per_device() -> None:
    c = B.case()
    c.out["devices"] = [{"id": "GW-A", "kind": "voip_gateway", "declared": True},
                        {"id": "GW-B", "kind": "voip_gateway", "declared": True},
                        {"id": "inferred-192.168.1.9", "kind": "sip_endpoint", "declared": False}]
    c.out["landlines"] = [{"number": "+8673158880002", "device": "GW-A"}, {"number": "+8673158880001", "device": "GW-A"}]
    c.out["calls"] = [{"device": "GW-A", "direction": "to_pstn", "answer": "x"},
                      {"device": "GW-A", "direction": "to_pstn", "answer": None},
                      {"device": "GW-B", "direction": "from_pstn", "answer": "y"}]
    c.out["operators"] = [
        {"ip": "103.216.48.10", "country": "KH", "overseas": True, "roles": ["call_origin", "sip_registrar"],
         "devices": ["GW-A", "GW-B"], "device_roles": {"GW-A": ["call_origin", "sip_registrar"], "GW-B": ["sip_registrar"]}},
        {"ip": "114.114.114.114", "country": "CN", "overseas": False, "roles": ["tunnel"], "devices": ["GW-A"]},
        {"ip": "1.64.33.9", "country": "HK", "overseas": True, "roles": ["management"], "devices": ["GW-B"]},
    ]
    c.out["sip_registrations"] = [{"device": "GW-A"}, {"device": "GW-A"}, {"device": "GW-B"}]
    c.out["complaints"] = [{"devices": ["GW-A", "GW-B"]}, {"devices": ["GW-A"]}]
    c.out["links"] = [{"kind": "same-registrar", "devices": ["GW-A", "GW-B"]},
                      {"kind": "same-password", "devices": ["GW-A", "GW-B"]}]
    c.facts["complaint_totals"] = {"cases": 2, "linked": 2, "amount": "10", "linked_amount": "10"}
    rule_summary(c)
    rows = {r["device"]: r for r in c.out["summary"]}
    a, b = rows["GW-A"], rows["GW-B"]
    assert (a["landlines"], a["calls"], a["answered"], a["to_pstn"], a["registrations"], a["complaints"]) == (
        ["+8673158880001", "+8673158880002"], 2, 1, 2, 2, 2)
    assert a["operators_by_country"] == {"KH": [{"ip": "103.216.48.10", "roles": ["call_origin", "sip_registrar"]}]}
    assert b["operators_by_country"] == {"HK": [{"ip": "1.64.33.9", "roles": ["management"]}],
                                         "KH": [{"ip": "103.216.48.10", "roles": ["sip_registrar"]}]}
    assert (a["overseas_operators"], b["overseas_operators"]) == (1, 2)
    assert (b["calls"], b["answered"], b["to_pstn"], b["complaints"]) == (1, 1, 0, 1)
    assert a["linked_devices"] == {"GW-B": ["same-password", "same-registrar"]}
    assert rows["inferred-192.168.1.9"]["declared"] is False and rows["inferred-192.168.1.9"]["linked_devices"] == {}
    assert c.facts["summary_totals"] == c.facts["complaint_totals"]
