"""Asterisk as a software gateway: sip.conf, pjsip.conf, extensions.conf, chan_dahdi.conf.

Formats (notes §11): INI-like ``[section]`` files with ``key=value`` and ``key => value``
lines, ``;`` comments, templates ``[name](!)`` and inheritance ``[child](template)``.
Syntax per ``asterisk/asterisk`` ``configs/samples/sip.conf.sample`` and
``pjsip.conf.sample`` — verified.  Which file it is, is decided from the content:
``register =>`` / ``type=peer|friend|user`` (chan_sip), ``type=registration|auth|aor|
endpoint|identify|transport`` (res_pjsip), ``exten =>`` (dialplan), ``channel =>`` with
``signalling=`` (chan_dahdi).

Inferred, and said so in the output: in a dialplan a ``Dial(DAHDI/…)`` is taken as an
IP→Tel route and ``Dial(SIP|PJSIP|IAX2/…)`` as Tel→IP, because one file does not say
which channel a context is entered from; in chan_dahdi an FXO port uses FXS signalling
(``fxs_ks``/``fxs_ls``), so those channels are reported as ``fxo`` ports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.gateway import GatewayConfig
from parsers.base import FileParser, ParseContext, Source
from parsers.gateway_configs._common import (
    Builder,
    head_text,
    read_text,
    safe_sniff,
    split_hostport,
    to_int,
)

_SECTION = re.compile(r"^\[([^\]]+)\](?:\(([^)]*)\))?\s*(?:;.*)?$")
_KV = re.compile(r"^([A-Za-z_][\w\-]*)\s*(=>|=)\s*(.*?)\s*$")
_PJSIP_TYPES = "transport|registration|auth|aor|endpoint|identify"


def _kind(text: str) -> str | None:
    if re.search(rf"(?m)^\s*type\s*=\s*({_PJSIP_TYPES})\s*$", text) and re.search(
            r"(?m)^\s*type\s*=\s*(registration|auth|endpoint|aor)\s*$", text):
        return "pjsip.conf"
    if re.search(r"(?m)^\s*register\s*=>", text) or re.search(
            r"(?m)^\s*type\s*=\s*(peer|friend|user)\s*$", text):
        return "sip.conf"
    if re.search(r"(?m)^\s*exten\s*=>\s*\S+,\s*(\d+|n|s)\s*,", text):
        return "extensions.conf"
    if re.search(r"(?m)^\s*channel\s*=>\s*\d", text) and re.search(
            r"(?m)^\s*signalling\s*=\s*(fx[so]_(ks|ls|gs)|pri_|em)", text):
        return "chan_dahdi.conf"
    return None


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head)
    return bool(re.search(r"(?m)^\[[^\]]+\]", text)) and _kind(text) is not None


Section = tuple[str, str, list[tuple[str, str, int]]]  # name, options, [(key, value, line)]


def _sections(text: str, ctx: ParseContext) -> list[Section]:
    out: list[Section] = []
    cur: Section = ("", "", [])
    for no, raw in enumerate(text.splitlines(), 1):
        s = re.sub(r"(?<!\\);.*$", "", raw).strip()
        if not s:
            continue
        if m := _SECTION.match(s):
            cur = (m.group(1).strip(), (m.group(2) or "").strip(), [])
            out.append(cur)
            continue
        if m := _KV.match(s):
            cur[2].append((m.group(1).lower(), m.group(3).replace("\\;", ";"), no))
        else:
            ctx.warn("config-bad-line", f"not a key=value line: {s[:60]!r}", line=no)
    return out


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    text, encoding = read_text(src, ctx)
    kind = _kind(text)
    if kind is None:
        return
    b = Builder(ctx, "Asterisk", f"asterisk-{kind}", encoding)
    secs = _sections(text, ctx)
    total = sum(len(s[2]) for s in secs)
    used = {"sip.conf": _sip, "pjsip.conf": _pjsip, "extensions.conf": _dialplan,
            "chan_dahdi.conf": _dahdi}[kind](secs, b, ctx)
    yield b.build(unmapped=max(total - used, 0))


def _register(value: str, line: int, n: int, b: Builder) -> None:
    """``[transport://]user[@domain][:secret[:authuser]]@host[:port][/ext][~expiry]``."""
    v = value.strip()
    transport = None
    if m := re.match(r"(?i)^(udp|tcp|tls)://", v):
        transport, v = m.group(1).lower(), v[m.end():]
    if "@" not in v:
        b.ctx.warn("asterisk-bad-register", "register => line without '@host'", line=line)
        return
    left, right = v.rsplit("@", 1)
    host = re.split(r"[/~]", right)[0]
    ext = re.search(r"/([^~]*)", right)
    parts = left.split(":")
    user = parts[0].split("@")[0]
    secret = parts[1] if len(parts) > 1 else None
    auth = parts[2] if len(parts) > 2 else None
    ref = b.server("registrar", host, "register =>", line, transport)
    b.account(id=f"register{n}", port=None, username=user, auth_id=auth,
              password=b.secret(f"register[{n}].secret", secret), server_ref=ref,
              register=True, source_key="register =>", line=line,
              line_number=None)
    if ext:
        b.route("ip_to_ip", f"register {user}@{host} -> extension {ext.group(1)}",
                match_callee=user, destination=f"extension {ext.group(1)}", line=line)


def _resolve(secs: list[Section]) -> dict[str, tuple[dict[str, tuple[str, int]], bool]]:
    """Section name → merged options (templates applied), and whether it is a template."""
    raw = {name: (opts, items) for name, opts, items in secs}
    out: dict[str, tuple[dict[str, tuple[str, int]], bool]] = {}
    for name, opts, items in secs:
        merged: dict[str, tuple[str, int]] = {}
        for parent in [p.strip() for p in opts.split(",") if p.strip() and p.strip() != "!"]:
            for k, v, ln in raw.get(parent, ("", []))[1]:
                merged.setdefault(k, (v, ln))
        for k, v, ln in items:
            merged[k] = (v, ln)
        out[name] = (merged, "!" in opts)
    return out


def _sip(secs: list[Section], b: Builder, ctx: ParseContext) -> int:
    used = 0
    n = 0
    for name, _, items in secs:
        if name != "general":
            continue
        for k, v, ln in items:
            if k == "register":
                n += 1
                _register(v, ln, n, b)
            elif k == "externip":
                b.nat["public_ip"] = v
            elif k == "stunaddr":
                b.nat["stun_server"] = v
                b.nat["traversal"] = "stun"
            elif k == "nat":
                b.nat.setdefault("traversal", v)
            else:
                continue
            used += 1
    for name, (o, template) in _resolve(secs).items():
        if name == "general" or template or "type" not in o:
            continue
        g = lambda k: o[k][0] if k in o else None
        line = o["type"][1]
        host = g("host")
        ref = None
        if host and host != "dynamic":
            port = to_int(g("port"))
            ref = b.server("trunk_peer", host, f"[{name}] host", o["host"][1], port=port)
        if g("outboundproxy"):
            b.server("outbound_proxy", g("outboundproxy"), f"[{name}] outboundproxy",
                     o["outboundproxy"][1])
        user = g("defaultuser") or g("username") or g("fromuser")
        secret = g("secret") or g("md5secret")
        if user or secret:
            callerid = g("callerid")
            disp = re.match(r'^\s*"?([^"<]*?)"?\s*<', callerid or "")
            b.account(id=f"peer:{name}", port=None, username=user or name,
                      auth_id=g("username") if g("defaultuser") else None,
                      password=b.secret(f"[{name}] secret", secret),
                      display_name=disp.group(1) if disp else None, server_ref=ref,
                      register=False, source_key=f"[{name}]", line=line)
        if ctx_name := g("context"):
            b.route("unknown", f"[{name}] calls enter context {ctx_name}",
                    match_caller=ref or name, destination=f"context {ctx_name}", line=line)
        used += sum(1 for k in ("type", "host", "port", "defaultuser", "username", "fromuser",
                                "secret", "md5secret", "outboundproxy", "callerid", "context")
                    if k in o)
    return used


def _pjsip(secs: list[Section], b: Builder, ctx: ParseContext) -> int:
    by_type: dict[str, list[tuple[str, dict[str, list[tuple[str, int]]]]]] = {}
    used = 0
    for name, _, items in secs:
        opts: dict[str, list[tuple[str, int]]] = {}
        for k, v, ln in items:
            opts.setdefault(k, []).append((v, ln))
        typ = opts.get("type", [("", 0)])[0][0]
        by_type.setdefault(typ, []).append((name, opts))
    auths = {name: o for name, o in by_type.get("auth", [])}

    def one(o: dict[str, list[tuple[str, int]]], k: str) -> str | None:
        return o[k][0][0] if k in o else None

    for name, o in by_type.get("transport", []):
        if v := one(o, "external_signaling_address"):
            b.nat["public_ip"] = v
            used += 1
    for name, o in auths.items():
        b.secret(f"[{name}] password", one(o, "password"))
        used += 2
    for n, (name, o) in enumerate(by_type.get("registration", []), 1):
        line = o["type"][0][1]
        ref = b.server("registrar", one(o, "server_uri"), f"[{name}] server_uri",
                       o.get("server_uri", [("", line)])[0][1])
        if one(o, "outbound_proxy"):
            b.server("outbound_proxy", one(o, "outbound_proxy"), f"[{name}] outbound_proxy",
                     o["outbound_proxy"][0][1])
        client = split_hostport(one(o, "client_uri"))
        cu = re.match(r"^sips?:([^@;>]+)@", one(o, "client_uri") or "")
        auth = auths.get(one(o, "outbound_auth") or "", {})
        b.account(id=f"registration:{name}", port=None,
                  username=cu.group(1) if cu else one(auth, "username"),
                  auth_id=one(auth, "username"),
                  password=b.secret(f"[{one(o, 'outbound_auth')}] password",
                                    one(auth, "password")),
                  server_ref=ref, register=True, source_key=f"[{name}]", line=line)
        if client and (contact := one(o, "contact_user")):
            b.route("ip_to_ip", f"[{name}] inbound calls to contact user {contact}",
                    match_callee=contact, destination=f"contact_user {contact}", line=line)
        used += len(o)
    for name, o in by_type.get("aor", []):
        for v, ln in o.get("contact", []):
            b.server("trunk_peer", v, f"[{name}] contact", ln)
            used += 1
    for name, o in by_type.get("endpoint", []):
        if c := one(o, "context"):
            b.route("unknown", f"[{name}] calls enter context {c}", match_caller=name,
                    destination=f"context {c}", line=o["context"][0][1])
            used += 1
    for name, o in by_type.get("identify", []):
        ep = one(o, "endpoint")
        for v, ln in o.get("match", []):
            hp = split_hostport(v.split("/")[0])
            if hp and "/" not in v:
                b.server("trunk_peer", v, f"[{name}] match", ln)
            b.route("unknown", f"[{name}] source {v} is endpoint {ep}", match_caller=v,
                    destination=f"endpoint {ep}", line=ln)
            used += 1
    return used


def _dialplan(secs: list[Section], b: Builder, ctx: ParseContext) -> int:
    gvars = {k.upper(): v for name, _, items in secs if name == "globals" for k, v, _ in items}
    used = 0
    for name, _, items in secs:
        if name == "globals":
            used += len(items)
            continue
        pattern = None
        for k, v, ln in items:
            if k not in ("exten", "same"):
                continue
            used += 1
            if k == "exten":
                parts = v.split(",", 2)
                pattern = parts[0].strip()
            else:
                parts = v.split(",", 1)
            app = parts[-1].strip() if len(parts) == (3 if k == "exten" else 2) else ""
            app = re.sub(r"\$\{(\w+)\}", lambda m: gvars.get(m.group(1).upper(), m.group(0)),
                         app)
            if m := re.match(r"(?i)Dial\(\s*([^,)]+)", app):
                target = m.group(1)
                tech = target.split("/")[0].upper()
                direction = ("ip_to_tel" if tech in ("DAHDI", "ZAP", "ANALOG") else
                             "tel_to_ip" if tech in ("SIP", "PJSIP", "IAX2") else "unknown")
                b.route(direction, f"[{name}] exten {pattern} -> {app}",
                        match_callee=pattern, destination=target, line=ln)
            elif m := re.match(r"(?i)Set\(\s*CALLERID\(num\)\s*=\s*([^)]+)\)", app):
                b.indicate("fixed-caller-id", f"context [{name}] sets the calling number to "
                           f"{m.group(1)}", key=f"[{name}] {pattern}", line=ln)
    return used


def _dahdi(secs: list[Section], b: Builder, ctx: ParseContext) -> int:
    used = 0
    for name, _, items in secs:
        opts: dict[str, str] = {}
        for k, v, ln in items:
            if k != "channel":
                opts[k] = v
                continue
            used += 1
            sig = opts.get("signalling", "")
            kind = "fxo" if sig.startswith("fxs_") else "fxs" if sig.startswith("fxo_") else (
                "e1" if sig.startswith("pri") else "unknown")
            for lo, hi in re.findall(r"(\d+)(?:-(\d+))?", v):
                for ch in range(int(lo), min(int(hi or lo), int(lo) + 255) + 1):
                    b.port(index=ch, kind=kind, raw_index=f"dahdi channel {ch}",
                           inbound_target=f"context {opts['context']}" if opts.get("context")
                           else None, line=ln)
        used += sum(1 for k, _, _ in items if k in ("signalling", "context", "group"))
    return used


PARSER = FileParser(name="asterisk", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=30)
