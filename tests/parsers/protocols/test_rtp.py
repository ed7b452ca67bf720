"""RTP header test, stream tracker (loss, jitter, heuristics, bounds) and public captures."""

from __future__ import annotations

import random
import socket
import struct
from pathlib import Path

import dpkt
import pytest

from parsers.base import ParseContext
from parsers.protocols.rtp import (
    RtpTracker,
    codec_of,
    looks_like_rtp,
    rtp_header,
    rtpmap_of,
)

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
A, B = "192.0.2.1", "198.51.100.2"


def pkt(
    seq: int,
    ts: int = 0,
    pt: int = 0,
    ssrc: int = 0x1234,
    payload: bytes = b"\xff" * 160,
    first: int = 0x80,
) -> bytes:
    return (
        struct.pack("!BBHII", first, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload
    )


def feed(
    seqs,
    *,
    announced: str | None = "call-1",
    step_ns: int = 20_000_000,
    tracker: RtpTracker | None = None,
):
    tr = tracker or RtpTracker()
    for i, s in enumerate(seqs):
        tr.add(A, 4000, B, 5000, pkt(s, ts=s * 160), i * step_ns, i + 1, announced)
    ctx = ParseContext(evidence_id="E1", parser="rtp@1")
    return tr.streams(ctx), ctx


# --- looks_like_rtp ------------------------------------------------------------------


def test_header_fields_and_payload_length():
    data = pkt(0xBEEF, ts=0xDEADBEEF, pt=8, ssrc=0x0A0B0C0D, payload=b"x" * 20)
    assert rtp_header(data) == (8, 0xBEEF, 0xDEADBEEF, 0x0A0B0C0D, 12, 20)
    # two CSRCs, a one-word extension and 3 octets of padding
    csrc = b"\x00" * 8
    ext = b"\xbe\xde\x00\x01" + b"\x00" * 4
    padded = (
        struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 2, 0, 1, 0, 1)
        + csrc
        + ext
        + b"abc"
        + b"\x00\x00\x03"
    )
    assert rtp_header(padded) == (0, 1, 0, 1, 12 + 8 + 8, 3)


@pytest.mark.parametrize(
    "data",
    [
        b"\x80\x00" + b"\x00" * 9,  # 11 bytes: shorter than the fixed header
        pkt(1, first=0x40),  # version 1
        pkt(1, first=0xC0),  # version 3
        struct.pack("!BBH", 0x80, 200, 6) + b"\x00" * 24,  # RTCP sender report (PT 72)
        struct.pack("!BBH", 0x81, 201, 7)
        + b"\x00" * 28,  # RTCP receiver report (PT 73)
        struct.pack("!BBH", 0x81, 203, 1) + b"\x00" * 4 + b"\x00" * 4,  # RTCP BYE
        pkt(1, first=0x8F, payload=b"\x00" * 40),  # 15 CSRCs need 60 bytes
        pkt(1, first=0x90, payload=b"\xbe\xde\x00\x09"),  # extension longer than packet
        pkt(1, first=0xA0, payload=b"ab\x00"),  # padding count 0
        pkt(1, first=0xA0, payload=b"ab\xff"),  # padding longer than packet
    ],
)
def test_not_rtp(data):
    assert not looks_like_rtp(data)


def test_dns_quic_stun_payloads_rejected_or_unconfirmed():
    dns = bytes(dpkt.dns.DNS(id=0x8001, qd=[dpkt.dns.DNS.Q(name="example.org")]))
    quic_initial = bytes([0xC3, 0, 0, 0, 1, 8]) + bytes(range(40))
    quic_short = bytes([0x43]) + bytes(range(40))
    stun = bytes.fromhex("000100002112a442") + bytes(12)
    assert not looks_like_rtp(quic_initial)
    assert not looks_like_rtp(quic_short)
    assert not looks_like_rtp(stun)
    assert looks_like_rtp(dns)  # a DNS id 0x8001 happens to look like version 2 ...
    tr = RtpTracker()
    for i in range(20):  # ... but retransmissions never step the "sequence" forward
        tr.add(A, 53000, B, 53, dns, i * 10**9, i + 1, None)
    ctx = ParseContext(evidence_id="E1")
    assert tr.streams(ctx) == []
    assert ctx.stats["rtp-heuristic-unconfirmed"] == 1


