"""Operators: every external peer a device dealt with, its roles, and where it is.

Roles: ``sip_registrar`` (a device registered to it), ``sip_proxy`` (a device sent
calls to it), ``call_origin`` (it sent calls to a device), ``remote_control``,
``tunnel``, ``management`` (from traffic or host logs), and ``configured_server`` (a
gateway config names it; host names are resolved through DNS answers seen in the
captures).  Host-log peers (remote-control logs, tunnel configs of a seized laptop)
count like peers seen in traffic.  ``device_roles`` says which device saw the peer in
which role.

Country and AS come from the embedded offline database or the examiner's MaxMind file
(``--geoip-db``); ``geo_source`` names which.  ``overseas`` is relative to the case's
``home_country`` by ISO 3166 code, so with home CN an address in Hong Kong (HK), Macau
(MO) or Taiwan (TW) is overseas (境外), as Chinese case practice counts it.  Private
and reserved addresses (RFC 1918, CGNAT, documentation ranges, ...) are never
overseas, and neither is an address the database does not know (country null).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from forensics.correlate.context import CaseData, ip_literal
from forensics.geo import GeoLookup, is_overseas
from forensics.model.gateway import GatewayConfig
from forensics.model.network import DnsAnswer


def _geo(case: CaseData) -> GeoLookup:
    g = case.facts.get("geo")
    if g is None:
        opts = case.facts.get("options")
        db = getattr(opts, "geoip_db", None) if opts is not None else None
        g = case.facts["geo"] = GeoLookup(db) if db else GeoLookup()
    return g


def _src_line(cfg: GatewayConfig, line: int | None) -> dict[str, Any]:
    src = cfg.prov.source()
    if line:
        src.pop("offset", None)
        src["line"] = line
    return src


def _target_host(target: str | None) -> str:
    """The host of a management target: URL, ``host:port``, ``[v6]:port`` or bare host."""
    if not target:
        return ""
    host = target.split("://")[-1].split("/")[0].split("@")[-1]
    if host.startswith("["):
        return host[1:].split("]")[0]
    if host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    return host


def rule_operators(case: CaseData) -> None:
    peers: dict[str, dict[str, Any]] = {}

    def add(ip: Any, role: str, device: str | None, first: str | None, last: str | None, sources: list[dict[str, Any]]) -> None:
        a = ip_literal(ip)
        if a is None or case.is_device_host(a):
            return
        p = peers.setdefault(a, {"roles": set(), "devices": set(), "dev_roles": defaultdict(set), "first": None,
                                 "last": None, "sources": []})
        p["roles"].add(role)
        if device:
            p["devices"].add(device)
            p["dev_roles"][device].add(role)
        if first and (p["first"] is None or first < p["first"]):
            p["first"] = first
        if last and (p["last"] is None or last > p["last"]):
            p["last"] = last
        for s in sources:
            if s not in p["sources"] and len(p["sources"]) < 50:
                p["sources"].append(s)

    for r in case.out.get("sip_registrations", []):
        add(r["registrar"]["ip"], "sip_registrar", r.get("device"), r.get("first_seen"), r.get("last_seen"), r["sources"][:5])
    for c in case.out.get("calls", []):
        peer = (c.get("sip_peer") or {}).get("ip")
        role = {"to_pstn": "call_origin", "from_pstn": "sip_proxy"}.get(c["direction"])
        if role:
            add(peer, role, c.get("device"), c.get("start"), c.get("end") or c.get("start"), c["sources"][:3])
    for s in case.out.get("remote_sessions", []):
        add((s.get("peer") or {}).get("ip"), "remote_control", s.get("device"), s.get("first_seen"), s.get("last_seen"), s["sources"][:5])
    for t in case.out.get("tunnels", []):
        add((t.get("peer") or {}).get("ip"), "tunnel", t.get("device"), t.get("first_seen"), t.get("last_seen"), t["sources"][:5])
    for mg in case.out.get("management", []):
        add((mg.get("peer") or {}).get("ip"), "management", mg.get("device"), mg.get("first_seen"), mg.get("last_seen"), mg.get("sources", [])[:5])
    names: dict[str, set[str]] = defaultdict(set)
    for d in case.of(DnsAnswer):
        names[d.name.lower()].add(d.address)
    for cfg in case.of(GatewayConfig):
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        for srv in cfg.sip_servers:
            for a in ([srv.host] if ip_literal(srv.host) else sorted(names.get(srv.host.lower(), ()))):
                add(a, "configured_server", dev, None, None, [_src_line(cfg, srv.line)])
        for surface in cfg.management:
            host = _target_host(surface.target)
            for a in ([host] if ip_literal(host) else sorted(names.get(host.lower(), ()))):
                add(a, "management", dev, None, None, [_src_line(cfg, surface.line)])
    geo = _geo(case)
    home = case.manifest.home_country or "CN"
    for ip in sorted(peers):
        p = peers[ip]
        g = geo.lookup(ip)
        case.out["operators"].append({
            "ip": ip, "country": g.country, "country_name": g.country_name, "country_name_zh": g.country_name_zh,
            "asn": g.asn, "as_name": g.as_name, "network": g.network, "reserved": g.reserved,
            "overseas": bool(is_overseas(g, home)), "roles": sorted(p["roles"]), "devices": sorted(p["devices"]),
            "device_roles": {d: sorted(r) for d, r in sorted(p["dev_roles"].items())},
            "first_seen": p["first"], "last_seen": p["last"], "geo_source": g.source,
            "sources": p["sources"] or [{"evidence": "case"}],
        })
    case.facts.setdefault("databases", []).append(geo.source)
