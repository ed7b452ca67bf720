"""Landlines: which numbers a device served, and the calls each carried.

Sources, merged by E.164 number, each adding to ``basis``: ``manifest`` (case.yaml
``landlines:``), ``carrier-records`` (the carrier list), ``config-line-number`` (a
gateway config binds the number to a port/account), ``sip-username`` (a SIP account
that registered is itself a valid fixed-line number), and ``config-account`` (the
port was found through the account that serves it).  The accounts configured on the
landline's port are listed in ``sip_accounts``.

A call is tied to a landline through the gateway account it used (its number, or
the port the account serves) or through its port; per landline: calls, answered,
first and last call start, region of the number.

Nothing is guessed: a number written without its area code (a local number such as
``2666 0199``) is reported as ``landline-no-area-code`` and left out, even when the
device's other lines share one area code.  Two sources binding one number to
different devices give an ``attribution-conflict`` warning; the first source (in the
order above) is kept.
"""

from __future__ import annotations

import re
from typing import Any

from forensics import numbers
from forensics.correlate.context import CaseData, sources_of
from forensics.model.gateway import GatewayConfig

_LOCAL = re.compile(r"^[2-9]\d{6,7}$")  # a CN subscriber number without trunk prefix/area code


def _entry(case: CaseData, book: dict[str, dict[str, Any]], n: numbers.Number, device: str | None,
           basis: str) -> dict[str, Any]:
    row = book.get(n.e164 or "")
    if row is None:
        row = book[n.e164 or ""] = {
            "number": n.e164, "display": n.national, "region": n.region_zh or n.region_en,
            "region_en": n.region_en, "device": device, "gateway_port": None, "sip_accounts": [],
            "calls": 0, "answered": 0, "first_call": None, "last_call": None, "basis": [], "sources": [],
        }
    if device and not row["device"]:
        row["device"] = device
    elif device and row["device"] != device:
        case.warn("attribution-conflict", f"landline {n.e164}: {basis} ties it to {device}, "
                  f"an earlier source to {row['device']}; kept {row['device']}")
    return row


def _add(row: dict[str, Any], basis: str, sources: list[dict[str, Any]]) -> None:
    if basis not in row["basis"]:
        row["basis"].append(basis)
    for s in sources:
        if s not in row["sources"]:
            row["sources"].append(s)


def _number(case: CaseData, raw: str, region: str, where: str, evidence: str | None = None) -> numbers.Number | None:
    """A valid E.164 number, or None with a warning saying why (never a guess)."""
    n = numbers.normalise(raw, region)
    if n is not None and n.e164:
        return n
    digits = re.sub(r"\D", "", raw)
    if region == "CN" and _LOCAL.match(digits):
        case.warn("landline-no-area-code", f"{where} landline '{raw}' is a local number without area code; "
                  "not listed (the area code is not guessed)", evidence)
    else:
        case.warn("landline-unparsable", f"{where} landline '{raw}' is not a valid number", evidence)
    return None


def _src_line(cfg: GatewayConfig, line: int | None) -> dict[str, Any]:
    src = cfg.prov.source()
    if line:
        src.pop("offset", None)
        src["line"] = line
    return src


def rule_landlines(case: CaseData) -> None:
    region = case.manifest.home_country or "CN"
    book: dict[str, dict[str, Any]] = {}
    for ln in case.manifest.landlines:
        n = _number(case, str(ln["number"]), region, "case.yaml")
        if n is None:
            continue
        row = _entry(case, book, n, ln.get("device"), "manifest")
        if ln.get("port") is not None and str(ln["port"]).isdecimal():
            row["gateway_port"] = int(ln["port"])
        _add(row, "manifest", [{"evidence": "case.yaml"}])
    for cl in case.facts.get("carrier_records", []):
        if cl.number is None or not cl.number.e164:
            continue
        row = _entry(case, book, cl.number, cl.device, "carrier-records")
        if cl.port and row["gateway_port"] is None:
            row["gateway_port"] = cl.port
        _add(row, "carrier-records", sources_of([cl]))
    acct_line: dict[tuple[str | None, str], str] = {}  # (device, username) -> number
    port_line: dict[tuple[str | None, int], str] = {}  # (device, port) -> number
    acct_port: dict[tuple[str | None, str], int] = {}  # (device, username/auth id) -> port
    port_accts: dict[tuple[str | None, int], set[str]] = {}
    for cfg in case.of(GatewayConfig):
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        ev = cfg.prov.evidence_id
        for acc in cfg.accounts:
            if acc.port:
                for u in {acc.username, acc.auth_id}:
                    if u:
                        acct_port[(dev, u)] = acc.port
                if acc.username:
                    port_accts.setdefault((dev, acc.port), set()).add(acc.username)
        port_nums = {p.index: (p.line_number, p.line) for p in getattr(cfg, "ports", ()) if p.line_number}
        for acc in cfg.accounts:
            raw, line = (acc.line_number, acc.line) if acc.line_number else port_nums.get(acc.port or -1, (None, None))
            if not raw:
                continue
            n = _number(case, raw, region, f"{ev} account {acc.id}:", ev)
            if n is None:
                continue
            row = _entry(case, book, n, dev, "config-line-number")
            if acc.port and row["gateway_port"] is None:
                row["gateway_port"] = acc.port
            if acc.username and acc.username not in row["sip_accounts"]:
                row["sip_accounts"].append(acc.username)
            _add(row, "config-line-number", [_src_line(cfg, line)])
            if acc.username:
                acct_line[(dev, acc.username)] = n.e164  # type: ignore[assignment]
            if acc.port:
                port_line[(dev, acc.port)] = n.e164  # type: ignore[assignment]
        for idx, (raw, line) in port_nums.items():
            if (dev, idx) in port_line:
                continue
            n = _number(case, raw, region, f"{ev} port {idx}:", ev)
            if n is None:
                continue
            row = _entry(case, book, n, dev, "config-line-number")
            row["gateway_port"] = row["gateway_port"] or idx
            _add(row, "config-line-number", [_src_line(cfg, line)])
            port_line[(dev, idx)] = n.e164  # type: ignore[assignment]
    for reg in case.out.get("sip_registrations", []):
        n = numbers.normalise(reg["username"], region) if reg.get("username") else None
        if n is None or not numbers.is_landline(n):
            continue
        row = _entry(case, book, n, reg.get("device"), "sip-username")
        if reg["username"] not in row["sip_accounts"]:
            row["sip_accounts"].append(reg["username"])
        _add(row, "sip-username", reg["sources"][:3])
        acct_line.setdefault((reg.get("device"), reg["username"]), n.e164)  # type: ignore[arg-type]
    for row in book.values():
        if row["gateway_port"] is None:
            ports = {acct_port[(row["device"], a)] for a in row["sip_accounts"] if (row["device"], a) in acct_port}
            if len(ports) == 1:
                row["gateway_port"] = ports.pop()
                _add(row, "config-account", [])
        if row["device"] and row["gateway_port"] is not None:
            port_line.setdefault((row["device"], row["gateway_port"]), row["number"])
            for u in sorted(port_accts.get((row["device"], row["gateway_port"]), ())):
                if u not in row["sip_accounts"]:
                    row["sip_accounts"].append(u)
    _count_calls(case, book, acct_line, port_line, acct_port)
    for row in book.values():
        row["sip_accounts"].sort()
        if not row["sources"]:
            row["sources"] = [{"evidence": "case.yaml"}]
        case.out["landlines"].append(row)


def _count_calls(case: CaseData, book: dict[str, dict[str, Any]], acct_line: dict, port_line: dict,
                 acct_port: dict) -> None:
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
