"""Links across devices and dens: the same operator, account or remote id on several
devices is listed with its evidence — how separate dens are shown to be one ring.

Kinds: ``same-operator`` (an external address any two devices dealt with, with the
roles), ``same-registrar``, ``same-sip-account`` (a username registered or configured
on several devices), ``same-remote-id`` (a remote-control id seen from several
devices); ``same-password`` rows come from the gateway-config rule.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from forensics.correlate.context import CaseData
from forensics.model.gateway import GatewayConfig


def _link(case: CaseData, kind: str, value: Any, devices: set[str], sources: list[dict[str, Any]], **extra: Any) -> None:
    if len(devices) < 2:
        return
    row = {"kind": kind, "value": value, "devices": sorted(devices), "sources": sources[:20]}
    row.update(extra)
    case.out["links"].append(row)


def rule_links(case: CaseData) -> None:
    for op in case.out.get("operators", []):
        _link(case, "same-operator", op["ip"], set(op["devices"]), op["sources"], roles=op["roles"],
              country=op.get("country"))
    reg_devs: dict[str, set[str]] = defaultdict(set)
    reg_src: dict[str, list] = defaultdict(list)
    acct_devs: dict[str, set[str]] = defaultdict(set)
    acct_src: dict[str, list] = defaultdict(list)
    for r in case.out.get("sip_registrations", []):
        if r.get("device"):
            reg_devs[r["registrar"]["ip"]].add(r["device"])
            reg_src[r["registrar"]["ip"]].extend(r["sources"][:2])
            if r.get("username"):
                acct_devs[r["username"]].add(r["device"])
                acct_src[r["username"]].extend(r["sources"][:2])
    for cfg in case.of(GatewayConfig):
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        if not dev:
            continue
        for acc in cfg.accounts:
            if acc.username:
                acct_devs[acc.username].add(dev)
                acct_src[acc.username].append(dict(cfg.prov.source(), **({"line": acc.line} if acc.line else {})))
    for ip in sorted(reg_devs):
        _link(case, "same-registrar", ip, reg_devs[ip], reg_src[ip])
    for u in sorted(acct_devs):
        _link(case, "same-sip-account", u, acct_devs[u], acct_src[u])
    rid_devs: dict[tuple[str, str], set[str]] = defaultdict(set)
    rid_src: dict[tuple[str, str], list] = defaultdict(list)
    for s in case.out.get("remote_sessions", []):
        if s.get("remote_id") and s.get("device"):
            rid_devs[(s["tool"], s["remote_id"])].add(s["device"])
            rid_src[(s["tool"], s["remote_id"])].extend(s["sources"][:2])
    for (tool, rid) in sorted(rid_devs):
        _link(case, "same-remote-id", rid, rid_devs[(tool, rid)], rid_src[(tool, rid)], tool=tool)
