"""REGISTER transactions → ``sip_registrations[]`` (one row per device, username, registrar).

A transaction is matched to its responses by Call-ID and CSeq number.  Counted per
row: ``attempts`` (REGISTER requests, retransmissions included once per CSeq),
``challenges`` (401/407), ``successes`` (2xx) and ``failures`` (other final
responses).  ``expires`` is what the registrar granted (Contact ``expires`` or
Expires header of the 2xx), else what the device asked for.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from forensics.correlate.context import CaseData, iso, sources_of
from forensics.model.sip import SipMessage


def _resp_index(msgs: list[SipMessage]) -> dict[tuple, list[SipMessage]]:
    idx: dict[tuple, list[SipMessage]] = defaultdict(list)
    for m in msgs:
        if not m.is_request and m.cseq_method == "REGISTER":
            idx[(m.prov.evidence_id, m.call_id, m.cseq_num)].append(m)
    return idx


def rule_sip_registrations(case: CaseData) -> None:
    msgs = case.of(SipMessage)
    responses = _resp_index(msgs)
    groups: dict[tuple, dict[str, Any]] = {}
    for m in msgs:
        if not m.is_request or m.method != "REGISTER":
            continue
        device = case.device_of_host(m.src.ip, evidence=m.prov.evidence_id)
        username = m.to_user or m.from_user or m.auth_username or ""
        key = (device or m.src.ip, username, m.dst.ip, m.dst.port, m.transport)
        g = groups.get(key)
        if g is None:
            g = groups[key] = {"device": device, "host": m.src.ip, "username": username, "aor": m.to_uri,
                               "registrar": m.dst, "contact": None, "user_agent": None, "auth_username": None,
                               "realm": None, "expires": None, "asked_expires": None, "cseqs": set(), "t0": m.ts_ns,
                               "t1": m.ts_ns, "succ": 0, "fail": 0, "chal": 0, "records": [], "codes": set()}
        g["records"].append(m)
        g["t0"] = min(g["t0"], m.ts_ns)
        g["t1"] = max(g["t1"], m.ts_ns)
        g["contact"] = g["contact"] or m.contact_uri
        g["user_agent"] = g["user_agent"] or m.user_agent
        g["auth_username"] = g["auth_username"] or m.auth_username
        g["realm"] = g["realm"] or m.auth_realm
        asked = m.contact_expires if m.contact_expires is not None else m.expires
        if asked is not None:
            g["asked_expires"] = asked
        ck = (m.prov.evidence_id, m.call_id, m.cseq_num)
        if ck in g["cseqs"]:
            continue  # a retransmission of the same transaction
        g["cseqs"].add(ck)
        finals = [r for r in responses.get(ck, ()) if r.status and r.status >= 200]
        if not finals:
            continue
        r = finals[0]
        g["records"].extend(finals)
        g["t1"] = max(g["t1"], r.ts_ns)
        g["codes"].add(r.status)
        if 200 <= r.status < 300:
            g["succ"] += 1
            granted = r.contact_expires if r.contact_expires is not None else r.expires
            if granted is not None:
                g["expires"] = granted
        elif r.status in (401, 407):
            g["chal"] += 1
            g["realm"] = g["realm"] or r.challenge_realm
        else:
            g["fail"] += 1
    rows = []
    for g in groups.values():
        reg = g["registrar"]
        rows.append({
            "device": g["device"],
            "host": g["host"],
            "username": g["username"],
            "auth_username": g["auth_username"],
            "aor": g["aor"],
            "registrar": {"ip": reg.ip, "port": reg.port, "transport": reg.transport},
            "contact": g["contact"],
            "user_agent": g["user_agent"],
            "realm": g["realm"],
            "expires": g["expires"] if g["expires"] is not None else g["asked_expires"],
            "first_seen": iso(g["t0"]),
            "last_seen": iso(g["t1"]),
            "attempts": len(g["cseqs"]),
            "successes": g["succ"],
            "challenges": g["chal"],
            "failures": g["fail"],
            "final_codes": sorted(g["codes"]),
            "sources": sources_of(g["records"]),
        })
    case.out["sip_registrations"].extend(rows)
