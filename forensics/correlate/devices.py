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

Scope: claims that hold everywhere (manifest addresses, a config's MAC or LAN IP)
are case-wide; claims learnt from a capture (a REGISTER, a User-Agent, a DHCP lease,
the Ethernet source of an address) hold in that capture only, so two dens that both
use 192.168.1.20 keep their own gateways apart (``CaseData.host_device_ev``).
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


Scope = str | None  # evidence id of the capture a claim was learnt from; None: every capture
Key = tuple[Scope, str]


def rule_devices(case: CaseData) -> None:
    m = case.manifest
    claims: dict[Key, list[Claim]] = defaultdict(list)
    for d in m.devices:
        for a in d.addresses:
            host = _norm_mac(a) if _is_mac(a) else a.strip()
            claims[(None, host)].append((d.id, "manifest", MANIFEST_SOURCE, {}))
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
            claims[(None, _norm_mac(cfg.mac))].append((dev, "config-mac", src, {}))
        if cfg.lan_ip:
            claims[(None, cfg.lan_ip)].append((dev, "config-ip", src, {}))
        for acc in cfg.accounts:
            for u in {acc.username, acc.auth_id}:
                if u:
                    usernames[u].append((dev, cfg))
    # the MAC of each IP in each capture: the Ethernet source seen with it, else a DHCP lease
    host_mac: dict[Key, tuple[str, Any]] = {}
    for h in case.of(CaptureHost):
        if h.mac:
            host_mac.setdefault((h.prov.evidence_id, h.ip), (h.mac.lower(), h))
    for ip, (mac, rec) in dhcp.bindings(case).items():
        host_mac.setdefault((rec.prov.evidence_id, ip), (mac, rec))
    for (ev, ip), (mac, rec) in host_mac.items():
        for dev, reason, src, _extra in list(claims.get((None, mac), ())):
            if reason in ("config-mac", "manifest"):
                claims[(ev, ip)].append((dev, reason, src + sources_of([rec]), {"mac": mac}))
    msgs = case.of(SipMessage)
    ua_by_host: dict[Key, set[str]] = defaultdict(set)
    registering: dict[Key, list[SipMessage]] = defaultdict(list)
    ua_msgs: dict[Key, list[SipMessage]] = defaultdict(list)  # first messages per host and User-Agent
    for msg in msgs:
        k = (msg.prov.evidence_id, msg.src.ip)
        if msg.is_request and msg.user_agent:
            ua_by_host[k].add(msg.user_agent)
            if sum(1 for x in ua_msgs[k] if x.user_agent == msg.user_agent) < 3:
                ua_msgs[k].append(msg)
        if msg.is_request and msg.method == "REGISTER":
            registering[k].append(msg)
    for k, regs in registering.items():
        seen: set[tuple[str, str]] = set()
        for msg in regs:
            for u in sorted({x for x in (msg.from_user, msg.to_user, msg.auth_username) if x}):
                for dev, _cfg in usernames.get(u, ()):
                    if (dev, u) not in seen:
                        seen.add((dev, u))
                        claims[k].append((dev, "sip-account", sources_of([msg]), {"username": u}))
    model_count: dict[str, int] = defaultdict(int)
    for info in idents.values():
        if dhcp.squash(info.get("model")):
            model_count[dhcp.squash(info.get("model"))] += 1
    for k, uas in ua_by_host.items():
        for dev, info in sorted(idents.items()):
            model = (info.get("model") or "").strip()
            if len(model) < 4 or model_count[dhcp.squash(model)] != 1:
                continue
            hit = sorted(ua for ua in uas if model.lower() in ua.lower())
            if hit:
                recs = [x for x in ua_msgs.get(k, ()) if x.user_agent == hit[0]][:3]
                claims[k].append((dev, "user-agent", sources_of(recs), {"user_agent": hit[0]}))
    for host, dev, src, extra in dhcp.claims(case, idents):
        scope = src[0]["evidence"] if src and str(src[0].get("evidence", "")).startswith("E") else None
        claims[(scope, host)].append((dev, "dhcp-hostname", src, extra))
    attribution = _resolve(case, claims)
    dhcp_names = dhcp.hostnames(case)
    inferred = _inferred(case, msgs, registering, ua_by_host, host_mac, dhcp_names)
    uas_of = _uas_by_device(case, ua_by_host)
    for d in m.devices:
        info = idents.get(d.id, {})
        ips = _ips_of(case, d.id) | {a for a in d.addresses if not _is_mac(a)}
        ips_sorted = sorted(ips)
        macs = [mac for (ev, ip), (mac, _r) in sorted(host_mac.items()) if case.device_of_host(ip, evidence=ev) == d.id]
        case.out["devices"].append({
            "id": d.id, "kind": d.kind, "declared": True, "label": d.label,
            "model": info.get("model"), "serial": info.get("serial"), "vendor": info.get("vendor"),
            "mac": (_norm_mac(info["mac"]) if info.get("mac") else None)
                   or next((_norm_mac(a) for a in d.addresses if _is_mac(a)), None)
                   or (macs[0] if macs else None),
            "firmware": info.get("firmware"),
            "addresses": ips_sorted, "user_agents": sorted(uas_of.get(d.id, ())),
            "dhcp_hostnames": sorted({n for ip in ips for n in dhcp_names.get(ip, ())}),
            "attribution": attribution.get(d.id, []),
        })
    for dev_id, cfg in sorted(case.facts.get("config_devices", {}).items()):
        ips = _ips_of(case, dev_id)
        case.out["devices"].append({
            "id": dev_id, "kind": "voip_gateway", "declared": False, "label": None,
            "model": cfg.model, "serial": cfg.serial, "vendor": cfg.vendor, "mac": cfg.mac,
            "firmware": cfg.firmware, "addresses": sorted(ips),
            "user_agents": sorted(uas_of.get(dev_id, ())),
            "dhcp_hostnames": sorted({n for ip in ips for n in dhcp_names.get(ip, ())}),
            "attribution": [{"host": None, "reason": "gateway-config", "sources": sources_of([cfg])}]
            + attribution.get(dev_id, []),
        })
    case.out["devices"].extend(inferred.values())


def _ips_of(case: CaseData, dev_id: str) -> set[str]:
    hosts = {h for h, dv in case.host_device.items() if dv == dev_id}
    hosts |= {h for (_ev, h), dv in case.host_device_ev.items() if dv == dev_id}
    return {h for h in hosts if not _is_mac(h)}


def _uas_by_device(case: CaseData, ua_by_host: dict[Key, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for (ev, ip), uas in ua_by_host.items():
        dev = case.device_of_host(ip, evidence=ev)
        if dev:
            out[dev] |= uas
    return out


def _resolve(case: CaseData, claims: dict[Key, list[Claim]]) -> dict[str, list[dict[str, Any]]]:
    """Keep the strongest claim per host (per capture for claims learnt from a capture,
    where the case-wide claims on the same host take part too); warn when devices
    disagree; list every reason of the kept device (one row per host and reason)."""
    attribution: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen_rows: set[tuple[str, str, str]] = set()
    glob = {h: cl for (sc, h), cl in claims.items() if sc is None}
    order = sorted(claims, key=lambda k: (k[0] is not None, k[0] or "", k[1]))
    for scope, host in order:
        cl = list(claims[(scope, host)])
        if scope is not None:
            cl += glob.get(host, [])
        cl.sort(key=lambda c: (STRENGTH.get(c[1], 9), c[0]))
        best, best_reason = cl[0][0], cl[0][1]
        others = sorted({(c[0], c[1]) for c in cl if c[0] != best}, key=lambda x: (STRENGTH.get(x[1], 9), x[0]))
        where = f" in {scope}" if scope else ""
        if others:
            rivals = ", ".join(f"{dv} ({rs})" for dv, rs in others)
            case.warn("attribution-conflict",
                      f"host {host}{where} matches several devices: kept {best} ({best_reason}); also {rivals}",
                      scope)
        if scope is None:
            case.host_device[host.lower()] = best
        else:
            case.host_device_ev[(scope, host.lower())] = best
        for dev, reason, src, extra in cl:
            if dev != best or (dev, host, reason) in seen_rows:
                continue
            seen_rows.add((dev, host, reason))
            attribution[dev].append({"host": host, "reason": reason, "sources": src or MANIFEST_SOURCE, **extra})
    for rows in attribution.values():
        rows.sort(key=lambda r: (r["host"], STRENGTH.get(r["reason"], 9)))
    return attribution


def _inferred(case: CaseData, msgs: list[SipMessage], registering: dict[Key, list[SipMessage]],
              ua_by_host: dict[Key, set[str]], host_mac: dict[Key, tuple[str, Any]],
              dhcp_names: dict[str, set[str]]) -> dict[str, dict[str, Any]]:
    """SIP user agents that register, or answer INVITEs, and match no device.  The id is
    ``inferred-<ip>``, or ``inferred-<ip>@E<n>`` when captures of different dens each
    have an unknown host at that address."""
    invite_targets = {(x.prov.evidence_id, x.dst.ip) for x in msgs if x.is_request and x.method == "INVITE"}
    first_sent: dict[Key, list[SipMessage]] = defaultdict(list)  # up to 5 messages each host sent
    for x in msgs:
        lst = first_sent[(x.prov.evidence_id, x.src.ip)]
        if len(lst) < 5:
            lst.append(x)
    keys = sorted((set(registering) | (invite_targets & set(ua_by_host))),
                  key=lambda k: (k[1], k[0]))
    todo = [k for k in keys if case.device_of_host(k[1], evidence=k[0]) is None]
    per_ip: dict[str, int] = defaultdict(int)
    for _ev, ip in todo:
        per_ip[ip] += 1
    inferred: dict[str, dict[str, Any]] = {}
    for ev, ip in todo:
        uas = sorted(ua_by_host.get((ev, ip), ()))
        names = sorted(dhcp_names.get(ip, ()))
        is_gw = any(GATEWAY_UA.search(u) for u in uas + names)
        dev_id = f"inferred-{ip}" if per_ip[ip] == 1 else f"inferred-{ip}@{ev}"
        case.host_device_ev[(ev, ip.lower())] = dev_id
        recs = registering.get((ev, ip), [])[:5] or first_sent.get((ev, ip), [])
        inferred[dev_id] = {
            "id": dev_id, "kind": "voip_gateway" if is_gw else "sip_endpoint", "declared": False,
            "label": None, "model": None, "serial": None,
            "mac": host_mac[(ev, ip)][0] if (ev, ip) in host_mac else None, "vendor": None, "firmware": None,
            "addresses": [ip], "user_agents": uas, "dhcp_hostnames": names,
            "attribution": [{"host": ip, "reason": "sip-register" if (ev, ip) in registering else "sip-invite-target",
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
