"""Complaints (reported fraud cases) → linked calls, devices and landlines.

A complaint is linked to a call when the victim's normalised number (E.164, else the
cleaned digits) equals the far party of the call: the callee of a call the gateway
put out to the telephone network (``to_pstn`` or ``unknown``), the caller of a call
that came in from it (``from_pstn``: the victim called the den back).  When the
complaint carries a report time, only calls that started in the window before the
report (30 days before, up to 1 day after) are linked; calls to the victim outside
the window are listed in ``calls_outside_window`` so the examiner sees them.

Each row lists the linked calls, their devices and landlines; the case totals
(``complaint_totals``: cases, linked cases, amount, linked amount) go to the method
block and the summary.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from forensics.correlate.context import CaseData, iso, sources_of

WINDOW_BEFORE_NS = 30 * 86400 * 10**9
WINDOW_AFTER_NS = 1 * 86400 * 10**9


def _ns(ts: str | None) -> int | None:
    if not ts:
        return None
    d = datetime.strptime(ts[:26], "%Y-%m-%dT%H:%M:%S.%f") if "." in ts else datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")

    return int(d.replace(tzinfo=UTC).timestamp()) * 10**9 + d.microsecond * 1000


def rule_complaints(case: CaseData) -> None:
    by_callee: dict[str, list[dict[str, Any]]] = {}
    for c in case.out.get("calls", []):
        side = "caller" if c.get("direction") == "from_pstn" else "callee"
        key = c.get(side) or _digits(c.get(f"{side}_raw"))
        if key:
            by_callee.setdefault(key, []).append(c)
    total = Decimal(0)
    linked_total = Decimal(0)
    for comp in case.facts.get("complaints", []):
        victim_key = comp.victim.key if comp.victim else _digits(comp.victim_raw)
        linked, outside = [], []
        for c in by_callee.get(victim_key, []) if victim_key else []:
            if comp.reported_at is not None:
                st = _ns(c.get("start"))
                if st is not None and not (comp.reported_at - WINDOW_BEFORE_NS <= st <= comp.reported_at + WINDOW_AFTER_NS):
                    outside.append(c)
                    continue
            linked.append(c)
        if comp.amount is not None:
            total += comp.amount
            if linked:
                linked_total += comp.amount
        case.out["complaints"].append({
            "case_no": comp.case_no,
            "victim_number": (comp.victim.e164 if comp.victim and comp.victim.e164 else comp.victim_raw),
            "victim_raw": comp.victim_raw,
            "reported_at": iso(comp.reported_at),
            "amount": str(comp.amount) if comp.amount is not None else None,
            "caller_number": comp.caller.e164 if comp.caller and comp.caller.e164 else comp.caller_raw,
            "linked_calls": sorted({c["call_id"] for c in linked}),
            "calls_outside_window": sorted({c["call_id"] for c in outside}),
            "devices": sorted({c["device"] for c in linked if c.get("device")}),
            "landlines": sorted({c["landline"] for c in linked if c.get("landline")}),
            "sources": sources_of([comp]),
        })
    case.facts["complaint_totals"] = {
        "cases": len(case.out["complaints"]),
        "linked": sum(1 for c in case.out["complaints"] if c["linked_calls"]),
        "amount": str(total),
        "linked_amount": str(linked_total),
    }


def _digits(raw: str | None) -> str | None:
    if not raw:
        return None
    d = re.sub(r"[^0-9+]", "", raw)
    return d or None
