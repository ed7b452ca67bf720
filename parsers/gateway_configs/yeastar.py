"""Yeastar NeoGate TA series (TA100…TA3200 FXS, TA410/TA810… FXO) provisioning XML.

Format (notes §5): ``cfg<mac>.xml`` without XML declaration; root ``<ta>`` with
``<system>`` (lansettings, autopsettings, administratorsettings, dateandtime) and
``<gateway>`` (fxsport / fxoport, voiptrunktemplate, dialpatterntemplate).  Repeating
sections: ``<fxsport itemcount="N"><fxsport0><idx>1</idx>…`` (0-based element suffix,
1-based ``idx``).  Tag names: fusionpbx ``yeastar/ta400`` template — verified for the
FXS models.  Inferred: the ``<fxoport>`` block of FXO models (mapped by analogy, with a
``yeastar-fxo-inferred`` warning) and the web-backup format (not handled here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from forensics.model.gateway import GatewayConfig
from parsers.base import FileParser, ParseContext, Source
from parsers.gateway_configs._common import (
    Builder,
    Keys,
    XmlDoc,
    head_text,
    local,
    parse_xml,
    read_text,
    safe_sniff,
    to_int,
    truthy,
)


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head)
    if not re.search(r"<ta>\s*<(system|gateway)>", text[:8192]):
        return False
    return bool(re.search(r"itemcount=|<voiptrunktemplate|<lansettings>", text))


def _items(parent: Element | None, name: str) -> list[Element]:
    if parent is None:
        return []
    sec = next((c for c in parent if local(c.tag) == name), None)
    if sec is None:
        return []
    return [c for c in sec if re.fullmatch(rf"{name}\d+", local(c.tag))]


def _flatten(el: Element, path: str, doc: XmlDoc, keys: Keys) -> None:
    kids = list(el)
    if not kids:
        keys.put(path, (el.text or "").strip(), doc.line(el))
        return
    for c in kids:
        _flatten(c, f"{path}/{local(c.tag)}", doc, keys)


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    _, encoding = read_text(src, ctx)
    doc = parse_xml(src.read_all(), ctx)
    if doc is None:
        return
    root = doc.root
    keys = Keys()
    _flatten(root, "ta", doc, keys)
    b = Builder(ctx, "Yeastar", "yeastar-ta-xml", doc.encoding if doc.encoding else encoding)
    system = next((c for c in root if local(c.tag) == "system"), None)
    gateway = next((c for c in root if local(c.tag) == "gateway"), None)
    b.hostname = keys.get("ta/system/lansettings/hostname")
    b.lan_ip = keys.get("ta/system/lansettings/ipaddress")
    if b.hostname and re.fullmatch(r"TA\d{3,4}", b.hostname):
        b.model = b.hostname
    ap = "ta/system/autopsettings/"
    if url := keys.get(ap + "serverurl"):
        user = keys.get(ap + "urlusername")
        b.secret(ap + "urlpassword", keys.get(ap + "urlpassword"))
        every = keys.get(ap + "autoupintertime")
        b.management("provisioning", url, truthy(keys.get(ap + "enablepnp")) or truthy(
            keys.get(ap + "autoupflag")), ", ".join(x for x in (
                f"url user {user}" if user else "", f"every {every} min" if every else "")
                if x) or None, keys.line(ap + "serverurl"))
    b.secret(ap + "key", keys.get(ap + "key"))
    for i, adm in enumerate(_items(system, "administratorsettings")):
        p = f"ta/system/administratorsettings/administratorsettings{i}/"
        b.secret(p + "password", keys.get(p + "password"))
        b.management("admin", keys.get(p + "name"), truthy(keys.get(p + "enable")), None,
                     keys.line(p + "name"))
    trunks = _trunks(gateway, keys, b)
    plans: dict[str, str] = {}
    for i, _ in enumerate(_items(gateway, "dialpatterntemplate")):
        p = f"ta/gateway/dialpatterntemplate/dialpatterntemplate{i}/"
        plans[keys.get(p + "idx") or str(i + 1)] = keys.get(p + "dialpatterns") or ""
        keys.get(p + "templatename")
    for kind in ("fxs", "fxo"):
        items = _items(gateway, f"{kind}port")
        if kind == "fxo" and items:
            ctx.warn("yeastar-fxo-inferred", "<fxoport> element names are mapped by analogy "
                     "with <fxsport>; not verified against a vendor document",
                     line=doc.line(items[0]))
        for i, _ in enumerate(items):
            _port(kind, i, keys, b, trunks, plans)
    for k in keys.keys():
        if re.search(r"/(password|registerauthpassword|authpassword|urlpassword|key)$", k):
            b.secret(k, keys.get(k))
    yield b.build(unmapped=keys.unmapped())


def _trunks(gateway: Element | None, keys: Keys, b: Builder) -> dict[str, str | None]:
    refs: dict[str, str | None] = {}
    for i, _ in enumerate(_items(gateway, "voiptrunktemplate")):
        p = f"ta/gateway/voiptrunktemplate/voiptrunktemplate{i}/"
        g = lambda k: keys.get(p + k)
        tr = (g("transport") or "").lower() or None
        ref = b.server("registrar", g("host"), p + "host", keys.line(p + "host"), tr,
                       port=to_int(g("port")))
        b.server("domain", g("domain"), p + "domain", keys.line(p + "domain"), tr)
        if truthy(g("enableproxyserver")) is not False:
            b.server("outbound_proxy", g("proxyserver_host"), p + "proxyserver_host",
                     keys.line(p + "proxyserver_host"), tr, port=to_int(g("proxyserver_port")))
        b.server("backup_registrar", g("failoverhost"), p + "failoverhost",
                 keys.line(p + "failoverhost"), tr, port=to_int(g("failoverport")))
        b.server("backup_outbound_proxy", g("failoverproxyserver_host"),
                 p + "failoverproxyserver_host", keys.line(p + "failoverproxyserver_host"), tr,
                 port=to_int(g("failoverproxyserver_port")))
        idx = g("idx") or str(i + 1)
        refs[idx] = ref
        mode = g("enableregister")
        if user := g("registerusername"):
            b.account(id=f"trunk{idx}", port=None, username=user, auth_id=g("authname"),
                      password=b.secret(p + "authpassword", g("authpassword")),
                      server_ref=ref, register=mode not in (None, "no"),
                      display_name=g("templatename"), source_key=p, line=keys.line(
                          p + "registerusername"))
        for k in ("type", "templatename", "callerid", "dtmfmode"):
            g(k)
    return refs


def _port(kind: str, i: int, keys: Keys, b: Builder, trunks: dict[str, str | None],
          plans: dict[str, str]) -> None:
    p = f"ta/gateway/{kind}port/{kind}port{i}/"
    g = lambda k: keys.get(p + k)
    idx = to_int(g("idx")) or i + 1
    user = g("registerusername")
    acc = f"{kind}{idx}"
    if user or g("registerauthpassword"):
        b.account(id=acc, port=idx, username=user, auth_id=g("registerauthname"),
                  password=b.secret(p + "registerauthpassword", g("registerauthpassword")),
                  display_name=g("name"), server_ref=trunks.get(g("voiptemplate") or "1"),
                  register=True, line_number=g("number") or g("didnumber"), source_key=p,
                  line=keys.line(p + "registerusername"))
    hot = g("hotlinenum") if truthy(g("enablehotline")) else None
    target = hot or g("forwarddest") or g("destination")
    b.port(index=idx, kind=kind, raw_index=f"{kind}port{i}",
           line_number=g("number") or g("didnumber"), inbound_target=target,
           account_ref=acc if user else None, line=keys.line(p + "idx"))
    if kind == "fxo" and target:
        b.route("tel_to_ip", f"{kind}port{i}/destination = {target}", destination=target,
                match_caller=f"fxo port {idx}", line=keys.line(p + "destination"))
    if (dp := g("dialpatternidx")) and plans.get(dp):
        if not any(r.raw.startswith(f"dialpatterntemplate {dp}:") for r in b.routes):
            b.route("tel_to_ip", f"dialpatterntemplate {dp}: {plans[dp]}",
                    match_callee=plans[dp], destination=trunks.get(g("voiptemplate") or "1"),
                    line=keys.line(p + "dialpatternidx"))
    for k in ("voiptemplate", "failovervoiptemplate", "cidsignalling", "cidmode", "cidtype",
              "alwaysforward", "registerfromuser"):
        g(k)


PARSER = FileParser(name="yeastar", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=20)
