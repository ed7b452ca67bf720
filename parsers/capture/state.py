"""The state every room of the capture engine shares, declared in one place.

:class:`parsers.capture.engine.Engine` is assembled from mix-ins, one per concern
(:mod:`.layers`, :mod:`.tier2`, :mod:`.sip_handoff`, :mod:`.decap`); each reads and
writes the attributes below, which ``Engine.__init__`` sets.  The methods one room
calls in another are declared for type checkers only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parsers.base import ParseContext, Protocol
    from parsers.capture.ip_defrag import Defragmenter
    from parsers.capture.tcp_reassembly import TcpStreams
    from parsers.protocols.rtp import RtpTracker


class EngineState:
    """Attributes of one engine (one capture, or one part of a partitioned run)."""

    ctx: ParseContext  # where records' provenance and warnings go
    part: int  # this part's number in a partitioned run (0 in a single run)
    parts: int  # number of parts (1: a single run)
    records: list[Any]  # records made while reading
    emitted: list[int]  # frame at which each of ``records`` was made
    udp: dict[bytes, list]  # flow tables: raw key of either direction -> flow list
    tcp: dict[bytes, list]
    ipf: dict[bytes, list]  # other IP protocols, keyed by protocol number + addresses
    closed: list[list]  # interesting flows swept out of the tables
    stats: dict[str, int]  # frame and message counters
    udp_dets: tuple[Protocol, ...]  # detectors with a payload sniff, by transport
    tcp_dets: tuple[Protocol, ...]
    ip_dets: dict[int, tuple[Protocol, ...]]  # detectors by IP protocol number
    port_dets: dict[tuple[str, int], Protocol]  # (transport, port) -> detector trusted by port
    name_dets: tuple[tuple[str, Protocol], ...]  # (domain suffix, detector)
    announced: dict[tuple[str, int], str]  # SDP media endpoint -> Call-ID
    dns: dict[str, dict[str, int]]  # address -> {name: first frame}
    dns_seen: set[tuple[str, str]]
    dhcp_seen: set[tuple[str, str | None, str | None]]
    rtp: RtpTracker | None
    defrag: Defragmenter | None
    tcp_streams: TcpStreams | None
    frame: int  # frame being handled (slow path), or the last one read
    ts: int  # its capture time, ns
    owned: bool | None  # does this part own the frame being handled (None: not yet known)?
    foreign: dict[bytes, None]  # UDP keys owned by other parts
    shadow_tcp: dict[bytes, bytes]  # SIP/TCP flows of other parts -> their forward key
    shadow_streams: TcpStreams | None
    shadow_ctx: ParseContext  # swallows what the quiet parse of other parts' SIP says
    checkpoints: list[int]  # flow-table size every 65536 frames (partitioned runs)
    needs_serial: set[str]  # reasons a partition cannot equal a single run
    _depth_hint: int  # encapsulation depth of the packet being handled
    _tls: Callable[[bytes], Any] | None
    _dns_parse: Callable[[bytes], Any] | None
    _looks_rtp: Callable[[bytes], bool] | None
    _rtpmap: Callable[..., dict[int, str]] | None

    if TYPE_CHECKING:
        def _ip(self, data: bytes, off: int, ver: int, depth: int, mac: bytes | None) -> None: ...
        def _mine(self, src: bytes, dst: bytes, sport: int, dport: int) -> bool: ...
        def _probe(self, f: list, key: bytes, payload: bytes, transport: str, depth: int,
                   mac: bytes | None, keep_state: bool = False) -> None: ...
        def _dns(self, payload: bytes) -> None: ...
        def _dhcp(self, payload: bytes) -> None: ...
        def _media(self, f: list, key: bytes, payload: bytes, ts: int, frame: int) -> None: ...
        def _sip(self, payload: bytes, f: list, key: bytes, transport: str,
                 frames: tuple[int, ...] | None = None) -> None: ...
        def _sip_tcp(self, f: list, key: bytes, data: bytes, l4: int, payload: bytes) -> None: ...
        def _shadow_sip(self, payload: bytes, frames: tuple[int, ...] | None = None) -> None: ...
        def _shadow_tcp(self, data: bytes, l4: int, end: int, key: bytes, ports: bytes) -> None: ...
        def _recovered(self, items: Iterable[tuple] | None) -> None: ...
        def _udp_decap(self, p: bytes, dport: int, sport: int, depth: int) -> None: ...
        def _gre(self, data: bytes, l4: int, end: int, depth: int) -> None: ...
        def _new_flow(self, table: dict, transport: str, src: bytes, dst: bytes, ports: bytes, key: bytes,
                      mac: bytes | None, proto: int | None = None) -> list: ...
