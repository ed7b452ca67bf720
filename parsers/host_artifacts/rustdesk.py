"""RustDesk host artifacts: ``RustDesk.toml``, ``RustDesk2.toml``, ``peers/<id>.toml``
and the flexi_logger logs (``RustDesk_rCURRENT.log``, service ``log/server``).

Sources: rustdesk ``hbb_common/src/config.rs`` field names (``Config``: ``id``,
``password``, ``salt``, ``key_pair``; ``Config2``: ``rendezvous_server``, ``nat_type``,
``serial``, ``[options]`` ``custom-rendezvous-server`` / ``relay-server`` / ``key`` /
``api-server``; ``PeerConfig`` ``[info]`` ``username`` / ``hostname`` / ``platform``)
and the log messages of ``rendezvous_mediator.rs`` (``create_relay requested from``,
``direct access from``, ``start udp:``), as summarised in
``shared/spec/remote-tunnel-signatures.md`` §A5.  Fixtures:
``tests/fixtures/host_artifacts/rustdesk/``.

Log lines carry their UTC offset (``[2024-05-03 10:12:40.118042 +08:00]``), so times
are converted to UTC exactly.  A self-hosted rendezvous/relay server is the operator's
own infrastructure: it is reported in ``servers`` of a :class:`RemoteToolConfig`.
The ``key`` option is the server's Ed25519 *public* key (not secret); ``password``,
``salt`` and ``key_pair`` are secrets.  A peer file names a peer this host connected
to: its id comes from the file name, the rest from ``[info]``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import PurePath

from forensics.model.core import Record
from forensics.model.remote import TIME_ZONE_KEY, RemoteEvent, RemoteToolConfig
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, iter_lines, local_ns, read_text, split_hostport

NAME = "rustdesk"
LINE = re.compile(
    r"^\[(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2}) (?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})\.(?P<f>\d+) "
    r"(?P<sign>[+-])(?P<oh>\d{2}):(?P<om>\d{2})\] (?P<level>\w+) \[(?P<src>[^\]]+)\] (?P<msg>.*)$"
)
RELAY = re.compile(r"create_relay requested from (?:Some\()?(?P<peer>[0-9A-Fa-f.:\[\]]+:\d+)\)?, relay_server: (?P<relay>[^,\s]+), uuid: (?P<uuid>[0-9a-f-]+)")
DIRECT = re.compile(r"direct access from (?P<peer>[0-9A-Fa-f.:\[\]]+:\d+)")
SERVER = re.compile(r"start (?:udp:|tcp:|rendezvous mediator of) (?P<server>\S+)")
CFG_LINE = re.compile(r"^\s*(?P<k>[\w-]+)\s*=\s*'(?P<v>[^']*)'")
SERVER_KEYS = ("rendezvous_server", "custom-rendezvous-server", "relay-server", "api-server")
SECRET_KEYS = ("password", "salt", "key_pair")
PUBLIC_SERVER = re.compile(r"(^|\.)rustdesk\.com(:\d+)?$")


def _kind(head: bytes) -> str | None:
    text = head_text(head)
    if any(LINE.match(ln) for ln in text.splitlines()[:50]) and "rendezvous" in text or re.search(
        r"^\[\d{4}-\d{2}-\d{2} [\d:.]+ [+-]\d{2}:\d{2}\] \w+ \[src/", text, re.M
    ):
        return "log"
    if re.search(r"(?m)^\s*(rendezvous_server|custom-rendezvous-server|relay-server)\s*=", text):
        return "config2"
    if re.search(r"(?m)^\s*enc_id\s*=", text) or (
        re.search(r"(?m)^\s*key_pair\s*=", text) and re.search(r"(?m)^\s*salt\s*=", text)
    ):
        return "config"
    if re.search(r"(?m)^\[info\]\s*$", text) and re.search(r"(?m)^\s*platform\s*=", text):
        return "peer"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head) is not None
    except Exception:
        return False


def _load(src: Source, ctx: ParseContext) -> dict:
    text = read_text(src, ctx)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        at = re.search(r"line (\d+)", str(e))
        ctx.warn("rustdesk-toml-invalid", f"TOML not valid ({e}); read line by line",
                 line=int(at.group(1)) if at else None)
    out: dict = {}
    section = out
    for ln in text.splitlines():
        if re.match(r"^\s*\[(\w+)\]\s*$", ln):
            section = out.setdefault(ln.strip()[1:-1], {})
        elif m := CFG_LINE.match(ln):
            section[m.group("k")] = m.group("v")
    return out


def _config(src: Source, ctx: ParseContext, kind: str) -> Iterator[Record]:
    data = _load(src, ctx)
    opts = data.get("options", {}) if isinstance(data.get("options"), dict) else {}
    merged = {**data, **opts}
    servers: list[str] = []
    for k in SERVER_KEYS:
        v = merged.get(k)
        if isinstance(v, str) and v.strip() and v.strip() not in servers:
            servers.append(v.strip())
    bag = SecretBag()
    for k in SECRET_KEYS:
        v = data.get(k)
        if v not in (None, "", []):
            bag.add(k, v if isinstance(v, str) else repr(v))
    detail = [(k, str(merged[k])) for k in ("key", "nat_type", "serial") if k in merged and merged[k] != ""]
    detail += [(f"server.{k}", merged[k]) for k in SERVER_KEYS if isinstance(merged.get(k), str) and merged[k]]
    if servers and not all(PUBLIC_SERVER.search(split_hostport(s)[0]) for s in servers):
        detail.append(("self_hosted", "yes"))
    lid = data.get("id") if isinstance(data.get("id"), str) else None
    yield RemoteToolConfig(prov=ctx.prov(line=1), tool=NAME, local_id=lid or None,
                           servers=tuple(servers), detail=tuple(detail), **bag.fields())


def _peer(src: Source, ctx: ParseContext) -> Iterator[Record]:
    data = _load(src, ctx)
    info = data.get("info", {}) if isinstance(data.get("info"), dict) else {}
    stem = PurePath(src.name.replace("\\", "/")).stem
    detail = tuple((k, str(info[k])) for k in ("username", "hostname", "platform") if info.get(k))
    yield RemoteEvent(prov=ctx.prov(line=1), tool=NAME, event="peer_file", direction="outgoing",
                      remote_id=stem if stem.isdecimal() else None, user=info.get("username") or None,
                      detail=detail + (("id_from", "file name"),), confidence="medium")


def _log(src: Source, ctx: ParseContext) -> Iterator[Record]:
    for n, line in iter_lines(src):
        m = LINE.match(line)
        if not m:
            if "\x00" in line or "\ufffd" in line:
                ctx.warn("rustdesk-garbage-line", "unreadable bytes in log line", line=n)
            continue
        msg = m.group("msg")
        r = RELAY.search(msg) or DIRECT.search(msg) or SERVER.search(msg)
        if not r:
            continue
        try:
            ts = local_ns(*(int(m.group(k)) for k in ("y", "mo", "d", "h", "mi", "s")), m.group("f"))
        except ValueError as e:
            ctx.warn("rustdesk-bad-time", str(e), line=n)
            continue
        off = (int(m.group("oh")) * 60 + int(m.group("om"))) * 60 * 1_000_000_000
        ts = ts - off if m.group("sign") == "+" else ts + off
        tz = ((TIME_ZONE_KEY, f"UTC{m.group('sign')}{m.group('oh')}:{m.group('om')} (in line)"),)
        if r.re is SERVER:
            yield RemoteEvent(prov=ctx.prov(line=n), tool=NAME, event="rendezvous", ts_ns=ts,
                              detail=(("server", r.group("server")),) + tz)
            continue
        ip, port = split_hostport(r.group("peer"))
        extra = (("relay_server", r.group("relay")), ("uuid", r.group("uuid"))) if r.re is RELAY else ()
        yield RemoteEvent(prov=ctx.prov(line=n), tool=NAME,
                          event="relay_request" if r.re is RELAY else "direct_access",
                          direction="incoming", peer_ip=ip, peer_port=port, ts_ns=ts,
                          detail=extra + tz)


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    kind = _kind(src.head)
    if kind == "log":
        yield from _log(src, ctx)
    elif kind in ("config", "config2"):
        yield from _config(src, ctx, kind)
    elif kind == "peer":
        yield from _peer(src, ctx)
    else:
        raise WrongFormat("not a RustDesk config, peer file or log")


PARSER = FileParser(name="rustdesk", version=1, kind="host_artifact", sniff=sniff, parse=parse)
