"""Links across devices and dens: the same operator, account or remote id on several
devices is listed with its evidence — how separate dens are shown to be one ring.

Kinds (each row: ``kind``, ``value``, ``devices`` (two or more), ``sources``):

* ``same-operator`` — an external address two devices dealt with (``roles``,
  ``country``, and ``device_roles`` per device).  Private and reserved addresses are
  left out: two dens behind ``192.168.1.1`` share nothing.
* ``same-registrar`` — the registrar devices registered to (traffic), or the registrar
  their configs name (``basis``: ``traffic`` and/or ``config``; a configured host name
  is kept as written).
* ``same-sip-account`` — a username registered or configured on several devices.
* ``same-remote-id`` — a remote-control id seen from several devices (``tool``).
* ``same-password`` rows (equal secret hashes) come from the gateway-config rule.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from forensics.correlate.context import CaseData
from forensics.model.gateway import GatewayConfig

REGISTRAR_ROLES = ("registrar", "proxy", "outbound_proxy", "backup_registrar")


def _link(case: CaseData, kind: str, value: Any, devices: set[str], sources: list[dict[str, Any]], **extra: Any) -> None:
    if len(devices) < 2:
        return
    uniq: list[dict[str, Any]] = []
    for s in sources:
        if s not in uniq:
            uniq.append(s)
    row = {"kind": kind, "value": value, "devices": sorted(devices), "sources": uniq[:20]}
    row.update(extra)
    case.out["links"].append(row)


def _cfg_src(cfg: GatewayConfig, line: int | None) -> dict[str, Any]:
    src = cfg.prov.source()
    if line:
        src.pop("offset", None)
        src["line"] = line
    return src


def _host_of(ref: str) -> str:
    """``host[:port]`` → lower-case host (IPv6 literals in brackets kept whole)."""
    ref = ref.strip().lower()
    if ref.startswith("["):
        return ref[1:].split("]")[0]
    return ref.rsplit(":", 1)[0] if ref.count(":") == 1 else ref


def rule_links(case: CaseData) -> None:
    for op in case.out.get("operators", []):
        if op.get("reserved"):
            continue
        _link(case, "same-operator", op["ip"], set(op["devices"]), op["sources"], roles=op["roles"],
              country=op.get("country"), overseas=op.get("overseas"),
              device_roles=op.get("device_roles", {}))
    reg_devs: dict[str, set[str]] = defaultdict(set)
    reg_src: dict[str, list] = defaultdict(list)
    reg_basis: dict[str, set[str]] = defaultdict(set)
    acct_devs: dict[str, set[str]] = defaultdict(set)
    acct_src: dict[str, list] = defaultdict(list)
    for r in case.out.get("sip_registrations", []):
        if r.get("device"):
            ip = r["registrar"]["ip"]
            reg_devs[ip].add(r["device"])
            reg_src[ip].extend(r["sources"][:2])
            reg_basis[ip].add("traffic")
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
                acct_src[acc.username].append(_cfg_src(cfg, acc.line))
        for srv in cfg.sip_servers:
            if srv.role in REGISTRAR_ROLES and srv.host:
                host = _host_of(srv.host)
                reg_devs[host].add(dev)
                reg_src[host].append(_cfg_src(cfg, srv.line))
                reg_basis[host].add("config")
    for host in sorted(reg_devs):
        _link(case, "same-registrar", host, reg_devs[host], reg_src[host], basis=sorted(reg_basis[host]))
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
