"""DHCP (BOOTP) messages: the client's MAC, its host name and the address it asks for.

Format: RFC 2131 section 2 (the fixed BOOTP header: op, htype, hlen, hops, xid, secs,
flags, ciaddr, yiaddr, siaddr, giaddr, chaddr[16], sname[64], file[128]) followed by
the magic cookie 99.130.83.99 and the options of RFC 2132 (code, length, value; 0 is
padding, 255 ends the list).  Options read: 12 Host Name (RFC 2132 §3.14), 50
Requested IP Address (§9.1).  Option overload (52) is not followed: a host name
carried in ``sname``/``file`` is not read.

Gateways and ATAs announce a host name when they ask for an address; with the MAC in
``chaddr`` this binds a LAN address to a hardware address and a name, which device
attribution uses (``forensics/correlate/dhcp.py``).  Only Ethernet hardware addresses
(htype 1, hlen 6) are returned.  Verified on messages built with scapy (tests) — the
header layout and option codes are from the RFCs above.

The capture engine calls :func:`parse_dhcp` on the payload of UDP datagrams from or
to port 67/68 and turns a result into a
:class:`~forensics.model.network_dhcp.DhcpLease`.
"""

from __future__ import annotations

import ipaddress

PORTS = frozenset({67, 68})  # RFC 2131 §4.1: server port 67, client port 68
_COOKIE = b"\x63\x82\x53\x63"  # RFC 2131 §3, RFC 2132 §2
_OPTIONS_AT = 240  # 236-byte BOOTP header + 4-byte cookie
OPT_HOSTNAME = 12
OPT_REQUESTED_IP = 50
OPT_PAD, OPT_END = 0, 255


def _ip4(raw: bytes) -> str | None:
    if len(raw) != 4 or raw == b"\0\0\0\0":
        return None
    return str(ipaddress.IPv4Address(raw))


def parse_options(payload: bytes) -> dict[int, bytes] | None:
    """The options of a DHCP message as {code: value} (first occurrence wins), or None
    when the payload is not a DHCP message (too short, no magic cookie)."""
    if len(payload) < _OPTIONS_AT or payload[236:240] != _COOKIE:
        return None
    out: dict[int, bytes] = {}
    i = _OPTIONS_AT
    while i < len(payload):
        code = payload[i]
        if code == OPT_PAD:
            i += 1
            continue
        if code == OPT_END or i + 1 >= len(payload):
            break
        length = payload[i + 1]
        value = payload[i + 2 : i + 2 + length]
        if len(value) < length:  # cut option: keep what was complete before it
            break
        out.setdefault(code, value)
        i += 2 + length
    return out


def parse_dhcp(payload: bytes) -> tuple[str, str | None, str | None] | None:
    """(client MAC "aa:bb:…", host name or None, address or None) of a DHCP message.

    The address is option 50 (requested), else ``ciaddr`` (a renewing client), else
    ``yiaddr`` (what a server's OFFER/ACK gives).  None when the payload is not DHCP
    or the hardware address is not Ethernet; never raises.
    """
    try:
        opts = parse_options(payload)
        if opts is None or payload[0] not in (1, 2) or payload[1] != 1 or payload[2] != 6:
            return None
        mac = ":".join(f"{b:02x}" for b in payload[28:34])
        name_raw = opts.get(OPT_HOSTNAME, b"").rstrip(b"\0").strip()
        hostname = name_raw.decode("utf-8", "replace") if name_raw else None
        requested = _ip4(opts.get(OPT_REQUESTED_IP, b"")) or _ip4(payload[12:16]) or _ip4(payload[16:20])
        return mac, hostname, requested
    except (IndexError, ValueError):
        return None
