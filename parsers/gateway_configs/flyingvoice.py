"""Flyingvoice (newer models) and other Yealink-style ``key = value`` cfg files.

Format (notes §10 c): first line ``#!version:1.0.0.1``; ``#`` comments; dotted keys
``account.<n>.user_name/auth_name/password/display_name/label``,
``account.<n>.sip_server.<k>.address/port/transport_type`` (0 UDP, 1 TCP, 2 TLS,
3 DNS-NAPTR), ``account.<n>.outbound_proxy.<k>.address/port``, ``static.*`` device-wide
keys (``managementserver`` = TR-069 ACS, ``auto_provision``, ``openvpn.url``,
``firmware.url``, ``security.user_password = user:password``).  Key names: fusionpbx
``flyingvoice/p10lte`` and ``y000000000000.cfg`` templates — verified as template keys;
medium confidence that gateway exports use the same form.  The vendor cannot be told
from the keys alone (Yealink phones share them), so ``vendor`` is "Flyingvoice/Yealink".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.gateway import GatewayConfig
from parsers.base import FileParser, ParseContext, Source
from parsers.gateway_configs._common import (
    Builder,
    Keys,
    head_text,
    read_text,
    safe_sniff,
    to_int,
    truthy,
)

_KV = re.compile(r"^([A-Za-z][\w.\-]*)\s*=\s*(.*?)\s*$")
_TRANSPORT = {"0": "udp", "1": "tcp", "2": "tls"}


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head)
    if not text.lstrip("\ufeff").startswith("#!version:"):
        return False
    return bool(re.search(r"(?m)^\s*(account\.\d+\.|static\.)[\w.]+\s*=", text))


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    text, encoding = read_text(src, ctx)
    keys = Keys()
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        m = _KV.match(s)
        if not m:
            ctx.warn("config-bad-line", f"not a key = value line: {s[:60]!r}", line=no)
            continue
        keys.put(m.group(1), m.group(2), no, ctx)
    b = Builder(ctx, "Flyingvoice/Yealink", "yealink-cfg", encoding)
    _accounts(keys, b)
    _static(keys, b)
    b.sweep_secrets(keys)
    yield b.build(unmapped=keys.unmapped())


def _accounts(keys: Keys, b: Builder) -> None:
    for n in sorted({int(m.group(1)) for k in keys.keys()
                     if (m := re.match(r"account\.(\d+)\.", k))}):
        p = f"account.{n}."
        ref = None
        servers = sorted({int(m.group(1)) for k in keys.keys()
                          if (m := re.match(rf"account\.{n}\.sip_server\.(\d+)\.", k))})
        for k in servers:
            sp = f"{p}sip_server.{k}."
            tr = _TRANSPORT.get(keys.get(sp + "transport_type") or "")
            r = b.server("registrar" if k == 1 else "backup_registrar",
                         keys.get(sp + "address"), sp + "address", keys.line(sp + "address"),
                         tr, port=to_int(keys.get(sp + "port")))
            ref = ref or r
            keys.get(sp + "expires")
        if truthy(keys.get(p + "outbound_proxy_enable")) is not False:
            for k in sorted({int(m.group(1)) for k in keys.keys()
                             if (m := re.match(rf"account\.{n}\.outbound_proxy\.(\d+)\.", k))}):
                op = f"{p}outbound_proxy.{k}."
                b.server("outbound_proxy" if k == 1 else "backup_outbound_proxy",
                         keys.get(op + "address"), op + "address", keys.line(op + "address"),
                         port=to_int(keys.get(op + "port")))
        user = keys.get(p + "user_name")
        if user or keys.get(p + "password"):
            b.account(id=f"account{n}", port=n, username=user, auth_id=keys.get(p + "auth_name"),
                      password=b.secret(p + "password", keys.get(p + "password")),
                      display_name=keys.get(p + "display_name"), server_ref=ref,
                      register=truthy(keys.get(p + "enable")), source_key=p.rstrip("."),
                      line=keys.line(p + "user_name"))
        keys.get(p + "label")
        if (v := keys.get(p + "nat.nat_traversal")) is not None:
            b.nat["traversal"] = {"0": "none", "1": "stun"}.get(v, v)


def _static(keys: Keys, b: Builder) -> None:
    s = "static."
    if url := keys.get(s + "managementserver.url"):
        user = keys.get(s + "managementserver.username")
        cr = keys.get(s + "managementserver.connection_request_username")
        detail = ", ".join(x for x in (f"acs user {user}" if user else "",
                                       f"connection-request user {cr}" if cr else "") if x)
        b.management("tr069", url, truthy(keys.get(s + "managementserver.enable")),
                     detail or None, keys.line(s + "managementserver.url"))
    if url := keys.get(s + "auto_provision.server.url"):
        user = keys.get(s + "auto_provision.server.username")
        every = keys.get(s + "auto_provision.repeat.minutes")
        b.management("provisioning", url, True, ", ".join(
            x for x in (f"user {user}" if user else "", f"every {every} min" if every else "")
            if x) or None, keys.line(s + "auto_provision.server.url"))
    keys.get(s + "auto_provision.repeat.enable")
    if url := keys.get(s + "firmware.url"):
        b.management("firmware", url, True, None, keys.line(s + "firmware.url"))
    vpn_on = truthy(keys.get(s + "network.vpn_enable"))
    if url := keys.get(s + "openvpn.url"):
        host = re.sub(r"^[a-z]+://", "", url).split("/")[0] or None
        b.vpn("openvpn", host, None, b.secret("", None), line=keys.line(s + "openvpn.url"))
        b.management("provisioning", url, vpn_on, "OpenVPN client configuration download",
                     keys.line(s + "openvpn.url"))
    if truthy(keys.get(s + "sip.nat_stun.enable")):
        b.nat["traversal"] = "stun"
    if v := keys.get(s + "sip.nat_stun.server"):
        port = keys.get(s + "sip.nat_stun.port")
        b.nat["stun_server"] = f"{v}:{port}" if port else v
    up = keys.get(s + "security.user_password")
    if up:
        user, _, pw = up.partition(":")
        b.secret(s + "security.user_password", pw or up)
        b.management("admin", user if pw else None, True, "web user password set",
                     keys.line(s + "security.user_password"))
    keys.get(s + "security.user_name.admin")
    if v := keys.get(s + "network.port.http"):
        b.management("web", v, True, None, keys.line(s + "network.port.http"))


PARSER = FileParser(name="flyingvoice", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=20)
