"""Media records: RTP streams seen in a capture (RFC 3550, RFC 3551).

One :class:`MediaStream` per direction and synchronisation source, that is per
(source ip/port, destination ip/port, SSRC), as Wireshark's ``rtp,streams`` lists them.
The figures follow RFC 3550 appendix A: ``expected`` and ``lost`` as in A.3 (extended
highest sequence number − base + 1 − received; ``lost`` is negative when duplicates
arrived), ``jitter`` as the A.8 interarrival jitter estimate, converted to
milliseconds with the clock rate of the stream's codec.

What is verified: header fields read from the packets.  What is inferred: the codec of
a dynamic payload type (only from an SDP ``rtpmap`` of the call that announced it) and,
for streams not announced in SDP, that the flow is RTP at all (a heuristic: version 2,
constant SSRC, consecutive sequence numbers over at least five packets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from forensics.model.core import Endpoint, Record


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaStream(Record):
    """One RTP stream: one direction, one SSRC.  ``prov.frame`` is its first packet."""

    KIND: ClassVar[str] = "media.rtp_stream"
    src: Endpoint  # sender ip/port (transport "udp")
    dst: Endpoint  # receiver ip/port
    ssrc: int  # synchronisation source identifier (RFC 3550 §5.1), 32-bit
    payload_types: tuple[int, ...]  # every payload type seen, ascending
    codec: str | None  # name of the main payload type: RFC 3551 table or SDP rtpmap
    clock_rate: int | None  # RTP clock of the main payload type (Hz), None if unknown
    packets: int  # RTP packets seen, duplicates included
    bytes: int  # RTP payload bytes (after header, CSRCs, extension; before padding)
    first_ts_ns: int  # capture time of the first packet (UTC, ns)
    last_ts_ns: int  # capture time of the last packet
    first_frame: int  # frame number of the first packet
    last_frame: int  # frame number of the last packet
    expected: int  # RFC 3550 A.3: extended highest seq - base seq + 1
    lost: int  # expected - received (negative when duplicates arrived)
    jitter: (
        float | None
    )  # RFC 3550 A.8 jitter at the last packet, ms; None: clock unknown
    jitter_max: float | None  # highest A.8 jitter estimate during the stream, ms
    seq_restarts: int = 0  # sequence jumps taken as a sender restart (RFC 3550 A.1)
    announced: bool = False  # endpoint announced in an SDP body (else heuristic)
    call_id: str | None = None  # SIP Call-ID whose SDP announced the endpoint

    @property
    def ssrc_hex(self) -> str:
        """SSRC as Wireshark prints it, e.g. ``0x3796CB71``."""
        return f"0x{self.ssrc:08X}"

    @property
    def duration_ns(self) -> int:
        return self.last_ts_ns - self.first_ts_ns

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form (also what ``forensics.audio.export`` accepts as a selector)."""
        return {
            "src": self.src.to_json(),
            "dst": self.dst.to_json(),
            "ssrc": self.ssrc,
            "ssrc_hex": self.ssrc_hex,
            "payload_types": list(self.payload_types),
            "codec": self.codec,
            "clock_rate": self.clock_rate,
            "packets": self.packets,
            "bytes": self.bytes,
            "first_ts_ns": self.first_ts_ns,
            "last_ts_ns": self.last_ts_ns,
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "expected": self.expected,
            "lost": self.lost,
            "jitter": self.jitter,
            "jitter_max": self.jitter_max,
            "seq_restarts": self.seq_restarts,
            "announced": self.announced,
            "call_id": self.call_id,
        }
