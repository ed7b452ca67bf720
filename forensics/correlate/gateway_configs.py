"""Gateway configurations → ``gateway_configs[]`` rows and ``same-password`` links.

Reads :class:`~forensics.model.gateway.GatewayConfig` records only.  One row per
configuration (contract ``gateway_configs[]`` of ``shared/spec/findings.md``: device,
evidence, vendor, model, sip_servers, accounts, management, vpn, sources, plus the
normalised extras of ``GatewayConfig.to_json()``).  When the same secret (equal
``sha256_8`` and length) appears in configurations of different devices or evidence, a
``links[]`` row ``{"kind": "same-password", "value": sha256_8, …}`` says so — the sign
of one operator setting up several dens — without revealing the secret.

``config_hosts`` and ``config_usernames`` give device attribution the MAC/IP and SIP
user names a configuration declares.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from forensics.correlate.context import CaseData, sources_of
from forensics.model.core import evidence_number
from forensics.model.gateway import GatewayConfig

_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def _line_sources(cfg: GatewayConfig) -> list[dict[str, Any]]:
    base = cfg.prov.source()
    base.pop("offset", None)
    base.pop("line", None)
    lines = sorted({x.line for x in (*cfg.accounts, *cfg.sip_servers) if x.line})
    return [{**base, "line": ln} for ln in lines]


def _row(case: CaseData, cfg: GatewayConfig) -> dict[str, Any]:
    ev = cfg.prov.evidence_id
    row = cfg.to_json()
    row["device"] = case.device_of_evidence(ev)
    row["evidence"] = ev
    if cfg.prov.member:
        row["member"] = cfg.prov.member
    srcs = sources_of([cfg])
    for s in _line_sources(cfg):
        if s not in srcs:
            srcs.append(s)
    row["sources"] = srcs
    return row


def rule_gateway_configs(case: CaseData) -> None:
    """Fill ``gateway_configs[]`` and append ``same-password`` ``links[]`` rows."""
    configs = case.of(GatewayConfig)
    rows = [_row(case, c) for c in configs]
    rows.sort(key=lambda r: (evidence_number(r["evidence"]), r.get("member") or "", r["vendor"]))
    case.out["gateway_configs"].extend(rows)
    # secret hash → holders (device or evidence), with where it was seen
    seen: dict[tuple[str, int | None], list[tuple[GatewayConfig, str]]] = defaultdict(list)
    for cfg in configs:
        for ref in cfg.secrets:
            s = ref.secret
            if s.present and s.sha256_8:
                seen[(s.sha256_8, s.length)].append((cfg, ref.path))
    for (h, _length), uses in sorted(seen.items()):
        holders = {case.device_of_evidence(c.prov.evidence_id) or c.prov.evidence_id
                   for c, _ in uses}
        if len(holders) < 2:
            continue
        devices = sorted({d for c, _ in uses
                          if (d := case.device_of_evidence(c.prov.evidence_id))})
        evidence = sorted({c.prov.evidence_id for c, _ in uses}, key=evidence_number)
        case.out["links"].append({
            "kind": "same-password",
            "value": h,
            "devices": devices,
            "evidence": evidence,
            "paths": sorted({p for _, p in uses}),
            "sources": sources_of([c for c, _ in uses]),
        })


def config_hosts(cfg: GatewayConfig) -> tuple[set[str], set[str]]:
    """(MACs, IPs) the configuration says the device itself has."""
    macs = {cfg.mac} if cfg.mac else set()
    ips = {cfg.lan_ip} if cfg.lan_ip and _IP.match(cfg.lan_ip) else set()
    if cfg.nat and cfg.nat.public_ip and _IP.match(cfg.nat.public_ip):
        ips.add(cfg.nat.public_ip)
    return macs, ips


def config_usernames(cfg: GatewayConfig) -> set[str]:
    """SIP user names and authentication ids of the configuration's accounts."""
    out: set[str] = set()
    for a in cfg.accounts:
        if a.username:
            out.add(a.username)
        if a.auth_id:
            out.add(a.auth_id)
    return out


