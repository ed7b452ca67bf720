"""pcap / pcapng / gzip readers: formats, frame numbers, times, and damage."""

from __future__ import annotations

import gzip
import io

import pytest

from parsers.base import ParseContext, Source
from parsers.capture import pcap, pcapng
from parsers.capture.reader import capture_format, iter_frames
from tests.helpers import capwriter as cw

T0 = 1_724_494_502_123_456_789  # 2024-08-24T10:15:02.123456789Z


def frames_of(data: bytes, name: str = "x"):
    ctx = ParseContext(evidence_id="E1")
    out = list(iter_frames(Source.from_bytes(data, name), ctx))
    return out, ctx


@pytest.mark.parametrize("endian", ["<", ">"])
@pytest.mark.parametrize("nanos", [False, True])
def test_pcap_byte_orders_and_resolutions(endian, nanos):
    data = cw.pcap_bytes([(T0, b"a" * 20), (T0 + 1000, b"b" * 30)], linktype=101, endian=endian, nanos=nanos)
    frames, ctx = frames_of(data)
    assert [f[0] for f in frames] == [1, 2]
    expect0 = T0 if nanos else T0 // 1000 * 1000
    assert frames[0][1] == expect0
    assert frames[1][1] - frames[0][1] == 1000 if nanos else frames[1][1] == (T0 + 1000) // 1000 * 1000
    assert frames[0][2] == 101
    assert frames[0][3] == b"a" * 20
    assert frames[0][4] == 24 and frames[1][4] == 24 + 16 + 20  # record offsets
    assert ctx.warnings == []


def test_pcap_truncated_last_record_keeps_earlier_frames():
    """Layout: header(24) + rec1(16+20) + rec2(16+30) with the last 10 bytes cut."""
    data = cw.pcap_bytes([(T0, b"a" * 20), (T0, b"b" * 30)])[:-10]
    frames, ctx = frames_of(data)
    assert len(frames) == 1
    assert [(w.code, w.offset) for w in ctx.warnings] == [("pcap-truncated-record", 60)]


def test_pcap_truncated_inside_record_header():
    data = cw.pcap_bytes([(T0, b"a" * 20)]) + b"\x01\x02\x03"
    frames, ctx = frames_of(data)
    assert len(frames) == 1
    assert [(w.code, w.offset) for w in ctx.warnings] == [("pcap-truncated-record", 60)]


def test_pcap_absurd_record_length_stops_with_warning():
    good = cw.pcap_bytes([(T0, b"a" * 20)])
    bad = good + b"\0" * 8 + (0x7FFFFFFF).to_bytes(4, "little") + (20).to_bytes(4, "little") + b"x" * 40
    frames, ctx = frames_of(bad)
    assert len(frames) == 1
    assert ctx.warnings[0].code == "pcap-bad-record-length" and ctx.warnings[0].offset == 60


def test_pcap_large_file_crosses_chunks():
    n = 3000
    data = cw.pcap_bytes([(T0 + i, bytes([i % 256]) * 700) for i in range(n)])
    assert len(data) > 2 * pcap.CHUNK
    frames, ctx = frames_of(data)
    assert len(frames) == n and frames[-1][0] == n and frames[-1][3] == bytes([(n - 1) % 256]) * 700
    assert not ctx.warnings


def test_pcapng_interfaces_resolutions_and_blocks():
    data = (cw.shb() + cw.idb(1) + cw.idb(101, tsresol=9) + cw.raw_block(0x0BAD, b"vendor")
            + cw.epb(0, T0 // 1000, b"E" * 14) + cw.epb(1, T0, b"\x45" + b"\0" * 19)
            + cw.raw_block(0x1234, b"????") + cw.spb(b"S" * 16) + cw.opb(0, T0 // 1000 + 5, b"O" * 14))
    frames, ctx = frames_of(data)
    assert [f[0] for f in frames] == [1, 2, 3, 4]
    assert [f[2] for f in frames] == [1, 101, 1, 1]
    assert frames[0][1] == T0 // 1000 * 1000
    assert frames[1][1] == T0
    assert frames[2][1] == T0  # SPB: no time of its own, previous packet's time
    assert frames[3][1] == (T0 // 1000 + 5) * 1000
    assert frames[1][6] == 1  # interface id
    codes = [w.code for w in ctx.warnings]
    assert codes == ["pcapng-unknown-block", "pcapng-simple-packet-no-time"]


def test_pcapng_big_endian_and_second_section_resets_interfaces():
    data = (cw.shb(">") + cw.idb(1, e=">") + cw.epb(0, 1, b"A" * 14, e=">")
            + cw.shb("<") + cw.idb(113) + cw.epb(0, 2, b"B" * 16))
    frames, ctx = frames_of(data)
    assert [(f[0], f[2], f[3][:1]) for f in frames] == [(1, 1, b"A"), (2, 113, b"B")]
    assert not ctx.warnings


def test_pcapng_bad_block_length_and_truncation():
    good = cw.shb() + cw.idb(1) + cw.epb(0, 1, b"A" * 14)
    bad_len = good + (6).to_bytes(4, "little") + (13).to_bytes(4, "little") + b"\0" * 20
    frames, ctx = frames_of(bad_len)
    assert len(frames) == 1 and ctx.warnings[0].code == "pcapng-bad-block-length"
    assert ctx.warnings[0].offset == len(good)
    trunc = good + cw.epb(0, 2, b"B" * 40)[:-12]
    frames, ctx = frames_of(trunc)
    assert len(frames) == 1 and [w.code for w in ctx.warnings] == ["pcapng-truncated-block"]


def test_pcapng_packet_for_undeclared_interface():
    data = cw.shb() + cw.idb(1) + cw.epb(3, 1, b"A" * 14) + cw.epb(0, 2, b"B" * 14)
    frames, ctx = frames_of(data)
    assert [f[0] for f in frames] == [2]  # frame 1 is counted but unusable
    assert ctx.warnings[0].code == "pcapng-unknown-interface"


@pytest.mark.parametrize("kind", ["pcap", "pcapng"])
def test_gzip_capture_streams_and_truncation_warns(kind):
    import random

    rnd = random.Random(7)
    pkts = [bytes(rnd.getrandbits(8) for _ in range(200)) for _ in range(50)]
    if kind == "pcap":
        plain = cw.pcap_bytes([(T0, p) for p in pkts])
    else:
        plain = cw.shb() + cw.idb(1) + b"".join(cw.epb(0, i, p) for i, p in enumerate(pkts))
    gz = gzip.compress(plain)
    assert capture_format(gz) == kind + ".gz"
    frames, ctx = frames_of(gz)
    assert len(frames) == 50 and not ctx.warnings
    frames, ctx = frames_of(gz[: len(gz) // 2])
    assert 0 < len(frames) < 50
    assert ctx.warnings and ctx.warnings[-1].code in ("capture-gzip-truncated", "pcap-truncated-record", "pcapng-truncated-block")


def test_sniffers_never_claim_garbage():
    for junk in (b"", b"\0" * 64, b"GIF89a" + b"\0" * 30, b"\x1f\x8bgarbage"):
        assert capture_format(junk) is None
        assert not pcap.sniff(junk) and not pcapng.sniff(junk)
    frames, ctx = frames_of(b"hello world")
    assert frames == [] and ctx.warnings[0].code == "capture-unknown-format"


def test_zero_length_file():
    ctx = ParseContext(evidence_id="E1")
    assert list(pcap.read(io.BytesIO(b""), ctx)) == []
    assert ctx.warnings[0].code == "pcap-bad-header"
