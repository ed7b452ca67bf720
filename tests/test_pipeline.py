"""End to end on the bundled demo case: the findings contract, the values, determinism."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from forensics.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "tests" / "fixtures" / "demo-case"
SCHEMA = json.loads((ROOT / "forensics" / "schema" / "findings.schema.json").read_text())


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-out")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1723939200")
    try:
        assert main(["analyze", str(DEMO / "case.yaml"), "--out", str(out), "--quiet"]) == 0
    finally:
        mp.undo()
    return out, json.loads((out / "findings.json").read_text(encoding="utf-8"))


def test_demo_generator_is_reproducible():
    import subprocess
    import sys

    res = subprocess.run([sys.executable, str(DEMO / "make_demo.py"), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_findings_validate_against_the_contract(demo_run):
    _, f = demo_run
    jsonschema.validate(f, SCHEMA)
    shared = ROOT.parent / "shared" / "spec" / "findings.schema.json"
    if shared.is_file():  # the contract as published, besides the repository's extended copy
        jsonschema.validate(f, json.loads(shared.read_text()))
    assert f["schema"] == "gatetrace.findings/1"
    assert f["generated_at"] == "2024-08-18T00:00:00.000000Z"


def test_evidence_is_hashed_and_identified_by_content(demo_run):
    _, f = demo_run
    by_path = {e["path"]: e for e in f["evidence"]}
    assert [e["id"] for e in f["evidence"]] == ["E1", "E2", "E3", "E4", "E5"]
    import hashlib

    for e in f["evidence"]:
        data = (DEMO / e["path"]).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest() and e["size"] == len(data)
        assert e["rehash"] == "ok"
    assert by_path["evidence/den-router-lan.pcapng"]["kind"] == "capture"
    assert by_path["evidence/den-router-lan.pcapng"]["format"] == "pcapng"
    assert by_path["evidence/gw1-syscfg.txt"]["kind"] == "gateway_config"
    assert by_path["evidence/gw1-syscfg.txt"]["device"] == "GW-1"
    assert by_path["evidence/laptop1/AnyDesk/ad_svc.trace"]["kind"] == "host_artifact"
    assert by_path["evidence/complaints.csv"]["kind"] == "complaints"
    stats = by_path["evidence/den-router-lan.pcapng"]["stats"]
    assert stats["frames"] == stats["ip"] + stats["non_ip"] + stats["unsupported_link"]


def test_registrations_calls_landlines(demo_run):
    _, f = demo_run
    regs = {r["username"]: r for r in f["sip_registrations"]}
    assert set(regs) == {"073158880001", "073158880002"}
    r1 = regs["073158880001"]
    assert r1["device"] == "GW-1" and r1["registrar"] == {"ip": "103.216.48.10", "port": 5060, "transport": "udp"}
    assert r1["attempts"] == 72 and r1["successes"] == 36 and r1["challenges"] == 36 and r1["failures"] == 0
    assert r1["expires"] == 120 and r1["user_agent"].startswith("DBL FXO-4")
    calls = {c["callee"]: c for c in f["calls"]}
    assert len(calls) == 5 and all(c["direction"] == "to_pstn" and c["device"] == "GW-1" for c in calls.values())
    c1 = calls["+8613800000001"]
    assert (c1["status"], c1["end_reason"], c1["duration"], c1["gateway_port"], c1["landline"]) == (
        200, "bye-caller", 95.0, 1, "+8673158880001")
    assert c1["start"] == "2024-08-17T02:12:30.000000Z" and c1["answer"] == "2024-08-17T02:12:36.000000Z"
    assert c1["sip_peer"] == {"ip": "103.216.48.10", "port": 5060, "transport": "udp"}
    assert calls["+8613800000002"]["status"] == 486 and calls["+8613800000002"]["end_reason"] == "rejected-486"
    assert calls["+8613800000004"]["end_reason"] == "cancel"
    assert sorted(m["packets"] for m in c1["media"]) == [40, 40]
    lines = {ln["number"]: ln for ln in f["landlines"]}
    assert lines["+8673158880001"]["calls"] == 3 and lines["+8673158880001"]["answered"] == 3
    assert lines["+8673158880002"]["gateway_port"] == 2 and lines["+8673158880002"]["answered"] == 0
    assert "manifest" in lines["+8673158880001"]["basis"]


def test_operators_remote_and_tunnels(demo_run):
    _, f = demo_run
    ops = {o["ip"]: o for o in f["operators"]}
    assert ops["103.216.48.10"]["country"] == "KH" and ops["103.216.48.10"]["overseas"]
    assert {"sip_registrar", "call_origin"} <= set(ops["103.216.48.10"]["roles"])
    assert ops["112.198.0.45"]["roles"] == ["remote_control"] and ops["112.198.0.45"]["devices"] == ["LAPTOP-1"]
    assert ops["103.25.12.77"]["roles"] == ["tunnel"]
    wg = [t for t in f["tunnels"] if t["method"] == "payload"]
    assert len(wg) == 1 and wg[0]["verified_peer"]["method"] == "wireguard-mac1"
    ad = [r for r in f["remote_sessions"] if r["method"] == "host_log"]
    assert ad and ad[0]["remote_id"] == "583920117" and ad[0]["device"] == "LAPTOP-1"


def test_complaints_and_summary(demo_run):
    _, f = demo_run
    comp = {c["case_no"]: c for c in f["complaints"]}
    assert comp["XT-2024-0817-001"]["linked_calls"] == ["5a17-demo-call-0@103.216.48.10"]
    assert comp["XT-2024-0817-001"]["landlines"] == ["+8673158880001"]
    assert comp["XT-2024-0817-003"]["linked_calls"] == []
    gw = next(s for s in f["summary"] if s["device"] == "GW-1")
    assert (gw["calls"], gw["answered"], gw["complaints"]) == (5, 3, 2)
    assert list(gw["operators_by_country"]) == ["KH"]


def test_every_record_cites_sources(demo_run):
    _, f = demo_run
    for name in ("gateway_configs", "sip_registrations", "calls", "remote_sessions", "tunnels", "landlines",
                 "operators"):
        for row in f[name]:
            assert row["sources"], (name, row)


def test_outputs_written(demo_run):
    out, f = demo_run
    assert (out / "report.html").stat().st_size > 10_000
    tables = {p.name for p in (out / "tables").glob("*.csv")}
    assert {"calls.csv", "registrations.csv", "landlines.csv", "operators.csv"} <= tables


def test_two_runs_are_byte_identical(demo_run, tmp_path, monkeypatch):
    out1, _ = demo_run
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1723939200")
    assert main(["analyze", str(DEMO / "case.yaml"), "--out", str(tmp_path), "--quiet", "--no-pdf"]) == 0
    assert (tmp_path / "findings.json").read_bytes() == (out1 / "findings.json").read_bytes()
    assert (tmp_path / "report.html").read_bytes() == (out1 / "report.html").read_bytes()


def test_python_api_matches_cli(demo_run, monkeypatch):
    from forensics.report.canonical import dumps

    out, _ = demo_run
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1723939200")
    import forensics

    assert dumps(forensics.analyze(DEMO / "case.yaml")) == (out / "findings.json").read_text(encoding="utf-8")


def test_verify_catches_a_one_byte_change(demo_run, tmp_path, monkeypatch):
    case = tmp_path / "case"
    shutil.copytree(DEMO, case, ignore=shutil.ignore_patterns("*.py"))
    out = tmp_path / "out"
    assert main(["analyze", str(case / "case.yaml"), "--out", str(out), "--quiet", "--no-pdf"]) == 0
    assert main(["verify", str(out)]) == 0
    p = case / "evidence" / "gw1-syscfg.txt"
    data = bytearray(p.read_bytes())
    data[10] ^= 1
    p.write_bytes(bytes(data))
    assert main(["verify", str(out)]) == 4
