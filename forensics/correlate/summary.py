"""Per-device summary (what leads the report and ends ``gatetrace analyze``) and the
method block of the findings.

One ``summary[]`` row per device: its landlines, its overseas operators grouped by
country with the roles *this device* saw them in, call counts (all, answered,
to the telephone network), registrations, remote sessions, tunnels, complaints linked
to its calls, and the other devices it is linked to (``links[]``) with the link kinds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from forensics import __version__
from forensics.correlate.context import CaseData


def rule_summary(case: CaseData) -> None:
    ops_by_dev: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    for op in case.out.get("operators", []):
        if not op.get("overseas"):
            continue
        per_dev = op.get("device_roles") or {d: op["roles"] for d in op["devices"]}
        for d, roles in per_dev.items():
            ops_by_dev[d][op.get("country") or "??"][op["ip"]].update(roles)
    linked: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for ln in case.out.get("links", []):
        for d in ln.get("devices", []):
            for other in ln["devices"]:
                if other != d:
                    linked[d][other].add(ln["kind"])
    for dev in case.out.get("devices", []):
        did = dev["id"]
        calls = [c for c in case.out.get("calls", []) if c.get("device") == did]
        lines = sorted(ln["number"] for ln in case.out.get("landlines", []) if ln.get("device") == did)
        comps = [c for c in case.out.get("complaints", []) if did in c.get("devices", [])]
        by_country = {
            cc: [{"ip": ip, "roles": sorted(roles)} for ip, roles in sorted(ips.items())]
            for cc, ips in sorted(ops_by_dev.get(did, {}).items())
        }
        row: dict[str, Any] = {
            "device": did,
            "kind": dev.get("kind"),
            "declared": dev.get("declared"),
            "landlines": lines,
            "operators_by_country": by_country,
            "calls": len(calls),
            "answered": sum(1 for c in calls if c.get("answer")),
            "to_pstn": sum(1 for c in calls if c.get("direction") == "to_pstn"),
            "registrations": sum(1 for r in case.out.get("sip_registrations", []) if r.get("device") == did),
            "remote_sessions": sum(1 for r in case.out.get("remote_sessions", []) if r.get("device") == did),
            "tunnels": sum(1 for r in case.out.get("tunnels", []) if r.get("device") == did),
            "complaints": len(comps),
            "overseas_operators": sum(len(ips) for ips in by_country.values()),
            "linked_devices": {o: sorted(k) for o, k in sorted(linked.get(did, {}).items())},
        }
        case.out.setdefault("summary", []).append(row)
    case.facts["summary_totals"] = dict(case.facts.get("complaint_totals", {}))


def rule_method(case: CaseData) -> None:
    from parsers import registry

    formats = sorted({ev.format for ev in case.evidence if ev.format})
    dbs = sorted(set(case.facts.get("databases", [])))
    case.facts["method"] = {
        "tool_version": __version__,
        "databases": dbs,
        "parsers": formats,
        "detectors": sorted(d.name for d in registry.DETECTORS),
        "file_parsers": sorted(p.name for p in registry.FILE_PARSERS),
        "complaint_totals": case.facts.get("complaint_totals", {"cases": 0, "linked": 0, "amount": "0"}),
    }
