"""Output safety: evidence strings are escaped in the HTML report, spreadsheet formulas
are neutralised in the CSV tables, and no secret is written to any output.

One case is built in a temporary folder and analysed once (with the PDF):

* a capture whose SIP messages carry hostile values: a User-Agent holding a script
  element, display names and a Call-ID with markup, a From user that is a formula;
* a complaint list whose cells start with ``=``, ``+``, ``-`` and ``@``;
* every gateway-configuration and host-artifact fixture, and the demo case's evidence,
  with the case keys of the encrypted configs in ``case.yaml``.

Then findings.json, report.html, the text of report.pdf (``pdftotext``) and every
``tables/*.csv`` are searched for each password, key and token written in those
fixtures.
"""

from __future__ import annotations

import csv
import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from forensics.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(FIX / "malformed"))
sys.path.insert(0, str(ROOT / "tests" / "parsers" / "gateway_configs"))
import gw_helpers
import make_malformed as mk

from tests.helpers.packets import eth_udp, sip_request, sip_response

UA = '<script>alert("ua-7")</script>'
DISPLAY = '"<img src=x onerror=alert(8)>" <sip:073158880009@203.0.113.5>;tag=h1'
TO_DISPLAY = '"</td></tr><svg onload=alert(9)>" <sip:008613800138000@203.0.113.5>'
CALL_ID = "<b>call</b>-hostile@192.168.1.20"
FORMULA_USER = "=HYPERLINK(\"http://203.0.113.66\")"
CASE_KEYS = ("Autocfg-Key-1", "Adm1n-Pw")
COMPLAINTS = (
    "case_no,victim_number,reported_at,amount,caller_number\r\n"
    "=cmd|' /C calc'!A0,13800138000,2024-08-17 15:30,52000,+8673158880009\r\n"
    "@SUM(1+1)*cmd|' /C calc'!A0,-13900009999,2024-08-18 09:10,-2+3,\r\n"
)


def hostile_capture() -> bytes:
    reg = sip_request("REGISTER", "sip:203.0.113.5", call_id="reg-hostile@192.168.1.20", cseq=1,
                      from_user="073158880009", to_user="073158880009", branch="z9hG4bKh1",
                      extra=f"User-Agent: {UA}\r\nContact: <sip:073158880009@192.168.1.20:5060>;expires=120")
    ok = sip_response(200, "OK", reg, extra="Contact: <sip:073158880009@192.168.1.20:5060>;expires=120")
    inv = sip_request("INVITE", "sip:008613800138000@203.0.113.5", call_id=CALL_ID, cseq=2,
                      from_user="073158880009", to_user="008613800138000", branch="z9hG4bKh2",
                      extra=f"User-Agent: {UA}\r\nSubject: <iframe src=//203.0.113.66>")
    inv = inv.replace(b"From: <sip:073158880009@203.0.113.5>;tag=f1", f"From: {DISPLAY}".encode())
    inv = inv.replace(b"To: <sip:008613800138000@203.0.113.5>", f"To: {TO_DISPLAY}".encode())
    inv2 = sip_request("INVITE", "sip:008613800138000@203.0.113.5", call_id="formula@192.168.1.20",
                       cseq=3, from_user=FORMULA_USER, to_user="+8613800138000", branch="z9hG4bKh3")
    frames = [eth_udp("192.168.1.20", "203.0.113.5", 5060, 5060, m) for m in (reg, inv, inv2)]
    frames.insert(1, eth_udp("203.0.113.5", "192.168.1.20", 5060, 5060, ok))
    from tests.helpers.capwriter import pcap_bytes

    return pcap_bytes([(mk.T0 + i * 10_000_000, f) for i, f in enumerate(frames)])


def _gateway_fixtures() -> list[Path]:
    d = FIX / "gateway_configs"
    return sorted(p for p in d.iterdir() if p.is_file() and p.suffix not in (".py", ".md"))


def _host_fixtures() -> list[Path]:
    d = FIX / "host_artifacts"
    return sorted(p for p in d.rglob("*") if p.is_file() and "negative" not in p.name)


def _host_secrets() -> tuple[str, ...]:
    mod = importlib.import_module("tests.parsers.host_artifacts.test_host_registry")
    return tuple(mod.SECRETS)


