"""Capture hosts → seized devices, and ``devices[]``.

A capture host (IP or MAC) is attributed to a manifest device by, strongest first:
``manifest`` (the device's declared addresses), ``config-mac`` / ``config-ip`` (the MAC
or LAN address in a gateway config that came off the device; a MAC claim reaches the
host's IP through the Ethernet source address seen with it, or a DHCP lease),
``sip-account`` (a REGISTER from the host for a username configured on the device),
``dhcp-hostname`` (the host name the host announced over DHCP names the device, see
``dhcp.py``) and ``user-agent`` (the device's model string in the host's SIP
User-Agent).  Model matches (``user-agent``, DHCP by model) count only when no other
device in the case has the same model.

Every attribution keeps its reason and sources (``case.yaml`` for the manifest).  A
host claimed by two devices is an ``attribution-conflict`` warning naming both claims;
the stronger claim is kept.  Hosts that register over SIP or answer INVITEs but match
no seized device become inferred devices (``declared: false``); so does a gateway
config that came off no declared device (``inferred-config-E<n>``).

Limit: hosts are keyed by address alone (``CaseData.host_device``), so two dens that
use the same private address are told apart only by the conflict warning.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from forensics.correlate import dhcp
from forensics.correlate.context import CaseData, sources_of
from forensics.model.gateway import GatewayConfig
from forensics.model.network import CaptureHost
from forensics.model.sip import SipMessage

STRENGTH = {"manifest": 0, "config-mac": 1, "config-ip": 2, "sip-account": 3, "dhcp-hostname": 4, "user-agent": 5}
MANIFEST_SOURCE = [{"evidence": "case.yaml"}]
GATEWAY_UA = re.compile(
    r"grandstream|gxw|\bht8\d\d|goip|dbl|hybertone|dinstar|synway|new ?rock|mx8|audiocodes|mediapack|"
    r"linksys|sipura|spa3102|spa\d{3}|yeastar|neogate|\bta\d{3,4}|patton|smartnode|fanvil|flyingvoice|"
    r"atcom|cisco|fxo", re.IGNORECASE)

Claim = tuple[str, str, list[dict[str, Any]], dict[str, Any]]  # device, reason, sources, extra


def _norm_mac(v: str) -> str:
    h = re.sub(r"[^0-9a-fA-F]", "", v)
    return ":".join(h[i : i + 2] for i in range(0, 12, 2)).lower() if len(h) == 12 else v.lower()


def _is_mac(v: str) -> bool:
    return len(re.sub(r"[^0-9a-fA-F]", "", v)) == 12 and (":" in v or "-" in v or "." in v or len(v) == 12)


def _identities(case: CaseData, configs: list[GatewayConfig]) -> dict[str, dict[str, Any]]:
    """Per device: model, serial, mac, vendor, firmware, hostname (manifest first, then configs)."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for d in case.manifest.devices:
        out[d.id].update({k: v for k, v in (("model", d.model), ("serial", d.serial)) if v})
    for cfg in configs:
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        if not dev:
            continue
        info = out[dev]
        for k in ("model", "serial", "mac", "firmware", "hostname", "vendor"):
            if getattr(cfg, k, None) and not info.get(k):
                info[k] = getattr(cfg, k)
    return out


