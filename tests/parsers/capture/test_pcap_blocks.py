"""The engine's own pcap record walk (``pcap.Blocks`` + ``Engine.read``) gives the same
records, counters and warnings as the reader tuples, also on damaged files."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest

from parsers import registry
from parsers.base import ParseContext, Source
from parsers.capture import pcap
from parsers.capture.engine import Engine
from parsers.capture.reader import iter_frames, open_blocks

CALL = Path(__file__).resolve().parents[2] / "fixtures" / "media" / "g711_call.pcap"


def _both(data: bytes, monkeypatch=None) -> tuple:
    out = []
    for how in ("tuples", "blocks"):
        ctx = ParseContext(evidence_id="E1", parser="capture@1")
        eng = Engine(ctx, registry.DETECTORS)
        src = Source.from_bytes(data, "x.pcap")
        if how == "tuples":
            eng.feed(iter_frames(src, ctx))
        else:
            eng.read(src)
        recs = eng.finish()
        out.append(([repr(r) for r in recs], [(w.code, w.message, w.offset) for w in ctx.warnings], dict(ctx.stats)))
    return tuple(out)


def _record_starts(data: bytes) -> list[int]:
    pos, out = 24, []
    while pos + 16 <= len(data):
        out.append(pos)
        pos += 16 + struct.unpack_from("<I", data, pos + 8)[0]
    return out


def test_whole_capture_same_and_nonempty():
    data = CALL.read_bytes()
    tuples, blocks = _both(data)
    assert tuples == blocks
    assert tuples[2]["frames"] == len(_record_starts(data)) > 100
    assert any("MediaStream" in r for r in tuples[0]) and tuples[1] == []


@pytest.mark.parametrize("cut", [0, 7, 16, 40])
def test_truncated_capture_same_warnings(cut):
    data = CALL.read_bytes()
    starts = _record_starts(data)
    damaged = data[: starts[len(starts) // 2] + cut]
    tuples, blocks = _both(damaged)
    assert tuples == blocks
    codes = [w[0] for w in blocks[1]]
    assert codes == ([] if cut == 0 else ["pcap-truncated-record"])
    assert blocks[2]["frames"] == len(starts) // 2


def test_bad_record_length_and_gzip_same():
    data = bytearray(CALL.read_bytes())
    starts = _record_starts(bytes(data))
    struct.pack_into("<I", data, starts[5] + 8, pcap.MAX_RECORD + 1)
    tuples, blocks = _both(bytes(data))
    assert tuples == blocks and [w[0] for w in blocks[1]] == ["pcap-bad-record-length"]
    assert blocks[2]["frames"] == 5
    gz = gzip.compress(CALL.read_bytes())
    tuples, blocks = _both(gz[: len(gz) * 2 // 3])
    assert tuples == blocks and "capture-gzip-truncated" in [w[0] for w in blocks[1]]


def test_small_chunks_carry_records_over(monkeypatch):
    monkeypatch.setattr(pcap, "CHUNK", 100)  # every record crosses a buffer boundary
    data = CALL.read_bytes()
    seen = []
    ctx = ParseContext(evidence_id="E1")
    with open_blocks(Source.from_bytes(data, "x.pcap"), ctx) as blocks:
        assert blocks is not None and blocks.linktype == 1
        blocks.progress = seen.append
        consumed, frames = 0, 0
        while (buf := blocks.next(consumed, frames)) is not None:
            consumed = 0
            while consumed + 16 <= len(buf):
                incl = blocks.header.unpack_from(buf, consumed)[2]
                if consumed + 16 + incl > len(buf):
                    break
                consumed += 16 + incl
                frames += 1
    assert frames == len(_record_starts(data)) and not ctx.warnings
    assert seen[0] == 24 and seen[-1] == len(data) and seen == sorted(seen)
