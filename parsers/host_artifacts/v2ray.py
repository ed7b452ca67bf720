"""JSON proxy-client configs: V2Ray / Xray (``outbounds[].protocol``), sing-box
(``outbounds[].type``), shadowsocks-windows ``gui-config.json`` (``configs[]``) and
shadowsocks-libev ``config.json`` (``server`` / ``server_port``).

Sources: Project V / Xray configuration docs (``settings.vnext[].address/port/
users[].id``, ``settings.servers[].address/port/password``, ``streamSettings``
``network``/``security``/``tlsSettings.serverName``/``realitySettings``), sing-box
outbound docs (``type``, ``server``, ``server_port``, ``uuid``, ``password``,
``tls.server_name``, ``transport.type``, WireGuard ``peer_public_key``),
shadowsocks-windows / -libev config fields; ``shared/spec/remote-tunnel-signatures.md``
§C1–C2.  Fixtures: ``tests/fixtures/host_artifacts/v2ray/``.

Outbounds without a server (``freedom``, ``blackhole``, ``direct``, ``dns``...) are
skipped.  UUIDs, passwords and private keys are secrets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from forensics.model.core import Record
from forensics.model.remote import TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, read_text, to_port
from parsers.host_artifacts._proxy import transport_of

NAME = "v2ray"


def _kind(text: str) -> str | None:
    s = text.lstrip()
    if not s.startswith("{"):
        return None
    if re.search(r'"outbounds"\s*:', s):
        return "outbounds"
    if re.search(r'"configs"\s*:', s) and re.search(r'"server_port"\s*:', s):
        return "ss_gui"
    if re.search(r'"server"\s*:', s) and re.search(r'"server_port"\s*:', s) and re.search(r'"method"\s*:', s):
        return "ss_libev"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head_text(head)) is not None
    except Exception:
        return False


def _lst(x: Any) -> list:
    """``x`` if it is a JSON array, else an empty list (a hand-edited file may hold
    an object or a string where an array belongs)."""
    return x if isinstance(x, list) else []


def _d(x: Any) -> dict:
    return x if isinstance(x, dict) else {}


def _outbound(o: dict, bag: SecretBag) -> tuple[str, list[TunnelPeer]]:
    tag = str(o.get("tag") or o.get("protocol") or o.get("type") or "")
    peers = []
    if "protocol" in o:  # V2Ray / Xray
        proto = str(o["protocol"])
        st = _d(o.get("streamSettings"))
        net = st.get("network")
        pd = [("type", proto)] + [(k, str(st[k])) for k in ("network", "security") if st.get(k)]
        sni = _d(st.get("tlsSettings")).get("serverName") or _d(st.get("realitySettings")).get("serverName")
        if sni:
            pd.append(("sni", str(sni)))
        if _d(st.get("realitySettings")).get("publicKey"):
            pd.append(("reality_public_key", str(st["realitySettings"]["publicKey"])))
        settings = _d(o.get("settings"))
        for srv in _lst(settings.get("vnext")) + _lst(settings.get("servers")):
            srv = _d(srv)
            if not srv.get("address"):
                continue
            for u in _lst(srv.get("users")):
                if _d(u).get("id"):
                    bag.add(f"{tag}.id", str(u["id"]))
            if srv.get("password"):
                bag.add(f"{tag}.password", str(srv["password"]))
            peers.append(TunnelPeer(host=str(srv["address"]), port=to_port(srv.get("port")),
                                    transport=transport_of(proto, net), name=tag, detail=tuple(pd)))
        return "v2ray", peers
    if o.get("server"):  # sing-box
        typ = str(o.get("type", ""))
        pd = [("type", typ)]
        tls = _d(o.get("tls"))
        if tls.get("server_name"):
            pd.append(("sni", str(tls["server_name"])))
        if _d(o.get("transport")).get("type"):
            pd.append(("network", str(o["transport"]["type"])))
        for k in ("uuid", "password", "private_key", "pre_shared_key"):
            if o.get(k):
                bag.add(f"{tag}.{k}", str(o[k]))
        peers.append(TunnelPeer(host=str(o["server"]), port=to_port(o.get("server_port")),
                                transport=transport_of(typ, _d(o.get("transport")).get("type")),
                                public_key=o.get("peer_public_key"), name=tag, detail=tuple(pd)))
        return "singbox", peers
    return "", peers


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    kind = _kind(text)
    if kind is None:
        raise WrongFormat("not a V2Ray / sing-box / Shadowsocks JSON config")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        ctx.warn("proxy-json-invalid", f"JSON not valid: {e.msg}", line=e.lineno)
        return
    bag = SecretBag()
    peers: list[TunnelPeer] = []
    protocol = "shadowsocks"
    if kind == "outbounds":
        families = set()
        for o in _lst(data.get("outbounds")):
            fam, ps = _outbound(_d(o), bag)
            if fam:
                families.add(fam)
            peers += ps
        protocol = "singbox" if families == {"singbox"} else "v2ray"
    else:
        entries = data.get("configs") if kind == "ss_gui" else [data]
        for i, c in enumerate(_lst(entries)):
            c = _d(c)
            if not c.get("server"):
                continue
            name = str(c.get("remarks") or f"#{i + 1}")
            if c.get("password"):
                bag.add(f"{name}.password", str(c["password"]))
            pd = tuple((k, str(c[k])) for k in ("method", "plugin", "protocol", "obfs") if c.get(k))
            peers.append(TunnelPeer(host=str(c["server"]), port=to_port(c.get("server_port")),
                                    transport="tcp", name=name, detail=pd))
    yield TunnelConfig(prov=ctx.prov(line=1), protocol=protocol, peers=tuple(peers),
                       detail=(("format", kind),), **bag.fields())


PARSER = FileParser(name="v2ray", version=1, kind="host_artifact", sniff=sniff, parse=parse)
