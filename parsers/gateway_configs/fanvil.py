"""Fanvil / ATCOM / OEM "VOIP CONFIG FILE" (legacy text and Fanvil XML).

Formats (notes §10 a, b): legacy text starting ``<<VOIP CONFIG FILE>>Version:2.000x``,
sections ``<… CONFIG MODULE>``, lines ``Label`` padded to 19 characters, ``:``, value,
ending ``<<END OF FILE>>``; Fanvil XML ``<VOIP_CONFIG_FILE>`` with the same module names
written with ``_``.  Labels: fusionpbx ``atcom/ag198``, ``swissvoice/cp2502`` and
``fanvil/x4`` templates — verified as template labels.  Medium confidence that gateway
exports of these OEMs use the same format.  Inferred: the numeric codes of
``SIP<n> Transport`` (0 UDP, 1 TCP, 2 TLS) and ``VPN mode``; XML element names are
mapped by turning ``_`` into spaces and reusing the text labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.core import Secret
from forensics.model.gateway import GatewayConfig, MediaCrypto
from parsers.base import FileParser, ParseContext, Source
from parsers.gateway_configs._common import (
    Builder,
    Keys,
    head_text,
    local,
    parse_xml,
    read_text,
    safe_sniff,
    to_int,
    truthy,
)

_SECRET_LABEL = re.compile(r"(?i)(\bpwd|\bpass|\bpassword|\bkey)$")


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head).lstrip()
    return text.startswith("<<VOIP CONFIG FILE>>") or bool(
        re.match(r"(<\?xml[^>]*>\s*)?<VOIP_CONFIG_FILE>", text))


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    text, encoding = read_text(src, ctx)
    keys = Keys()
    if text.lstrip().startswith("<<VOIP CONFIG FILE>>"):
        fmt = "fanvil-voip-config-text"
        section = ""
        ended = False
        for no, raw in enumerate(text.splitlines(), 1):
            s = raw.rstrip()
            if not s.strip() or no == 1 and s.startswith("<<VOIP"):
                continue
            if s.startswith("<<END OF FILE>>"):
                ended = True
                break
            if m := re.fullmatch(r"<([^<>]+)>", s.strip()):
                section = m.group(1).strip()
                continue
            if ":" not in s:
                ctx.warn("config-bad-line", f"not a 'Label :value' line: {s[:60]!r}", line=no)
                continue
            label, value = s.split(":", 1)
            label = label.strip()
            if label.startswith("--"):
                continue
            keys.put(f"{section}/{label}", value.strip(), no, ctx)
        if not ended:
            ctx.warn("config-truncated", "no <<END OF FILE>> line: the dump may be cut")
    else:
        fmt = "fanvil-xml"
        doc = parse_xml(src.read_all(), ctx)
        if doc is None:
            return
        encoding = doc.encoding
        for module in doc.root:
            for el in module.iter():
                if len(el) == 0 and el is not module:
                    label = local(el.tag).replace("_", " ")
                    keys.put(f"{local(module.tag).replace('_', ' ')}/{label}",
                             (el.text or "").strip(), doc.line(el))
    b = Builder(ctx, "Fanvil/ATCOM", fmt, encoding)
    _map(keys, b)
    for k in keys.keys():
        if _SECRET_LABEL.search(k):
            b.secret(k, keys.get(k))
    yield b.build(unmapped=keys.unmapped())


def _map(keys: Keys, b: Builder) -> None:
    G, SIP, TELE = "GLOBAL CONFIG MODULE/", "SIP CONFIG MODULE/", "TELE CONFIG MODULE/"
    b.lan_ip = keys.get(G + "Static IP")
    b.hostname = keys.get(G + "Host Name")
    if v := keys.get(SIP + "Stun Address"):
        port = keys.get(SIP + "Stun Port")
        b.nat["stun_server"] = f"{v}:{port}" if port else v
        b.nat["traversal"] = "stun"
    if v := keys.get(SIP + "Extern Address"):
        b.nat["public_ip"] = v
    lines = sorted({int(m.group(1)) for k in keys.keys()
                    if (m := re.match(r"SIP CONFIG MODULE/SIP(\d+) ", k))})
    sig = med = None
    key = Secret.of(None)
    for n in lines:
        p = f"{SIP}SIP{n} "
        g = lambda k: keys.get(p + k)
        tr = {"0": "udp", "1": "tcp", "2": "tls"}.get(g("Transport") or "")
        ref = b.server("registrar", g("Register Addr"), p + "Register Addr",
                       keys.line(p + "Register Addr"), tr, port=to_int(g("Register Port")))
        b.server("outbound_proxy", g("Proxy Addr"), p + "Proxy Addr",
                 keys.line(p + "Proxy Addr"), tr, port=to_int(g("Proxy Port")))
        user = g("Register User") or g("Phone Number")
        if user:
            b.account(id=f"sip{n}", port=n, username=user, auth_id=g("Proxy User"),
                      password=b.secret(p + "Register Pwd", g("Register Pwd")),
                      display_name=g("Display Name"), server_ref=ref,
                      register=truthy(g("Enable Reg")), line_number=g("Phone Number"),
                      source_key=p.strip(), line=keys.line(p + "Register User"))
        b.secret(p + "Proxy Pwd", g("Proxy Pwd"))
        if truthy(g("Signal Enc")):
            sig = g("Signal Enc")
            key = b.secret(p + "Signal Key", g("Signal Key"))
        if truthy(g("Media Enc")):
            med = g("Media Enc")
            b.secret(p + "Media Key", g("Media Key"))
        for k in ("Register TTL", "Local Domain", "Use Stun"):
            g(k)
    if sig or med:
        b.media_crypto = MediaCrypto(signalling=f"enc {sig}" if sig else None,
                                     rtp=f"enc {med}" if med else None, key=key)
    ports = sorted({int(m.group(1)) for k in keys.keys()
                    if (m := re.match(r"TELE CONFIG MODULE/P(\d+) ", k))})
    for n in ports:
        p = f"{TELE}P{n} "
        nodial = keys.get(p + "No Dial Out")
        b.port(index=n, kind="unknown", raw_index=f"P{n}",
               line_number=keys.get(p + "Extention No."),
               inbound_target=keys.get(p + "Hotline Num"),
               out_enabled=None if nodial is None else nodial != "1",
               account_ref=f"sip{n}" if any(a.id == f"sip{n}" for a in b.accounts) else None,
               line=keys.line(p + "Extention No."))
        if truthy(keys.get(p + "Auto PSTN")):
            b.indicate("pstn-out-enabled", f"port P{n} forwards calls to the PSTN "
                       "automatically (Auto PSTN)", key=p + "Auto PSTN",
                       line=keys.line(p + "Auto PSTN"))
    items = sorted({int(m.group(1)) for k in keys.keys()
                    if (m := re.match(r"TELE CONFIG MODULE/Item(\d+) address", k))})
    for n in items:
        p = f"{TELE}Item{n} "
        addr, num = keys.get(p + "address"), keys.get(p + "Number")
        dest = b.server("trunk_peer", addr, p + "address", keys.line(p + "address"),
                        port=to_int(keys.get(p + "port")))
        b.route("tel_to_ip", f"dial peer Item{n}: {num or ''} -> {dest or ''}",
                match_callee=num, destination=dest, line=keys.line(p + "Number"))
    _services(keys, b)


def _services(keys: Keys, b: Builder) -> None:
    MMI, AAA = "MMI CONFIG MODULE/", "AAA CONFIG MODULE/"
    AU, VPN = "AUTOUPDATE CONFIG MODULE/", "VPN CONFIG MODULE/"
    if v := keys.get(MMI + "Telnet Port"):
        b.management("telnet", v, None, None, keys.line(MMI + "Telnet Port"))
    if v := keys.get(MMI + "Web Port"):
        b.management("web", v, True, None, keys.line(MMI + "Web Port"))
    if (v := truthy(keys.get(MMI + "Remote Control"))) is not None:
        b.management("web_wan", keys.get(MMI + "Web Port") or "web", v, "Remote Control",
                     keys.line(MMI + "Remote Control"))
    for k in keys.keys():
        if m := re.fullmatch(r"MMI CONFIG MODULE/Account(\d+) Name", k):
            b.management("admin", keys.get(k), True, f"account {m.group(1)}", keys.line(k))
    if v := keys.get(AAA + "Syslog address"):
        port = keys.get(AAA + "Syslog port")
        b.management("syslog", f"{v}:{port}" if port else v,
                     truthy(keys.get(AAA + "Enable Syslog")), None,
                     keys.line(AAA + "Syslog address"))
    if srv := keys.get(AU + "Download Server IP"):
        name = keys.get(AU + "Config File Name")
        user = keys.get(AU + "Download Username")
        proto = keys.get(AU + "Download Protocol")
        b.management("provisioning", f"{srv}/{name}" if name else srv,
                     truthy(keys.get(AU + "Download Mode")),
                     ", ".join(x for x in (f"user {user}" if user else "",
                                           f"protocol {proto}" if proto else "") if x) or None,
                     keys.line(AU + "Download Server IP"))
    if login := keys.get("PPPoE CONFIG MODULE/Pppoe User"):
        b.indicate("pppoe-account", f"PPPoE broadband login {login!r} (identifies the "
                   "subscriber line)", key="PPPoE CONFIG MODULE/Pppoe User",
                   line=keys.line("PPPoE CONFIG MODULE/Pppoe User"))
    enabled = truthy(keys.get(VPN + "Enable VPN Tunnel"))
    keys.get(VPN + "VPN mode")
    if enabled is not False:
        for typ, pre in (("l2tp", "L2TP"), ("pptp", "PPTP")):
            if srv := keys.get(f"{VPN}{pre} LNS IP"):
                b.vpn(typ, srv, keys.get(f"{VPN}{pre} User Name"),
                      b.secret(f"{VPN}{pre} Password", keys.get(f"{VPN}{pre} Password")),
                      line=keys.line(f"{VPN}{pre} LNS IP"))


PARSER = FileParser(name="fanvil", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=20)
