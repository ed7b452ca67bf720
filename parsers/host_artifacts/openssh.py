"""OpenSSH client files: ``~/.ssh/known_hosts`` and ``~/.ssh/config``
(also ``%USERPROFILE%\\.ssh\\`` on Windows).

Source: OpenBSD sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" (``[@marker] hostnames keytype
key [comment]``, ``[host]:port`` for non-22 ports, hashed ``|1|salt|hash`` names) and
ssh_config(5) (``Host``, ``Match``, ``HostName``, ``Port``, ``User``,
``IdentityFile``, ``ProxyJump``, ``DynamicForward``, ``LocalForward``,
``RemoteForward``); ``shared/spec/remote-tunnel-signatures.md`` §A12.  Fixtures:
``tests/fixtures/host_artifacts/openssh/``.

Each known host is a ``known_host`` :class:`RemoteEvent` (no time: the file keeps
none); hashed names cannot be read back and are only counted
(``stats['hashed_known_hosts']``).  Each ``Host`` block is a :class:`RemoteToolConfig`;
a block with forwardings is also an SSH :class:`TunnelConfig`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.core import Record
from forensics.model.remote import RemoteEvent, RemoteToolConfig, TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import head_text, is_ip, iter_lines, read_text, to_port

NAME = "openssh"
KEYTYPE = r"(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-\S+@openssh\.com)"
KNOWN = re.compile(rf"^(?:@(?P<marker>\S+)\s+)?(?P<hosts>\S+)\s+(?P<type>{KEYTYPE})\s+(?P<key>[A-Za-z0-9+/=]{{16,}})(?:\s+.*)?$")
# Keywords are case-insensitive in ssh_config(5); sniffing insists on the usual
# spelling and on ``Host <pattern>`` (not ``host = x``) so generic INI files are not
# claimed.
CFG_HOST = re.compile(r"(?m)^\s*(?:Host|Match)\s+[^=\s]")
CFG_OPT = re.compile(r"(?m)^\s*(HostName|Port|User|IdentityFile|ProxyJump|DynamicForward|LocalForward|RemoteForward)\s+[^=\s]")
FORWARDS = ("dynamicforward", "localforward", "remoteforward")


def _kind(text: str) -> str | None:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip() and not ln.lstrip().startswith("#")]
    if lines and sum(1 for ln in lines if KNOWN.match(ln.strip())) >= max(1, len(lines) // 2):
        return "known_hosts"
    if CFG_HOST.search(text) and CFG_OPT.search(text):
        return "config"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head_text(head)) is not None
    except Exception:
        return False


def _known_hosts(src: Source, ctx: ParseContext) -> Iterator[Record]:
    for n, line in iter_lines(src):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = KNOWN.match(s)
        if not m:
            ctx.warn("known-hosts-bad-line", f"not a known_hosts entry: {s[:40]!r}", line=n)
            continue
        if m.group("hosts").startswith("|1|"):
            ctx.count("hashed_known_hosts")
            continue
        for h in m.group("hosts").split(","):
            port = 22
            if hm := re.fullmatch(r"\[(?P<h>[^\]]+)\]:(?P<p>\d+)", h):
                h, port = hm.group("h"), int(hm.group("p"))
            detail = [("host", h), ("key_type", m.group("type"))]
            if m.group("marker"):
                detail.append(("marker", m.group("marker")))
            yield RemoteEvent(prov=ctx.prov(line=n), tool="ssh", event="known_host", direction="outgoing",
                              peer_ip=h if is_ip(h) else None, peer_port=port, detail=tuple(detail))


def _config(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    blocks: list[tuple[str, int, list[tuple[str, str, int]]]] = []
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = re.match(r"^(\S+?)\s*(?:=\s*|\s+)(.*)$", s)
        if not m:
            ctx.warn("ssh-config-bad-line", f"option without value: {s[:40]!r}", line=n)
            continue
        k, v = m.group(1).lower(), m.group(2).strip()
        if k in ("host", "match"):
            blocks.append((f"{k} {v}", n, []))
        elif blocks:
            blocks[-1][2].append((k, v, n))
    for alias, n, opts in blocks:
        kv = {k: v for k, v, _ in opts}
        host = kv.get("hostname") or (alias.split()[1] if alias.startswith("host ") and "*" not in alias else None)
        if not host:
            continue
        port = to_port(kv.get("port")) or 22
        detail = [("block", alias)] + [(k, v) for k, v, _ in opts if k in ("identityfile", "proxyjump") + FORWARDS]
        yield RemoteToolConfig(prov=ctx.prov(line=n), tool="ssh", servers=(f"{host}:{port}",),
                               user=kv.get("user"), detail=tuple(detail))
        fwd = [(k, v) for k, v, _ in opts if k in FORWARDS]
        if fwd:
            yield TunnelConfig(prov=ctx.prov(line=n), protocol="ssh", user=kv.get("user"),
                               peers=(TunnelPeer(host=host, port=port, transport="tcp", name=alias),),
                               detail=(("client", "openssh"),) + tuple(fwd))


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    kind = _kind(head_text(src.head))
    if kind == "known_hosts":
        yield from _known_hosts(src, ctx)
    elif kind == "config":
        yield from _config(src, ctx)
    else:
        raise WrongFormat("not an OpenSSH known_hosts or client config")


PARSER = FileParser(name="openssh", version=1, kind="host_artifact", sniff=sniff, parse=parse)
