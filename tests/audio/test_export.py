"""End-to-end WAV export from ``tests/fixtures/media/g711_call.pcap``."""

from __future__ import annotations

import importlib.util
import math
import struct
import wave
from pathlib import Path

from forensics.audio import g711
from forensics.audio.export import export_call_audio, safe_name
from parsers.base import ParseContext
from parsers.protocols.rtp import RtpTracker

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"
PCAP = MEDIA / "g711_call.pcap"
A, B = "192.0.2.10", "198.51.100.20"


def generator():
    spec = importlib.util.spec_from_file_location(
        "make_g711_call", MEDIA / "make_g711_call.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def samples(path: Path) -> tuple[tuple[int, int, int], list[int]]:
    with wave.open(str(path), "rb") as w:
        fmt = (w.getnchannels(), w.getsampwidth(), w.getframerate())
        raw = w.readframes(w.getnframes())
    return fmt, list(struct.unpack(f"<{len(raw) // 2}h", raw))


def dominant_frequency(x: list[int], rate: int = 8000) -> int:
    """Strongest of 50..3000 Hz in 10 Hz steps (Goertzel power at each)."""
    best, best_p = 0, -1.0
    for f in range(50, 3001, 10):
        coeff = 2 * math.cos(2 * math.pi * f / rate)
        s1 = s2 = 0.0
        for v in x:
            s1, s2 = v + coeff * s1 - s2, s1
        p = s1 * s1 + s2 * s2 - coeff * s1 * s2
        if p > best_p:
            best, best_p = f, p
    return best


def test_fixture_matches_generator(tmp_path):
    out = tmp_path / "again.pcap"
    generator().main(out)
    assert out.read_bytes() == PCAP.read_bytes()


def test_export_both_directions(tmp_path):
    ctx = ParseContext(evidence_id="E1")
    streams = [
        {
            "call_id": "a84b4c76e66710@192.0.2.10",
            "src": {"ip": A, "port": 40000},
            "dst": {"ip": B, "port": 50000},
        },
        {
            "call_id": "a84b4c76e66710@192.0.2.10",
            "src_ip": B,
            "src_port": 50000,
            "dst_ip": A,
            "dst_port": 40000,
            "ssrc": "0x55667788",
        },
        {
            "call_id": "a84b4c76e66710@192.0.2.10",
            "src": {"ip": A, "port": 40002},
            "dst": {"ip": B, "port": 50002},
        },
    ]
    paths = export_call_audio([str(PCAP)], streams, tmp_path / "audio", ctx=ctx)
    assert [p.name for p in paths] == [
        "a84b4c76e66710_192.0.2.10_192.0.2.10-40000_198.51.100.20-50000.wav",
        "a84b4c76e66710_192.0.2.10_198.51.100.20-50000_192.0.2.10-40000.wav",
    ]
    tone = generator().tone(8000)
    ulaw_ref = [g711.ULAW_TO_LINEAR[c] for c in g711.ulaw_encode(tone)]
    alaw_ref = [g711.ALAW_TO_LINEAR[c] for c in g711.alaw_encode(tone)]
    fmt, pcmu = samples(paths[0])
    assert fmt == (1, 2, 8000) and len(pcmu) == 8000
    # packet 10 was lost: its 20 ms are silence, everything else is the tone,
    # in order despite the sequence wrap and the swapped packets 20/21
    assert pcmu[1600:1760] == [0] * 160
    assert pcmu[:1600] == ulaw_ref[:1600] and pcmu[1760:] == ulaw_ref[1760:]
    fmt, pcma = samples(paths[1])
    assert fmt == (1, 2, 8000) and pcma == alaw_ref  # timestamp wrap and duplicate
    assert dominant_frequency(pcmu[:4000]) == 440
    assert dominant_frequency(pcma[4000:]) == 440
    (w,) = ctx.warnings
    assert w.code == "audio-codec-not-g711" and "G729" in w.message and w.frame == 3


def test_selectors_from_tracker_records(tmp_path):
    """``MediaStream.to_json()`` is accepted as a selector."""
    import socket

    import dpkt

    tr = RtpTracker()
    with open(PCAP, "rb") as fh:
        for frame, (ts, buf) in enumerate(dpkt.pcap.Reader(fh), 1):
            ip = dpkt.ethernet.Ethernet(buf).data
            u = ip.data
            tr.add(
                socket.inet_ntoa(ip.src),
                u.sport,
                socket.inet_ntoa(ip.dst),
                u.dport,
                bytes(u.data),
                round(ts * 1e9),
                frame,
                "call/1",
            )
    streams = tr.streams(ParseContext(evidence_id="E1"))
    assert [(s.codec, s.packets, s.lost) for s in streams] == [
        ("PCMU", 49, 1),
        ("PCMA", 51, -1),
        ("G729", 5, 0),
    ]
    sel = [dict(s.to_json(), call_id=s.call_id) for s in streams[:2]]
    paths = export_call_audio([str(PCAP)], sel, tmp_path)
    assert [p.name.split("_")[0] for p in paths] == ["call", "call"]
    assert all(p.parent == tmp_path for p in paths)
    assert [samples(p)[1].__len__() for p in paths] == [8000, 8000]


def test_hostile_call_id_and_missing_stream(tmp_path):
    ctx = ParseContext(evidence_id="E1")
    paths = export_call_audio(
        [str(PCAP)],
        [
            {
                "call_id": "../../etc/x\\y:z",
                "src_ip": A,
                "src_port": 40000,
                "dst_ip": B,
                "dst_port": 50000,
            },
            {
                "call_id": "c",
                "src_ip": A,
                "src_port": 40000,
                "dst_ip": B,
                "dst_port": 50000,
                "ssrc": 0xDEADBEEF,
            },
            {"call_id": "c", "src_ip": A},
        ],
        tmp_path,
        ctx=ctx,
    )
    assert [p.name for p in paths] == [
        "etc_x_y_z_192.0.2.10-40000_198.51.100.20-50000.wav"
    ]
    assert paths[0].parent == tmp_path
    assert [w.code for w in ctx.warnings] == ["audio-bad-selector", "audio-no-packets"]


def test_safe_name():
    assert safe_name("..") == "x"
    assert safe_name("a/b\\c\x00d") == "a_b_c_d"
    long = safe_name("z" * 300)
    assert len(long) == 80 and long != safe_name("z" * 299)


def test_pcapng_and_timestamp_jump(tmp_path):
    from scapy.utils import wrpcapng

    gen = generator()
    pkts = []
    for k, ts in enumerate([0, 160, 320, 320 + 8000 * 60, 480 + 8000 * 60]):
        data = gen.rtp(0, k, ts, 7, bytes([0x80]) * 160)  # µ-law 0x80: +32124
        pkts.append(gen.frame(A, 40000, B, 50000, data, gen.T0 + k * 0.02))
    cap = tmp_path / "jump.pcapng"
    wrpcapng(str(cap), pkts)
    ctx = ParseContext(evidence_id="E1")
    (path,) = export_call_audio(
        [str(cap)],
        [
            {
                "call_id": "j",
                "src_ip": A,
                "src_port": 40000,
                "dst_ip": B,
                "dst_port": 50000,
            }
        ],
        tmp_path,
        ctx=ctx,
    )
    fmt, pcm = samples(path)
    assert fmt == (1, 2, 8000)
    assert len(pcm) == 5 * 160 and set(pcm) == {32124}  # the minute is not filled
    assert [(w.code, w.frame) for w in ctx.warnings] == [("audio-timestamp-jump", 4)]


def test_without_ctx_problems_are_logged(tmp_path, caplog):
    sel = {
        "call_id": "g",
        "src_ip": A,
        "src_port": 40002,
        "dst_ip": B,
        "dst_port": 50002,
    }
    with caplog.at_level("WARNING", logger="forensics.audio.export"):
        assert export_call_audio([PCAP], [sel], tmp_path) == []
    assert "audio-codec-not-g711" in caplog.text and "G729" in caplog.text


def test_gzipped_capture_and_missing_file(tmp_path):
    import gzip

    gz = tmp_path / "call.pcap.gz"
    gz.write_bytes(gzip.compress(PCAP.read_bytes(), mtime=0))
    ctx = ParseContext(evidence_id="E1")
    sel = {
        "call_id": "z",
        "src_ip": B,
        "src_port": 50000,
        "dst_ip": A,
        "dst_port": 40000,
    }
    (path,) = export_call_audio(
        [str(tmp_path / "absent.pcap"), str(gz)], [sel], tmp_path / "o", ctx=ctx
    )
    assert len(samples(path)[1]) == 8000
    assert [w.code for w in ctx.warnings] == ["audio-capture-unreadable"]
