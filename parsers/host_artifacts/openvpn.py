"""OpenVPN client profiles (``.ovpn`` / ``.conf``).

Source: the OpenVPN 2.x reference manual (directives ``remote host [port] [proto]``,
``proto``, ``port``, ``dev tun|tap``, ``http-proxy``, ``socks-proxy``,
``auth-user-pass``, ``key-direction``, inline ``<ca>``/``<cert>``/``<key>``/
``<tls-auth>``/``<tls-crypt>``/``<tls-crypt-v2>``/``<secret>`` blocks), as summarised in
``shared/spec/remote-tunnel-signatures.md`` §B1.  Fixtures:
``tests/fixtures/host_artifacts/openvpn/``.

Each ``remote`` becomes a peer; its transport is the one on the line, else the file's
``proto``, else OpenVPN's default ``udp``; its port the one on the line, else ``port``
/ ``rport``, else 1194.  Private keys, static keys and inline credentials are reduced
to :class:`Secret`; certificates are public and only noted as present.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.remote import TunnelConfig, TunnelPeer
from forensics.model.core import Record
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, read_text, to_port

NAME = "openvpn"
DEFAULT_PORT = 1194  # OpenVPN manual: --port default (IANA-assigned)
REMOTE = re.compile(r"^\s*remote\s+\S+", re.M)
HINTS = re.compile(r"^\s*(client|tls-client|dev\s+(tun|tap)\S*|proto\s+(udp|tcp)\S*|<ca>|nobind|persist-tun)\s*$", re.M)
SECRET_BLOCKS = {"key", "tls-auth", "tls-crypt", "tls-crypt-v2", "secret", "pkcs12", "auth-user-pass", "http-proxy-user-pass"}
PUBLIC_BLOCKS = {"ca", "cert", "extra-certs", "dh", "crl-verify", "peer-fingerprint"}


def _transport(p: str | None) -> str | None:
    if not p:
        return None
    p = p.lower()
    return "tcp" if p.startswith("tcp") else "udp" if p.startswith("udp") else p


def sniff(head: bytes, name: str) -> bool:
    try:
        text = head_text(head)
        return bool(REMOTE.search(text) and HINTS.search(text))
    except Exception:
        return False


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    if not (REMOTE.search(text) and HINTS.search(text)):
        raise WrongFormat("no remote/client directives")
    bag = SecretBag()
    detail: list[tuple[str, str]] = []
    remotes: list[tuple[str, int | None, str | None, int]] = []
    proto = port = None
    block: tuple[str, int, list[str]] | None = None
    first_line = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if block:
            if line.lower() == f"</{block[0]}>":
                (bag.add if block[0] in SECRET_BLOCKS else lambda k, v: None)(block[0], "\n".join(block[2]))
                detail.append((f"inline.{block[0]}", "present"))
                block = None
            else:
                block[2].append(line)
            continue
        if not line or line[0] in "#;":
            continue
        if m := re.match(r"^<([\w-]+)>$", line):
            block = (m.group(1).lower(), n, [])
            continue
        words = line.split()
        key, args = words[0].lower(), words[1:]
        if key == "remote" and args:
            remotes.append((args[0], to_port(args[1]) if len(args) > 1 else None,
                            _transport(args[2]) if len(args) > 2 else None, n))
            first_line = first_line or n
            if len(args) > 1 and to_port(args[1]) is None:
                ctx.warn("openvpn-bad-port", f"remote port not a number: {args[1]!r}", line=n)
        elif key == "proto" and args:
            proto = _transport(args[0])
        elif key in ("port", "rport") and args:
            port = to_port(args[0])
        elif key in ("http-proxy", "socks-proxy") and args:
            detail.append((key, " ".join(args[:2])))
        elif key in ("dev", "cipher", "data-ciphers", "auth", "key-direction", "remote-random",
                     "auth-user-pass", "verify-x509-name", "remote-cert-tls"):
            detail.append((key, " ".join(args) if args else "yes"))
    if block:
        ctx.warn("openvpn-unclosed-inline", f"<{block[0]}> block never closed (file cut?)", line=block[1])
        if block[0] in SECRET_BLOCKS:
            bag.add(block[0], "\n".join(block[2]))
    peers = tuple(
        TunnelPeer(host=h, port=p or port or DEFAULT_PORT, transport=t or proto or "udp",
                   detail=(("line", str(n)),))
        for h, p, t, n in remotes
    )
    yield TunnelConfig(prov=ctx.prov(line=first_line or 1), protocol=NAME, peers=peers,
                       detail=tuple(detail), **bag.fields())


PARSER = FileParser(name="openvpn", version=1, kind="host_artifact", sniff=sniff, parse=parse)
