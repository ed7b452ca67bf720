"""Network records: flows with what detectors said of them, DNS answers, TLS hellos."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from forensics.model.core import Endpoint, Record
from parsers.base import Detection


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow(Record):
    """A bidirectional conversation (5-tuple) that some detector or name matched.

    ``client`` sent the first packet seen; ``prov.frame`` is that packet's frame.
    """

    KIND: ClassVar[str] = "net.flow"
    transport: str  # "udp", "tcp", or an IP protocol name ("esp", "gre", "ipip")
    client: Endpoint
    server: Endpoint
    first_ts_ns: int
    last_ts_ns: int
    packets: int
    bytes: int  # IP bytes, both directions
    first_frame: int
    last_frame: int
    detections: tuple[Detection, ...] = ()
    sni: str | None = None  # TLS server name from the ClientHello
    alpn: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # DNS names seen resolving to the server address


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsAnswer(Record):
    """A DNS answer mapping a name to an address (A/AAAA), from a response packet."""

    KIND: ClassVar[str] = "net.dns_answer"
    ts_ns: int
    name: str  # lower case, no trailing dot
    address: str
    ttl: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureHost(Record):
    """Per-address traffic totals in one capture (for device and operator inference)."""

    KIND: ClassVar[str] = "net.host"
    ip: str
    mac: str | None  # source MAC seen with this address on the first frame, if Ethernet
    packets: int
    bytes: int
    first_ts_ns: int
    last_ts_ns: int
    dhcp_hostname: str | None = None