def secrets() -> set[str]:
    """Every password, key and token written in the fixtures the case holds."""
    out: set[str] = set(CASE_KEYS) | {mk.GW_PASSWORD}
    for p in _gateway_fixtures():
        out |= gw_helpers.passwords_in(p.name)
    for p in sorted((FIX / "demo-case" / "evidence").rglob("*")):
        if p.is_file():
            public = {ln.split("=", 1)[-1].strip() for ln in p.read_text("utf-8", "replace").splitlines()
                      if "public" in ln.lower()}  # public keys are not secrets
            out |= gw_helpers.passwords_in(str(p)) - public
    out |= set(_host_secrets())
    out.add("cGFzc3dvcmQtbm90LWEtcmVhbC1rZXktMDAwMDAwMDA=")  # malformed/ WireGuard key
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("safety")
    case = tmp / "case"
    ev = case / "evidence"
    (ev / "gw").mkdir(parents=True)
    (ev / "host").mkdir()
    for p in _gateway_fixtures():
        shutil.copy(p, ev / "gw" / p.name)
    for p in _host_fixtures():
        dest = ev / "host" / p.relative_to(FIX / "host_artifacts")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest)
    shutil.copytree(FIX / "demo-case" / "evidence", ev / "demo")
    shutil.copy(FIX / "malformed" / "zip-traversal.zip", ev / "bundle.zip")
    (ev / "hostile.pcap").write_bytes(hostile_capture())
    (ev / "complaints.csv").write_text(COMPLAINTS, encoding="utf-8")
    (case / "case.yaml").write_text(
        "case: SAFETY-1\ntimezone: Asia/Shanghai\n"
        "devices:\n  - id: GW-1\n    kind: voip_gateway\n    evidence: [evidence/gw, evidence/demo, evidence/bundle.zip]\n"
        "  - id: LAPTOP-1\n    kind: laptop\n    evidence: [evidence/host]\n"
        "captures: [evidence/hostile.pcap]\ncomplaints: evidence/complaints.csv\n"
        f"keys: [{', '.join(CASE_KEYS)}]\n", encoding="utf-8")
    out = tmp / "out"
    rc = main(["analyze", str(case / "case.yaml"), "--out", str(out), "-q"])
    pdf_text = ""
    if (out / "report.pdf").is_file():
        pdf_text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out / "report.pdf"), "-"],
                                  capture_output=True, text=True, check=True).stdout
    return {"rc": rc, "out": out, "pdf_text": pdf_text,
            "findings": json.loads((out / "findings.json").read_text(encoding="utf-8")),
            "html": (out / "report.html").read_text(encoding="utf-8")}


def test_run_completes(run: dict[str, Any]) -> None:
    assert run["rc"] == 0
    f = run["findings"]
    assert {e["format"] for e in f["evidence"]} >= {"pcap", "dbl_goip", "wireguard", "grandstream"}
    ua = {r["user_agent"] for r in f["sip_registrations"]}
    assert UA in ua  # the hostile value is kept verbatim in the data
    assert len(run["pdf_text"]) > 1000


def test_html_escapes_evidence_strings(run: dict[str, Any]) -> None:
    html = run["html"].lower()
    for raw in ("<script", "<img src=x", "<svg onload", "<iframe", "<b>call</b>", "</td></tr><svg"):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(" in html  # the value is shown, as text
    assert html.count("alert(") == html.count("&lt;script&gt;alert(") + html.count("&lt;img src=x") \
        + html.count("&lt;svg onload=alert(")


def test_csv_cells_cannot_start_a_formula(run: dict[str, Any]) -> None:
    tables = sorted((run["out"] / "tables").glob("*.csv"))
    assert {"complaints.csv", "calls.csv", "registrations.csv"} <= {p.name for p in tables}
    for p in tables:
        rows = list(csv.reader(p.read_text(encoding="utf-8-sig").splitlines()))
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (p.name, cell)
    comp = (run["out"] / "tables" / "complaints.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in comp and "'@SUM(1+1)" in comp
    calls = (run["out"] / "tables" / "calls.csv").read_text(encoding="utf-8-sig")
    assert "formula@192.168.1.20" in calls


def test_secret_harvest_is_not_empty() -> None:
    s = secrets()
    assert {"Den301-1!", "Ln1-Secret!", "Fxo01-Secret", "FRP-TOKEN-s3cr3t", mk.GW_PASSWORD} <= s
    assert len(s) > 60


def test_no_secret_in_any_output(run: dict[str, Any]) -> None:
    outputs = {"findings.json": (run["out"] / "findings.json").read_text(encoding="utf-8"),
               "report.html": run["html"], "report.pdf": run["pdf_text"]}
    for p in sorted((run["out"] / "tables").glob("*.csv")):
        outputs[f"tables/{p.name}"] = p.read_text(encoding="utf-8-sig")
    leaks = []
    for s in sorted(secrets()):
        for name, text in outputs.items():
            # short values (PINs) also occur inside numbers: look for them as whole values
            hit = s in text if len(s) >= 6 else (json.dumps(s) in text if name.endswith(".json") else False)
            if hit:
                leaks.append((s, name))
    assert leaks == []
