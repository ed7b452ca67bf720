"""The complaints rule: victim numbers matched to calls, the time window, the totals."""

from __future__ import annotations

import _build as B

from forensics.correlate.complaints import rule_complaints

DAY = 86400 * 10**9
REPORT = B.T0 + 10 * 3600 * 10**9  # 2024-08-17T12:00:00Z


def test_match_window_direction_and_totals() -> None:
    c = B.case()
    c.out["calls"] = [
        B.call_row("c1", "GW-A", "+8613800000001", "2024-08-17T02:10:00.000000Z", landline="+8673158880001"),
        B.call_row("c2", "GW-B", "+8613800000001", "2024-08-16T02:10:00.000000Z", landline="+8675526660101"),
        B.call_row("c3", "GW-B", "+8613800000001", "2024-06-01T02:10:00.000000Z"),  # 77 days before
        B.call_row("c4", "GW-A", None, "2024-08-17T04:00:00.000000Z", direction="from_pstn", caller="+8613800000002"),
        B.call_row("c5", "GW-A", "+8613800000002", "2024-08-17T05:00:00.000000Z", direction="from_pstn"),
    ]
    c.facts["complaints"] = [
        B.complaint("E7", "K-1", "138 0000 0001", 2, REPORT, "52000"),
        B.complaint("E7", "K-2", "+86 138-0000-0002", 3, None, "1000.50"),
        B.complaint("E7", "K-3", "13900009999", 4, REPORT, "700"),
        B.complaint("E7", "K-4", "12345", 5, None, None),  # not a valid number: matched on digits
    ]
    rule_complaints(c)
    rows = {r["case_no"]: r for r in c.out["complaints"]}
    got = {k: (r["victim_number"], r["linked_calls"], r["devices"], r["landlines"], r["calls_outside_window"])
           for k, r in rows.items()}
    assert got == {
        "K-1": ("+8613800000001", ["c1", "c2"], ["GW-A", "GW-B"], ["+8673158880001", "+8675526660101"], ["c3"]),
        "K-2": ("+8613800000002", ["c4"], ["GW-A"], [], []),  # the victim called the den (from_pstn)
        "K-3": ("+8613900009999", [], [], [], []),
        "K-4": ("12345", [], [], [], []),
    }
    assert rows["K-1"]["sources"] == [{"evidence": "E7", "line": 2}]
    assert rows["K-1"]["reported_at"] == "2024-08-17T12:00:00.000000Z"
    assert c.facts["complaint_totals"] == {"cases": 4, "linked": 2, "amount": "53700.50", "linked_amount": "53000.50"}


def test_unparsable_victim_matches_raw_digits() -> None:
    c = B.case()
    c.out["calls"] = [B.call_row("c1", "GW", None, "2024-08-17T02:10:00.000000Z")]
    c.out["calls"][0]["callee_raw"] = "12-345"
    c.facts["complaints"] = [B.complaint("E7", "K-9", "12345", 2)]
    rule_complaints(c)
    assert c.out["complaints"][0]["linked_calls"] == ["c1"]
