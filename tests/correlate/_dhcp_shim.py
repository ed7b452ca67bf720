"""Until the capture engine decodes DHCP itself, feed it DhcpLease records in tests.

This wraps ``forensics.pipeline._run_capture``: after the engine, the capture is read
again and every UDP 67/68 datagram of an Ethernet/IPv4 frame is handed to
``parsers.protocols.dhcp.parse_dhcp`` — the same call the engine is meant to make.
When the engine already produced DhcpLease records, nothing is added.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from forensics import pipeline
from forensics.model.network_dhcp import DhcpLease
from parsers.base import ParseContext
from parsers.capture.reader import iter_frames
from parsers.protocols.dhcp import PORTS, parse_dhcp


def leases(src, ev) -> list[DhcpLease]:  # type: ignore[no-untyped-def]
    ctx = ParseContext(evidence_id=ev.id, evidence_sha256=ev.sha256, evidence_path=ev.path, parser="dhcp@1")
    out = []
    for frame, ts, linktype, data, _off, _orig, _iface in iter_frames(src, ctx):
        if linktype != 1 or len(data) < 42 or data[12:14] != b"\x08\x00" or data[23] != 17:
            continue
        ihl = (data[14] & 0x0F) * 4
        sport, dport = struct.unpack("!HH", data[14 + ihl : 18 + ihl])
        if sport not in PORTS and dport not in PORTS:
            continue
        got = parse_dhcp(data[14 + ihl + 8 :])
        if got is not None:
            out.append(DhcpLease(prov=ctx.prov(frame=frame), ts_ns=ts, client_mac=got[0], hostname=got[1],
                                 requested_ip=got[2]))
    return out


@contextmanager
def engine_with_dhcp() -> Iterator[None]:
    orig = pipeline._run_capture

    def run(ev, src, ctx, opts):  # type: ignore[no-untyped-def]
        recs = orig(ev, src, ctx, opts)
        if not any(isinstance(r, DhcpLease) for r in recs):
            recs = list(recs) + leases(src, ev)
        return recs

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "_run_capture", run)
        yield
