"""Capture hosts → seized devices, and ``devices[]``.

A capture host (IP or MAC) is attributed to a manifest device by, strongest first:
``manifest`` (the device's declared addresses), ``config-mac`` / ``config-ip`` (the MAC
or LAN address in a gateway config that came off the device), ``sip-account`` (a
REGISTER from the host for a username configured on the device), ``dhcp-hostname``
and ``user-agent`` (the model string of the device in the host's SIP User-Agent).
Every attribution keeps its reason and sources; a host claimed by two devices is an
``attribution-conflict`` warning and keeps the stronger claim.  Hosts that register
over SIP or answer INVITEs but match no seized device become inferred devices
(``declared: false``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from forensics.correlate.context import CaseData, sources_of
from forensics.model.gateway import GatewayConfig
from forensics.model.network import CaptureHost
from forensics.model.sip import SipMessage

STRENGTH = {"manifest": 0, "config-mac": 1, "config-ip": 2, "sip-account": 3, "dhcp-hostname": 4, "user-agent": 5}
GATEWAY_UA = re.compile(
    r"grandstream|gxw|\bht8\d\d|goip|dbl|hybertone|dinstar|synway|new ?rock|mx8|audiocodes|mediapack|"
    r"linksys|sipura|spa3102|spa\d{3}|yeastar|neogate|\bta\d{3,4}|patton|smartnode|fanvil|flyingvoice|"
    r"atcom|cisco|fxo", re.I)


def _norm_mac(v: str) -> str:
    h = re.sub(r"[^0-9a-fA-F]", "", v)
    return ":".join(h[i : i + 2] for i in range(0, 12, 2)).lower() if len(h) == 12 else v.lower()


def _is_mac(v: str) -> bool:
    return len(re.sub(r"[^0-9a-fA-F]", "", v)) == 12 and (":" in v or "-" in v or "." in v or len(v) == 12)


def rule_devices(case: CaseData) -> None:
    m = case.manifest
    claims: dict[str, list[tuple[str, str, list[dict[str, Any]]]]] = defaultdict(list)
    for d in m.devices:
        for a in d.addresses:
            host = _norm_mac(a) if _is_mac(a) else a.strip()
            claims[host].append((d.id, "manifest", []))
    configs = case.of(GatewayConfig)
    _infer_config_devices(case, configs)
    usernames: dict[str, list[tuple[str, GatewayConfig]]] = defaultdict(list)
    dev_model: dict[str, dict[str, Any]] = defaultdict(dict)
    for cfg in configs:
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        if not dev:
            continue
        info = dev_model[dev]
        for k in ("model", "serial", "mac", "firmware"):
            if getattr(cfg, k, None) and not info.get(k):
                info[k] = getattr(cfg, k)
        if cfg.vendor and not info.get("vendor"):
            info["vendor"] = cfg.vendor
        src = sources_of([cfg])
        if cfg.mac:
            claims[_norm_mac(cfg.mac)].append((dev, "config-mac", src))
        if cfg.lan_ip:
            claims[cfg.lan_ip].append((dev, "config-ip", src))
        for acc in cfg.accounts:
            for u in {acc.username, acc.auth_id}:
                if u:
                    usernames[u].append((dev, cfg))
    # capture hosts: MAC of each IP (from Ethernet), for config-mac matches
    host_mac: dict[str, str] = {}
    for h in case.of(CaptureHost):
        if h.mac:
            host_mac.setdefault(h.ip, h.mac.lower())
    for ip, mac in host_mac.items():
        for dev, reason, src in list(claims.get(mac, ())):
            claims[ip].append((dev, reason, src))
    msgs = case.of(SipMessage)
    ua_by_host: dict[str, set[str]] = defaultdict(set)
    registering: dict[str, list[SipMessage]] = defaultdict(list)
    for msg in msgs:
        if msg.is_request and msg.user_agent:
            ua_by_host[msg.src.ip].add(msg.user_agent)
        if msg.is_request and msg.method == "REGISTER":
            registering[msg.src.ip].append(msg)
            for u in {msg.from_user, msg.to_user, msg.auth_username}:
                for dev, _cfg in usernames.get(u or "", ()):
                    claims[msg.src.ip].append((dev, "sip-account", sources_of([msg])))
    for ip, uas in ua_by_host.items():
        for dev, info in dev_model.items():
            model = (info.get("model") or "").strip()
            if len(model) >= 4 and any(model.lower() in ua.lower() for ua in uas):
                claims[ip].append((dev, "user-agent", sources_of([x for x in msgs if x.src.ip == ip and x.user_agent][:3])))
    attribution: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for host in sorted(claims):
        cl = sorted(claims[host], key=lambda c: (STRENGTH.get(c[1], 9), c[0]))
        best = cl[0][0]
        devs = {c[0] for c in cl}
        if len(devs) > 1:
            case.warn("attribution-conflict", f"host {host} matches several devices ({', '.join(sorted(devs))}); kept {best} ({cl[0][1]})")
        case.host_device[host.lower()] = best
        seen = set()
        for dev, reason, src in cl:
            if dev != best or reason in seen:
                continue
            seen.add(reason)
            attribution[dev].append({"host": host, "reason": reason, "sources": src})
    # inferred devices: SIP user agents that register, or receive INVITEs, with no device
    invite_targets = {x.dst.ip for x in msgs if x.is_request and x.method == "INVITE"}
    inferred: dict[str, dict[str, Any]] = {}
    for ip in sorted(set(registering) | (invite_targets & set(ua_by_host))):
        if ip.lower() in case.host_device:
            continue
        uas = sorted(ua_by_host.get(ip, ()))
        is_gw = any(GATEWAY_UA.search(u) for u in uas)
        dev_id = f"inferred-{ip}"
        case.host_device[ip.lower()] = dev_id
        recs = registering.get(ip, [])[:5] or [x for x in msgs if x.src.ip == ip][:5]
        inferred[dev_id] = {
            "id": dev_id, "kind": "voip_gateway" if is_gw else "sip_endpoint", "declared": False,
            "label": None, "model": None, "serial": None, "mac": host_mac.get(ip), "vendor": None,
            "addresses": [ip], "user_agents": uas,
            "attribution": [{"host": ip, "reason": "sip-register" if ip in registering else "sip-invite-target",
                             "sources": sources_of(recs) if recs else []}],
        }
    for d in m.devices:
        info = dev_model.get(d.id, {})
        hosts = sorted(h for h, dv in case.host_device.items() if dv == d.id)
        ips = sorted({h for h in hosts if not _is_mac(h)} | {a for a in d.addresses if not _is_mac(a)})
        uas = sorted({u for ip in ips for u in ua_by_host.get(ip, ())})
        case.out["devices"].append({
            "id": d.id, "kind": d.kind, "declared": True, "label": d.label,
            "model": d.model or info.get("model"), "serial": d.serial or info.get("serial"),
            "vendor": info.get("vendor"),
            "mac": info.get("mac") or next((_norm_mac(a) for a in d.addresses if _is_mac(a)), None)
                   or next((host_mac[i] for i in ips if i in host_mac), None),
            "firmware": info.get("firmware"),
            "addresses": ips, "user_agents": uas, "attribution": attribution.get(d.id, []),
        })
    for dev_id, cfg in sorted(case.facts.get("config_devices", {}).items()):
        hosts = sorted(h for h, dv in case.host_device.items() if dv == dev_id)
        ips = sorted(h for h in hosts if not _is_mac(h))
        case.out["devices"].append({
            "id": dev_id, "kind": "voip_gateway", "declared": False, "label": None,
            "model": cfg.model, "serial": cfg.serial, "vendor": cfg.vendor, "mac": cfg.mac,
            "firmware": cfg.firmware, "addresses": ips,
            "user_agents": sorted({u for ip in ips for u in ua_by_host.get(ip, ())}),
            "attribution": [{"host": None, "reason": "gateway-config", "sources": sources_of([cfg])}]
            + attribution.get(dev_id, []),
        })
    case.out["devices"].extend(inferred.values())


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