def test_random_udp_never_reported():
    rng = random.Random(20240601)
    tr = RtpTracker()
    accepted = 0
    for i in range(5000):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
        accepted += tr.add(A, 40000, B, 40002, data, i * 1000, i + 1, None)
    ctx = ParseContext(evidence_id="E1")
    assert accepted > 100  # some look like consistent version-2 headers ...
    assert tr.streams(ctx) == []  # ... none becomes a stream


# --- loss (RFC 3550 A.1/A.3) -------------------------------------------------------


@pytest.mark.parametrize(
    "seqs, expected, lost",
    [
        (list(range(10)), 10, 0),
        ([0, 1, 2, 4, 5, 6, 7, 8, 9], 10, 1),
        ([0, 1, 3, 2, 4, 6, 5, 7], 8, 0),  # reordering
        ([0, 1, 1, 2, 3, 3, 3], 4, -3),  # duplicates count as received (A.3)
        (list(range(65530, 65536)) + list(range(6)), 12, 0),  # wrap
        ([65534, 65535, 1, 2, 3], 6, 1),  # seq 0 lost across the wrap
        # a late packet from before the first one does not move the base (A.1), so
        # it shows as a duplicate: expected 3 (65535..1), received 4
        ([65535, 0, 65534, 1], 3, -1),
        (list(range(10)) + [30000] + list(range(10, 15)), 15, 0),  # lone jump ignored
    ],
)
def test_expected_and_lost(seqs, expected, lost):
    (st,), _ctx = feed(seqs)
    assert (st.expected, st.lost, st.packets) == (expected, lost, len(seqs))


def test_sender_restart_keeps_earlier_counts():
    (st,), _ = feed(list(range(100, 110)) + list(range(40000, 40010)))
    assert st.seq_restarts == 1
    assert (st.expected, st.lost, st.packets) == (20, 0, 20)


def test_many_wraps():
    seqs = [i & 0xFFFF for i in range(3 * 65536 + 7) if i % 1000 != 999]
    (st,), _ = feed(seqs)
    assert st.expected == 3 * 65536 + 7
    assert st.lost == 196


# --- jitter (RFC 3550 A.8) ----------------------------------------------------------


def reference_jitter_ms(arrivals_ms, stamps, rate):
    j = 0.0
    for k in range(1, len(arrivals_ms)):
        d = (arrivals_ms[k] - arrivals_ms[k - 1]) - (
            stamps[k] - stamps[k - 1]
        ) * 1000 / rate
        j += (abs(d) - j) / 16
    return j


def test_jitter_zero_for_perfect_clock_and_matches_reference():
    (st,), _ = feed(range(50))
    assert st.jitter == 0.0 and st.clock_rate == 8000 and st.codec == "PCMU"
    tr = RtpTracker()
    arrivals = [20 * k + (5 if k % 2 else 0) + (k % 7) * 0.25 for k in range(60)]
    stamps = [160 * k for k in range(60)]
    for k, (t, s) in enumerate(zip(arrivals, stamps)):
        tr.add(A, 4000, B, 5000, pkt(k, ts=s), int(t * 1_000_000), k + 1, "c")
    (st,) = tr.streams(ParseContext(evidence_id="E1"))
    ref = reference_jitter_ms(arrivals, stamps, 8000)
    assert st.jitter == pytest.approx(ref, abs=0.001)
    assert 3.0 < st.jitter < 6.0
    assert st.jitter_max >= st.jitter


def test_jitter_uses_rtpmap_clock_rate():
    tr = RtpTracker()
    tr.announce(
        B,
        5000,
        "call-7",
        rtpmap_of(("107", "101"), ("BV32/16000", "telephone-event/8000")),
    )
    for k in range(20):  # 20 ms of a 16 kHz clock is 320 ticks
        tr.add(
            A, 4000, B, 5000, pkt(k, ts=320 * k, pt=107), k * 20_000_000, k + 1, None
        )
    (st,) = tr.streams(ParseContext(evidence_id="E1"))
    assert (st.codec, st.clock_rate, st.jitter, st.call_id, st.announced) == (
        "BV32",
        16000,
        0.0,
        "call-7",
        True,
    )


