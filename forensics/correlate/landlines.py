"""Landlines: which numbers a device served, and the calls each carried.

Sources, merged by E.164 number, each adding to ``basis``: ``manifest`` (case.yaml
``landlines:``), ``carrier-records`` (the carrier list), ``config-line-number`` (a
gateway config binds the number to a port/account), ``sip-username`` (a SIP account
that registered is itself a valid fixed-line number).  A call is tied to a landline
through the gateway account/port it used.
"""

from __future__ import annotations

from typing import Any

from forensics import numbers
from forensics.correlate.context import CaseData, sources_of
from forensics.model.gateway import GatewayConfig


def _entry(book: dict[str, dict[str, Any]], n: numbers.Number, device: str | None) -> dict[str, Any]:
    row = book.get(n.e164 or "")
    if row is None:
        row = book[n.e164 or ""] = {
            "number": n.e164, "display": n.national, "region": n.region_zh or n.region_en,
            "region_en": n.region_en, "device": device, "gateway_port": None, "sip_accounts": [],
            "calls": 0, "answered": 0, "first_call": None, "last_call": None, "basis": [], "sources": [],
        }
    if device and not row["device"]:
        row["device"] = device
    return row


def _add(row: dict[str, Any], basis: str, sources: list[dict[str, Any]]) -> None:
    if basis not in row["basis"]:
        row["basis"].append(basis)
    for s in sources:
        if s not in row["sources"]:
            row["sources"].append(s)


def rule_landlines(case: CaseData) -> None:
    region = case.manifest.home_country or "CN"
    book: dict[str, dict[str, Any]] = {}
    for ln in case.manifest.landlines:
        n = numbers.normalise(str(ln["number"]), region)
        if n is None or not n.e164:
            case.warn("landline-unparsable", f"case.yaml landline '{ln['number']}' is not a valid number")
            continue
        row = _entry(book, n, ln.get("device"))
        if ln.get("port") is not None and str(ln["port"]).isdigit():
            row["gateway_port"] = int(ln["port"])
        _add(row, "manifest", [{"evidence": "case.yaml"}])
    for cl in case.facts.get("carrier_records", []):
        if cl.number is None or not cl.number.e164:
            continue
        row = _entry(book, cl.number, cl.device)
        if cl.port and row["gateway_port"] is None:
            row["gateway_port"] = cl.port
        _add(row, "carrier-records", sources_of([cl]))
    # account (device, username) -> landline number
    acct_line: dict[tuple[str | None, str], str] = {}
    port_line: dict[tuple[str | None, int], str] = {}
    for cfg in case.of(GatewayConfig):
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        port_nums = {p.index: p.line_number for p in getattr(cfg, "ports", ()) if p.line_number}
        for acc in cfg.accounts:
            raw = acc.line_number or (port_nums.get(acc.port) if acc.port else None)
            if not raw:
                continue
            n = numbers.normalise(raw, region)
            if n is None or not n.e164:
                continue
            row = _entry(book, n, dev)
            if acc.port and row["gateway_port"] is None:
                row["gateway_port"] = acc.port
            if acc.username and acc.username not in row["sip_accounts"]:
                row["sip_accounts"].append(acc.username)
            _add(row, "config-line-number", [dict(cfg.prov.source(), **({"line": acc.line} if acc.line else {}))])
            if acc.username:
                acct_line[(dev, acc.username)] = n.e164
            if acc.port:
                port_line[(dev, acc.port)] = n.e164
        for idx, raw in port_nums.items():
            n = numbers.normalise(raw, region)
            if n and n.e164 and (dev, idx) not in port_line:
                row = _entry(book, n, dev)
                row["gateway_port"] = row["gateway_port"] or idx
                _add(row, "config-line-number", [cfg.prov.source()])
                port_line[(dev, idx)] = n.e164
    for reg in case.out.get("sip_registrations", []):
        n = numbers.normalise(reg["username"], region) if reg.get("username") else None
        if n is None or not numbers.is_landline(n):
            continue
        row = _entry(book, n, reg.get("device"))
        if reg["username"] not in row["sip_accounts"]:
            row["sip_accounts"].append(reg["username"])
        _add(row, "sip-username", reg["sources"][:3])
        acct_line.setdefault((reg.get("device"), reg["username"]), n.e164)
    # account -> port, from configs
    acct_port: dict[tuple[str | None, str], int] = {}
    for cfg in case.of(GatewayConfig):
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        for acc in cfg.accounts:
            for u in {acc.username, acc.auth_id}:
                if u and acc.port:
                    acct_port[(dev, u)] = acc.port
    for row in book.values():
        if row["gateway_port"] is None:
            ports = {acct_port[(row["device"], a)] for a in row["sip_accounts"] if (row["device"], a) in acct_port}
            if len(ports) == 1:
                row["gateway_port"] = ports.pop()
                if "config-account" not in row["basis"]:
                    row["basis"].append("config-account")
        if row["device"] and row["gateway_port"] is not None:
            port_line.setdefault((row["device"], row["gateway_port"]), row["number"])
    for call in case.out.get("calls", []):
        acct = call.get("gateway_account")
        dev = call.get("device")
        if acct and call.get("gateway_port") is None and (dev, acct) in acct_port:
            call["gateway_port"] = acct_port[(dev, acct)]
        number = acct_line.get((dev, acct)) if acct else None
        if number is None and call.get("gateway_port") is not None:
            number = port_line.get((dev, call["gateway_port"]))
        if number is None:
            continue
        call["landline"] = number
        row = book[number]
        row["calls"] += 1
        if call.get("answer"):
            row["answered"] += 1
        st = call.get("start")
        if st:
            row["first_call"] = min(filter(None, [row["first_call"], st]))
            row["last_call"] = max(filter(None, [row["last_call"], st]))
    for row in book.values():
        row["sip_accounts"].sort()
        if not row["sources"]:
            row["sources"] = [{"evidence": "case.yaml"}]
        case.out["landlines"].append(row)
