"""TeamViewer host artifacts: ``Connections_incoming.txt``, ``Connections.txt`` and
``TeamViewer<NN>_Logfile.log``.

Sources: TeamViewer connection-log layouts as documented by DFIR tools (plaso's
TeamViewer text plugins, Velociraptor ``Windows.Applications.TeamViewer.Incoming``),
Synacktiv's "Legitimate RATs" report (participant types, keyboard layout), all
summarised in ``shared/spec/remote-tunnel-signatures.md`` §A2.  Fixtures:
``tests/fixtures/host_artifacts/teamviewer/``.

Connection logs are TAB-separated: incoming rows are PartnerID, PartnerName, Start,
End, LocalUser, ConnectionType, SessionGUID; outgoing rows lack PartnerName.  The
layout (not the file name) decides the direction.  Their ``DD-MM-YYYY HH:MM:SS``
times are UTC according to those sources (not verified here): kept as UTC and marked
``time_zone=utc-assumed``.  The application log writes local times without a zone; its
header (``Start: ... (UTC+8:00)``, ``ID: <own id>``) names the offset and this host's
id, and when present times are shifted to UTC by that offset (marked
``time_zone=UTC+08:00 (log header)``); without it they stay local
(``time_zone=unknown-local``).  Participant ``type`` meanings
(6 = connecting side, 3 = controlled side) come from one report: stored, not used to
set the direction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.core import Record
from forensics.model.remote import TIME_ZONE_KEY, RemoteEvent
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import LOCAL_TZ, head_text, iter_lines, local_ns, split_hostport

NAME = "teamviewer"
UTC_ASSUMED = ((TIME_ZONE_KEY, "utc-assumed"),)

_DT = r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}"
DT = re.compile(r"^(?P<dd>\d{2})-(?P<mo>\d{2})-(?P<y>\d{4}) (?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})$")
CONN = re.compile(rf"^\d{{5,12}}\t(?:[^\t]*\t)?{_DT}\t{_DT}\t")
LOG_LINE = re.compile(
    r"^(?P<y>\d{4})/(?P<mo>\d{2})/(?P<dd>\d{2}) (?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})\.(?P<f>\d{3})"
    r"\s+(?P<pid>\d+)\s+(?P<tid>\d+)\s+(?P<ctx>\S+)\s+(?P<msg>.*)$"
)
HDR_START = re.compile(r"^Start:\s+\d{4}/\d{2}/\d{2} [\d:.]+ \(UTC(?P<sign>[+-])(?P<h>\d{1,2}):(?P<m>\d{2})\)")
HDR_ID = re.compile(r"^ID:\s+(?P<id>\d{5,12})\s*$")
LOG_MARKERS = ("TeamViewer", "Dyngate", "ParticipantManager", "CommandHandlerRouting")
PART = re.compile(r"AddParticipant: \[(?P<id>\d+),(?P<sess>-?\d+)\] type=(?P<type>\d+) name=(?P<name>.*)$")
PUNCH = re.compile(r"punch received a=(?P<ep>[0-9A-Fa-f.:\[\]]+:\d+)")
KBD = re.compile(r"Changing keyboard layout to: (?P<remote>[0-9a-fA-F]{4})(?P<local>[0-9a-fA-F]{4})")
AUTHB = re.compile(r"AuthenticationBlocker::Allocate: allocate ok for DyngateID (?P<id>\d+), attempt number (?P<n>\d+)")
XFER = re.compile(r"^(?P<dir>Send|Write) file (?P<path>.+)$")
LEFT = re.compile(r"We left session.*SessionUUID=(?P<uuid>\{[0-9a-fA-F-]+\})")
# Windows language ids most often met in these cases (MS-LCID).
LANGS = {"0804": "zh-CN", "0404": "zh-TW", "0c04": "zh-HK", "042a": "vi-VN", "0409": "en-US",
         "041e": "th-TH", "0421": "id-ID", "0412": "ko-KR", "0411": "ja-JP", "0453": "km-KH"}


def _kind(head: bytes) -> str | None:
    text = head_text(head)
    lines = [ln for ln in text.splitlines()[:200] if ln.strip()]
    if not lines:
        return None
    if CONN.match(lines[0]):
        return "connections"
    if any(LOG_LINE.match(ln) for ln in lines) and any(m in text for m in LOG_MARKERS):
        return "log"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head) is not None
    except Exception:
        return False


def _dt(s: str) -> int:
    m = DT.match(s.strip())
    if not m:
        raise ValueError(f"not a DD-MM-YYYY time: {s!r}")
    return local_ns(*(int(m.group(k)) for k in ("y", "mo", "dd", "h", "mi", "s")))


def _parse_connections(src: Source, ctx: ParseContext) -> Iterator[Record]:
    for n, line in iter_lines(src):
        if not line.strip():
            continue
        f = line.split("\t")
        while f and not f[-1].strip():
            f.pop()
        try:
            if len(f) >= 7 and DT.match(f[2]):
                pid, pname, start, end, user, ctype, guid = f[:7]
                direction = "incoming"
            elif len(f) >= 6 and DT.match(f[1]):
                pid, start, end, user, ctype, guid = f[:6]
                pname, direction = None, "outgoing"
            else:
                raise ValueError(f"unknown row layout with {len(f)} fields")
            ts, end_ts = _dt(start), _dt(end)
        except ValueError as e:
            ctx.warn("teamviewer-connections-bad-line", str(e), line=n)
            continue
        detail = [("connection_type", ctype), ("session_guid", guid.strip())]
        if pname:
            detail.insert(0, ("partner_name", pname))
        yield RemoteEvent(
            prov=ctx.prov(line=n), tool=NAME, event="session", direction=direction,
            remote_id=pid.strip(), user=user or None, ts_ns=ts, end_ts_ns=end_ts,
            detail=tuple(detail) + UTC_ASSUMED,
        )


def _parse_log(src: Source, ctx: ParseContext) -> Iterator[Record]:
    tz = LOCAL_TZ  # until a header names the offset
    shift = 0
    local_id: str | None = None
    for n, line in iter_lines(src):
        m = LOG_LINE.match(line)
        if not m:
            if h := HDR_START.match(line):
                off = (int(h.group("h")) * 60 + int(h.group("m"))) * 60
                shift = -off if h.group("sign") == "+" else off
                tz = ((TIME_ZONE_KEY, f"UTC{h.group('sign')}{int(h.group('h')):02d}:{h.group('m')} (log header)"),)
                continue
            if h := HDR_ID.match(line):
                local_id = h.group("id")
                continue
            if "\x00" in line or "\ufffd" in line:
                ctx.warn("teamviewer-garbage-line", "unreadable bytes in log line", line=n)
            continue
        msg = m.group("msg")
        if not any(k in msg for k in ("AddParticipant", "punch received", "keyboard layout",
                                       "AuthenticationBlocker", " file ", "We left session")):
            continue
        try:
            ts = local_ns(*(int(m.group(k)) for k in ("y", "mo", "dd", "h", "mi", "s")), m.group("f"))
        except ValueError as e:
            ctx.warn("teamviewer-bad-time", str(e), line=n)
            continue
        ts += shift * 1_000_000_000
        base = {"prov": ctx.prov(line=n), "tool": NAME, "ts_ns": ts, "local_id": local_id}
        if r := PART.search(msg):
            yield RemoteEvent(**base, event="participant", remote_id=r.group("id"),
                              confidence="medium",
                              detail=(("participant_type", r.group("type")),
                                      ("participant_name", r.group("name").strip()),
                                      ("session", r.group("sess"))) + tz)
        elif r := PUNCH.search(msg):
            ip, port = split_hostport(r.group("ep"))
            yield RemoteEvent(**base, event="punch", peer_ip=ip, peer_port=port,
                              detail=tz)
        elif r := KBD.search(msg):
            rk, lk = r.group("remote").lower(), r.group("local").lower()
            yield RemoteEvent(**base, event="keyboard_layout", confidence="medium",
                              detail=(("remote_layout", rk), ("remote_language", LANGS.get(rk, "")),
                                      ("local_layout", lk)) + tz)
        elif r := AUTHB.search(msg):
            yield RemoteEvent(**base, event="auth_attempt", remote_id=r.group("id"),
                              detail=(("attempt", r.group("n")),) + tz)
        elif r := XFER.search(msg):
            yield RemoteEvent(**base, event="file_transfer",
                              detail=(("action", r.group("dir").lower()), ("path", r.group("path"))) + tz)
        elif r := LEFT.search(msg):
            yield RemoteEvent(**base, event="session_end",
                              detail=(("session_uuid", r.group("uuid")),) + tz)


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    kind = _kind(src.head)
    if kind == "connections":
        yield from _parse_connections(src, ctx)
    elif kind == "log":
        yield from _parse_log(src, ctx)
    else:
        raise WrongFormat("not a TeamViewer connection list or application log")


PARSER = FileParser(name="teamviewer", version=1, kind="host_artifact", sniff=sniff, parse=parse)