def rule_devices(case: CaseData) -> None:
    m = case.manifest
    claims: dict[str, list[Claim]] = defaultdict(list)
    for d in m.devices:
        for a in d.addresses:
            host = _norm_mac(a) if _is_mac(a) else a.strip()
            claims[host].append((d.id, "manifest", MANIFEST_SOURCE, {}))
    configs = case.of(GatewayConfig)
    _infer_config_devices(case, configs)
    idents = _identities(case, configs)
    usernames: dict[str, list[tuple[str, GatewayConfig]]] = defaultdict(list)
    for cfg in configs:
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        if not dev:
            continue
        src = sources_of([cfg])
        if cfg.mac:
            claims[_norm_mac(cfg.mac)].append((dev, "config-mac", src, {}))
        if cfg.lan_ip:
            claims[cfg.lan_ip].append((dev, "config-ip", src, {}))
        for acc in cfg.accounts:
            for u in {acc.username, acc.auth_id}:
                if u:
                    usernames[u].append((dev, cfg))
    # the MAC of each IP: the Ethernet source seen with it, else a DHCP lease
    host_mac: dict[str, tuple[str, Any]] = {}
    for h in case.of(CaptureHost):
        if h.mac:
            host_mac.setdefault(h.ip, (h.mac.lower(), h))
    for ip, (mac, rec) in dhcp.bindings(case).items():
        host_mac.setdefault(ip, (mac, rec))
    for ip, (mac, rec) in host_mac.items():
        for dev, reason, src, _extra in list(claims.get(mac, ())):
            if reason in ("config-mac", "manifest"):
                claims[ip].append((dev, reason, src + sources_of([rec]), {"mac": mac}))
    msgs = case.of(SipMessage)
    ua_by_host: dict[str, set[str]] = defaultdict(set)
    registering: dict[str, list[SipMessage]] = defaultdict(list)
    for msg in msgs:
        if msg.is_request and msg.user_agent:
            ua_by_host[msg.src.ip].add(msg.user_agent)
        if msg.is_request and msg.method == "REGISTER":
            registering[msg.src.ip].append(msg)
    for ip, regs in registering.items():
        seen: set[tuple[str, str]] = set()
        for msg in regs:
            for u in sorted({x for x in (msg.from_user, msg.to_user, msg.auth_username) if x}):
                for dev, _cfg in usernames.get(u, ()):
                    if (dev, u) not in seen:
                        seen.add((dev, u))
                        claims[ip].append((dev, "sip-account", sources_of([msg]), {"username": u}))
    model_count: dict[str, int] = defaultdict(int)
    for info in idents.values():
        if dhcp.squash(info.get("model")):
            model_count[dhcp.squash(info.get("model"))] += 1
    for ip, uas in ua_by_host.items():
        for dev, info in sorted(idents.items()):
            model = (info.get("model") or "").strip()
            if len(model) < 4 or model_count[dhcp.squash(model)] != 1:
                continue
            hit = sorted(ua for ua in uas if model.lower() in ua.lower())
            if hit:
                recs = [x for x in msgs if x.src.ip == ip and x.user_agent == hit[0]][:3]
                claims[ip].append((dev, "user-agent", sources_of(recs), {"user_agent": hit[0]}))
    for host, dev, src, extra in dhcp.claims(case, idents):
        claims[host].append((dev, "dhcp-hostname", src, extra))
    attribution = _resolve(case, claims)
    dhcp_names = dhcp.hostnames(case)
    inferred = _inferred(case, msgs, registering, ua_by_host, host_mac, dhcp_names)
    for d in m.devices:
        info = idents.get(d.id, {})
        ips = _ips_of(case, d.id) | {a for a in d.addresses if not _is_mac(a)}
        ips_sorted = sorted(ips)
        case.out["devices"].append({
            "id": d.id, "kind": d.kind, "declared": True, "label": d.label,
            "model": info.get("model"), "serial": info.get("serial"), "vendor": info.get("vendor"),
            "mac": (_norm_mac(info["mac"]) if info.get("mac") else None)
                   or next((_norm_mac(a) for a in d.addresses if _is_mac(a)), None)
                   or next((host_mac[i][0] for i in ips_sorted if i in host_mac), None),
            "firmware": info.get("firmware"),
            "addresses": ips_sorted, "user_agents": sorted({u for ip in ips for u in ua_by_host.get(ip, ())}),
            "dhcp_hostnames": sorted({n for ip in ips for n in dhcp_names.get(ip, ())}),
            "attribution": attribution.get(d.id, []),
        })
    for dev_id, cfg in sorted(case.facts.get("config_devices", {}).items()):
        ips = _ips_of(case, dev_id)
        case.out["devices"].append({
            "id": dev_id, "kind": "voip_gateway", "declared": False, "label": None,
            "model": cfg.model, "serial": cfg.serial, "vendor": cfg.vendor, "mac": cfg.mac,
            "firmware": cfg.firmware, "addresses": sorted(ips),
            "user_agents": sorted({u for ip in ips for u in ua_by_host.get(ip, ())}),
            "dhcp_hostnames": sorted({n for ip in ips for n in dhcp_names.get(ip, ())}),
            "attribution": [{"host": None, "reason": "gateway-config", "sources": sources_of([cfg])}]
            + attribution.get(dev_id, []),
        })
    case.out["devices"].extend(inferred.values())


