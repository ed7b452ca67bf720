"""Export the audio of a call's RTP streams as WAV files (G.711 only).

Re-reads the captures (this is not the hot path) with the project's capture reader
(pcap/pcapng, gzipped or not), finds the IP header with ``parsers.capture.linklayer``,
decodes IP and UDP with dpkt, and keeps the RTP packets of each
requested direction (source ip/port → destination ip/port, and SSRC).  Per direction:

1. sequence numbers are extended across the 16-bit wrap in arrival order and the
   packets sorted by them; duplicates are dropped (RFC 3550 §5.1);
2. RTP timestamps (extended across the 32-bit wrap) place each payload on the time
   line; a gap left by lost packets, silence suppression or non-audio payload types
   (comfort noise, RFC 4733 events) is filled with silence.  A jump of more than
   ``MAX_GAP_SECONDS`` is taken as a sender restart and not filled;
3. PCMU (payload type 0) and PCMA (8) are decoded with :mod:`forensics.audio.g711`
   and written as mono 8 kHz 16-bit WAV, ``<call-id>_<src>_<dst>.wav``.

Other codecs are not decoded: ``audio-codec-not-g711`` names the codec.  File names are
built from evidence values, so every character outside ``[A-Za-z0-9._-]`` is replaced
and no path separator can survive.  Fixture: ``tests/fixtures/media/g711_call.pcap``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import socket
import wave
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dpkt  # type: ignore[import-untyped]

from forensics.audio.g711 import alaw_decode, ulaw_decode
from parsers.base import ParseContext, Source
from parsers.capture.linklayer import locate
from parsers.capture.reader import iter_frames
from parsers.protocols.rtp import codec_of, rtp_header

SAMPLE_RATE = 8000  # G.711 (RFC 3551 §4.5.14): 8000 samples/s, one octet per sample
MAX_GAP_SECONDS = 30  # a longer timestamp jump is a restart, not a silence to fill
DECODERS = {"PCMU": ulaw_decode, "PCMA": alaw_decode}
log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+|\.{2,}")


@dataclass(slots=True)
class _Direction:
    """One requested direction and the packets collected for it."""

    call_id: str | None
    key: tuple[str, int, str, int]  # src ip, src port, dst ip, dst port
    ssrc: int | None
    codec: str | None
    # ssrc -> [(seq, rtp timestamp, payload type, frame, payload)] in arrival order
    packets: dict[int, list[tuple[int, int, int, int, bytes]]] = field(
        default_factory=dict
    )


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name fragment from evidence text: no separators, no leading dot."""
    out = _UNSAFE.sub("_", text).strip("._") or "x"
    if len(out) > limit:
        digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        out = out[: limit - 9] + "_" + digest
    return out


def _endpoint(sel: Mapping[str, Any], side: str) -> tuple[str, int]:
    ep = sel.get(side)
    if isinstance(ep, Mapping):
        return str(ep["ip"]), int(ep["port"])
    if ep is not None and hasattr(ep, "ip"):  # forensics.model.core.Endpoint
        return str(ep.ip), int(ep.port)
    return str(sel[f"{side}_ip"]), int(sel[f"{side}_port"])


def _direction(sel: Mapping[str, Any]) -> _Direction:
    src_ip, src_port = _endpoint(sel, "src")
    dst_ip, dst_port = _endpoint(sel, "dst")
    ssrc = sel.get("ssrc")
    if isinstance(ssrc, str):
        ssrc = int(ssrc, 0)
    codec = sel.get("codec")
    return _Direction(
        call_id=sel.get("call_id"),
        key=(src_ip, src_port, dst_ip, dst_port),
        ssrc=ssrc,
        codec=str(codec).split("/")[0].upper() if codec else None,
    )


def _frames(path: str, ctx: ParseContext) -> Iterator[tuple[int, int, bytes]]:
    """(frame number, link type, frame bytes) of a pcap/pcapng file, gzipped or not."""
    for frame, _ts, linktype, data, *_rest in iter_frames(Source.from_path(path), ctx):
        yield frame, linktype, data


def _udp(linktype: int, data: bytes) -> tuple[str, int, str, int, bytes] | None:
    """Source/destination address and port and UDP payload, or None."""
    off, version = locate(linktype, data)
    if version == 4:
        ip = dpkt.ip.IP(data[off:])
        if ip.offset & dpkt.ip.IP_OFFMASK or ip.mf:  # fragment: RTP is not reassembled
            return None
        fam = socket.AF_INET
    elif version == 6:
        ip = dpkt.ip6.IP6(data[off:])
        fam = socket.AF_INET6
    else:
        return None
    udp = ip.data
    if not isinstance(udp, dpkt.udp.UDP):
        return None
    return (
        socket.inet_ntop(fam, ip.src),
        udp.sport,
        socket.inet_ntop(fam, ip.dst),
        udp.dport,
        bytes(udp.data),
    )


def _collect(paths: list[str], dirs: list[_Direction], ctx: ParseContext) -> None:
    by_key: dict[tuple[str, int, str, int], list[_Direction]] = {}
    for d in dirs:
        by_key.setdefault(d.key, []).append(d)
    for path in paths:
        try:
            for frame, linktype, data in _frames(path, ctx):
                try:
                    udp = _udp(linktype, data)
                except (dpkt.UnpackError, ValueError, IndexError):
                    continue  # not decodable: cannot be one of the requested streams
                if udp is None or udp[:4] not in by_key:
                    continue
                payload = udp[4]
                hdr = rtp_header(payload)
                if hdr is None:
                    continue
                pt, seq, ts, ssrc, off, plen = hdr
                for d in by_key[udp[:4]]:
                    if d.ssrc is None or d.ssrc == ssrc:
                        d.packets.setdefault(ssrc, []).append(
                            (seq, ts, pt, frame, payload[off : off + plen])
                        )
        except OSError as exc:
            ctx.warn("audio-capture-unreadable", f"{path}: {exc.strerror or exc}")


