"""AnyDesk host artifacts: ``ad.trace`` / ``ad_svc.trace``, ``connection_trace.txt``
and ``system.conf``.

Sources: AnyDesk knowledge base (connection_trace columns "Direction, Date, Time,
Authentication method, Originating AnyDesk alias, AnyDesk-ID"), the Velociraptor
``Windows.Applications.AnyDesk`` line layout and public DFIR notes on trace messages
(``Incoming session request``, ``Logged in from``, ``External address``,
``Authenticated ...``, ``Session stopped``), as summarised in
``shared/spec/remote-tunnel-signatures.md`` §A1.  Fixtures:
``tests/fixtures/host_artifacts/anydesk/``.

Verified: line layout and message wording against the public samples quoted there.
Inferred: a ``Logged in from`` line that follows an ``Incoming session request`` in the
same process within ``LINK_WINDOW_NS`` belongs to that session (marked
``("link", "inferred-sequence")`` and confidence medium).  Trace and
connection_trace times carry no zone: kept as local (``time_zone=unknown-local``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.core import Record
from forensics.model.remote import RemoteEvent, RemoteToolConfig
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import (
    LOCAL_TZ,
    head_text,
    iter_lines,
    local_ns,
    split_hostport,
)

NAME = "anydesk"
LINK_WINDOW_NS = 120 * 1_000_000_000

LINE = re.compile(
    r"^\s*(?P<level>[a-z]+)\s+(?P<d>\d{4})-(?P<mo>\d{2})-(?P<dd>\d{2}) "
    r"(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})\.(?P<f>\d{3})\s+(?P<tag>\w+)\s+"
    r"(?P<ppid>\d+)\s+(?P<pid>\d+)(?:\s+(?P<tid>\d+))?\s+(?P<comp>[\w.]+)\s+-\s+(?P<msg>.*)$"
)
PREFIX = re.compile(r"^\s*[a-z]+\s+\d{4}-\d{2}-\d{2}[ T]")
LOGIN = re.compile(r"Logged in from (?P<ep>[0-9A-Fa-f.:\[\]]+:\d+)(?: on relay (?P<relay>[0-9a-f]+))?")
REQUEST = re.compile(r"Incoming session request: (?P<name>.*?) \((?P<id>\d{6,12})\)")
EXTADDR = re.compile(r"External address: (?P<ep>[0-9A-Fa-f.:\[\]]+:\d+)")
AUTH = re.compile(r"Authenticated (?P<how>by local user(?: \(elevated\))?|by password|with permanent token|with correct passphrase)")
FILEXF = re.compile(r"Preparing files in '(?P<path>[^']+)'")
STOP = re.compile(r"Session (?:stopped|closed)")
CONN_TRACE = re.compile(
    r"^(?P<dir>Incoming|Outgoing)\s+(?P<d>\d{4})-(?P<mo>\d{2})-(?P<dd>\d{2}),\s*"
    r"(?P<h>\d{2}):(?P<mi>\d{2})\s+(?P<auth>\S+)\s+(?P<alias>\S+)\s+(?P<id>\d{6,12})\s*$"
)
SYSCONF_ID = re.compile(r"(?m)^\s*ad\.anynet\.id\s*=\s*(?P<id>\d+)\s*$")


def _kind(head: bytes) -> str | None:
    text = head_text(head)
    lines = [ln for ln in text.splitlines()[:200] if ln.strip()]
    if not lines:
        return None
    if CONN_TRACE.match(lines[0].strip()):
        return "connection_trace"
    if SYSCONF_ID.search(text):
        return "system_conf"
    hits = sum(1 for ln in lines if LINE.match(ln))
    if hits and ("anynet." in text or "app.backend" in text or "AnyDesk" in text):
        return "trace"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head) is not None
    except Exception:
        return False


def _garbage(line: str) -> bool:
    return "\x00" in line or "\ufffd" in line


def _parse_trace(src: Source, ctx: ParseContext) -> Iterator[Record]:
    pending: dict | None = None

    def flush() -> RemoteEvent | None:
        nonlocal pending
        if pending is None:
            return None
        p, pending = pending, None
        return RemoteEvent(
            prov=ctx.prov(line=p["line"]),
            tool=NAME,
            event="session",
            direction="incoming",
            remote_id=p["id"],
            peer_ip=p.get("ip"),
            peer_port=p.get("port"),
            ts_ns=p["ts"],
            end_ts_ns=p.get("end"),
            detail=tuple(p["detail"]) + LOCAL_TZ,
            confidence="medium" if p.get("ip") else "high",
        )

    for n, line in iter_lines(src):
        m = LINE.match(line)
        if not m:
            if PREFIX.match(line):
                ctx.warn("anydesk-trace-bad-line", f"cut or malformed trace line: {line[:60]!r}", line=n)
            elif line.strip() and _garbage(line):
                ctx.warn("anydesk-garbage-line", "unreadable bytes in trace line", line=n)
                if ctx.failed():
                    ctx.warn("too-many-consecutive-errors", "trace given up", line=n)
                    break
            continue
        ctx.succeeded()
        try:
            ts = local_ns(*(int(m.group(k)) for k in ("d", "mo", "dd", "h", "mi", "s")), m.group("f"))
        except ValueError as e:
            ctx.warn("anydesk-bad-time", str(e), line=n)
            continue
        msg, pid = m.group("msg"), m.group("pid")
        if r := REQUEST.search(msg):
            if ev := flush():
                yield ev
            pending = {"line": n, "ts": ts, "pid": pid, "id": r.group("id"),
                       "detail": [("remote_name", r.group("name"))]}
        elif r := LOGIN.search(msg):
            ip, port = split_hostport(r.group("ep"))
            relay = [("relay", r.group("relay"))] if r.group("relay") else []
            if pending and "ip" not in pending and pending["pid"] == pid and 0 <= ts - pending["ts"] <= LINK_WINDOW_NS:
                pending.update(ip=ip, port=port)
                pending["detail"] += relay + [("login_line", str(n)), ("link", "inferred-sequence")]
            else:
                yield RemoteEvent(prov=ctx.prov(line=n), tool=NAME, event="login",
                                  direction="incoming", peer_ip=ip, peer_port=port, ts_ns=ts,
                                  detail=tuple(relay) + LOCAL_TZ)
        elif r := EXTADDR.search(msg):
            yield RemoteEvent(prov=ctx.prov(line=n), tool=NAME, event="external_address",
                              ts_ns=ts, detail=(("local_public", r.group("ep")),) + LOCAL_TZ)
        elif (r := AUTH.search(msg)) and pending:
            pending["detail"].append(("auth", r.group("how")))
        elif (r := FILEXF.search(msg)) and pending:
            pending["detail"].append(("files", r.group("path")))
        elif STOP.search(msg) and pending:
            pending["end"] = ts
            if ev := flush():
                yield ev
    if ev := flush():
        yield ev


def _parse_conn_trace(src: Source, ctx: ParseContext) -> Iterator[Record]:
    for n, line in iter_lines(src):
        s = line.strip()
        if not s:
            continue
        m = CONN_TRACE.match(s)
        if not m:
            ctx.warn("anydesk-connection-trace-bad-line", f"line not in the known layout: {s[:60]!r}", line=n)
            continue
        try:
            ts = local_ns(*(int(m.group(k)) for k in ("d", "mo", "dd", "h", "mi")), 0)
        except ValueError as e:
            ctx.warn("anydesk-bad-time", str(e), line=n)
            continue
        yield RemoteEvent(
            prov=ctx.prov(line=n), tool=NAME, event="session",
            direction=m.group("dir").lower(), remote_id=m.group("id"), ts_ns=ts,
            detail=(("auth", m.group("auth")), ("alias", m.group("alias"))) + LOCAL_TZ,
        )


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    kind = _kind(src.head)
    if kind is None:
        raise WrongFormat("not an AnyDesk trace, connection_trace or system.conf")
    if kind == "connection_trace":
        yield from _parse_conn_trace(src, ctx)
    elif kind == "trace":
        yield from _parse_trace(src, ctx)
    else:
        for n, line in iter_lines(src):
            if m := SYSCONF_ID.match(line):
                yield RemoteToolConfig(prov=ctx.prov(line=n), tool=NAME, local_id=m.group("id"))


PARSER = FileParser(name="anydesk", version=1, kind="host_artifact", sniff=sniff, parse=parse)
