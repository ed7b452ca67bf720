"""DNS responses: A/AAAA answers, with CNAME chains folded onto the queried name.

Format: RFC 1035 section 4.1 (header, question, resource records; name compression
4.1.4), RFC 3596 (AAAA, type 28).  Used by the capture engine to bind flows to the
names that resolved to their server address (a flow to an AnyDesk relay is often
recognisable only through the DNS answer that preceded it).

``parse_answers`` returns (name, address, ttl) for every A/AAAA record and, when a
CNAME chain leads from a name to that record, for each name along the chain too
(with the smallest TTL on the way), so the *queried* name maps to the address.
Names are lower case without the trailing dot.  A message that is not a response,
is truncated before its answers or loops in compression gives None or the answers
read so far; nothing raises.  Verified on constructed responses (tests) and the
AnyDesk corpus capture (relay names).
"""

from __future__ import annotations

import ipaddress

_MAX_JUMPS = 32


def _name(msg: bytes, off: int) -> tuple[str, int]:
    """(name, offset after it in the record) at ``off``; raises ValueError if bad."""
    labels: list[str] = []
    end = -1
    jumps = 0
    while True:
        if off >= len(msg):
            raise ValueError("name past end")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise ValueError("cut pointer")
            if end < 0:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumps += 1
            if jumps > _MAX_JUMPS:
                raise ValueError("pointer loop")
            continue
        if n & 0xC0:
            raise ValueError("bad label type")
        if n == 0:
            if end < 0:
                end = off + 1
            return ".".join(labels).lower(), end
        label = msg[off + 1 : off + 1 + n]
        if len(label) < n:
            raise ValueError("cut label")
        labels.append(label.decode("ascii", "replace"))
        off += 1 + n


def parse_answers(payload: bytes) -> list[tuple[str, str, int]] | None:
    """A/AAAA answers of a DNS response as (name, address, ttl); None when
    ``payload`` is not a DNS response.  Never raises."""
    try:
        return _parse(payload)
    except Exception:  # noqa: BLE001
        return None


def _parse(msg: bytes) -> list[tuple[str, str, int]] | None:
    if len(msg) < 12 or not msg[2] & 0x80 or (msg[2] >> 3) & 0x0F not in (0, 2):
        return None  # not a response, or an opcode other than QUERY/STATUS
    qd, an = int.from_bytes(msg[4:6], "big"), int.from_bytes(msg[6:8], "big")
    if qd > 16 or an > 256:
        return None
    off = 12
    for _ in range(qd):
        _q, off = _name(msg, off)
        off += 4
    cname: dict[str, tuple[str, int]] = {}
    records: list[tuple[str, str, int]] = []
    for _ in range(an):
        try:
            owner, off = _name(msg, off)
        except ValueError:
            break
        if off + 10 > len(msg):
            break
        rtype = int.from_bytes(msg[off : off + 2], "big")
        rclass = int.from_bytes(msg[off + 2 : off + 4], "big")
        ttl = int.from_bytes(msg[off + 4 : off + 8], "big")
        rdlen = int.from_bytes(msg[off + 8 : off + 10], "big")
        rdata_off = off + 10
        off = rdata_off + rdlen
        if off > len(msg):
            break
        if rclass & 0x7FFF != 1:
            continue
        if rtype == 1 and rdlen == 4:
            records.append((owner, str(ipaddress.IPv4Address(msg[rdata_off:off])), ttl))
        elif rtype == 28 and rdlen == 16:
            records.append((owner, str(ipaddress.IPv6Address(msg[rdata_off:off])), ttl))
        elif rtype == 5:
            try:
                target, _ = _name(msg, rdata_off)
            except ValueError:
                continue
            cname[owner] = (target, ttl)
    out: list[tuple[str, str, int]] = list(records)
    seen = set(out)
    # every name whose CNAME chain ends at a record's owner maps to its address too
    for start in cname:
        name, ttl, hops = start, 1 << 31, 0
        while name in cname and hops < 16:
            name, t = cname[name]
            ttl, hops = min(ttl, t), hops + 1
        for owner, addr, rttl in records:
            if owner == name:
                row = (start, addr, min(ttl, rttl))
                if row not in seen:
                    seen.add(row)
                    out.append(row)
    return out