def _ips_of(case: CaseData, dev_id: str) -> set[str]:
    return {h for h, dv in case.host_device.items() if dv == dev_id and not _is_mac(h)}


def _resolve(case: CaseData, claims: dict[str, list[Claim]]) -> dict[str, list[dict[str, Any]]]:
    """Keep the strongest claim per host; warn when devices disagree; list every
    reason of the kept device (one row per host and reason)."""
    attribution: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for host in sorted(claims):
        cl = sorted(claims[host], key=lambda c: (STRENGTH.get(c[1], 9), c[0]))
        best, best_reason = cl[0][0], cl[0][1]
        others = sorted({(c[0], c[1]) for c in cl if c[0] != best}, key=lambda x: (STRENGTH.get(x[1], 9), x[0]))
        if others:
            rivals = ", ".join(f"{dv} ({rs})" for dv, rs in others)
            case.warn("attribution-conflict",
                      f"host {host} matches several devices: kept {best} ({best_reason}); also {rivals}")
        case.host_device[host.lower()] = best
        seen: set[str] = set()
        for dev, reason, src, extra in cl:
            if dev != best or reason in seen:
                continue
            seen.add(reason)
            attribution[dev].append({"host": host, "reason": reason, "sources": src or MANIFEST_SOURCE, **extra})
    return attribution


def _inferred(case: CaseData, msgs: list[SipMessage], registering: dict[str, list[SipMessage]],
              ua_by_host: dict[str, set[str]], host_mac: dict[str, tuple[str, Any]],
              dhcp_names: dict[str, set[str]]) -> dict[str, dict[str, Any]]:
    """SIP user agents that register, or answer INVITEs, and match no device."""
    invite_targets = {x.dst.ip for x in msgs if x.is_request and x.method == "INVITE"}
    inferred: dict[str, dict[str, Any]] = {}
    for ip in sorted(set(registering) | (invite_targets & set(ua_by_host))):
        if ip.lower() in case.host_device:
            continue
        uas = sorted(ua_by_host.get(ip, ()))
        names = sorted(dhcp_names.get(ip, ()))
        is_gw = any(GATEWAY_UA.search(u) for u in uas + names)
        dev_id = f"inferred-{ip}"
        case.host_device[ip.lower()] = dev_id
        recs = registering.get(ip, [])[:5] or [x for x in msgs if x.src.ip == ip][:5]
        inferred[dev_id] = {
            "id": dev_id, "kind": "voip_gateway" if is_gw else "sip_endpoint", "declared": False,
            "label": None, "model": None, "serial": None,
            "mac": host_mac[ip][0] if ip in host_mac else None, "vendor": None, "firmware": None,
            "addresses": [ip], "user_agents": uas, "dhcp_hostnames": names,
            "attribution": [{"host": ip, "reason": "sip-register" if ip in registering else "sip-invite-target",
                             "sources": sources_of(recs) if recs else MANIFEST_SOURCE}],
        }
    return inferred


def _infer_config_devices(case: CaseData, configs: list[GatewayConfig]) -> None:
    """A gateway config that came off no declared device stands for a device of its own
    (``inferred-config-E<n>``), so its accounts, lines and servers are attributed."""
    for cfg in configs:
        ev = cfg.prov.evidence_id
        if case.device_of_evidence(ev):
            continue
        dev_id = f"inferred-config-{ev}"
        case.evidence_device[ev] = dev_id
        case.facts.setdefault("config_devices", {})[dev_id] = cfg
