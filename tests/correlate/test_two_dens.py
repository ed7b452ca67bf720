"""End to end: the two-den case (tests/fixtures/two-dens, built by make_case.py).

Den A: DBL FXO-4 gateway GW-A (192.168.10.20, no MAC in its config) and laptop LAPTOP-A
(192.168.10.30, declared in case.yaml).  Den B: Grandstream GXW4104 GW-B (MAC
00:0b:82:5e:20:20 in its config, 192.168.20.20) and an unseized GoIP (192.168.20.21).
Both seized gateways register to the softswitch 103.216.48.10 (KH), take three calls
each from it, share one SIP password and one management server (202.175.3.77, MO).

Evidence ids follow case.yaml order: E1 GW-A config, E2 AnyDesk trace, E3 WireGuard
config, E4 GW-B config, E5 den A pcapng, E6 den B pcap, E7 complaints.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from forensics.pipeline import run

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "tests" / "fixtures" / "two-dens"
SCHEMA = json.loads((ROOT / "forensics" / "schema" / "findings.schema.json").read_text())
REGISTRAR, MGMT, WG_PEER, OPERATOR = "103.216.48.10", "202.175.3.77", "60.248.10.5", "112.198.0.45"
STRAY = "inferred-192.168.20.21"


@pytest.fixture(scope="module")
def f() -> dict:
    return run(CASE / "case.yaml").findings


def _by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def test_generator_is_deterministic() -> None:
    res = subprocess.run([sys.executable, str(CASE / "make_case.py"), "--check"], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    for p in (CASE / "evidence" / "den-a" / "router-lan.pcapng", CASE / "evidence" / "den-b" / "router-lan.pcap"):
        assert p.stat().st_size < 300_000


def test_findings_validate_and_evidence(f: dict) -> None:
    jsonschema.validate(f, SCHEMA)
    ev = [(e["id"], e["kind"], e["format"], e["device"], e["status"]) for e in f["evidence"]]
    assert ev == [
        ("E1", "gateway_config", "dbl_goip", "GW-A", "parsed"),
        ("E2", "host_artifact", "anydesk", "LAPTOP-A", "parsed"),
        ("E3", "host_artifact", "wireguard", "LAPTOP-A", "parsed"),
        ("E4", "gateway_config", "grandstream", "GW-B", "parsed"),
        ("E5", "capture", "pcapng", None, "parsed"),
        ("E6", "capture", "pcap", None, "parsed"),
        ("E7", "complaints", "csv", None, "parsed"),
    ]


def test_device_attribution(f: dict) -> None:
    devs = _by(f["devices"], "id")
    assert [d["id"] for d in f["devices"]] == ["GW-A", "GW-B", "LAPTOP-A", STRAY]
    a = devs["GW-A"]
    assert (a["declared"], a["vendor"], a["model"], a["mac"]) == (True, "DBL", "DBL FXO-4", "00:1f:d6:3a:10:20")
    assert a["addresses"] == ["192.168.10.20"]
    assert a["dhcp_hostnames"] == ["DBL_FXO-4"]
    assert [(x["host"], x["reason"]) for x in a["attribution"]] == [
        ("00:1f:d6:3a:10:20", "dhcp-hostname"),
        ("192.168.10.20", "sip-account"),
        ("192.168.10.20", "dhcp-hostname"),
        ("192.168.10.20", "user-agent"),
    ]
    dh = a["attribution"][2]
    assert (dh["dhcp_hostname"], dh["matched"], dh["sources"]) == ("DBL_FXO-4", "model", [{"evidence": "E5", "frame": 1}])
    assert a["attribution"][1]["username"] == "073158880001"
    assert a["attribution"][1]["sources"] == [{"evidence": "E5", "frame": 3}]  # the first REGISTER
    assert a["attribution"][3]["user_agent"] == "DBL FXO-4 GST1610.1.36"

    b = devs["GW-B"]
    assert (b["vendor"], b["model"], b["mac"], b["addresses"]) == (
        "Grandstream", "GXW4104", "00:0b:82:5e:20:20", ["192.168.20.20"])
    assert [(x["host"], x["reason"]) for x in b["attribution"]] == [
        ("00:0b:82:5e:20:20", "config-mac"),
        ("192.168.20.20", "config-mac"),
        ("192.168.20.20", "config-ip"),  # static address P8=1, P9..P12 in the config
        ("192.168.20.20", "sip-account"),
        ("192.168.20.20", "user-agent"),
    ]
    # the IP inherits the config MAC through the Ethernet source of its first frame
    assert b["attribution"][1]["mac"] == "00:0b:82:5e:20:20"
    assert b["attribution"][1]["sources"] == [{"evidence": "E4", "offset": 0}, {"evidence": "E6", "frame": 1}]
    assert b["attribution"][3]["username"] == "8100101"

    lap = devs["LAPTOP-A"]
    assert lap["attribution"] == [{"host": "192.168.10.30", "reason": "manifest", "sources": [{"evidence": "case.yaml"}]}]
    assert lap["mac"] == "3c:52:82:aa:10:30"

    s = devs[STRAY]
    assert (s["declared"], s["kind"], s["mac"], s["user_agents"]) == (
        False, "voip_gateway", "00:21:6b:77:20:21", ["GoIP-8 GST1610.1.36"])
    assert [x["reason"] for x in s["attribution"]] == ["sip-register"]


def test_registrations_per_device(f: dict) -> None:
    regs = sorted((r["device"], r["username"], r["registrar"]["ip"], r["successes"]) for r in f["sip_registrations"])
    assert regs == [
        ("GW-A", "073158880001", REGISTRAR, 8), ("GW-A", "073158880002", REGISTRAR, 8),
        ("GW-B", "075526660102", REGISTRAR, 8), ("GW-B", "8100101", REGISTRAR, 8),
        (STRAY, "8100199", REGISTRAR, 4),
    ]


def test_calls(f: dict) -> None:
    got = [(c["call_id"].split("@")[0], c["device"], c["direction"], c["callee"], c["gateway_account"],
            c["gateway_port"], c["landline"], c["answer"] is not None, c["end_reason"]) for c in f["calls"]]
    assert got == [
        ("a-call-0", "GW-A", "to_pstn", "+8613800000001", "073158880001", 1, "+8673158880001", True, "bye-caller"),
        ("b-call-0", "GW-B", "to_pstn", "+8613800000004", "8100101", 1, "+8675526660101", True, "bye-caller"),
        ("a-call-1", "GW-A", "to_pstn", "+8613800000002", "073158880002", 2, "+8673158880002", False, "rejected-486"),
        ("b-call-1", "GW-B", "to_pstn", "+8613800000003", "075526660102", 2, "+8675526660102", True, "bye-caller"),
        ("a-call-2", "GW-A", "to_pstn", "+8613800000003", "073158880001", 1, "+8673158880001", True, "bye-caller"),
        ("b-call-2", "GW-B", "to_pstn", "+8613800000005", "8100101", 1, "+8675526660101", False, "cancel"),
    ]
    assert {c["sip_peer"]["ip"] for c in f["calls"]} == {REGISTRAR}


def test_landlines(f: dict) -> None:
    rows = _by(f["landlines"], "number")
    assert sorted(rows) == ["+8673158880001", "+8673158880002", "+8675526660101", "+8675526660102"]
    want = {  # number: device, port, basis, accounts, calls, answered, first call, last call
        "+8673158880001": ("GW-A", 1, ["manifest", "sip-username"], ["073158880001"], 2, 2,
                           "2024-08-17T02:12:30.000000Z", "2024-08-17T03:35:30.000000Z"),
        "+8673158880002": ("GW-A", 2, ["sip-username", "config-account"], ["073158880002"], 1, 0,
                           "2024-08-17T02:47:30.000000Z", "2024-08-17T02:47:30.000000Z"),
        "+8675526660101": ("GW-B", 1, ["manifest"], ["8100101"], 2, 1,
                           "2024-08-17T02:20:15.000000Z", "2024-08-17T04:10:15.000000Z"),
        "+8675526660102": ("GW-B", 2, ["sip-username", "config-account"], ["075526660102"], 1, 1,
                           "2024-08-17T03:10:15.000000Z", "2024-08-17T03:10:15.000000Z"),
    }
    for number, (dev, port, basis, accts, calls, answered, first, last) in want.items():
        r = rows[number]
        assert (r["device"], r["gateway_port"], r["basis"], r["sip_accounts"], r["calls"], r["answered"],
                r["first_call"], r["last_call"]) == (dev, port, basis, accts, calls, answered, first, last), number
    assert rows["+8675526660101"]["region_en"] == "Shenzhen, Guangdong"
    assert rows["+8675526660101"]["display"] == "0755 2666 0101"


def test_local_number_is_not_guessed(f: dict) -> None:
    assert not any(r["number"].endswith("26660199") for r in f["landlines"])
    codes = [(w["code"], w["message"]) for w in f["warnings"]]
    assert codes == [("landline-no-area-code", ("case.yaml landline '2666 0199' is a local number without area "
                      "code; not listed (the area code is not guessed)"))]


def test_operators(f: dict) -> None:
    ops = _by(f["operators"], "ip")
    assert sorted(ops) == [REGISTRAR, OPERATOR, MGMT, WG_PEER]
    want = {  # ip: country, roles, devices
        REGISTRAR: ("KH", ["call_origin", "configured_server", "sip_registrar"], ["GW-A", "GW-B", STRAY]),
        OPERATOR: ("PH", ["remote_control"], ["LAPTOP-A"]),
        MGMT: ("MO", ["management"], ["GW-A", "GW-B"]),
        WG_PEER: ("TW", ["tunnel"], ["LAPTOP-A"]),
    }
    for ip, (cc, roles, devs) in want.items():
        o = ops[ip]
        assert (o["country"], o["roles"], o["devices"], o["overseas"], o["reserved"]) == (cc, roles, devs, True, False), ip
        assert o["geo_source"].startswith("geoip2fast"), ip
    assert ops[REGISTRAR]["device_roles"][STRAY] == ["sip_registrar"]
    assert ops[REGISTRAR]["device_roles"]["GW-B"] == ["call_origin", "configured_server", "sip_registrar"]
    # configured servers cite the config line, not the file offset
    assert ops[MGMT]["sources"] == [{"evidence": "E1", "line": 21}, {"evidence": "E4", "line": 17}]
    assert ops[OPERATOR]["sources"] == [{"evidence": "E2", "line": 2}]  # host-log peer


def test_links(f: dict) -> None:
    links = {(ln["kind"], ln["value"]): ln for ln in f["links"]}
    assert [ln["kind"] for ln in f["links"]] == ["same-operator", "same-operator", "same-password", "same-registrar"]
    assert sorted(k for k in links if k[0] != "same-password") == [
        ("same-operator", REGISTRAR), ("same-operator", MGMT), ("same-registrar", REGISTRAR)]
    reg = links[("same-registrar", REGISTRAR)]
    assert (reg["devices"], reg["basis"]) == (["GW-A", "GW-B", STRAY], ["config", "traffic"])
    assert {"evidence": "E1", "line": 7} in reg["sources"] and {"evidence": "E4", "line": 21} in reg["sources"]
    assert {"evidence": "E5", "frame": 3} in reg["sources"] and {"evidence": "E6", "frame": 1} in reg["sources"]
    mg = links[("same-operator", MGMT)]
    assert (mg["devices"], mg["roles"], mg["country"], mg["overseas"]) == (["GW-A", "GW-B"], ["management"], "MO", True)
    pw = next(ln for ln in f["links"] if ln["kind"] == "same-password")
    assert pw["devices"] == ["GW-A", "GW-B"]
    assert pw["paths"] == ["P3120", "SIP_CONTACT0_PASSWD"]
    assert len(pw["value"]) == 8 and "Ring-Pass-01" not in json.dumps(f)
    assert not any(ln["kind"] == "same-sip-account" for ln in f["links"])  # every den has its own accounts


def test_complaints(f: dict) -> None:
    rows = _by(f["complaints"], "case_no")
    want = {  # case: linked calls, devices, landlines, outside window
        "TD-2024-0817-001": (["a-call-0"], ["GW-A"], ["+8673158880001"], []),
        "TD-2024-0817-002": (["a-call-2", "b-call-1"], ["GW-A", "GW-B"], ["+8673158880001", "+8675526660102"], []),
        "TD-2024-0817-003": (["b-call-0"], ["GW-B"], ["+8675526660101"], []),
        "TD-2024-0817-004": ([], [], [], ["b-call-2"]),  # reported 64 days later
        "TD-2024-0817-005": ([], [], [], []),
    }
    assert sorted(rows) == sorted(want)
    for case_no, (calls, devs, lines, outside) in want.items():
        r = rows[case_no]
        got = ([c.split("@")[0] for c in r["linked_calls"]], r["devices"], r["landlines"],
               [c.split("@")[0] for c in r["calls_outside_window"]])
        assert got == (calls, devs, lines, outside), case_no
    assert rows["TD-2024-0817-002"]["victim_number"] == "+8613800000003"
    assert rows["TD-2024-0817-002"]["amount"] == "12500"
    totals = f["method"]["complaint_totals"]
    assert totals == {"cases": 5, "linked": 3, "amount": "76500", "linked_amount": "72500"}


def test_summary(f: dict) -> None:
    rows = _by(f["summary"], "device")
    assert sorted(rows) == ["GW-A", "GW-B", "LAPTOP-A", STRAY]
    got = {d: (r["landlines"], r["calls"], r["answered"], r["to_pstn"], r["registrations"], r["remote_sessions"],
               r["tunnels"], r["complaints"], r["overseas_operators"]) for d, r in rows.items()}
    assert got == {
        "GW-A": (["+8673158880001", "+8673158880002"], 3, 2, 3, 2, 0, 0, 2, 2),
        "GW-B": (["+8675526660101", "+8675526660102"], 3, 2, 3, 2, 0, 0, 2, 2),
        "LAPTOP-A": ([], 0, 0, 0, 0, 1, 2, 0, 2),
        STRAY: ([], 0, 0, 0, 1, 0, 0, 0, 1),
    }
    assert rows["GW-A"]["operators_by_country"] == {
        "KH": [{"ip": REGISTRAR, "roles": ["call_origin", "configured_server", "sip_registrar"]}],
        "MO": [{"ip": MGMT, "roles": ["management"]}],
    }
    assert rows[STRAY]["operators_by_country"] == {"KH": [{"ip": REGISTRAR, "roles": ["sip_registrar"]}]}
    assert rows["LAPTOP-A"]["operators_by_country"] == {
        "PH": [{"ip": OPERATOR, "roles": ["remote_control"]}], "TW": [{"ip": WG_PEER, "roles": ["tunnel"]}]}
    assert rows["GW-A"]["linked_devices"] == {
        "GW-B": ["same-operator", "same-password", "same-registrar"],
        STRAY: ["same-operator", "same-registrar"],
    }
    assert rows["LAPTOP-A"]["linked_devices"] == {}
