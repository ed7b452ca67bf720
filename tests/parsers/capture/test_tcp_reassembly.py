"""TCP stream reassembly and SIP framing over TCP: inline segments and real captures."""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

import dpkt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.capture.tcp_reassembly import FIN, RST, SYN, SipFramer, TcpStreams

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
SEC = 1_000_000_000
ACK = 0x10
# engine-style flow key: src + dst + sport + dport (192.0.2.10:5060 -> 198.51.100.20:49152)
FLOW = bytes([192, 0, 2, 10, 198, 51, 100, 20, 0x13, 0xC4, 0xC0, 0x00])


class Warnings(list):
    def __call__(self, code: str, message: str, frame: int | None = None) -> None:
        self.append((code, message, frame))

    def codes(self) -> list[str]:
        return [w[0] for w in self]


@pytest.fixture
def warns() -> Warnings:
    return Warnings()


def sip(
    method: str = "REGISTER", body: bytes = b"", cl: str | None = None, n: int = 1
) -> bytes:
    length = str(len(body)) if cl is None else cl
    return (
        f"{method} sip:192.0.2.10 SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP 198.51.100.20:49152;branch=z9hG4bK{n}\r\n"
        f"Call-ID: c{n}@198.51.100.20\r\nCSeq: {n} {method}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode() + body


OK = b"SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\nl: 0\r\n\r\n"
SDP = b"v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nm=audio 4000 RTP/AVP 0\r\n"


def run(streams: TcpStreams, segments, key=FLOW, direction: int = 0) -> list:
    """segments: (seq, flags, payload, frame[, ts]) -> all messages returned by feed."""
    out = []
    for seg in segments:
        seq, flags, payload, frame = seg[:4]
        ts = seg[4] if len(seg) > 4 else frame * 1000
        out.extend(streams.feed(key, direction, seq, flags, payload, frame, ts))
    return out


def test_one_message_over_several_segments(warns):
    msg = sip("INVITE", SDP)
    s = TcpStreams(warns)
    out = run(
        s,
        [
            (1000, SYN, b"", 1),
            (1001, ACK, msg[:50], 2),
            (1051, ACK, msg[50:200], 3),
            (1201, ACK, msg[200:], 4),
        ],
    )
    assert out == [(msg, (2, 3, 4), 4000)]
    assert warns == []


def test_several_messages_in_one_segment(warns):
    a, b, c = sip(n=1), sip("OPTIONS", n=2), sip("INVITE", SDP, n=3)
    s = TcpStreams(warns)
    out = run(
        s,
        [
            (1, SYN, b"", 1),
            (2, ACK, a + b + c[:30], 2),
            (2 + len(a + b) + 30, ACK, c[30:], 3),
        ],
    )
    assert [m[0] for m in out] == [a, b, c]
    assert [m[1] for m in out] == [(2,), (2,), (2, 3)]
    assert warns == []


def test_out_of_order_segments(warns):
    msg = sip("INVITE", SDP)
    s = TcpStreams(warns)
    out = run(s, [(0xFFF, SYN, b"", 1), (0x1000 + 100, ACK, msg[100:], 2)])
    assert out == []
    out = run(s, [(0x1000, ACK, msg[:100], 3, 2500)])
    assert out == [(msg, (3, 2), 2500)]  # stream order; time when it became whole
    assert warns == []


def test_retransmission_dropped(warns):
    a, b = sip(n=1), sip(n=2)
    s = TcpStreams(warns)
    out = run(
        s,
        [
            (0, SYN, b"", 1),
            (1, ACK, a, 2),
            (1, ACK, a, 3),
            (1 + len(a), ACK, b, 4),
            (1 + len(a), ACK, b[:10], 5),
        ],
    )
    assert [m[0] for m in out] == [a, b]
    assert s.retransmissions == 2 and warns == []


def test_overlap_with_different_bytes_warns_and_keeps_first(warns):
    a = sip(n=1, body=b"original-body", cl="13")
    s = TcpStreams(warns)
    out = run(s, [(0, SYN, b"", 1), (1, ACK, a[:-13], 2)])
    forged = a[-40:-13] + b"FORGED-BODY!!"
    out += run(
        s, [(1 + len(a) - 40, ACK, forged, 3)]
    )  # 27 bytes overlap (same) + 13 new
    assert out == [(a[:-13] + b"FORGED-BODY!!", (2, 3), 3000)]
    assert warns == []  # the overlapping part agreed
    out = run(s, [(1 + len(a) - 13, ACK, b"original-body", 4)])
    assert out == [] and warns.codes() == ["tcp-overlap-mismatch"]
    assert warns[0][2] == 4 and "192.0.2.10:5060 -> 198.51.100.20:49152" in warns[0][1]


def test_sequence_wrap_around(warns):
    msg = sip("INVITE", SDP)
    isn = 2**32 - 40  # data starts 39 bytes before the wrap
    s = TcpStreams(warns)
    out = run(
        s,
        [
            (isn, SYN, b"", 1),
            ((isn + 1 + 100) % 2**32, ACK, msg[100:], 2),
            (isn + 1, ACK, msg[:100], 3),
        ],
    )
    assert out == [(msg, (3, 2), 3000)]
    nxt = (isn + 1 + len(msg)) % 2**32
    assert nxt < 1000
    out = run(
        s, [(nxt, ACK, OK, 4), (nxt, ACK, OK, 5)]
    )  # and a retransmission after wrap
    assert [m[0] for m in out] == [OK] and warns == []


def test_keepalive_crlf_skipped(warns):
    a, b = sip(n=1), sip(n=2)
    s = TcpStreams(warns)
    stream = b"\r\n\r\n" + a + b"\r\n\r\n" + b"\r\n" + b
    out = run(s, [(0, SYN, b"", 1), (1, ACK, stream[:4], 2), (5, ACK, stream[4:], 3)])
    assert [m[0] for m in out] == [a, b]
    assert out[0][1] == (3,)  # the ping-only segment carries no message
    framer = s._flows[FLOW][0].framer
    assert framer.keepalives == 2 and framer.messages == 2  # runs of CRLF skipped
    s.flush_all()
    assert warns == []


def test_garbage_then_resync(warns):
    a = sip(n=1)
    garbage = (
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x16\x03\x01\x00\xa5binary\nmore junk\r\n"
    )
    s = TcpStreams(warns)
    out = run(
        s, [(0, SYN, b"", 1), (1, ACK, garbage, 2), (1 + len(garbage), ACK, a, 3)]
    )
    assert [m[0] for m in out] == [a]
    assert warns.codes() == ["sip-tcp-bad-framing"] and warns[0][2] == 2
    assert "no SIP start line" in warns[0][1]


def test_binary_garbage_stays_bounded(warns):
    s = TcpStreams(warns)
    run(s, [(0, SYN, b"", 1)])
    rnd = random.Random(7)
    seq = 1
    for frame in range(2, 300):
        chunk = bytes(rnd.getrandbits(8) for _ in range(1400)).replace(b"\n", b"\x00")
        run(s, [(seq, ACK, chunk, frame)])
        seq += len(chunk)
    framer = s._flows[FLOW][0].framer
    assert framer.pending() <= 4096
    assert warns.codes() == ["sip-tcp-bad-framing"]  # once, not per segment
    msg = sip(n=9)
    out = run(s, [(seq, ACK, b"\r\n" + msg, 400)])
    assert [m[0] for m in out] == [msg]


def test_huge_and_negative_content_length(warns):
    bad1 = sip(n=1, cl="99999999")
    bad2 = sip(n=2, cl="-5")
    good = sip("INVITE", SDP, n=3)
    s = TcpStreams(warns)
    stream = bad1 + b"v=0 junk body\r\n" + bad2 + good
    out = run(s, [(0, SYN, b"", 1), (1, ACK, stream, 2)])
    assert [m[0] for m in out] == [good]
    assert warns.codes() == ["sip-tcp-bad-framing"] * 2
    assert "'99999999'" in warns[0][1] and "'-5'" in warns[1][1]


def test_header_over_64k_resyncs(warns):
    huge = b"INVITE sip:x SIP/2.0\r\n" + b"X-Pad: " + b"a" * 70_000 + b"\r\n"
    good = sip(n=2)
    s = TcpStreams(warns)
    out = run(
        s,
        [(0, SYN, b"", 1), (1, ACK, huge, 2), (1 + len(huge), ACK, b"\r\n" + good, 3)],
    )
    assert [m[0] for m in out] == [good]
    assert warns.codes() == ["sip-tcp-bad-framing"] and "64 KiB" in warns[0][1]


def test_compact_and_missing_content_length(warns):
    compact = b"MESSAGE sip:a@192.0.2.1 SIP/2.0\r\nL : 5\r\n\r\nhello"
    lower = b"INFO sip:a@192.0.2.1 SIP/2.0\r\ncontent-LENGTH:3\r\n\r\nabc"
    none = b"OPTIONS sip:a@192.0.2.1 SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n"
    s = TcpStreams(warns)
    out = run(s, [(0, SYN, b"", 1), (1, ACK, compact + lower + none + OK, 2)])
    assert [m[0] for m in out] == [compact, lower, none, OK] and warns == []


def test_joined_mid_stream(warns):
    a, b = sip("INVITE", SDP, n=1), sip(n=2)
    s = TcpStreams(warns)
    # first segment seen: the last 40 bytes of a, then b
    tail = a[-40:]
    out = run(s, [(5_000_000, ACK, tail + b, 1)])
    assert [m[0] for m in out] == [b]
    assert warns.codes() == ["sip-tcp-bad-framing"] and "40 bytes" in warns[0][1]
    warns.clear()
    # joined exactly at a message boundary: nothing to report
    out = run(s, [(7, ACK, a, 2)], key=b"other-flow")
    assert [m[0] for m in out] == [a] and warns == []


def test_fin_closes_and_forgets(warns):
    a = sip(n=1)
    s = TcpStreams(warns)
    out = run(s, [(0, SYN, b"", 1), (1, ACK | FIN, a, 2)])
    out += run(s, [(100, SYN | ACK, b"", 3), (101, ACK | FIN, OK, 4)], direction=1)
    assert [m[0] for m in out] == [a, OK]
    assert len(s) == 0
    # a late retransmission of the closed flow is ignored, a new SYN starts afresh
    assert run(s, [(1, ACK, a, 5)]) == [] and s.ignored == 1
    out = run(s, [(9000, SYN, b"", 6), (9001, ACK, a, 7)])
    assert [m[0] for m in out] == [a] and warns == []


def test_fin_with_partial_message_warns(warns):
    a = sip("INVITE", SDP)
    s = TcpStreams(warns)
    run(
        s,
        [(0, SYN, b"", 1), (1, ACK, a[:-10], 2), (1 + len(a) - 10, ACK | FIN, b"", 3)],
    )
    assert warns.codes() == ["sip-tcp-incomplete-message"]
    assert warns[0][2] == 2 and "'INVITE sip:192.0.2.10 SIP/2.0'" in warns[0][1]


def test_rst_flushes(warns):
    a = sip(n=1)
    s = TcpStreams(warns)
    out = run(
        s, [(0, SYN, b"", 1), (1, ACK, a + a[:20], 2), (1 + len(a) + 20, RST, b"", 3)]
    )
    assert [m[0] for m in out] == [a]
    assert warns.codes() == ["sip-tcp-incomplete-message"] and len(s) == 0


def test_hole_recovered_at_end_of_capture(warns):
    a, b, c = sip(n=1), sip(n=2), sip(n=3)
    s = TcpStreams(warns)
    start = 1 + len(a)
    # b's first 10 bytes never captured; c arrives complete after the hole
    out = run(
        s,
        [
            (0, SYN, b"", 1),
            (1, ACK, a, 2),
            (start + 10, ACK, b[10:], 3),
            (start + len(b), ACK, c, 4),
        ],
    )
    assert [m[0] for m in out] == [a]
    rest = s.flush_all()
    assert [(k, d, m, f) for k, d, m, f, _ in rest] == [(FLOW, 0, c, (4,))]
    assert warns.codes() == ["tcp-stream-gap"] and "10 bytes missing" in warns[0][1]


def test_out_of_order_buffer_bound(warns):
    """Past 256 KiB waiting behind a hole, the hole is declared lost and data flows."""
    msgs = [sip("INVITE", SDP, n=i) for i in range(1200)]
    stream = b"".join(msgs)
    s = TcpStreams(warns)
    run(s, [(0, SYN, b"", 1)])
    out, pos, frame = [], 1 + len(msgs[0]), 2  # msgs[0] never captured
    while pos - 1 < len(stream):
        chunk = stream[pos - 1 : pos - 1 + 1400]
        out += run(s, [(pos, ACK, chunk, frame)])
        pos += len(chunk)
        frame += 1
        assert s._flows[FLOW][0].ooo_bytes <= 256 * 1024
    out += [m[2:] for m in s.flush_all()]
    assert [m[0] for m in out] == msgs[1:]
    assert warns.codes() == ["tcp-stream-gap"]


def test_lru_cap_on_100k_streams(warns):
    s = TcpStreams(warns)
    partial = sip()[:60]
    t0 = time.perf_counter()
    for i in range(100_000):
        s.feed(i.to_bytes(12, "big"), 0, 1, ACK, partial, i + 1, i)
    elapsed = time.perf_counter() - t0
    assert len(s) == 20_000 and s.evicted == 80_000
    assert warns.codes() == ["sip-tcp-incomplete-message"] * 80_000
    assert elapsed < 20  # ~2-3 s on a laptop; a generous bound against pathologies
    s.flush_all()
    assert len(s) == 0 and len(warns) == 100_000


def test_expire_idle_flows(warns):
    s = TcpStreams(warns)
    run(s, [(1, ACK, sip()[:30], 1, 0)], key=b"old")
    run(s, [(1, ACK, sip(), 2, 500 * SEC)], key=b"new")
    assert s.expire(601 * SEC) == [] and len(s) == 1
    assert warns.codes() == ["sip-tcp-incomplete-message"] and warns[0][2] == 1


def test_framer_alone_reports_frames_and_time():
    out: list = []
    f = SipFramer(Warnings())
    msg = sip()
    f.feed(msg[:10], 5, 50, out)
    f.feed(msg[10:] + OK[:5], 6, 60, out)
    f.feed(OK[5:], 7, 70, out)
    assert out == [(msg, (5, 6), 60), (OK, (6, 7), 70)]
    assert f.pending() == 0


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_segmentation_and_order_gives_the_same_messages(data):
    """Property: cut the stream anywhere, reorder within a window, duplicate segments:
    the same messages come out, without warnings."""
    msgs = [sip("INVITE", SDP, n=1), b"\r\n\r\n", OK, sip(n=2), sip("BYE", n=3)]
    stream = b"".join(msgs)
    cuts = sorted(data.draw(st.sets(st.integers(1, len(stream) - 1), max_size=25)))
    bounds = [0, *cuts, len(stream)]
    segs = [
        (bounds[i], stream[bounds[i] : bounds[i + 1]]) for i in range(len(bounds) - 1)
    ]
    order = data.draw(st.permutations(range(len(segs))))
    dups = data.draw(st.lists(st.integers(0, len(segs) - 1), max_size=5))
    isn = data.draw(st.sampled_from([0, 2**32 - 300, 123456]))
    w = Warnings()
    s = TcpStreams(w)
    out = run(s, [(isn, SYN, b"", 0)])
    for n, i in enumerate([*order, *dups], 1):
        off, chunk = segs[i]
        out += run(s, [((isn + 1 + off) % 2**32, ACK, chunk, n)])
    assert [m[0] for m in out] == [m for m in msgs if m != b"\r\n\r\n"]
    assert w == []


# --- real captures ------------------------------------------------------------------

CAPTURES = [
    ("suricata-verify/sip-tcp-method/sip-tcp.pcap", [(4, 6), (8,)]),
    ("suricata-verify/sip-tcp-pattern-matching/sip.pcap", [(4,), (6,)]),
    ("suricata-verify/sip-body-large/sip-body-large.pcap", [(5, 6, 7, 8, 9), (11,)]),
]


@pytest.mark.parametrize(("name", "frames"), CAPTURES)
def test_corpus_tcp_sip(name, frames):
    path = CORPUS / name
    if not path.exists():
        pytest.skip("shared corpus absent")
    warns = Warnings()
    s = TcpStreams(warns)
    out = []
    with open(path, "rb") as fh:
        reader = dpkt.pcap.Reader(fh)
        for frame, (ts, buf) in enumerate(reader, 1):
            if reader.datalink() == dpkt.pcap.DLT_NULL:
                ip = dpkt.loopback.Loopback(buf).data
            else:
                ip = dpkt.ethernet.Ethernet(buf).data
            tcp = ip.data
            if not isinstance(tcp, dpkt.tcp.TCP):
                continue
            a, b = (ip.src, tcp.sport), (ip.dst, tcp.dport)
            key, direction = (a + b, 0) if a <= b else (b + a, 1)
            out += s.feed(
                key,
                direction,
                tcp.seq,
                tcp.flags,
                bytes(tcp.data),
                frame,
                round(ts * SEC),
            )
    out += [m[2:] for m in s.flush_all()]
    with open(str(path) + ".tshark.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [m[1] for m in out] == frames
    # Wireshark shows a reassembled message at the frame that completed it
    assert [m[1][-1] for m in out] == [int(r["frame.number"]) for r in rows]
    for (msg, _, _), row in zip(out, rows):
        first = msg.split(b"\r\n", 1)[0].decode()
        want = (
            f"{row['sip.Method']} "
            if row["sip.Method"]
            else f"SIP/2.0 {row['sip.Status-Code']} "
        )
        assert first.startswith(want)
    assert warns == []


def test_rst_from_the_silent_side_flushes_the_talking_side(warns):
    a = sip(n=1)
    s = TcpStreams(warns)
    run(s, [(1, ACK, a + a[:30], 1)])
    assert run(s, [(777, RST, b"", 2)], direction=1) == []
    assert len(s) == 0 and warns.codes() == ["sip-tcp-incomplete-message"]
    assert s.flush_all() == []


def test_rst_recovers_other_direction_past_a_hole(warns):
    """Messages of the other direction found while closing it come back from expire()."""
    a, b = sip(n=1), sip(n=2)
    s = TcpStreams(warns)
    run(s, [(1, ACK, a[:20], 1), (1 + len(a), ACK, b, 2)])  # rest of a never captured
    assert run(s, [(50, RST, b"", 3)], direction=1) == []
    assert [(d, m, f) for _k, d, m, f, _t in s.expire(0)] == [(0, b, (2,))]
    assert warns.codes() == ["tcp-stream-gap"]
    assert s.expire(0) == []
