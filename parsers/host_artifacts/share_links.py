"""Proxy share links in text files (notes, chat exports, decoded subscriptions):
``vmess://``, ``vless://``, ``trojan://``, ``ss://``, ``ssr://``, ``hysteria2://`` /
``hy2://``, ``tuic://``; also a whole file that is one base64 block of such links (the
usual subscription body).

Sources: the V2RayN VMess link convention (base64 JSON with ``add``, ``port``, ``id``,
``net``, ``host``, ``path``, ``tls``, ``sni``, ``ps``), Shadowsocks SIP002 and legacy
URIs, the VLESS/Trojan share-link drafts (``uuid|password@host:port?query#tag``) and
ShadowsocksR's ``host:port:protocol:method:obfs:base64pass`` body, as summarised in
``shared/spec/remote-tunnel-signatures.md`` §C1–C2.  Fixtures:
``tests/fixtures/host_artifacts/share_links/``.

One :class:`TunnelConfig` per link, located by line.  UUIDs and passwords are secrets;
a link that cannot be decoded gives a ``share-link-unparsable`` warning.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

from forensics.model.core import Record
from forensics.model.remote import TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, read_text, split_hostport, to_port
from parsers.host_artifacts._proxy import transport_of

NAME = "share_links"
LINK = re.compile(r"\b(?P<scheme>vmess|vless|trojan|ssr|ss|hysteria2|hy2|tuic)://[^\s\"'<>]+")
PROTOCOL = {"vmess": "v2ray", "vless": "v2ray", "trojan": "trojan", "ss": "shadowsocks",
            "ssr": "shadowsocksr", "hysteria2": "hysteria2", "hy2": "hysteria2", "tuic": "tuic"}


def _b64(s: str) -> bytes:
    s = s.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)


def _links_text(text: str) -> str:
    """The text itself, or its base64 decoding when the file is one subscription blob."""
    if LINK.search(text):
        return text
    blob = "".join(text.split())
    if len(blob) >= 16 and re.fullmatch(r"[A-Za-z0-9+/=_-]+", blob):
        try:
            dec = _b64(blob).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return ""
        return dec if LINK.search(dec) else ""
    return ""


def sniff(head: bytes, name: str) -> bool:
    try:
        return bool(_links_text(head_text(head)))
    except Exception:
        return False


def _decode(link: str, scheme: str, bag: SecretBag) -> TunnelPeer:
    body = link.split("://", 1)[1]
    if scheme == "vmess":
        j = json.loads(_b64(body.split("#")[0]))
        if j.get("id"):
            bag.add("id", str(j["id"]))
        pd = tuple((k, str(j[k])) for k in ("net", "tls", "sni", "host", "path") if j.get(k))
        return TunnelPeer(host=str(j["add"]), port=to_port(j.get("port")),
                          transport=transport_of("vmess", j.get("net")), name=j.get("ps") or None,
                          detail=(("scheme", scheme),) + pd)
    if scheme == "ssr":
        dec = _b64(body).decode("utf-8", "replace")
        main = dec.split("/?")[0]
        host, port, proto, method, obfs, pw = main.rsplit(":", 5)
        bag.add("password", _b64(pw).decode("utf-8", "replace"))
        return TunnelPeer(host=host.strip("[]"), port=to_port(port), transport="tcp",
                          detail=(("scheme", scheme), ("protocol", proto), ("method", method), ("obfs", obfs)))
    u = urlsplit(link)
    tag = unquote(u.fragment) or None
    if scheme == "ss" and "@" not in u.netloc:  # legacy: base64(method:password@host:port)
        dec = _b64(u.netloc).decode("utf-8", "replace")
        cred, _, hp = dec.rpartition("@")
        method, _, pw = cred.partition(":")
        bag.add("password", pw)
        host, port = split_hostport(hp)
        return TunnelPeer(host=host, port=port, transport="tcp", name=tag,
                          detail=(("scheme", scheme), ("method", method)))
    user = unquote(u.username or "")
    detail = [("scheme", scheme)]
    if scheme == "ss":
        try:
            cred = _b64(user).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            cred = user  # SIP022 / 2022 ciphers: percent-encoded method:password
        method, _, pw = cred.partition(":")
        bag.add("password", pw)
        detail.append(("method", method))
    else:
        bag.add("uuid" if scheme == "vless" else "password", user)
    q = parse_qs(u.query)
    for k in ("type", "security", "sni", "host", "path", "plugin"):
        if q.get(k):
            detail.append((k, q[k][0]))
    if u.hostname is None:
        raise ValueError("no host")
    return TunnelPeer(host=u.hostname, port=u.port, name=tag,
                      transport=transport_of(scheme, (q.get("type") or [None])[0]), detail=tuple(detail))


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = _links_text(read_text(src, ctx))
    if not text:
        raise WrongFormat("no proxy share links")
    for n, line in enumerate(text.splitlines(), 1):
        for m in LINK.finditer(line):
            bag = SecretBag()
            try:
                peer = _decode(m.group(0), m.group("scheme"), bag)
            except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError) as e:
                ctx.warn("share-link-unparsable", f"{m.group('scheme')}:// link not decodable ({type(e).__name__})", line=n)
                continue
            yield TunnelConfig(prov=ctx.prov(line=n), protocol=PROTOCOL[m.group("scheme")],
                               peers=(peer,), detail=(("source", "share_link"),), **bag.fields())


# Any text holding a proxy link is claimed, so this sniffs after every specific parser.
PARSER = FileParser(name="share_links", version=1, kind="host_artifact", sniff=sniff, parse=parse, priority=92)
