"""Clash / Clash.Meta (mihomo) / Clash Verge profiles (YAML): ``config.yaml``,
``profiles/*.yml`` and the profile list with subscription URLs.

Sources: Clash and mihomo configuration documentation (``proxies:`` entries with
``name``, ``type`` ∈ ss/vmess/vless/trojan/socks5/http/hysteria2/tuic/wireguard,
``server``, ``port``, ``uuid``/``password``/``cipher``, ``sni``/``servername``,
``network``, ``ws-opts``; ``proxy-providers:`` with ``url``), as summarised in
``shared/spec/remote-tunnel-signatures.md`` §C2.  Fixtures:
``tests/fixtures/host_artifacts/clash/``.

Every proxy is a peer (its type, network and TLS server name in the peer's
``detail``); UUIDs and passwords are secrets.  Subscription URLs (which identify the
"airport" provider) go into ``detail``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from forensics.model.core import Record
from forensics.model.remote import TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, read_text, to_port
from parsers.host_artifacts._proxy import SECRET_FIELDS, transport_of

NAME = "clash"
TOP = re.compile(r"(?m)^(proxies|proxy-providers|proxy-groups):\s*$")


def sniff(head: bytes, name: str) -> bool:
    try:
        text = head_text(head)
        if not TOP.search(text) or re.search(r"(?m)^\s*serverAddr\s*:", text):  # frp v1 YAML
            return False
        return bool(re.search(r"(?<![\w-])(server|url)\s*:", text))
    except Exception:
        return False


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    if not TOP.search(text):
        raise WrongFormat("no proxies / proxy-providers section")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        ctx.warn("clash-yaml-invalid", f"YAML not valid: {getattr(e, 'problem', e)}",
                 line=mark.line + 1 if mark else None)
        return
    if not isinstance(data, dict):
        ctx.warn("clash-yaml-invalid", "top level is not a mapping")
        return
    bag = SecretBag()
    peers: list[TunnelPeer] = []
    proxies = data.get("proxies") or []
    if not isinstance(proxies, list):
        ctx.warn("clash-yaml-invalid", f"'proxies' is a {type(proxies).__name__}, not a list")
        proxies = []
    for i, p in enumerate(proxies):
        if not isinstance(p, dict) or not p.get("server"):
            ctx.warn("clash-proxy-incomplete", f"proxy #{i + 1} has no server")
            continue
        ptype = str(p.get("type", ""))
        name = str(p.get("name", f"#{i + 1}"))
        pd = [("type", ptype)]
        for k in ("network", "sni", "servername", "cipher", "tls"):
            if p.get(k) not in (None, ""):
                pd.append((k, str(p[k]).lower() if isinstance(p[k], bool) else str(p[k])))
        ws = p.get("ws-opts") if isinstance(p.get("ws-opts"), dict) else {}
        if ws.get("path"):
            pd.append(("ws_path", str(ws["path"])))
        host = (ws.get("headers") or {}).get("Host") if isinstance(ws.get("headers"), dict) else None
        if host:
            pd.append(("ws_host", str(host)))
        for k in SECRET_FIELDS:
            if p.get(k):
                bag.add(f"{name}.{k}", str(p[k]))
        peers.append(TunnelPeer(host=str(p["server"]), port=to_port(p.get("port")),
                                transport=transport_of(ptype, p.get("network")), name=name,
                                detail=tuple(pd)))
    detail = []
    providers = data.get("proxy-providers") if isinstance(data.get("proxy-providers"), dict) else {}
    for pname, prov in providers.items():
        if isinstance(prov, dict) and prov.get("url"):
            detail.append(("subscription", f"{pname} {prov['url']}"))
    if not peers and not detail:
        return
    yield TunnelConfig(prov=ctx.prov(line=1), protocol=NAME, peers=tuple(peers),
                       detail=tuple(detail), **bag.fields())


PARSER = FileParser(name="clash", version=1, kind="host_artifact", sniff=sniff, parse=parse)
