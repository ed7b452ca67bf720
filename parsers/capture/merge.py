"""Merging the capture engine's state into records: one engine, or the parts of a
partitioned run.

:meth:`parsers.capture.engine.Engine.snapshot` returns plain, picklable data (records
made while reading with the frame each was made at, the flow tables, DNS names, the
RTP tracker, counters).  :func:`finalise` turns one or several snapshots into the
records of the capture, in the order a single engine produces them: records made
while reading in frame order (each frame belongs to one part; DNS answers and DHCP
leases de-duplicated across parts), then those recovered when TCP streams closed,
then flows (by first frame), hosts (by address) and RTP streams (by first frame).
:func:`merge_problems` says when a partition could not reproduce a single run.
"""

from __future__ import annotations

from typing import Any

from forensics.model.core import Endpoint
from forensics.model.network import CaptureHost, DnsAnswer, Flow
from forensics.model.network_dhcp import DhcpLease
from parsers.base import Detection, ParseContext, Protocol
from parsers.capture.flows import (
    BY,
    FR0,
    FR1,
    INFO,
    MAX_DHCP_LEASES,
    MAX_DNS_ANSWERS,
    MAX_FLOWS,
    PK,
    T0,
    T1,
    FlowInfo,
    host_add,
    interesting,
    match_name,
)
from parsers.protocols import rtp


def merge_problems(snaps: list[dict[str, Any]]) -> list[str]:
    """Why a partitioned run would not equal a single run (empty: it does)."""
    out = sorted({r for s in snaps for r in s["needs_serial"]})
    sizes = [s["checkpoints"] for s in snaps]
    if sizes and any(sum(x) > MAX_FLOWS for x in zip(*sizes)):
        out.append("flow-table-sweep")
    trackers = [s["rtp"] for s in snaps if s["rtp"] is not None]
    if trackers and sum(len(t) for t in trackers) > trackers[0].max_streams:
        out.append("rtp-stream-table-full")
    return out


def _match_names_and_ports(info: FlowInfo, dns: dict[str, set[str]], port_dets: dict[tuple[str, int], Protocol],
                           name_dets: tuple[tuple[str, Protocol], ...]) -> None:
    if not info.detections:
        for name in sorted(dns.get(info.sip_, ())):
            match_name(name_dets, info, name, "dns")
            if info.detections:
                break
    if not info.detections and info.sni is None:
        d = port_dets.get((info.transport, info.sport))
        if d is not None:
            info.detections.append(Detection(d.name, d.category, d.port_confidence or "low", "port"))


def finalise(ctx: ParseContext, snaps: list[dict[str, Any]], port_dets: dict[tuple[str, int], Protocol],
             name_dets: tuple[tuple[str, Protocol], ...]) -> list[Any]:
    """Records of one capture from the snapshot of one engine, or of the parts of a
    partitioned run (merged in the order a single engine would have produced them)."""
    if len(snaps) == 1:
        snap = snaps[0]
        out = list(snap["records"])
        tables = snap["tables"]
        closed = list(snap["closed"])
        dns = {a: set(n) for a, n in snap["dns"].items()}
    else:
        out = _merge_records(snaps)
        tables = []
        for t in range(3):  # creation order: first frame, then order within the part
            rows = [(f[FR0], i, f) for s in snaps for i, f in enumerate(s["tables"][t])]
            rows.sort(key=lambda r: (r[0], r[1]))
            tables.append([r[2] for r in rows])
        closed = [f for s in snaps for f in s["closed"]]
        dns_frames: dict[str, dict[str, int]] = {}
        for s in snaps:
            for addr, names in s["dns"].items():
                cur = dns_frames.setdefault(addr, {})
                for name, fr in names.items():
                    if name not in cur or fr < cur[name]:
                        cur[name] = fr
        dns = {a: {n for n, _ in sorted(m.items(), key=lambda kv: (kv[1], kv[0]))[:32]}
               for a, m in dns_frames.items()}
    flows = closed
    hosts: dict[str, list] = {}
    for rows in tables:
        for f in rows:
            # names and ports are matched on every flow, not only on flows a payload
            # detector already claimed: a plain connection to an address that a remote
            # tool's name resolved to is exactly what method "dns" is for
            _match_names_and_ports(f[INFO], dns, port_dets, name_dets)
            if interesting(f):
                flows.append(f)
            host_add(hosts, f[INFO].cip, f, f[INFO].cmac)
            host_add(hosts, f[INFO].sip_, f, None)
    for f in closed:
        _match_names_and_ports(f[INFO], dns, port_dets, name_dets)
    for f in sorted(flows, key=lambda f: (f[FR0], f[INFO].fwd)):
        info = f[INFO]
        if not (info.detections or info.sni):
            continue
        out.append(Flow(
            prov=ctx.prov(frame=f[FR0]),
            transport=info.transport,
            client=Endpoint(info.cip, info.cport if info.transport in ("udp", "tcp") else None, info.transport),
            server=Endpoint(info.sip_, info.sport if info.transport in ("udp", "tcp") else None, info.transport),
            first_ts_ns=f[T0], last_ts_ns=f[T1], packets=f[PK], bytes=f[BY],
            first_frame=f[FR0], last_frame=f[FR1],
            detections=tuple(info.detections), sni=info.sni, alpn=info.alpn,
            names=tuple(sorted(dns.get(info.sip_, ())))[:8],
        ))
    for ip in sorted(hosts):
        h = hosts[ip]
        out.append(CaptureHost(prov=ctx.prov(frame=h[4]), ip=ip, mac=h[5], packets=h[0], bytes=h[1],
                               first_ts_ns=h[2], last_ts_ns=h[3]))
    tracker = rtp.RtpTracker.merge([s["rtp"] for s in snaps if s["rtp"] is not None])
    if tracker is not None:
        try:
            out.extend(tracker.streams(ctx))
        except Exception as exc:  # the media summary must not lose the rest
            ctx.warn("rtp-summary-failed", f"media statistics could not be summarised: {exc}")
    for s in snaps:
        for k, v in s["stats"].items():
            ctx.stats[k] = ctx.stats.get(k, 0) + v
    return out


def _merge_records(snaps: list[dict[str, Any]]) -> list[Any]:
    """Records made while reading, in frame order (a frame belongs to one part), then
    those recovered when the parts closed their TCP streams."""
    loop = [(fr, s["part"], i, r) for s in snaps
            for i, (fr, r) in enumerate(zip(s["emitted"], s["records"][: s["loop_records"]]))]
    loop.sort(key=lambda x: x[:3])
    out: list[Any] = []
    seen: set[tuple[str, str]] = set()
    leases: set[tuple[str, str | None, str | None]] = set()
    for _fr, _p, _i, r in loop:
        if isinstance(r, DnsAnswer):  # each part de-duplicates only its own answers
            k = (r.name, r.address)
            if k in seen or len(seen) >= MAX_DNS_ANSWERS:
                continue
            seen.add(k)
        elif isinstance(r, DhcpLease):
            lk = (r.client_mac, r.hostname, r.requested_ip)
            if lk in leases or len(leases) >= MAX_DHCP_LEASES:
                continue
            leases.add(lk)
        out.append(r)
    for s in snaps:
        out.extend(s["records"][s["loop_records"] :])
    return out

