"""Sunlogin / 向日葵 (Oray) host artifacts: ``sunlogin_service.*.log``,
``remote_desktop.*.log`` and ``config.ini``.

Sources: ``shared/spec/remote-tunnel-signatures.md`` §A4 (a public Chinese forensic
note gives the TAB-separated line layout and the ``[udpwrapper] attempt to establish
P2P connection via: <relay>:4118, (local)a|(public)a ==> (local)b|(public)b`` line;
the config key names ``fastcode`` / ``encry_pwd`` / ``sunlogincode`` are unverified).
Fixtures: ``tests/fixtures/host_artifacts/sunlogin/`` (one log in GBK).

Direction is read from the file name, as the notes describe: in ``remote_desktop``
logs this PC controlled the right-hand (``==>``) side, so the peer is that side's
public address; in ``sunlogin_service`` logs (controlled side) the direction is
reversed and the peer is the left-hand side.  With any other name the direction and
peer stay unknown and both sides are kept in ``detail``.  Times are local without a
zone (``time_zone=unknown-local``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

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
    split_hostport,
)

NAME = "sunlogin"
LINE = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2}) (?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})\.(?P<f>\d{3})"
    r"\s+-\s+(?P<level>\w+)\s+-\s+\[(?P<module>[^\]]+)\]\s*(?P<msg>.*)$"
)
_EP = r"[\d.]+:\d+"
P2P = re.compile(
    rf"attempt to establish P2P connection via: (?P<relay>{_EP}),\s*"
    rf"\(local\)(?P<a_priv>{_EP})\|\(public\)(?P<a_pub>{_EP})\s*==>\s*"
    rf"\(local\)(?P<b_priv>{_EP})\|\(public\)(?P<b_pub>{_EP})"
)
CONFIG_KEYS = ("fastcode", "sunlogincode", "encry_pwd")
SECRET_KEYS = {"encry_pwd", "password", "pwd"}


def _kind(head: bytes, name: str) -> str | None:
    text = head_text(head)
    lines = [ln for ln in text.splitlines()[:100] if ln.strip()]
    if any(LINE.match(ln) for ln in lines) and (
        "[udpwrapper]" in text or "sunlogin" in text.lower() or "oray" in text.lower()
        or "sunlogin" in name.lower() or "remote_desktop" in name.lower()
    ):
        return "log"
    low = text.lower()
    if any(re.search(rf"(?m)^\s*{k}\s*=", low) for k in CONFIG_KEYS):
        return "config"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head, name) is not None
    except Exception:
        return False


def _side(name: str) -> str | None:
    base = PurePath(name.replace("\\", "/")).name.lower()
    if base.startswith("remote_desktop"):
        return "outgoing"
    if base.startswith("sunlogin_service"):
        return "incoming"
    return None


def _parse_log(src: Source, ctx: ParseContext) -> Iterator[Record]:
    direction = _side(src.name)
    for n, line in iter_lines(src):
        m = LINE.match(line)
        if not m:
            if "\x00" in line or "\ufffd" in line:
                ctx.warn("sunlogin-garbage-line", "unreadable bytes in log line", line=n)
            continue
        p = P2P.search(m.group("msg"))
        if not p:
            continue
        try:
            ts = local_ns(*(int(m.group(k)) for k in ("y", "mo", "d", "h", "mi", "s")), m.group("f"))
        except ValueError as e:
            ctx.warn("sunlogin-bad-time", str(e), line=n)
            continue
        peer = {"outgoing": p.group("b_pub"), "incoming": p.group("a_pub")}.get(direction or "")
        ip, port = split_hostport(peer) if peer else (None, None)
        detail = tuple((k, p.group(k)) for k in ("relay", "a_priv", "a_pub", "b_priv", "b_pub"))
        yield RemoteEvent(
            prov=ctx.prov(line=n), tool=NAME, event="p2p", direction=direction,
            peer_ip=ip, peer_port=port, ts_ns=ts,
            confidence="medium" if direction else "low", detail=detail + LOCAL_TZ,
        )


def _parse_config(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    for section, sline, items in ini_sections(text):
        keys = {k.lower(): (v, n) for k, v, n in items}
        if not any(k in keys for k in CONFIG_KEYS):
            continue
        bag = SecretBag()
        for k, v, _n in items:
            if k.lower() in SECRET_KEYS and v:
                bag.add(k, v)
        code = keys.get("fastcode") or keys.get("sunlogincode")
        detail = tuple((k, keys[k][0]) for k in ("fastcode", "sunlogincode", "version") if k in keys)
        yield RemoteToolConfig(
            prov=ctx.prov(line=code[1] if code else sline), tool=NAME,
            local_id=code[0] if code else None, detail=detail + (("key_names", "unverified"),),
            **bag.fields(),
        )


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    kind = _kind(src.head, src.name)
    if kind == "log":
        yield from _parse_log(src, ctx)
    elif kind == "config":
        yield from _parse_config(src, ctx)
    else:
        raise WrongFormat("not a Sunlogin log or config.ini")


PARSER = FileParser(name="sunlogin", version=1, kind="host_artifact", sniff=sniff, parse=parse)
