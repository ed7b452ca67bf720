"""FreeSWITCH mod_sofia gateways and XML dialplans (software gateway on a PC).

Format (notes §12): XML; a gateway is ``<gateway name="…">`` with
``<param name="…" value="…"/>`` children (``username``, ``auth-username``,
``password``, ``realm``, ``from-user``, ``proxy``, ``register-proxy``,
``outbound-proxy``, ``register``, ``register-transport`` …), inside ``<include>`` or a
profile's ``<gateways>``.  Dialplan: ``<extension>`` / ``<condition field=…
expression=…>`` / ``<action application="bridge" data="…">``.  Parameter names per
``signalwire/freeswitch`` ``conf/vanilla/sip_profiles/external/example.xml`` — verified.
Inferred: a ``bridge`` to ``freetdm/…`` or ``openzap/…`` is an IP→Tel route (the
dialplan file does not say which profile feeds the context); ``$${var}`` preprocessor
variables are left as written (``vars.xml`` is another file).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.gateway import GatewayConfig
from parsers.base import FileParser, ParseContext, Source
from parsers.gateway_configs._common import (
    Builder,
    head_text,
    local,
    parse_xml,
    read_text,
    safe_sniff,
    truthy,
)


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head)
    if re.search(r"<gateway\s+name=", text) and re.search(r"<param\s+name=", text):
        return True
    return bool(re.search(r"<extension\b", text) and re.search(
        r"<action\s+application=\"(bridge|transfer|set)\"", text) and re.search(
        r"<condition\b", text))


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    _, encoding = read_text(src, ctx)
    doc = parse_xml(src.read_all(), ctx)
    if doc is None:
        return
    gateways = [e for e in doc.root.iter() if local(e.tag) == "gateway"]
    fmt = "freeswitch-sofia-gateway" if gateways else "freeswitch-dialplan"
    b = Builder(ctx, "FreeSWITCH", fmt, doc.encoding or encoding)
    total = used = 0
    for gw in gateways:
        name = gw.get("name", "")
        params = {}
        lines = {}
        for p in gw.iter():
            if local(p.tag) == "param" and p.get("name"):
                params[p.get("name", "").lower()] = (p.get("value") or "").strip()
                lines[p.get("name", "").lower()] = doc.line(p)
                total += 1
        g = params.get
        tr = (g("register-transport") or "").lower() or None
        proxy = g("proxy") or g("realm")
        key = "proxy" if g("proxy") else "realm"
        ref = b.server("registrar", proxy, f"gateway {name} {key}", lines.get(key), tr)
        b.server("proxy", proxy, f"gateway {name} {key}", lines.get(key), tr)
        for k in ("register-proxy", "outbound-proxy"):
            b.server("outbound_proxy", g(k), f"gateway {name} {k}", lines.get(k), tr)
        user = g("username")
        b.account(id=f"gateway:{name}", port=None, username=user,
                  auth_id=g("auth-username"),
                  password=b.secret(f"gateway {name} password", g("password")),
                  display_name=None, server_ref=ref, register=truthy(g("register")),
                  source_key=f"gateway {name}", line=lines.get("username") or doc.line(gw))
        if ext := g("extension"):
            b.route("ip_to_ip", f"gateway {name}: inbound calls to extension {ext}",
                    match_callee=user, destination=f"extension {ext}",
                    line=lines.get("extension"))
        used += sum(1 for k in ("username", "auth-username", "password", "realm", "proxy",
                                "register-proxy", "outbound-proxy", "register",
                                "register-transport", "extension") if k in params)
        for var in gw.iter():
            if local(var.tag) == "variable" and "caller_id_number" in (var.get("name") or ""):
                b.indicate("fixed-caller-id", f"gateway {name} sets {var.get('name')} = "
                           f"{var.get('value')}", key=f"gateway {name}", line=doc.line(var))
    for ext in doc.root.iter():
        if local(ext.tag) != "extension":
            continue
        for cond in ext.iter():
            if local(cond.tag) != "condition":
                continue
            expr = cond.get("expression")
            for act in cond:
                if local(act.tag) != "action":
                    continue
                total += 1
                app, data = act.get("application", ""), act.get("data", "")
                if app == "bridge":
                    used += 1
                    tech = data.split("/")[0].lower()
                    direction = ("ip_to_tel" if tech in ("freetdm", "openzap") else
                                 "tel_to_ip" if tech == "sofia" else "unknown")
                    b.route(direction, f"extension {ext.get('name')}: "
                            f"{cond.get('field')} ~ {expr} -> bridge {data}",
                            match_callee=expr, destination=data, line=doc.line(act))
                elif app == "set" and "caller_id_number" in data:
                    used += 1
                    b.indicate("fixed-caller-id", f"extension {ext.get('name')} sets {data}",
                               key=f"extension {ext.get('name')}", line=doc.line(act))
    yield b.build(unmapped=max(total - used, 0))


PARSER = FileParser(name="freeswitch", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=30)
