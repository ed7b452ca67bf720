"""DHCP lease records: which hardware address asked for which LAN address, under
which host name (RFC 2131 / RFC 2132 options 12 and 50).

Produced from captures by the capture engine through
:func:`parsers.protocols.dhcp.parse_dhcp`; read by device attribution
(``forensics/correlate/dhcp.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from forensics.model.core import Record


@dataclass(frozen=True, slots=True, kw_only=True)
class DhcpLease(Record):
    """One DHCP message binding a client MAC to a host name and/or an address."""

    KIND: ClassVar[str] = "net.dhcp_lease"
    ts_ns: int  # capture time of the frame
    client_mac: str  # chaddr, lower-case colon form "00:1f:d6:3a:10:20"
    hostname: str | None = None  # option 12 as sent by the client
    requested_ip: str | None = None  # option 50, else ciaddr, else yiaddr