def test_dynamic_type_without_rtpmap_has_no_jitter():
    tr = RtpTracker()
    for k in range(6):
        tr.add(A, 4000, B, 5000, pkt(k, ts=160 * k, pt=96), k * 20_000_000, k + 1, None)
    (st,) = tr.streams(ParseContext(evidence_id="E1"))
    assert (st.codec, st.clock_rate, st.jitter, st.announced) == (
        None,
        None,
        None,
        False,
    )


def test_codec_tables():
    assert codec_of(0) == ("PCMU", 8000)
    assert codec_of(9) == ("G722", 8000)
    assert codec_of(18) == ("G729", 8000)
    assert codec_of(96) == (None, None)
    assert codec_of(0, {0: "PCMU/8000"}) == ("PCMU", 8000)
    assert rtpmap_of(("0", "8"), ("PCMU/8000",)) == {}
    assert rtpmap_of(("0", "97"), ("PCMU/8000", "97")) == {0: "PCMU/8000"}


# --- heuristics, announcement and bounds --------------------------------------------


def test_heuristic_needs_five_sequential_packets():
    assert feed(range(4), announced=None)[0] == []
    (st,), _ = feed(range(5), announced=None)
    assert (st.packets, st.announced, st.call_id) == (5, False, None)
    (st,), _ = feed([0], announced="abc@192.0.2.1")
    assert (st.packets, st.announced, st.call_id) == (1, True, "abc@192.0.2.1")


def test_confirmed_flows_tell_the_engine_to_keep_feeding():
    tr = RtpTracker()
    for k in range(4):
        tr.add(A, 4000, B, 5000, pkt(k), k, k + 1, None)
    assert tr.confirmed_flows == set()
    tr.add(A, 4000, B, 5000, pkt(4), 4, 5, None)
    assert tr.confirmed_flows == {(A, 4000, B, 5000)}


def test_record_fields_and_provenance():
    tr = RtpTracker()
    tr.add(A, 4000, B, 5000, pkt(7, pt=13, payload=b"\x40"), 1_000, 11, None)
    for k in range(8, 14):
        tr.add(
            A,
            4000,
            B,
            5000,
            pkt(k, ts=160 * k, payload=b"\xff" * 160),
            k * 1_000,
            k + 4,
            None,
        )
    (st,) = tr.streams(ParseContext(evidence_id="E3", parser="rtp@1"))
    assert st.KIND == "media.rtp_stream"
    assert st.payload_types == (0, 13) and st.codec == "PCMU"
    assert (st.first_frame, st.last_frame, st.first_ts_ns, st.last_ts_ns) == (
        11,
        17,
        1_000,
        13_000,
    )
    assert st.bytes == 1 + 6 * 160
    assert st.prov.evidence_id == "E3" and st.prov.frame == 11
    assert str(st.src) == "192.0.2.1:4000" and st.dst.transport == "udp"
    assert st.ssrc_hex == "0x00001234"


def test_stream_table_full_warns_once():
    tr = RtpTracker(max_streams=2)
    for ssrc in range(1, 6):
        for k in range(5):
            tr.add(A, 4000, B, 5000, pkt(k, ssrc=ssrc), k, ssrc * 10 + k, "c")
    ctx = ParseContext(evidence_id="E1")
    streams = tr.streams(ctx)
    assert [s.ssrc for s in streams] == [1, 2]
    assert [(w.code, w.frame) for w in ctx.warnings] == [("rtp-stream-table-full", 30)]
    assert ctx.stats["rtp-stream-table-overflow-packets"] == 15


# --- public captures ----------------------------------------------------------------


def walk(path: Path, tracker: RtpTracker, announced: dict | None = None) -> int:
    """Feed UDP packets as the capture engine does; return how many look like RTP."""
    announced = announced or {}
    hits = 0
    with open(path, "rb") as fh:
        for frame, (ts, buf) in enumerate(dpkt.pcap.Reader(fh), 1):
            ip = dpkt.ethernet.Ethernet(buf).data
            if not isinstance(ip, dpkt.ip.IP) or not isinstance(ip.data, dpkt.udp.UDP):
                continue
            udp, payload = ip.data, bytes(ip.data.data)
            src, dst = socket.inet_ntoa(ip.src), socket.inet_ntoa(ip.dst)
            hits += looks_like_rtp(payload)
            call = announced.get((dst, udp.dport)) or announced.get((src, udp.sport))
            heuristic = any(p >= 1024 and p % 2 == 0 for p in (udp.sport, udp.dport))
            if call or heuristic:
                tracker.add(
                    src,
                    udp.sport,
                    dst,
                    udp.dport,
                    payload,
                    round(ts * 1e9),
                    frame,
                    call,
                )
    return hits


