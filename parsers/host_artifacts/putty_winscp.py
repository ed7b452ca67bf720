"""PuTTY and WinSCP saved sessions and SSH host-key caches, from regedit ``.reg``
exports (UTF-16 LE with BOM is normal; ``reg.exe`` may write ANSI) and WinSCP's
portable ``WinSCP.ini``.

Sources: PuTTY documentation and Velociraptor ``Windows.Registry.PuttyHostKeys``
(``HKCU\\Software\\SimonTatham\\PuTTY\\Sessions\\<name>``: ``HostName``,
``PortNumber``, ``UserName``, ``Protocol``, ``PortForwardings``, ``ProxyHost``,
``ProxyPort``; ``SshHostKeys`` value names ``<keytype>@<port>:<host>``), WinSCP
documentation (``HKCU\\Software\\Martin Prikryl\\WinSCP 2\\Sessions\\<name>``:
``HostName``, ``PortNumber``, ``UserName``, ``FSProtocol``, obfuscated ``Password``;
``SshHostKeys`` like PuTTY's; ``[Sessions\\<name>]`` sections in WinSCP.ini), as
summarised in ``shared/spec/remote-tunnel-signatures.md`` §A12.  Fixtures:
``tests/fixtures/host_artifacts/putty_winscp/``.

Each saved session is a :class:`RemoteToolConfig`; a session with port forwardings is
also an SSH :class:`TunnelConfig`; every cached host key is a ``known_host``
:class:`RemoteEvent` (a server this user connected to; no time in a .reg export).
Session names are URL-encoded in the registry (``%20``) and decoded here.  WinSCP's
``Password`` is only obfuscated, so it is treated as a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

from forensics.model.core import Record
from forensics.model.remote import RemoteEvent, RemoteToolConfig, TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, is_ip, read_text, to_port

NAME = "putty_winscp"
REG_KEY = re.compile(r"^\[(?P<key>[^\]]+)\]\s*$")
REG_SZ = re.compile(r'^"(?P<name>(?:[^"\\]|\\.)+)"="(?P<val>(?:[^"\\]|\\.)*)"\s*$')
REG_DWORD = re.compile(r'^"(?P<name>(?:[^"\\]|\\.)+)"=dword:(?P<hex>[0-9a-fA-F]{8})\s*$')
ROOTS = {r"software\simontatham\putty": "putty", r"software\martin prikryl\winscp 2": "winscp"}
HOSTKEY = re.compile(r"^(?P<type>[\w.-]+)@(?P<port>\d+):(?P<host>.+)$")


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def _kind(text: str) -> str | None:
    low = text.lower()
    if re.match(r"\s*(windows registry editor version|regedit4)", low) and any(r in low for r in ROOTS):
        return "reg"
    if re.search(r"(?m)^\[sessions\\[^\]]+\]\s*$", low) and re.search(r"(?m)^hostname=", low):
        return "ini"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head_text(head)) is not None
    except Exception:
        return False


def _keys(text: str, kind: str, ctx: ParseContext) -> list[tuple[str, str, int, dict[str, tuple[str, int]]]]:
    """[(tool, subpath, line, {value name: (value, line)})] for PuTTY/WinSCP keys."""
    out: list = []
    cur: dict | None = None
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if m := REG_KEY.match(s):
            key = m.group("key")
            cur = None
            low = key.lower()
            if kind == "ini":
                cur = {}
                out.append(("winscp", key, n, cur))
                continue
            for root, tool in ROOTS.items():
                i = low.find(root)
                if i >= 0:
                    cur = {}
                    out.append((tool, key[i + len(root):].lstrip("\\"), n, cur))
            continue
        if cur is None or not s or s.startswith(";"):
            continue
        if kind == "ini" and "=" in s:
            k, _, v = s.partition("=")
            cur[k.strip()] = (unquote(v.strip()), n)
        elif m := REG_SZ.match(s):
            cur[_unescape(m.group("name"))] = (_unescape(m.group("val")), n)
        elif m := REG_DWORD.match(s):
            cur[_unescape(m.group("name"))] = (str(int(m.group("hex"), 16)), n)
        elif s.startswith('"') and "=" in s and not re.search(r'"=hex(\(\w+\))?:', s):
            ctx.warn("reg-bad-value", f"registry value line not understood: {s[:60]!r}", line=n)
    return out


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    kind = _kind(text)
    if kind is None:
        raise WrongFormat("no PuTTY / WinSCP registry keys or WinSCP.ini sessions")
    for tool, sub, kline, vals in _keys(text, kind, ctx):
        parts = sub.split("\\")
        if parts[0].lower() == "sessions" and len(parts) == 2 and vals:
            session = unquote(parts[1])
            host = vals.get("HostName", ("", 0))[0]
            port = to_port(vals.get("PortNumber", ("", 0))[0]) or 22
            user = vals.get("UserName", ("", 0))[0] or None
            bag = SecretBag()
            if vals.get("Password", ("", 0))[0]:
                bag.add("Password", vals["Password"][0])
            detail = [("session", session)] + [
                (k, vals[k][0]) for k in ("Protocol", "FSProtocol", "PortForwardings", "ProxyHost",
                                           "ProxyPort", "PublicKeyFile") if vals.get(k, ("", 0))[0]]
            servers = (f"{host}:{port}",) if host else ()
            yield RemoteToolConfig(prov=ctx.prov(line=kline), tool=tool, servers=servers, user=user,
                                   detail=tuple(detail), **bag.fields())
            fwd = vals.get("PortForwardings", ("", 0))[0]
            if fwd and host:
                yield TunnelConfig(prov=ctx.prov(line=vals["PortForwardings"][1]), protocol="ssh",
                                   peers=(TunnelPeer(host=host, port=port, transport="tcp", name=session),),
                                   user=user, detail=(("client", tool), ("forwardings", fwd)))
        elif parts[0].lower() == "sshhostkeys":
            for name, (_v, n) in vals.items():
                m = HOSTKEY.match(name)
                if not m:
                    ctx.warn("reg-bad-hostkey-name", f"host-key value name not <type>@<port>:<host>: {name[:60]!r}", line=n)
                    continue
                host = m.group("host")
                yield RemoteEvent(prov=ctx.prov(line=n), tool=tool, event="known_host",
                                  direction="outgoing", peer_ip=host if is_ip(host) else None,
                                  peer_port=int(m.group("port")),
                                  detail=(("host", host), ("key_type", m.group("type"))))


PARSER = FileParser(name="putty_winscp", version=1, kind="host_artifact", sniff=sniff, parse=parse)
