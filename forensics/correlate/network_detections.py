"""Rows for ``tunnels[]``, ``remote_sessions[]`` and ``management`` from detected flows.

Reads :class:`forensics.model.network.Flow` records, whose ``detections`` the
capture engine filled from the detectors in ``parsers/protocols`` (payload
signatures, TLS SNI/ALPN/certificate, DNS names, port hints).  Per flow and per
detected protocol the best detection (confidence, then method strength) gives one
row, per ``shared/spec/findings.md``:

* category ``tunnel`` and ``proxy`` -> ``tunnels[]`` (``protocol`` = detection name);
* category ``remote`` -> ``remote_sessions[]`` (``tool`` = detection name);
* category ``management`` (TR-069, GoIP SMS server) -> ``management`` (not a
  contract list; same shape as a tunnel row).

``device`` is the device of the flow's client address, else of its server address;
``peer`` is the other end (the server when neither end is a known device).
``rule_wireguard_proof`` then checks WireGuard handshake initiations against the
public keys of seized WireGuard configs (mac1, see ``parsers/protocols/wireguard``)
and marks a match as cryptographic proof.
"""

from __future__ import annotations

from typing import Any

from forensics.correlate.context import CaseData, iso
from forensics.model.core import evidence_number
from forensics.model.network import Flow
from parsers.base import Detection
from parsers.protocols.wireguard import mac1_valid

_RANK = {"high": 3, "medium": 2, "low": 1}
_METHOD_RANK = {"payload": 6, "certificate": 5, "alpn": 4, "sni": 3, "dns": 2, "port": 1}
_HIDDEN_DETAIL = {"init_hex"}  # bulky raw bytes kept for rules, not for the report
_LIST = {"tunnel": "tunnels", "proxy": "tunnels", "remote": "remote_sessions", "management": "management"}


def _best(dets: tuple[Detection, ...]) -> dict[str, Detection]:
    """The strongest detection per protocol, in first-seen order of protocols."""
    best: dict[str, Detection] = {}
    for d in dets:
        cur = best.get(d.protocol)
        if cur is None or (_RANK.get(d.confidence, 0), _METHOD_RANK.get(d.method, 0)) > (
            _RANK.get(cur.confidence, 0),
            _METHOD_RANK.get(cur.method, 0),
        ):
            best[d.protocol] = d
    return best


def _sources(flow: Flow) -> list[dict[str, Any]]:
    src: dict[str, Any] = {
        "evidence": flow.prov.evidence_id,
        "frames": [flow.first_frame, flow.last_frame],
        "count": flow.packets,
    }
    if flow.prov.member:
        src["member"] = flow.prov.member
    return [src]


def _row(case: CaseData, flow: Flow, det: Detection) -> dict[str, Any]:
    device = case.device_of_host(flow.client.ip, evidence=flow.prov.evidence_id)
    peer = flow.server
    if device is None:
        device = case.device_of_host(flow.server.ip, evidence=flow.prov.evidence_id)
        if device is not None:
            peer = flow.client
    detail = {k: v for k, v in det.detail if k not in _HIDDEN_DETAIL}
    row: dict[str, Any] = {
        "device": device,
        "peer": peer.to_json(),
        "client": flow.client.to_json(),
        "server": flow.server.to_json(),
        "transport": flow.transport,
        "category": det.category,
        "first_seen": iso(flow.first_ts_ns),
        "last_seen": iso(flow.last_ts_ns),
        "packets": flow.packets,
        "bytes": flow.bytes,
        "method": det.method,
        "confidence": det.confidence,
        "remote_id": det.remote_id,
        "detail": detail,
        "sources": _sources(flow),
    }
    if flow.sni:
        row["sni"] = flow.sni
    if flow.alpn:
        row["alpn"] = list(flow.alpn)
    if flow.names:
        row["names"] = list(flow.names)
    return row


def rule_network_detections(case: CaseData) -> None:
    """Append one row per (flow, detected protocol) to the list of its category."""
    flows = sorted(case.of(Flow), key=lambda f: (evidence_number(f.prov.evidence_id), f.prov.evidence_id, f.first_ts_ns, f.first_frame))
    for flow in flows:
        for proto, det in _best(flow.detections).items():
            target = _LIST.get(det.category)
            if target is None:
                continue
            row = _row(case, flow, det)
            if target == "remote_sessions":
                row["tool"] = proto
            else:
                row["protocol"] = proto
            case.out.setdefault(target, []).append(row)


def _init_hex(flow: Flow) -> str | None:
    for det in flow.detections:
        if det.protocol == "wireguard":
            for k, v in det.detail:
                if k == "init_hex":
                    return v
    return None


def rule_wireguard_proof(case: CaseData) -> None:
    """Mark WireGuard tunnel rows whose handshake mac1 matches a seized config's
    peer public key (``verified_peer``, confidence ``high``)."""
    try:
        from forensics.model.remote import TunnelConfig
    except ImportError:  # host-artifact model not available
        return
    keys: list[tuple[str, str, str | None]] = []  # (public key, config evidence, endpoint)
    for cfg in case.of(TunnelConfig):
        if cfg.protocol != "wireguard":
            continue
        for peer in cfg.peers:
            key = getattr(peer, "public_key", None)
            if key:
                host, port = getattr(peer, "host", None), getattr(peer, "port", None)
                endpoint = f"{host}:{port}" if host and port else host
                keys.append((key, cfg.prov.evidence_id, endpoint))
    if not keys:
        return
    rows = {}
    for row in case.out.get("tunnels", []):
        if row.get("protocol") == "wireguard" and row.get("sources"):
            s = row["sources"][0]
            rows[(s.get("evidence"), (s.get("frames") or [None])[0])] = row
    for flow in case.of(Flow):
        init = _init_hex(flow)
        row = rows.get((flow.prov.evidence_id, flow.first_frame))
        if init is None or row is None:
            continue
        try:
            message = bytes.fromhex(init)
        except ValueError:
            case.warn("wireguard-bad-init-hex", f"flow at frame {flow.first_frame}: init_hex is not hex",
                      evidence=flow.prov.evidence_id)
            continue
        for key, cfg_ev, endpoint in keys:
            if mac1_valid(message, key):
                row["verified_peer"] = {
                    "public_key": key,
                    "config_evidence": cfg_ev,
                    "config_endpoint": endpoint,
                    "method": "wireguard-mac1",
                }
                row["confidence"] = "high"
                break
