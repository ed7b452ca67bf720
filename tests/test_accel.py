"""The compiled fast path (parsers/capture/_walk.c) gives exactly what the Python loop gives.

Every pcap and pcapng capture of the fixtures and of ``../shared/corpus`` is read twice, with the
compiled walker and with the pure-Python loop, and the records, warnings and counters
must be equal.  Generated captures add what the corpus lacks: more concurrent media
flows than the walker caches in one call, sequence wrap-around, loss, duplicates,
reordering, SSRC and payload-type changes, arrival jitter, the checkpoint every 65,536
frames, both byte orders, nanosecond timestamps, a capture cut inside a record, and
partitioned runs (the known flows of other parts); as pcapng, several sections and
interfaces (one not Ethernet), if_tsresol and if_tsoffset, simple packet blocks,
unknown blocks and a block whose trailing length is wrong.
"""

from __future__ import annotations

import os
import random
import struct
from pathlib import Path

import pytest

from benchmarks.gen_capture import generate
from parsers import registry
from parsers.base import ParseContext, Source
from parsers.capture import accel
from parsers.capture.engine import Engine, finalise

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
               b"\x0a\x0d\x0d\x0a"}  # classic pcap (both orders, µs and ns), pcapng

needs_walker = pytest.mark.skipif(not accel.built(), reason="compiled walker not built (no C compiler)")


def test_walker_is_built_in_ci():
    """CI installs with a compiler: there the compiled path must exist and be used."""
    if not os.environ.get("CI"):
        pytest.skip("outside CI the build may have been skipped on purpose")
    assert accel.built()
    assert accel.describe() == "capture fast path: compiled"


def _run(path: Path, compiled: bool, monkeypatch, part: int = 0, parts: int = 1):
    monkeypatch.setattr(accel, "walker", (lambda: accel._walk.walk) if compiled else (lambda: None))
    monkeypatch.setattr(accel, "walker_ng", (lambda: accel._walk.walk_ng) if compiled else (lambda: None))
    snaps, ctxs = [], []
    eng = None
    for k in range(parts) if parts > 1 else [part]:
        ctx = ParseContext(evidence_id="E1", evidence_sha256="0" * 64, evidence_path=path.name)
        eng = Engine(ctx, registry.DETECTORS, part=k, parts=parts)
        eng.read(Source.from_path(str(path), name=path.name))
        snaps.append(eng.snapshot())
        ctxs.append(ctx)
    ctx = ParseContext(evidence_id="E1", evidence_sha256="0" * 64, evidence_path=path.name)
    records = finalise(ctx, snaps, eng.port_dets, eng.name_dets)
    warnings = [repr(w) for c in ctxs + [ctx] for w in c.warnings]
    stats = [dict(s["stats"]) for s in snaps]
    needs = [s["needs_serial"] for s in snaps]
    return repr(records), warnings, stats, needs


def _same(path: Path, monkeypatch, parts: int = 1) -> tuple:
    fast = _run(path, True, monkeypatch, parts=parts)
    slow = _run(path, False, monkeypatch, parts=parts)
    assert fast[2] == slow[2], f"{path.name}: counters differ"
    assert fast[1] == slow[1], f"{path.name}: warnings differ"
    assert fast[3] == slow[3]
    assert fast[0] == slow[0], f"{path.name}: records differ"
    return fast


def _taken(path: Path, monkeypatch, pcapng: bool = False) -> tuple[int, int]:
    """(frames the compiled walker took, frames in all) for one engine run."""
    name, count_at = ("walk_ng", 2) if pcapng else ("walk", 1)  # result slot of the frame count
    real = getattr(accel._walk, name)
    taken = [0]

    def counting(*args):
        out = real(*args)
        taken[0] += out[count_at] - args[count_at + 1]
        return out

    monkeypatch.setattr(accel, "walker_ng" if pcapng else "walker", lambda: counting)
    eng = Engine(ParseContext(evidence_id="E1"), registry.DETECTORS)
    eng.read(Source.from_path(str(path)))
    return taken[0], eng.stats["frames"]


def _mutants(data: bytes, seed: int, keep: int, suffix: str, folder: Path):
    """60 copies of ``data`` with bit flips after its first ``keep`` bytes, every fifth cut short."""
    rng = random.Random(seed)
    for i in range(60):
        buf = bytearray(data)
        for _ in range(rng.randrange(1, 12)):
            buf[rng.randrange(keep, len(buf))] ^= 1 << rng.randrange(8)
        if i % 5 == 0:
            buf = buf[: rng.randrange(max(keep, 12), len(buf))]
        p = folder / f"m{i}{suffix}"
        p.write_bytes(bytes(buf))
        yield p