def _extend(values: list[int], bits: int) -> list[int]:
    """Unwrap a sequence of modular counters observed in order (RFC 3550 §5.1)."""
    mod, half = 1 << bits, 1 << (bits - 1)
    out: list[int] = []
    prev_raw = prev_ext = 0
    for i, v in enumerate(values):
        prev_ext = v if i == 0 else prev_ext + ((v - prev_raw + half) % mod) - half
        prev_raw = v
        out.append(prev_ext)
    return out


def _render(
    pkts: list[tuple[int, int, int, int, bytes]],
    pt: int,
    codec: str,
    label: str,
    ctx: ParseContext,
) -> bytes:
    """Place decoded payloads on the RTP time line; silence where nothing arrived."""
    seqs = _extend([p[0] for p in pkts], 16)
    stamps = _extend([p[1] for p in pkts], 32)
    order = sorted(range(len(pkts)), key=lambda i: (seqs[i], i))
    decode = DECODERS[codec]
    pcm = bytearray()
    base: int | None = None
    last_seq: int | None = None
    max_gap = MAX_GAP_SECONDS * SAMPLE_RATE
    for i in order:
        if seqs[i] == last_seq:
            continue  # duplicate
        last_seq = seqs[i]
        seq, _ts, ppt, frame, payload = pkts[i]
        if ppt != pt:
            continue  # comfort noise / events: their span stays silent
        if base is None:
            base = stamps[i]
        cursor = len(pcm) // 2
        pos = stamps[i] - base
        if pos - cursor > max_gap or pos < cursor - max_gap:
            ctx.warn(
                "audio-timestamp-jump",
                f"{label}: RTP timestamp jumps by {pos - cursor} samples at sequence "
                f"{seq}; audio continues without a gap",
                frame=frame,
            )
            base += pos - cursor
            pos = cursor
        if pos > cursor:
            pcm += bytes(2 * (pos - cursor))
        elif pos < cursor:
            payload = payload[cursor - pos :]  # overlaps audio already placed
        pcm += decode(payload)
    return bytes(pcm)


def export_call_audio(
    capture_paths: list[str],
    call_streams: list[dict],
    out_dir: str | Path,
    *,
    ctx: ParseContext | None = None,
) -> list[Path]:
    """Write one WAV per requested direction; returns the files written.

    Each item of ``call_streams`` names one direction: ``call_id``, ``src``/``dst``
    as ``{"ip", "port"}`` (the ``MediaStream.to_json()`` form) or flat ``src_ip``,
    ``src_port``, ``dst_ip``, ``dst_port``; optional ``ssrc`` (int or ``"0x…"``; when
    absent, the SSRC with most packets) and ``codec`` (for a dynamic payload type).
    Problems become warnings in ``ctx``; without one they are logged (``logging``).
    """
    if ctx is None:
        own = ParseContext(evidence_id="", parser="audio-export@1")
        try:
            return export_call_audio(capture_paths, call_streams, out_dir, ctx=own)
        finally:
            for pw in own.warnings:
                log.warning("%s: %s", pw.code, pw.message)
    out = Path(out_dir)
    dirs: list[_Direction] = []
    for n, sel in enumerate(call_streams):
        try:
            dirs.append(_direction(sel))
        except (KeyError, TypeError, ValueError) as exc:
            ctx.warn(
                "audio-bad-selector", f"stream #{n}: incomplete or invalid ({exc!r})"
            )
    _collect([str(p) for p in capture_paths], dirs, ctx)
    written: list[Path] = []
    used: set[str] = set()
    for d in dirs:
        src = f"{d.key[0]}:{d.key[1]}"
        dst = f"{d.key[2]}:{d.key[3]}"
        label = f"{src} -> {dst}"
        if not d.packets:
            ctx.warn(
                "audio-no-packets",
                f"{label}: no RTP packets of this stream in the captures",
            )
            continue
        ssrc = (
            d.ssrc
            if d.ssrc is not None
            else max(d.packets, key=lambda s: len(d.packets[s]))
        )
        pkts = d.packets[ssrc]
        counts: dict[int, int] = {}
        for p in pkts:
            counts[p[2]] = counts.get(p[2], 0) + 1
        pt = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
        codec = codec_of(pt)[0] if pt in (0, 8) or d.codec is None else d.codec
        if codec not in DECODERS:
            ctx.warn(
                "audio-codec-not-g711",
                f"{label} SSRC 0x{ssrc:08X}: codec {codec or f'payload type {pt}'} is not "
                "decoded (only G.711 PCMU/PCMA); no WAV written",
                frame=pkts[0][3],
            )
            continue
        pcm = _render(pkts, pt, codec, label, ctx)
        stem = "_".join(
            (
                safe_name(d.call_id or "no-call-id"),
                safe_name(f"{d.key[0]}-{d.key[1]}"),
                safe_name(f"{d.key[2]}-{d.key[3]}"),
            )
        )
        if stem in used:
            stem += f"_{ssrc:08X}"
        used.add(stem)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{stem}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(pcm)
        written.append(path)
    return written
