"""Grandstream HandyTone ATAs (HT80x/HT81x) and GXW410x FXO gateways.

Formats (notes §4): P-value text (``Pnnn = value``, ``#`` comments; the "Download /
Upload Device Configuration" form), XML v1 (``<gs_provision version="1">`` +
``<config version="1">`` with ``<Pnnn>`` children) and XML v2 (``<config version="2">``
with ``<item name="account.1…">``).  XML v2 alias names are not mapped: the file is
recognised, its items are kept as raw keys (secrets listed) and a warning says so.

P-value meanings: fusionpbx provisioning templates ``grandstream/ht813``, ``ht802`` and
``gxw410x`` (GXW410x 1.3.4.x), as summarised in the notes — verified against those
templates.  Inferred: that the web "Download Device Configuration" output is exactly the
P-value text form; the model (HT813 vs other HT8xx) is read from header comments when
present, otherwise guessed from the P-values used (GXW per-port block P3030-P3157).
Value encodings differ per model (transport ``P130``: GXW 1=UDP 2=TCP, HT 0=UDP 1=TCP
2=TLS; NAT ``P52``); both tables are kept here.
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
    local,
    parse_xml,
    read_text,
    safe_sniff,
    to_int,
    truthy,
)

_PLINE = re.compile(r"^\s*(P\d+)\s*=\s?(.*?)\s*$")
_MODEL = re.compile(r"\b(HT8\d\d|HT50\d|GXW4\d\d\d|GXW42\d\d)\b", re.IGNORECASE)
# Notes §13: Grandstream P-values that hold secrets although their names do not say so.
SECRET_P = {"P2", "P196", "P34", "P734", "P1361", "P4505", "P4512", "P83"} | {
    f"P312{k}" for k in range(8)
}
_HT_TRANSPORT = {"0": "udp", "1": "tcp", "2": "tls"}
_GXW_TRANSPORT = {"1": "udp", "2": "tcp"}
_HT_NAT = {"0": "none", "1": "stun", "2": "keep-alive", "3": "upnp"}
_GXW_NAT = {"0": "yes", "1": "none", "2": "keep-alive"}


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head)
    if "<gs_provision" in text[:4096]:
        return True
    lines = [ln.strip() for ln in text.splitlines()[:400]]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if len(lines) < 3:
        return False
    hits = sum(1 for ln in lines if _PLINE.match(ln))
    return hits >= 3 and hits >= 0.8 * len(lines)


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    data = src.read_all()
    text, encoding = read_text(src, ctx)
    keys = Keys()
    model: str | None = None
    if "<gs_provision" in text[:4096]:
        doc = parse_xml(data, ctx)
        if doc is None:
            return
        encoding = doc.encoding
        cfg = next((c for c in doc.root.iter() if local(c.tag) == "config"), None)
        mac_el = next((c for c in doc.root.iter() if local(c.tag) == "mac"), None)
        version = cfg.get("version", "1") if cfg is not None else "1"
        fmt = f"grandstream-xml-v{version}"
        if cfg is None:
            ctx.warn("grandstream-no-config", "<gs_provision> without a <config> element")
            return
        if version == "2":
            _v2_items(cfg, doc, keys, ctx)
        else:
            for el in cfg:
                tag = local(el.tag)
                if re.fullmatch(r"P\d+", tag):
                    keys.put(tag, (el.text or "").strip(), doc.line(el), ctx)
                else:
                    ctx.warn("config-bad-line", f"unexpected element <{tag}> in <config>",
                             line=doc.line(el))
        mac = (mac_el.text or "").strip() if mac_el is not None else None
        m = _MODEL.search(text[:4096])
        model = m.group(1).upper() if m else None
    else:
        fmt = "grandstream-pvalue"
        mac = None
        for no, raw in enumerate(text.splitlines(), 1):
            s = raw.strip()
            if not s or s.startswith("#"):
                if s.startswith("#") and model is None and (m := _MODEL.search(s)):
                    model = m.group(1).upper()
                continue
            m = _PLINE.match(s)
            if not m:
                ctx.warn("config-bad-line", f"not a P-value line: {s[:60]!r}", line=no)
                continue
            keys.put(m.group(1), m.group(2), no, ctx)
    b = Builder(ctx, "Grandstream", fmt, encoding)
    b.mac = mac
    if fmt == "grandstream-xml-v2":
        ctx.warn("grandstream-xml-v2-unmapped", "Grandstream XML v2 (alias names) recognised; "
                 f"{len(keys.keys())} items kept raw, not mapped")
        b.sweep_secrets(keys)
        yield b.build(unmapped=keys.unmapped())
        return
    gxw = any(f"P306{k}" in keys for k in range(8)) or (model or "").startswith("GXW")
    b.model = model or ("GXW410x" if gxw else "HT8xx")
    for k in sorted(SECRET_P):
        b.secret(k, keys.get(k))
    if gxw:
        _gxw(keys, b)
    else:
        _ht(keys, b)
    _common_values(keys, b, gxw)
    b.sweep_secrets(keys)
    yield b.build(unmapped=keys.unmapped())


def _v2_items(cfg, doc, keys: Keys, ctx: ParseContext) -> None:  # type: ignore[no-untyped-def]
    for item in cfg.iter():
        if local(item.tag) != "item":
            continue
        name = item.get("name", "")
        parts = [p for p in item if local(p.tag) == "part"]
        if parts:
            for p in parts:
                keys.put(f"{name}.{p.get('name', '')}", (p.text or "").strip(), doc.line(p))
        else:
            keys.put(name, (item.text or "").strip(), doc.line(item), ctx)


def _ht(keys: Keys, b: Builder) -> None:
    """HT8xx: profile 1 (FXS) = P47…, profile 2 = P747… (the PSTN line on an HT813)."""
    profiles = (
        ("1", "P271", "P47", "P967", "P48", "P2333", "P130", "P35", "P36", "P34", "P3", "P31"),
        ("2", "P401", "P747", "P987", "P748", "P2433", "P830", "P735", "P736", "P734", "P703",
         None),
    )
    for n, act, srv, fail, obp, bobp, tr, user, auth, pw, disp, reg in profiles:
        transport = _HT_TRANSPORT.get(keys.get(tr) or "")
        active = truthy(keys.get(act))
        ref = b.server("registrar", keys.get(srv), srv, keys.line(srv), transport)
        b.server("proxy", keys.get(srv), srv, keys.line(srv), transport)
        b.server("backup_registrar", keys.get(fail), fail, keys.line(fail), transport)
        b.server("outbound_proxy", keys.get(obp), obp, keys.line(obp), transport)
        b.server("backup_outbound_proxy", keys.get(bobp), bobp, keys.line(bobp), transport)
        keys.get("P40" if n == "1" else "P740")
        username = keys.get(user)
        if username or keys.get(pw):
            pstn = n == "2" and (b.model or "").startswith("HT81")
            b.account(id=f"profile{n}", port=int(n), username=username, auth_id=keys.get(auth),
                      password=b.secret(pw, keys.get(pw)), display_name=keys.get(disp),
                      server_ref=ref, register=truthy(keys.get(reg)) if reg else active,
                      source_key=user, line=keys.line(user))
            b.port(index=int(n), kind="pstn" if pstn else "fxs", raw_index=f"profile{n}",
                   account_ref=f"profile{n}", line=keys.line(user))
    if plan := keys.get("P4200"):
        b.route("tel_to_ip", f"P4200 = {plan}", match_callee=plan, destination="profile1",
                line=keys.line("P4200"))
    nat = keys.get("P52")
    if nat is not None:
        b.nat["traversal"] = _HT_NAT.get(nat, nat)
    if (v := keys.get("P730")) is not None:
        b.nat.setdefault("traversal", _HT_NAT.get(v, v))


def _channels(value: str | None) -> dict[int, str]:
    """GXW channel-scoped value ``ch1-2:9001;ch3-4:9002;`` → {1: "9001", 2: "9001", …}."""
    out: dict[int, str] = {}
    for m in re.finditer(r"ch(\d+)(?:-(\d+))?:([^;]*)", value or ""):
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        for ch in range(lo, min(hi, 64) + 1):
            out[ch] = m.group(3).strip()
    return out


def _gxw(keys: Keys, b: Builder) -> None:
    """GXW410x: 3 server profiles, then one account block per FXO port (k = 0..7)."""
    prof_ref: dict[str, str | None] = {}
    for n, act, srv, obp, tr, name in (
        ("1", "P271", "P47", "P48", "P130", "P270"),
        ("2", "P401", "P402", "P403", "P448", "P417"),
        ("3", "P501", "P502", "P503", "P548", "P517"),
    ):
        if truthy(keys.get(act)) is False:
            continue
        transport = _GXW_TRANSPORT.get(keys.get(tr) or "")
        role = "registrar" if n == "1" else "backup_registrar"
        prof_ref[n] = b.server(role, keys.get(srv), srv, keys.line(srv), transport)
        b.server("outbound_proxy", keys.get(obp), obp, keys.line(obp), transport)
        keys.get(name)
    fwd = _channels(keys.get("P3607"))
    stage = _channels(keys.get("P3304"))
    for k in range(8):
        user_key = f"P306{k}"
        user, pw = keys.get(user_key), keys.get(f"P312{k}")
        chans = keys.get(f"P303{k}")
        if not (user or pw or chans):
            continue
        prof = {"3000": "1", "3001": "2", "3002": "3"}.get(keys.get(f"P315{k}") or "", "1")
        b.account(id=f"port{k + 1}", port=k + 1, username=user, auth_id=keys.get(f"P309{k}"),
                  password=b.secret(f"P312{k}", pw), server_ref=prof_ref.get(prof),
                  register=True, source_key=user_key, line=keys.line(user_key))
        first = to_int((chans or str(k + 1)).split("-")[0]) or k + 1
        b.port(index=k + 1, kind="fxo", raw_index=f"P303{k}={chans}",
               inbound_target=fwd.get(first), account_ref=f"port{k + 1}",
               line=keys.line(user_key))
    keys.get("P3306")
    keys.get("P3307")
    one_stage = sorted(ch for ch, v in stage.items() if v == "1")
    if one_stage:
        b.indicate("one-stage-dialing", "VoIP→PSTN one-stage dialling: the SIP request-URI "
                   f"is dialled straight onto the landline (channels {one_stage})",
                   key="P3304", line=keys.line("P3304"))
    plan = keys.get("P3331")
    hunt = keys.get("P3407")
    if one_stage or plan:
        b.route("ip_to_tel", f"P3331 = {plan or ''}; P3407 = {hunt or ''}",
                match_callee=plan, destination=f"fxo {hunt or 'channels'}",
                line=keys.line("P3331") or keys.line("P3304"))
    for k in ("P3303", "P3408", "P3600", "P3601"):
        keys.get(k)
    nat = keys.get("P52")
    if nat is not None:
        b.nat["traversal"] = _GXW_NAT.get(nat, nat)


def _common_values(keys: Keys, b: Builder, gxw: bool) -> None:
    """Management, NAT, syslog and admin values shared by the HT and GXW maps."""
    if (v := keys.get("P76")) is not None:
        b.nat["stun_server"] = v
    if (v := keys.get("P101")) is not None:
        b.nat["public_ip"] = v
    if acs := keys.get("P4503"):
        user = keys.get("P4504")
        cr = keys.get("P4511")
        detail = ", ".join(x for x in (f"acs user {user}" if user else "",
                                       f"connection-request user {cr}" if cr else "") if x)
        b.management("tr069", acs, truthy(keys.get("P1409")), detail or None,
                     keys.line("P4503"))
    method = {"0": "tftp", "1": "http", "2": "https"}.get(keys.get("P212") or "")
    if cfg := keys.get("P237"):
        user = keys.get("P1360")
        b.management("provisioning", cfg, True, ", ".join(
            x for x in (f"method {method}" if method else "", f"http user {user}" if user
                        else "") if x) or None, keys.line("P237"))
    if fw := keys.get("P192"):
        b.management("firmware", fw, True, f"method {method}" if method else None,
                     keys.line("P192"))
    for k in ("P145", "P194", "P193", "P30", "P64"):
        keys.get(k)
    # Static LAN address: P8 = address type (0 DHCP, 1 static, 2 PPPoE) and P9..P12 the
    # four octets, as Grandstream's HT/GXW configuration templates lay them out
    # (inferred from those templates, not from a firmware manual).
    if keys.get("P8") == "1":
        octets = [keys.get(f"P{n}") for n in (9, 10, 11, 12)]
        if all(o is not None and o.isdecimal() and int(o) < 256 for o in octets):
            b.lan_ip = ".".join(str(int(o)) for o in octets)  # type: ignore[arg-type]
    if (v := keys.get("P190")) is not None:
        acl = keys.get("P20701")
        port = keys.get("P901")
        b.management("web_wan", port or "web", {"0": False, "1": True}.get(v),
                     f"white list {acl}" if acl else None, keys.line("P190"))
    keys.get("P1650")
    if (v := keys.get("P276")) is not None:
        b.management("ssh", keys.get("P27006") or "22", v == "0", None, keys.line("P276"))
    if (v := keys.get("P28120")) is not None:
        b.management("telnet", keys.get("P28128") or "23", v == "0", None,
                     keys.line("P28120"))
    if sl := keys.get("P207"):
        lvl = keys.get("P208")
        b.management("syslog", sl, True, f"level {lvl}" if lvl else None, keys.line("P207"))
    if keys.get("P2"):
        b.management("admin", "admin", True, "web admin password set", keys.line("P2"))
    if keys.get("P196"):
        b.management("admin", "user", True, "web end-user password set", keys.line("P196"))


PARSER = FileParser(name="grandstream", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=20)