def _pcaps(root: Path) -> list[Path]:
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            with open(p, "rb") as fh:
                if fh.read(4) in PCAP_MAGICS:
                    out.append(p)
    return out


@needs_walker
def test_fixture_captures(monkeypatch):
    paths = _pcaps(REPO / "tests" / "fixtures")
    assert len(paths) >= 10
    for p in paths:
        _same(p, monkeypatch)


@needs_walker
def test_corpus_captures(monkeypatch):
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    paths = _pcaps(CORPUS)
    assert len(paths) >= 50
    for p in paths:
        _same(p, monkeypatch)


# -- generated captures -----------------------------------------------------------------

def _write_pcap(path: Path, frames: list[tuple[int, bytes]], big: bool = False, nano: bool = False,
                cut: int = 0, linktype: int = 1) -> None:
    e = ">" if big else "<"
    out = bytearray(struct.pack(e + "IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
    for ts, data in frames:
        sec, ns = divmod(ts, 1_000_000_000)
        out += struct.pack(e + "IIII", sec, ns if nano else ns // 1000, len(data), len(data)) + data
    path.write_bytes(bytes(out[: len(out) - cut] if cut else out))


def _udp(src: bytes, dst: bytes, sport: int, dport: int, payload: bytes) -> bytes:
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 0, 0x4000, 64, 17, 0, src, dst)
    return (b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
            + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def _media_frames(flows: int, per_flow: int, seed: int) -> list[tuple[int, bytes]]:
    """``flows`` concurrent RTP streams (no SIP: found by the RTP heuristic), with
    wrap-around, loss, duplicates, reordering, SSRC and payload-type changes, jitter."""
    rng = random.Random(seed)
    t0 = 1_700_000_000 * 1_000_000_000
    streams = []
    for i in range(flows):
        src = bytes([10, 0, i >> 8 & 0xFF, i & 0xFF])
        dst = bytes([203, 0, 113, 1 + i % 200])
        streams.append({"src": src, "dst": dst, "sport": 10000 + 2 * i, "dport": 20000 + 2 * (i % 500),
                        "seq": rng.choice([0, 65530, rng.randrange(65536)]), "ts": rng.randrange(1 << 32),
                        "ssrc": rng.randrange(1 << 32), "pt": rng.choice([0, 8, 18])})
    frames = []
    for k in range(per_flow):
        for s in streams:
            r = rng.random()
            if r < 0.01:
                s["seq"] = (s["seq"] + 2) & 0xFFFF  # a lost packet
            elif r < 0.012:
                s["ssrc"] = rng.randrange(1 << 32)  # the sender restarts
            elif r < 0.014:
                s["pt"] = 13 if s["pt"] != 13 else 0  # comfort noise, then back
            hdr = struct.pack("!BBHII", 0x80, s["pt"], s["seq"], s["ts"], s["ssrc"])
            arrival = t0 + k * 20_000_000 + rng.randrange(-3_000_000, 3_000_000)
            frame = _udp(s["src"], s["dst"], s["sport"], s["dport"], hdr + bytes(160))
            frames.append((arrival, frame))
            if r > 0.995:
                frames.append((arrival + 1000, frame))  # duplicate
            s["seq"] = (s["seq"] + 1) & 0xFFFF
            s["ts"] = (s["ts"] + 160) & 0xFFFFFFFF
    # a few neighbours swapped: reordering
    for i in range(100, len(frames) - 1, 997):
        frames[i], frames[i + 1] = frames[i + 1], frames[i]
    return frames


@needs_walker
@pytest.mark.parametrize("big,nano,cut", [(False, False, 0), (True, True, 0), (False, True, 37)])
def test_many_flows_and_irregular_streams(tmp_path, monkeypatch, big, nano, cut):
    """300 concurrent flows (more than the 256 the walker caches per call), 70,000+ frames
    (past the checkpoint at 65,536), both byte orders, ns timestamps, a cut last record."""
    path = tmp_path / "media.pcap"
    _write_pcap(path, _media_frames(300, 240, seed=7), big=big, nano=nano, cut=cut)
    records, warnings, stats, _ = _same(path, monkeypatch)
    assert stats[0]["frames"] >= 72_000 - (1 if cut else 0)
    assert "MediaStream" in records
    if cut:
        assert any("pcap-truncated-record" in w for w in warnings)


@needs_walker
@pytest.mark.parametrize("parts", [2, 3])
def test_partitioned_runs(tmp_path, monkeypatch, parts):
    """The known flows of other parts are skipped by the walker as by the Python loop."""
    path = tmp_path / "den.pcap"
    generate(path, 20_000, seed=5)
    _same(path, monkeypatch, parts=parts)
    _same(path, monkeypatch)


@needs_walker
def test_walker_takes_the_bulk(tmp_path, monkeypatch):
    """On an RTP-heavy capture nearly every frame is taken by the compiled walker."""
    path = tmp_path / "den.pcap"
    generate(path, 20_000, seed=9)
    taken, frames = _taken(path, monkeypatch)
    assert taken > 0.9 * frames


def test_environment_switch(monkeypatch):
    monkeypatch.setenv(accel.ENV_DISABLE, "1")
    assert accel.walker() is None
    assert "pure Python" in accel.describe()
    monkeypatch.delenv(accel.ENV_DISABLE)
    assert (accel.walker() is not None) == accel.built()


@needs_walker
def test_damaged_captures_agree(tmp_path, monkeypatch):
    """Differential fuzzing: bit flips and cuts anywhere in a small media capture give
    the same records, warnings and counters on both paths (and never crash)."""
    base = tmp_path / "base.pcap"
    _write_pcap(base, _media_frames(12, 60, seed=11))
    for p in _mutants(base.read_bytes(), 2024, 24, ".pcap", tmp_path):
        _same(p, monkeypatch)


def _block(e: str, btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def _write_pcapng(path: Path, frames: list[tuple[int, bytes]], big: bool = False) -> None:
    """Two sections; interfaces: 0 Ethernet µs, 1 Ethernet ns with an offset, 2 raw IP.
    Frames go round the interfaces; a few simple packet blocks, an unknown block and a
    block with a wrong trailing length are mixed in."""
    e = ">" if big else "<"

    def shb() -> bytes:
        return _block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1))

    def idb(linktype: int, resol: int | None, offset: int | None) -> bytes:
        opts = b""
        if resol is not None:
            opts += struct.pack(e + "HH", 9, 1) + bytes([resol, 0, 0, 0])
        if offset is not None:
            opts += struct.pack(e + "HHq", 14, 8, offset)
        if opts:
            opts += struct.pack(e + "HH", 0, 0)
        return _block(e, 1, struct.pack(e + "HHI", linktype, 0, 65535) + opts)

    out = bytearray()
    half = len(frames) // 2
    for section in (frames[:half], frames[half:]):
        out += shb() + idb(1, None, None) + idb(1, 9, 3600) + idb(101, None, None)
        for i, (ts, data) in enumerate(section):
            iid = i % 3
            if iid == 2:
                data = data[14:]  # raw IP on the third interface
            if i % 997 == 500:
                out += _block(e, 3, struct.pack(e + "I", len(data)) + data)  # simple packet block
                continue
            if i % 1499 == 700:
                out += _block(e, 0x0BADF00D, b"unknown")
            raw = ts // 1000 if iid != 1 else ts - 3600 * 1_000_000_000
            blk = _block(e, 6, struct.pack(e + "IIIII", iid, raw >> 32, raw & 0xFFFFFFFF, len(data), len(data)) + data)
            if i == 3001:
                blk = blk[:-4] + struct.pack(e + "I", len(blk) + 4)  # wrong trailing length
            out += blk
    path.write_bytes(bytes(out))


@needs_walker
@pytest.mark.parametrize("big", [False, True])
def test_pcapng_sections_interfaces_and_odd_blocks(tmp_path, monkeypatch, big):
    path = tmp_path / "media.pcapng"
    _write_pcapng(path, _media_frames(300, 240, seed=13), big=big)
    records, warnings, stats, _ = _same(path, monkeypatch)
    assert stats[0]["frames"] > 70_000
    assert "MediaStream" in records
    assert any("pcapng-block-length-mismatch" in w for w in warnings)
    assert any("pcapng-unknown-block" in w for w in warnings)


@needs_walker
def test_pcapng_walker_takes_the_bulk(tmp_path, monkeypatch):
    path = tmp_path / "media.pcapng"
    _write_pcapng(path, _media_frames(40, 400, seed=3))
    taken, frames = _taken(path, monkeypatch, pcapng=True)
    # all three interfaces' media (Ethernet, Ethernet in ns, raw IP); the odd blocks
    # and the frames the RTP heuristic needs stay with Python
    assert taken > 0.85 * frames


@needs_walker
def test_damaged_pcapng_agrees(tmp_path, monkeypatch):
    base = tmp_path / "base.pcapng"
    _write_pcapng(base, _media_frames(12, 60, seed=17))
    for p in _mutants(base.read_bytes(), 99, 0, ".pcapng", tmp_path):
        _same(p, monkeypatch)


def test_pcapng_progress_reported_per_buffer(tmp_path):
    """Progress comes from the reader's buffers, not from the frames it yields (most
    of which the walker takes): offsets rise to the end of the file."""
    path = tmp_path / "media.pcapng"
    _write_pcapng(path, _media_frames(40, 400, seed=3))
    seen: list[int] = []
    eng = Engine(ParseContext(evidence_id="E1"), registry.DETECTORS)
    eng.read(Source.from_path(str(path)), progress=seen.append)
    size = path.stat().st_size
    assert len(seen) >= size // (1 << 20)
    assert seen == sorted(seen) and seen[-1] <= size


# link headers put in front of the IPv4 packet of each generated Ethernet frame
_ETH = b"\x02" * 6 + b"\x04" * 6


def _relink(kind: str, frame: bytes, i: int) -> bytes:
    ip = frame[14:]
    if kind == "vlan":
        return _ETH + b"\x81\x00" + struct.pack("!H", 100 + i % 3) + b"\x08\x00" + ip
    if kind == "qinq":
        return _ETH + b"\x88\xa8\x00\x0a\x81\x00\x00\x64\x08\x00" + ip
    if kind == "pppoe":  # session header, PPP with address/control and a 2-byte protocol
        return _ETH + b"\x88\x64\x11\x00\x12\x34" + struct.pack("!H", len(ip) + 4) + b"\xff\x03\x00\x21" + ip
    if kind == "pppoe-short":  # protocol-field compression
        return _ETH + b"\x88\x64\x11\x00\x12\x34" + struct.pack("!H", len(ip) + 1) + b"\x21" + ip
    if kind == "sll":
        return b"\x00\x00\x00\x01\x00\x06" + b"\x02" * 6 + b"\x00\x00\x08\x00" + ip
    if kind == "sll2":
        return b"\x08\x00\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06" + b"\x02" * 6 + b"\x00\x00" + ip
    if kind == "raw":
        return ip
    raise ValueError(kind)


_LINKS = {"vlan": 1, "qinq": 1, "pppoe": 1, "pppoe-short": 1, "sll": 113, "sll2": 276, "raw": 101}


@needs_walker
@pytest.mark.parametrize("kind", sorted(_LINKS))
def test_other_link_headers(tmp_path, monkeypatch, kind):
    """RTP under VLAN tags, PPPoE, Linux cooked headers and raw IP: the walker takes the
    in-order packets of media flows, with the same result as the engine's IP layer."""
    frames = [(ts, _relink(kind, f, i)) for i, (ts, f) in enumerate(_media_frames(60, 120, seed=21))]
    # a few frames left as plain Ethernet (mixed link headers on one link type), some cut short
    if _LINKS[kind] == 1:
        frames[500:520] = [(ts, _ETH + b"\x08\x00" + f[-(len(f) - 18):]) for ts, f in frames[500:520]]
    frames[900:905] = [(ts, f[:40]) for ts, f in frames[900:905]]
    path = tmp_path / f"{kind}.pcap"
    _write_pcap(path, frames, linktype=_LINKS[kind])
    records, _w, stats, _ = _same(path, monkeypatch)
    assert "MediaStream" in records
    taken, total = _taken(path, monkeypatch)
    assert taken > 0.8 * total
    # the same frames as pcapng with that link type
    ng = tmp_path / f"{kind}.pcapng"
    e = "<"
    out = bytearray(_block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1)))
    out += _block(e, 1, struct.pack(e + "HHI", _LINKS[kind], 0, 65535))
    for ts, data in frames:
        raw = ts // 1000
        out += _block(e, 6, struct.pack(e + "IIIII", 0, raw >> 32, raw & 0xFFFFFFFF, len(data), len(data)) + data)
    ng.write_bytes(bytes(out))
    _same(ng, monkeypatch)
