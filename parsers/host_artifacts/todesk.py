"""ToDesk (海南有趣科技) host artifacts: ``config.ini`` and ``Logs/*.log``.

Sources: ``shared/spec/remote-tunnel-signatures.md`` §A3, which collects the config keys
from public write-ups (``[ConfigInfo]`` ``clientId`` = 9-digit device code,
``localPort``, ``user`` = logged-in account, ``authPassEx`` / ``tempAuthPassEx`` /
``PrivateData`` / ``passex`` = protected passwords and keys; lower-case keys on Linux).
Fixtures: ``tests/fixtures/host_artifacts/todesk/``.

Verified: nothing against a real install; key names come from several independent
public copies (confidence medium).  The log line format is **not known**: log lines
are read generically (a bracketed ``[YYYY-MM-DD HH:MM:SS(.fff)]`` time, then any
``IPv4:port`` and 9–10-digit device codes on the line), every event is confidence
low, and the file is only claimed when its path or text names ToDesk.  Times are
local without zone (``time_zone=unknown-local``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.core import Record
from forensics.model.remote import RemoteEvent, RemoteToolConfig
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import (
    LOCAL_TZ,
    SecretBag,
    head_text,
    ini_sections,
    iter_lines,
    local_ns,
    read_text,
)

NAME = "todesk"
SECRET_KEYS = {"authpassex", "tempauthpassex", "privatedata", "passex", "password", "authpass"}
CLIENT_ID = re.compile(r"(?im)^\s*clientid\s*=\s*\d{6,12}\s*$")
LOG_LINE = re.compile(
    r"^\[(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[ T](?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?:[.,](?P<f>\d{1,6}))?\]\s*(?P<msg>.*)$"
)
IPPORT = re.compile(r"(?<![\d.])(?P<ip>(?:\d{1,3}\.){3}\d{1,3}):(?P<port>\d{1,5})\b")
CODE = re.compile(r"(?<![\d.:])(?P<id>\d{9,10})(?![\d.:])")


def _kind(head: bytes, name: str) -> str | None:
    text = head_text(head)
    if "[configinfo]" in text.lower() and CLIENT_ID.search(text):
        return "config"
    if "todesk" in name.lower() or "todesk" in text.lower():
        lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
        if lines and sum(1 for ln in lines if LOG_LINE.match(ln)) >= len(lines) // 2 + 1:
            return "log"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head, name) is not None
    except Exception:
        return False


def _parse_config(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    for section, sline, items in ini_sections(text):
        if section.lower() != "configinfo":
            continue
        vals = {k.lower(): (v, n) for k, v, n in items}
        bag = SecretBag()
        for k, v, _n in items:
            if k.lower() in SECRET_KEYS and v:
                bag.add(k, v)
        detail = tuple((k, vals[k.lower()][0]) for k in ("localPort", "Version", "language", "updatePassTime")
                       if k.lower() in vals)
        cid = vals.get("clientid", (None, None))[0]
        yield RemoteToolConfig(
            prov=ctx.prov(line=vals.get("clientid", (None, sline))[1] or sline),
            tool=NAME, local_id=cid or None, user=vals.get("user", (None,))[0] or None,
            detail=detail, **bag.fields(),
        )


def _parse_log(src: Source, ctx: ParseContext) -> Iterator[Record]:
    for n, line in iter_lines(src):
        m = LOG_LINE.match(line)
        if not m:
            if "\x00" in line or "\ufffd" in line:
                ctx.warn("todesk-garbage-line", "unreadable bytes in log line", line=n)
            continue
        msg = m.group("msg")
        eps = list(IPPORT.finditer(msg))
        codes = [c.group("id") for c in CODE.finditer(msg)]
        if not eps and not codes:
            continue
        try:
            ts = local_ns(*(int(m.group(k)) for k in ("y", "mo", "d", "h", "mi", "s")), m.group("f") or "")
        except ValueError as e:
            ctx.warn("todesk-bad-time", str(e), line=n)
            continue
        ip = eps[0].group("ip") if eps else None
        port = int(eps[0].group("port")) if eps else None
        yield RemoteEvent(
            prov=ctx.prov(line=n), tool=NAME, event="log_mention", peer_ip=ip, peer_port=port,
            remote_id=codes[0] if codes else None, ts_ns=ts, confidence="low",
            detail=(("message", msg[:200]),) + LOCAL_TZ,
        )


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    kind = _kind(src.head, src.name)
    if kind == "config":
        yield from _parse_config(src, ctx)
    elif kind == "log":
        yield from _parse_log(src, ctx)
    else:
        raise WrongFormat("not a ToDesk config.ini or log")


PARSER = FileParser(name="todesk", version=1, kind="host_artifact", sniff=sniff, parse=parse)