def corpus(rel: str) -> Path:
    p = CORPUS / rel
    if not CORPUS.is_dir():
        pytest.skip("shared corpus absent")
    return p


def test_peafowl_rtp_pcap():
    """Peafowl expects 15 RTP packets: three streams of 4, 6 and 5 (tshark agrees)."""
    path = corpus("peafowl/rtp.pcap")
    tr = RtpTracker()
    assert walk(path, tr) == 15
    streams = tr.streams(ParseContext(evidence_id="E1"))
    # the 4-packet stream is below the heuristic threshold
    assert [(s.ssrc_hex, s.packets, s.lost, s.codec) for s in streams] == [
        ("0x8A3426FD", 6, 4, None),  # tshark: 6 pkts, lost 4 (40.0%), RTPType-106
        ("0x50DF6D39", 5, 0, "PCMU"),  # tshark: 5 pkts, g711U
    ]
    assert streams[1].jitter_max == pytest.approx(2.822, abs=0.001)  # tshark max jitter
    tr = RtpTracker()
    walk(path, tr, {("192.168.105.110", 4376): "sdp-call"})
    streams = tr.streams(ParseContext(evidence_id="E1"))
    assert sum(s.packets for s in streams) == 15
    assert (streams[0].ssrc_hex, streams[0].packets, streams[0].call_id) == (
        "0x5711BF84",
        4,
        "sdp-call",
    )


def test_peafowl_sip_rtp_pcap():
    """aaa.pcap: one early-media G.711 A-law stream of 9 packets (Peafowl, tshark)."""
    tr = RtpTracker()
    walk(corpus("peafowl/sip-rtp.pcap"), tr)
    (st,) = tr.streams(ParseContext(evidence_id="E1"))
    assert (str(st.src), str(st.dst), st.ssrc_hex, st.codec, st.packets, st.lost) == (
        "192.168.1.2:30000",
        "212.242.33.36:40392",
        "0x3796CB71",
        "PCMA",
        9,
        0,
    )
    assert st.jitter_max == pytest.approx(7.799, abs=0.001)  # tshark max jitter


def test_eyebeam_streams_match_tshark():
    """tshark -z rtp,streams: 235/539 video and 1562/1202 BV32 audio packets, lost -2/-2/0/0."""
    tr = RtpTracker()
    for ip in ("192.168.1.87", "192.168.1.36"):
        tr.announce(
            ip, 5062, "call-eyebeam", {107: "BV32/16000", 101: "telephone-event/8000"}
        )
        tr.announce(ip, 5064, "call-eyebeam", {125: "H264/90000", 126: "H264/90000"})
    walk(corpus("snort3_demo/SIP_Eyebeam2Eyebeam_Video_Audio.pcap"), tr)
    got = {
        s.ssrc_hex: (s.packets, s.lost, s.codec)
        for s in tr.streams(ParseContext(evidence_id="E1"))
    }
    assert got == {
        "0xC7FBC002": (235, -2, "H264"),
        "0x7021616E": (1562, 0, "BV32"),
        "0xFB40582C": (539, -2, "H264"),
        "0xD3E36C44": (1202, 0, "BV32"),
    }
    # A.8 jitter maxima equal tshark's "Max Jitter(ms)" (6.803, 7.914, 49.441).  For
    # 0xC7FBC002 tshark prints 81.944 because the later SDP no longer maps type 125, so
    # it skips those packets; with 125 = H264/90000 a 10 s pause gives 636.219 here.
    jmax = {
        s.ssrc_hex: s.jitter_max for s in tr.streams(ParseContext(evidence_id="E1"))
    }
    assert jmax == {
        "0xD3E36C44": 6.803,
        "0x7021616E": 7.914,
        "0xFB40582C": 49.441,
        "0xC7FBC002": 636.219,
    }
