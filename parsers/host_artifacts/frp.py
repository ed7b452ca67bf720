"""frp client configurations: legacy ``frpc.ini`` and v0.52+ ``frpc.toml`` /
``frpc.yaml`` / ``frpc.json``.

Source: fatedier/frp configuration reference (legacy ``[common]`` ``server_addr`` /
``server_port`` / ``token`` / ``protocol`` / ``tls_enable`` and proxy sections with
``type`` / ``local_ip`` / ``local_port`` / ``remote_port``; v1 ``serverAddr`` /
``serverPort`` / ``auth.token`` / ``transport.protocol`` and ``[[proxies]]`` with
``name`` / ``type`` / ``localIP`` / ``localPort`` / ``remotePort`` /
``customDomains``; ``serverPort`` default 7000), as summarised in
``shared/spec/remote-tunnel-signatures.md`` §B8.  Fixtures:
``tests/fixtures/host_artifacts/frp/``.

The frps server is the peer; each exposed proxy (which internal service was published
on which public port) goes into ``detail`` as ``proxy`` entries.  Tokens are secrets.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import yaml

from forensics.model.core import Record
from forensics.model.remote import TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, ini_sections, read_text, to_port

NAME = "frp"
DEFAULT_PORT = 7000  # frp server.go / client defaults: BindPort / ServerPort 7000
INI = re.compile(r"(?mi)^\s*\[common\]\s*$")
INI_ADDR = re.compile(r"(?mi)^\s*server_addr\s*=")
V1_ADDR = re.compile(r"""(?m)^\s*[{,]?\s*["']?serverAddr["']?\s*[=:]""")
V1_MORE = re.compile(r"""(?m)["']?(serverPort|proxies|visitors|auth|transport)["']?\s*[=:\[]|^\s*\[\[proxies\]\]|^\s*\[auth\]""")


def _kind(text: str) -> str | None:
    if INI.search(text) and INI_ADDR.search(text):
        return "ini"
    if V1_ADDR.search(text) and V1_MORE.search(text):
        s = text.lstrip()
        return "json" if s.startswith("{") else "toml" if re.search(r"(?m)^\s*serverAddr\s*=", text) else "yaml"
    return None


def sniff(head: bytes, name: str) -> bool:
    try:
        return _kind(head_text(head)) is not None
    except Exception:
        return False


def _get(d: dict, dotted: str) -> Any:
    """v1 keys may be nested tables (``auth: {token}``) or dotted TOML keys."""
    cur: Any = d
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return d.get(dotted) if isinstance(d, dict) else None
        cur = cur[part]
    return cur


def _v1(data: dict, ctx: ParseContext) -> tuple[dict, list[dict]]:
    common = {
        "addr": data.get("serverAddr"), "port": data.get("serverPort"), "user": data.get("user"),
        "token": _get(data, "auth.token"), "protocol": _get(data, "transport.protocol"),
        "tls": _get(data, "transport.tls.enable"),
    }
    proxies = []
    for p in data.get("proxies") or []:
        if isinstance(p, dict):
            proxies.append({"name": p.get("name"), "type": p.get("type"), "local_ip": p.get("localIP"),
                            "local_port": p.get("localPort"), "remote_port": p.get("remotePort"),
                            "domains": p.get("customDomains")})
    return common, proxies


def _ini(text: str) -> tuple[dict, list[dict]]:
    common: dict = {}
    proxies = []
    for section, _line, items in ini_sections(text):
        kv = {k.lower(): v for k, v, _ in items}
        if section.lower() == "common":
            common = {"addr": kv.get("server_addr"), "port": kv.get("server_port"), "user": kv.get("user"),
                      "token": kv.get("token"), "protocol": kv.get("protocol"), "tls": kv.get("tls_enable")}
        elif section and "type" in kv:
            proxies.append({"name": section, "type": kv.get("type"), "local_ip": kv.get("local_ip"),
                            "local_port": kv.get("local_port"), "remote_port": kv.get("remote_port"),
                            "domains": kv.get("custom_domains")})
    return common, proxies


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    kind = _kind(text)
    if kind is None:
        raise WrongFormat("no frp server address")
    if kind == "ini":
        common, proxies = _ini(text)
    else:
        try:
            data = {"toml": tomllib.loads, "json": json.loads, "yaml": yaml.safe_load}[kind](text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, yaml.YAMLError, ValueError) as e:
            at = re.search(r"line (\d+)", str(e))
            ctx.warn("frp-config-invalid", f"{kind} not valid: {str(e).splitlines()[0]}",
                     line=int(at.group(1)) if at else None)
            return
        if not isinstance(data, dict):
            ctx.warn("frp-config-invalid", f"{kind} top level is not a mapping")
            return
        common, proxies = _v1(data, ctx)
    bag = SecretBag()
    if common.get("token"):
        bag.add("token", str(common["token"]))
    detail: list[tuple[str, str]] = [("format", kind)]
    if common.get("tls") is not None:
        detail.append(("tls_enable", str(common["tls"]).lower()))
    for p in proxies:
        local = f"{p['local_ip'] or '127.0.0.1'}:{p['local_port']}" if p.get("local_port") else "-"
        remote = p.get("remote_port") or p.get("domains") or "-"
        detail.append(("proxy", f"{p['name']} {p['type']} {local} -> {remote}"))
    peers = ()
    if common.get("addr"):
        port = to_port(common.get("port")) if common.get("port") is not None else DEFAULT_PORT
        peers = (TunnelPeer(host=str(common["addr"]), port=port,
                            transport=str(common.get("protocol") or "tcp").lower()),)
    yield TunnelConfig(prov=ctx.prov(line=1), protocol=NAME, peers=peers,
                       user=str(common["user"]) if common.get("user") else None,
                       detail=tuple(detail), **bag.fields())


PARSER = FileParser(name="frp", version=1, kind="host_artifact", sniff=sniff, parse=parse)
