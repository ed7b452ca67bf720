"""SIP signalling per peer: every SIP message counted by method and response class
for each (host, peer) pair — OPTIONS keep-alives, NOTIFY, MESSAGE and the rest, not
only REGISTER and INVITE — plus TLS-encrypted signalling (SIP over TLS on 5061 or to
a SIP peer) reported as an encrypted peer whose messages cannot be read.

Rows go to ``sip_peers[]`` (an addition to the contract).  The host is the side
attributed to a device when there is one, else the side that spoke first.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from forensics.correlate.context import CaseData, iso, sources_of
from forensics.model.network import Flow
from forensics.model.sip import SipMessage


def rule_sip_peers(case: CaseData) -> None:
    groups: dict[tuple, dict[str, Any]] = {}
    for m in case.of(SipMessage):
        a, b = (m.src.ip, m.src.port), (m.dst.ip, m.dst.port)
        key = (m.prov.evidence_id, m.transport) + tuple(sorted((a, b)))
        g = groups.get(key)
        if g is None:
            ev = m.prov.evidence_id
            dev_a, dev_b = case.device_of_host(a[0], evidence=ev), case.device_of_host(b[0], evidence=ev)
            host, peer = (b, a) if (dev_b and not dev_a) else (a, b)
            g = groups[key] = {"host": host, "peer": peer, "transport": m.transport, "methods": Counter(),
                               "responses": Counter(), "ev": ev, "t0": m.ts_ns, "t1": m.ts_ns, "recs": [], "n": 0}
        g["n"] += 1
        g["t0"], g["t1"] = min(g["t0"], m.ts_ns), max(g["t1"], m.ts_ns)
        if m.is_request:
            g["methods"][m.method or "?"] += 1
        elif m.status:
            g["responses"][f"{m.status // 100}xx"] += 1
        if len(g["recs"]) < 400:
            g["recs"].append(m)
    rows = []
    for g in groups.values():
        (hip, hport), (pip, pport) = g["host"], g["peer"]
        rows.append({
            "device": case.device_of_host(hip, evidence=g["ev"]), "host": {"ip": hip, "port": hport, "transport": g["transport"]},
            "peer": {"ip": pip, "port": pport, "transport": g["transport"]}, "encrypted": False,
            "messages": g["n"], "methods": dict(sorted(g["methods"].items())),
            "responses": dict(sorted(g["responses"].items())), "first_seen": iso(g["t0"]), "last_seen": iso(g["t1"]),
            "sources": sources_of(g["recs"]),
        })
    for flow in case.of(Flow):
        if not any(d.protocol == "sip-tls" for d in flow.detections):
            continue
        fev = flow.prov.evidence_id
        dev_c = case.device_of_host(flow.client.ip, evidence=fev)
        dev_s = case.device_of_host(flow.server.ip, evidence=fev)
        host, peer = (flow.server, flow.client) if (dev_s and not dev_c) else (flow.client, flow.server)
        rows.append({
            "device": case.device_of_host(host.ip, evidence=fev), "host": {"ip": host.ip, "port": host.port, "transport": "tls"},
            "peer": {"ip": peer.ip, "port": peer.port, "transport": "tls"}, "encrypted": True,
            "messages": None, "packets": flow.packets, "bytes": flow.bytes, "sni": flow.sni, "methods": {},
            "responses": {}, "first_seen": iso(flow.first_ts_ns), "last_seen": iso(flow.last_ts_ns),
            "sources": [{"evidence": flow.prov.evidence_id, "frames": [flow.first_frame, flow.last_frame],
                         "count": flow.packets}],
        })
    case.out.setdefault("sip_peers", []).extend(rows)
