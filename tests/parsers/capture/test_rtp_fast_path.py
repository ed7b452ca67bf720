"""The tracker's public short path for in-order packets gives exactly what ``add``
gives, and ``RtpTracker.merge`` joins the trackers of disjoint flows."""

from __future__ import annotations

import struct

from parsers.base import ParseContext
from parsers.protocols.rtp import RtpTracker

A, B = "192.0.2.10", "198.51.100.20"


def _pkt(seq: int, ts: int, ssrc: int = 0x1234, pt: int = 0, extra: int = 160) -> bytes:
    return struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + b"\xd5" * extra


def _arrivals(n: int) -> list[tuple[bytes, int]]:
    out = []
    for i in range(n):
        jitter = (i * 7919) % 3_000_000  # up to 3 ms of arrival noise, deterministic
        out.append((_pkt(65530 + i, 1000 + 160 * i), 1_000_000_000 + 20_000_000 * i + jitter))
    out.insert(10, (_pkt(65530 + 3, 1000 + 160 * 3), 1_300_000_000))  # a duplicate: not in order
    return out


def _streams(tr: RtpTracker) -> list:
    return [(s.packets, s.bytes, s.expected, s.lost, s.jitter, s.jitter_max, s.last_frame)
            for s in tr.streams(ParseContext(evidence_id="E1"))]


def test_add_in_order_equals_add():
    slow, fast = RtpTracker(), RtpTracker()
    st = None
    short = 0
    for frame, (p, ts) in enumerate(_arrivals(40), 1):
        slow.add(A, 4000, B, 5000, p, ts, frame)
        if st is not None and fast.add_in_order(st, p, 0, len(p), ts, frame):
            short += 1
            continue
        st = fast.add_stream(A, 4000, B, 5000, p, ts, frame)
    assert short == 39  # 41 packets but the first and the duplicate; the sequence wraps at 65535
    got = _streams(fast)
    assert got == _streams(slow)
    assert got[0][:4] == (41, 41 * 160, 40, -1) and got[0][4] > 0  # one duplicate: lost -1 (RFC 3550 A.3)
    assert fast.confirmed_flows == slow.confirmed_flows == {(A, 4000, B, 5000)}


def test_add_in_order_refuses_what_it_cannot_do():
    tr = RtpTracker()
    st = tr.add_stream(A, 4000, B, 5000, _pkt(1, 160), 1_000_000_000, 1)
    assert st is not None
    assert not tr.add_in_order(st, _pkt(3, 480), 0, 172, 1_040_000_000, 2)  # a gap
    assert not tr.add_in_order(st, _pkt(2, 320, ssrc=9), 0, 172, 1_020_000_000, 2)  # another SSRC
    assert not tr.add_in_order(st, _pkt(2, 320, pt=8), 0, 172, 1_020_000_000, 2)  # another payload type
    assert not tr.add_in_order(st, _pkt(2, 320), 0, 11, 1_020_000_000, 2)  # too short
    assert not tr.add_in_order(st, _pkt(2, 320), 0, 172, 1_020_000_000, 2, "call-1")  # SDP to attach
    assert tr.add_in_order(st, b"pad" + _pkt(2, 320), 3, 175, 1_020_000_000, 2)  # offsets into a buffer
    assert (st.packets, st.max_seq, st.bytes) == (2, 2, 320)


def test_merge_of_disjoint_trackers():
    one, two = RtpTracker(), RtpTracker()
    for i in range(6):
        one.add(A, 4000, B, 5000, _pkt(i, 160 * i), 1_000_000_000 + 20_000_000 * i, 1 + 2 * i)
        two.add(B, 5000, A, 4000, _pkt(i, 160 * i, ssrc=77), 1_010_000_000 + 20_000_000 * i, 2 + 2 * i)
    two.add(B, 5000, A, 4000, b"not rtp", 0, 99)
    merged = RtpTracker.merge([one, two])
    assert merged is not None and len(merged) == 2 and merged.rejected == 1
    assert [(s.src.ip, s.ssrc, s.first_frame) for s in merged.streams(ParseContext(evidence_id="E1"))] == [
        (A, 0x1234, 1), (B, 77, 2)]
    assert RtpTracker.merge([one]) is one and RtpTracker.merge([]) is None
