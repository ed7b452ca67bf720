"""ZeroTier One node files: ``identity.public`` / ``identity.secret`` and ``local.conf``.

Sources: ZeroTierOne ``node/Identity.cpp`` text form ``<10-hex address>:0:<public
hex>[:<private hex>]`` (type 0 = Curve25519/Ed25519, 64-byte public and private parts),
``service/README.md`` for ``local.conf`` (JSON: ``physical``, ``virtual`` → per-node
``try: ["IP/port"]`` and ``role``, ``settings``), and
``shared/spec/remote-tunnel-signatures.md`` §B11 (paths under
``C:\\ProgramData\\ZeroTier\\One\\`` and ``/var/lib/zerotier-one/``).  Fixtures:
``tests/fixtures/host_artifacts/zerotier/``.

Not read: ``networks.d/*.conf``, ``peers.d/*.peer``, ``planet`` and ``moons.d``
(binary or undocumented serialisations).  The node address (10 hex digits) is
reported as ``local_public_key`` so it can be matched with the cleartext addresses of
captured ZeroTier packets; the private half of ``identity.secret`` is a secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from forensics.model.core import Record
from forensics.model.remote import TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, read_text, to_port

NAME = "zerotier"
IDENTITY = re.compile(r"^(?P<addr>[0-9a-f]{10}):0:(?P<pub>[0-9a-f]{128})(?::(?P<priv>[0-9a-f]{128}))?\s*$")


def _kind(text: str) -> str | None:
    s = text.strip()
    if IDENTITY.match(s):
        return "identity"
    if s.startswith("{") and re.search(r'"(physical|virtual)"\s*:', s) and re.search(r'"settings"\s*:', s):
        return "local_conf"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head_text(head)) is not None
    except Exception:
        return False


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    kind = _kind(text)
    if kind == "identity":
        m = IDENTITY.match(text.strip())
        assert m
        bag = SecretBag()
        if m.group("priv"):
            bag.add("identity_private", m.group("priv"))
        yield TunnelConfig(prov=ctx.prov(line=1), protocol=NAME, local_public_key=m.group("addr"),
                           detail=(("node_address", m.group("addr")), ("identity_public", m.group("pub"))),
                           **bag.fields())
        return
    if kind != "local_conf":
        raise WrongFormat("not a ZeroTier identity or local.conf")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        ctx.warn("zerotier-local-conf-invalid", f"JSON not valid: {e.msg}", line=e.lineno)
        return
    peers = []
    virtual = data.get("virtual") if isinstance(data.get("virtual"), dict) else {}
    for addr, v in virtual.items():
        if not isinstance(v, dict):
            continue
        for t in v.get("try") or []:
            ip, _, port = str(t).partition("/")
            peers.append(TunnelPeer(host=ip, port=to_port(port), transport="udp", name=addr,
                                    detail=(("role", str(v.get("role", ""))),)))
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    detail = tuple((f"settings.{k}", json.dumps(settings[k], sort_keys=True)) for k in sorted(settings))
    yield TunnelConfig(prov=ctx.prov(line=1), protocol=NAME, peers=tuple(peers), detail=detail,
                       confidence="medium")


PARSER = FileParser(name="zerotier", version=1, kind="host_artifact", sniff=sniff, parse=parse)
