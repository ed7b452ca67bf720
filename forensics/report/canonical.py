"""Correlated case data → the canonical findings dict (contract gatetrace.findings/1).

Deterministic: every list is sorted by a stable key, no wall-clock time is written
unless ``SOURCE_DATE_EPOCH`` is set (then as ``generated_at``), and serialisation
(:func:`dumps`) uses sorted keys and a fixed layout.
"""

from __future__ import annotations

import json
import os
from typing import Any

from forensics.correlate.context import CaseData, iso
from forensics.model.core import ParseWarning, evidence_number

SCHEMA_ID = "gatetrace.findings/1"




def _k(*vals: Any) -> tuple:
    return tuple("" if v is None else v for v in vals)


SORT_KEYS = {
    "devices": lambda r: _k(not r.get("declared"), r.get("id")),
    "gateway_configs": lambda r: _k(evidence_number(r.get("evidence")), r.get("vendor")),
    "sip_registrations": lambda r: _k(r.get("device"), r.get("username"), json.dumps(r.get("registrar"), sort_keys=True), r.get("first_seen")),
    "calls": lambda r: _k(r.get("start"), r.get("call_id"), r.get("device")),
    "remote_sessions": lambda r: _k(r.get("first_seen"), r.get("tool"), json.dumps(r.get("peer"), sort_keys=True), json.dumps(r.get("sources"), sort_keys=True)),
    "tunnels": lambda r: _k(r.get("first_seen"), r.get("protocol"), json.dumps(r.get("peer"), sort_keys=True), json.dumps(r.get("sources"), sort_keys=True)),
    "landlines": lambda r: _k(r.get("number")),
    "operators": lambda r: _k(r.get("ip")),
    "complaints": lambda r: _k(r.get("case_no"), r.get("victim_number")),
    "links": lambda r: _k(r.get("kind"), str(r.get("value"))),
    "media_streams": lambda r: _k(r.get("first_seen"), json.dumps(r.get("src"), sort_keys=True)),
    "summary": lambda r: _k(r.get("device")),
    "sip_peers": lambda r: _k(r.get("device"), json.dumps(r.get("host"), sort_keys=True), json.dumps(r.get("peer"), sort_keys=True), r.get("first_seen")),
    "management": lambda r: _k(r.get("first_seen"), json.dumps(r, sort_keys=True)),
}


def _warnings(case: CaseData) -> list[dict[str, Any]]:
    ws: list[ParseWarning] = list(case.manifest.warnings)
    for ev in case.evidence:
        ws.extend(ev.warnings)
    ws.extend(case.warnings)
    ws.sort(key=lambda w: w.sort_key())
    return [w.to_json() for w in ws]


def _evidence_row(ev: Any) -> dict[str, Any]:
    stats = {k: v for k, v in ev.stats.items() if k != "traceback"}
    return {
        "id": ev.id,
        "path": ev.path,
        "sha256": ev.sha256,
        "size": ev.size,
        "kind": ev.kind if ev.kind in ("capture", "gateway_config", "host_artifact", "carrier_records", "complaints") else "unrecognised",
        "format": ev.format,
        "device": ev.device,
        "status": ev.status,
        "stats": stats,
        "warnings": [w.to_json() for w in sorted(ev.warnings, key=lambda w: w.sort_key())],
        "rehash": "ok" if ev.rehash_ok else ("changed" if ev.rehash_ok is False else "not-checked"),
        "parent": ev.parent,
        "member": ev.member,
    }


def build_findings(case: CaseData, *, tool_version: str) -> dict[str, Any]:
    m = case.manifest
    out: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "tool": {"name": "gatetrace", "version": tool_version},
        "case": {
            "id": m.case_id,
            "examiner": m.examiner,
            "timezone": m.timezone,
            "home_country": m.home_country,
            "language": m.language,
        },
        "case_root": str(m.root),
        "evidence": [_evidence_row(ev) for ev in sorted(case.evidence, key=lambda e: evidence_number(e.id))],
    }
    for name, rows in case.out.items():
        if name == "evidence":
            continue
        key = SORT_KEYS.get(name)
        out[name] = sorted(rows, key=key) if key else list(rows)
    for name in ("devices", "gateway_configs", "sip_registrations", "calls", "remote_sessions", "tunnels",
                 "landlines", "operators", "complaints"):
        out.setdefault(name, [])
    out["warnings"] = _warnings(case)
    out["method"] = case.facts.get("method", {"tool_version": tool_version})
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde and sde.isdecimal():
        out["generated_at"] = iso(int(sde) * 1_000_000_000)
    return out


def dumps(findings: dict[str, Any]) -> str:
    """The byte-stable serialisation written to findings.json."""
    return json.dumps(findings, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
