"""The landlines rule: sources merged with basis, calls per landline, nothing guessed."""

from __future__ import annotations

import _build as B

from forensics.correlate.landlines import rule_landlines


def _rows(c):  # type: ignore[no-untyped-def]
    return {r["number"]: r for r in c.out["landlines"]}


def test_config_port_line_number_and_calls_through_account_and_port() -> None:
    cfg = B.config("E1", accounts=[B.account("gw-l1", port=1), B.account("gw-l2", port=2)],
                   ports=[B.port(1, "0731-5888 0001", line=31), B.port(2, "07315888 0002", line=32)])
    c = B.case([B.device("GW")], [cfg], {"E1": "GW"})
    c.out["calls"] = [
        B.call_row("c1", "GW", "+8613800000001", "2024-08-17T02:10:00.000000Z", account="gw-l1",
                   answer="2024-08-17T02:10:06.000000Z"),
        B.call_row("c2", "GW", "+8613800000002", "2024-08-17T03:10:00.000000Z", account="gw-l1"),
        B.call_row("c3", "GW", "+8613800000003", "2024-08-17T01:10:00.000000Z", account="gw-l2",
                   answer="2024-08-17T01:10:06.000000Z"),
        B.call_row("c4", "OTHER", "+8613800000004", "2024-08-17T01:10:00.000000Z", account="gw-l1"),
    ]
    rule_landlines(c)
    rows = _rows(c)
    assert sorted(rows) == ["+8673158880001", "+8673158880002"]
    one = rows["+8673158880001"]
    assert (one["device"], one["gateway_port"], one["basis"], one["sip_accounts"]) == (
        "GW", 1, ["config-line-number"], ["gw-l1"])
    assert one["sources"] == [{"evidence": "E1", "line": 31}]
    assert (one["calls"], one["answered"], one["first_call"], one["last_call"]) == (
        2, 1, "2024-08-17T02:10:00.000000Z", "2024-08-17T03:10:00.000000Z")
    assert (rows["+8673158880002"]["calls"], rows["+8673158880002"]["answered"]) == (1, 1)
    calls = {x["call_id"]: (x["landline"], x["gateway_port"]) for x in c.out["calls"]}
    assert calls == {"c1": ("+8673158880001", 1), "c2": ("+8673158880001", 1), "c3": ("+8673158880002", 2),
                     "c4": (None, None)}
    assert c.warnings == []


def test_manifest_port_and_configured_account_on_it() -> None:
    cfg = B.config("E1", accounts=[B.account("8100101", port=1)])
    c = B.case([B.device("GW")], [cfg], {"E1": "GW"},
               landlines=[{"number": "+86 755 2666 0101", "device": "GW", "port": 1}])
    c.out["calls"] = [B.call_row("c1", "GW", "+8613800000001", "2024-08-17T02:10:00.000000Z", account="8100101")]
    rule_landlines(c)
    row = _rows(c)["+8675526660101"]
    assert (row["basis"], row["gateway_port"], row["sip_accounts"], row["calls"]) == (["manifest"], 1, ["8100101"], 1)
    assert row["sources"] == [{"evidence": "case.yaml"}]
    assert c.out["calls"][0]["gateway_port"] == 1


def test_sip_username_landline_gets_port_from_config_account() -> None:
    cfg = B.config("E1", accounts=[B.account("075526660102", port=2), B.account("13800000009", port=3)])
    c = B.case([B.device("GW")], [cfg], {"E1": "GW"})
    c.out["sip_registrations"] = [
        {"device": "GW", "username": "075526660102", "sources": [{"evidence": "E2", "frame": 5}]},
        {"device": "GW", "username": "13800000009", "sources": [{"evidence": "E2", "frame": 9}]},  # a mobile
    ]
    rule_landlines(c)
    rows = _rows(c)
    assert sorted(rows) == ["+8675526660102"]
    row = rows["+8675526660102"]
    assert (row["basis"], row["gateway_port"], row["sources"]) == (
        ["sip-username", "config-account"], 2, [{"evidence": "E2", "frame": 5}])


def test_local_numbers_are_reported_not_guessed() -> None:
    cfg = B.config("E1", ports=[B.port(1, "58880003")])
    c = B.case([B.device("GW")], [cfg], {"E1": "GW"},
               landlines=[{"number": "2666 0199", "device": "GW"}, {"number": "12", "device": "GW"},
                          {"number": "0731-5888 0001", "device": "GW"}])
    rule_landlines(c)
    assert sorted(_rows(c)) == ["+8673158880001"]  # same area code, still not applied to the others
    assert [(w.code, w.evidence) for w in c.warnings] == [
        ("landline-no-area-code", None), ("landline-unparsable", None), ("landline-no-area-code", "E1")]
    assert "2666 0199" in c.warnings[0].message and "58880003" in c.warnings[2].message


def test_two_sources_disagree_on_the_device() -> None:
    cfg = B.config("E1", ports=[B.port(1, "073158880001")])
    c = B.case([B.device("GW-1"), B.device("GW-2")], [cfg], {"E1": "GW-2"},
               landlines=[{"number": "0731 5888 0001", "device": "GW-1", "port": 1}])
    rule_landlines(c)
    row = _rows(c)["+8673158880001"]
    assert (row["device"], row["basis"]) == ("GW-1", ["manifest", "config-line-number"])
    assert B.warnings(c) == [("attribution-conflict", ("landline +8673158880001: config-line-number ties it to "
                              "GW-2, an earlier source to GW-1; kept GW-1"))]
