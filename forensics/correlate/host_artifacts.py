"""Host-artifact rows: remote-control events and tool configs → ``remote_sessions[]``,
tunnel / proxy configs → ``tunnels[]`` (``shared/spec/findings.md``).

Remote events are grouped per (device, tool, remote id, peer address, direction); a
group's ``first_seen``/``last_seen`` span its events.  Times that the log wrote as
local wall-clock without a zone are *not* given as UTC: ``first_seen``/``last_seen``
stay null and ``first_seen_local``/``last_seen_local`` (no ``Z``) carry them, with
``time_zone: "unknown-local"``.  Events that name neither a peer address, a host nor
a remote id (own external address, keyboard layout, file transfers) stay records only.

A contract ``peer`` endpoint always holds an IP literal; a configured *host name* is
kept in ``peer_host`` with ``peer`` null, so no name is ever geolocated as if it were
an address.  Servers named in remote-tool configs (self-hosted RustDesk, saved SSH
sessions) become ``remote_sessions`` rows with method ``host_config``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from forensics.correlate.context import CaseData, ip_literal, iso, sources_of
from forensics.model.core import evidence_number
from forensics.model.remote import (
    TIME_ZONE_KEY,
    UNKNOWN_LOCAL,
    RemoteEvent,
    RemoteToolConfig,
    TunnelConfig,
    detail_get,
)

_RANK = {"low": 0, "medium": 1, "high": 2}
# events that describe this host or the session's content, not a counterpart
_NOT_A_PEER = {"external_address", "keyboard_layout", "file_transfer", "session_end", "rendezvous"}


def _best(confs: list[str]) -> str:
    return max(confs, key=lambda c: _RANK.get(c, 0)) if confs else "low"


def _times(row: dict[str, Any], stamps: list[int], local: bool) -> None:
    first = min(stamps) if stamps else None
    last = max(stamps) if stamps else None
    if local:
        row["first_seen"] = row["last_seen"] = None
        row["first_seen_local"] = iso(first)[:-1] if first is not None else None
        row["last_seen_local"] = iso(last)[:-1] if last is not None else None
        row["time_zone"] = UNKNOWN_LOCAL
    else:
        row["first_seen"], row["last_seen"] = iso(first), iso(last)


def _session_rows(case: CaseData) -> list[dict[str, Any]]:
    groups: dict[tuple, list[RemoteEvent]] = defaultdict(list)
    for ev in case.of(RemoteEvent):
        host = detail_get(ev.detail, "host")
        if ev.event in _NOT_A_PEER or not (ev.remote_id or ev.peer_ip or host):
            continue
        dev = case.device_of_evidence(ev.prov.evidence_id)
        groups[(dev, ev.tool, ev.remote_id, ev.peer_ip, ev.peer_port, host, ev.direction)].append(ev)
    rows = []
    for (dev, tool, rid, ip, port, host, direction), evs in groups.items():
        stamps = [t for e in evs for t in (e.ts_ns, e.end_ts_ns) if t is not None]
        local = any(detail_get(e.detail, TIME_ZONE_KEY) == UNKNOWN_LOCAL for e in evs)
        addr = ip_literal(ip)
        row: dict[str, Any] = {
            "device": dev,
            "tool": tool,
            "peer": {"ip": addr, "port": port, "transport": None} if addr else None,
            "remote_id": rid,
            "direction": direction,
            "bytes": None,
            "method": "host_log",
            "confidence": _best([e.confidence for e in evs]),
            "events": sorted({e.event for e in evs}),
            "count": len(evs),
            "sources": sources_of(evs),
        }
        if host and not addr:
            row["peer_host"] = {"host": host, "port": port}
        names = sorted({v for e in evs for k, v in e.detail if k in ("remote_name", "partner_name", "participant_name")})
        if names:
            row["remote_names"] = names
        _times(row, stamps, local)
        rows.append(row)
    for cfg in case.of(RemoteToolConfig):
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        for srv in cfg.servers:
            host, _, port = srv.rpartition(":") if srv.count(":") == 1 else (srv, "", "")
            addr = ip_literal(host)
            row = {
                "device": dev,
                "tool": cfg.tool,
                "peer": {"ip": addr, "port": int(port) if port.isdecimal() else None, "transport": None}
                if addr else None,
                "remote_id": None,
                "local_id": cfg.local_id,
                "role": "configured_server",
                "first_seen": None,
                "last_seen": None,
                "bytes": None,
                "method": "host_config",
                "confidence": "medium",
                "sources": sources_of([cfg]),
            }
            if not addr:
                row["peer_host"] = {"host": host, "port": int(port) if port.isdecimal() else None}
            rows.append(row)
    return rows


def _tunnel_rows(case: CaseData) -> list[dict[str, Any]]:
    rows = []
    for cfg in case.of(TunnelConfig):
        dev = case.device_of_evidence(cfg.prov.evidence_id)
        base = {
            "device": dev,
            "protocol": cfg.protocol,
            "first_seen": None,
            "last_seen": None,
            "packets": None,
            "bytes": None,
            "method": "host_config",
            "confidence": cfg.confidence,
            "sources": sources_of([cfg]),
        }
        extra: dict[str, Any] = {}
        if cfg.local_public_key:
            extra["local_public_key"] = cfg.local_public_key
        if cfg.user:
            extra["user"] = cfg.user
        if cfg.secrets:
            extra["secrets"] = [
                {"name": cfg.secret_names[i] if i < len(cfg.secret_names) else None, **s.to_json()}
                for i, s in enumerate(cfg.secrets)
            ]
        if not cfg.peers:
            rows.append({**base, "peer": None, **extra})
            continue
        for p in cfg.peers:
            addr = ip_literal(p.host)
            row = {**base, **extra,
                   "peer": {"ip": addr, "port": p.port, "transport": p.transport} if addr else None,
                   "name": p.name}
            if p.public_key:
                row["public_key"] = p.public_key
            if not addr and p.host:
                row["peer_host"] = {"host": p.host, "port": p.port, "transport": p.transport}
            rows.append(row)
    return rows


def _order(row: dict[str, Any]) -> tuple:
    """Device, then evidence (E2 before E10), then line; ties keep the order of the
    peers inside one config (the sort is stable)."""
    src = row["sources"][0] if row["sources"] else {}
    ev = src.get("evidence", "")
    return (row.get("device") or "", evidence_number(ev), ev,
            src.get("line") or 0, src.get("offset") or 0)


def rule_host_artifacts(case: CaseData) -> None:
    """Append host-log sessions and configured servers to ``remote_sessions`` and
    configured tunnel / proxy peers to ``tunnels``."""
    case.out.setdefault("remote_sessions", []).extend(sorted(_session_rows(case), key=_order))
    case.out.setdefault("tunnels", []).extend(sorted(_tunnel_rows(case), key=_order))
