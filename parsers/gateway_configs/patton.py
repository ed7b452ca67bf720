"""Patton SmartNode (SN41xx/42xx/46xx/47xx) SmartWare CLI configuration.

Format (notes §9): ``show running-config`` / ``startup-config`` text; indentation shows
nesting; a ``#---`` banner (model such as ``SN4114/JO/EUI``, release ``R6.x``,
``SN/<MAC>``) and ``cli version 3.20``.  Command grammar (``context cs switch``,
``routing-table``, ``interface sip|fxo``, ``authentication-service``,
``location-service``, ``context sip-gateway``, ``port fxo 0 N``): Elastix Patton
generator and wazo-provd Patton template — verified.  Medium confidence: the banner
layout and the password encoding of device-written configs (believed
``password <enc> encrypted``); the token after ``password`` is always treated as a
secret.
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
    to_int,
)


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head)
    if not re.search(r"(?m)^cli version \d", text):
        return False
    return bool(re.search(r"(?m)^(context (cs switch|sip-gateway|ip router)|port (fxo|fxs) \d)",
                          text))


class _Block:
    """One command with its indented children."""

    def __init__(self, words: list[str], line: int) -> None:
        self.words = words
        self.line = line
        self.children: list[_Block] = []

    def sub(self, *prefix: str) -> Iterator[_Block]:
        for c in self.children:
            if c.words[: len(prefix)] == list(prefix):
                yield c

    def walk(self) -> Iterator[_Block]:
        for c in self.children:
            yield c
            yield from c.walk()


def _tree(text: str) -> _Block:
    root = _Block([], 0)
    stack: list[tuple[int, _Block]] = [(-1, root)]
    for no, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        words = raw.split()
        while stack[-1][0] >= indent:
            stack.pop()
        node = _Block(words, no)
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    text, encoding = read_text(src, ctx)
    b = Builder(ctx, "Patton", "patton-cli", encoding)
    for ln in text.splitlines()[:40]:
        if not ln.startswith("#"):
            continue
        if m := re.search(r"#\s*(SN\d{4}[\w/]*)", ln):
            b.model = b.model or m.group(1)
        if m := re.search(r"#\s*(R\d+\.\d+)\s", ln):
            b.firmware = b.firmware or m.group(1)
        if m := re.search(r"#\s*SN/([0-9A-Fa-f]{12})\b", ln):
            b.mac = m.group(1)
    root = _tree(text)
    used: set[int] = set()
    creds: dict[tuple[str, str], str] = {}

    def use(n: _Block) -> _Block:
        used.add(n.line)
        return n

    for top in root.children:
        w = top.words
        if w[:2] == ["cli", "version"]:
            use(top)
        elif w[:2] == ["webserver", "port"] and len(w) > 2:
            b.management("web", w[2], True, None, use(top).line)
        elif w[0] in ("administrator", "operator") and len(w) >= 4 and w[2] == "password":
            b.secret(f"{w[0]} {w[1]} password", w[3])
            b.management("admin", w[1], True, f"{w[0]} account", use(top).line)
        elif w[:2] == ["profile", "provisioning"]:
            use(top)
            for loc in top.sub("location"):
                if len(loc.words) > 2:
                    b.management("provisioning", loc.words[2], True,
                                 f"profile {w[2] if len(w) > 2 else ''}".strip(), use(loc).line)
        elif w[0] == "syslog-client":
            use(top)
            for r in top.sub("remote"):
                target = ":".join(r.words[1:3])
                b.management("syslog", target, True, None, use(r).line)
        elif w[0] == "authentication-service":
            use(top)
            for u in top.sub("username"):
                if len(u.words) >= 4 and u.words[2] == "password":
                    svc = w[1] if len(w) > 1 else ""
                    creds[(svc, u.words[1])] = u.words[3]
                    b.secret(f"authentication-service {svc} username {u.words[1]} password",
                             u.words[3])
                    use(u)
    _switch(root, b, use)
    _locations(root, b, creds, use)
    unmapped = sum(1 for n in root.walk() if not n.children and n.line not in used)
    yield b.build(unmapped=unmapped)


def _switch(root: _Block, b: Builder, use) -> None:  # type: ignore[no-untyped-def]
    """``context cs switch`` routing and the FXO ports bound to its interfaces."""
    fxo_port: dict[str, int] = {}
    for top in root.children:
        if top.words[:2] == ["port", "fxo"] and len(top.words) >= 4:
            use(top)
            n = (to_int(top.words[3]) or 0) + 1
            bind = next(top.sub("bind", "interface"), None)
            if bind and len(bind.words) > 2:
                fxo_port[bind.words[2]] = n
                use(bind)
            b.port(index=n, kind="fxo", raw_index=" ".join(top.words[1:4]),
                   account_ref=None, line=top.line)
    tables: dict[str, list[_Block]] = {}
    for ctxb in root.children:
        if ctxb.words[:3] != ["context", "cs", "switch"]:
            continue
        use(ctxb)
        for rt in ctxb.sub("routing-table"):
            tables[rt.words[-1]] = list(rt.sub("route"))
            use(rt)
        for itf in ctxb.sub("interface"):
            if len(itf.words) < 3:
                continue
            use(itf)
            kind, name = itf.words[1], itf.words[2]
            remote = next(itf.sub("remote"), None)
            peer = None
            if kind == "sip" and remote and len(remote.words) > 1:
                peer = b.server("proxy", ":".join(remote.words[1:3]), f"interface sip {name}",
                                use(remote).line)
            fix = next((c for c in itf.sub("address-translation")
                        if "fix" in c.words), None)
            if fix:
                use(fix)
            for rc in itf.sub("route", "call"):
                use(rc)
                if "dest-table" in rc.words[:-1] and kind == "sip":  # [:-1]: a name must follow
                    rt_name = rc.words[rc.words.index("dest-table") + 1]
                    for r in tables.get(rt_name, []):
                        dest = r.words[-1]
                        where = f"fxo port {fxo_port[dest]}" if dest in fxo_port else dest
                        b.route("ip_to_tel", f"{name} -> {rt_name}: " + " ".join(r.words),
                                match_callee=r.words[1] if len(r.words) > 1 else None, match_caller=peer,
                                destination=where, line=use(r).line)
                elif "dest-interface" in rc.words[:-1]:
                    dest = rc.words[rc.words.index("dest-interface") + 1]
                    direction = ("tel_to_ip" if kind in ("fxo", "fxs", "isdn") else
                                 "ip_to_tel" if dest in fxo_port else "unknown")
                    src = f"fxo port {fxo_port[name]}" if name in fxo_port else name
                    b.route(direction, f"interface {kind} {name}: " + " ".join(rc.words),
                            match_caller=src if kind == "fxo" else peer,
                            destination=dest, line=rc.line)


def _locations(root: _Block, b: Builder, creds: dict[tuple[str, str], str], use) -> None:  # type: ignore[no-untyped-def]
    for ls in root.children:
        if ls.words[0] != "location-service":
            continue
        use(ls)
        for d in ls.sub("domain"):
            if len(d.words) > 2:
                b.server("domain", ":".join(d.words[2:4]), "location-service domain",
                         use(d).line)
        for ident in ls.sub("identity"):
            number = ident.words[1] if len(ident.words) > 1 else ""
            use(ident)
            user = service = None
            ref = None
            register = None
            for n in ident.walk():
                w = n.words
                if w[0] == "authenticate" and "username" in w:
                    user = w[w.index("username") + 1]
                    if "authentication-service" in w:
                        service = w[w.index("authentication-service") + 1]
                    use(n)
                elif w[0] == "registrar" and len(w) > 1:
                    ref = b.server("registrar", ":".join(w[1:3]), "registrar", use(n).line)
                elif w[:2] == ["register", "auto"]:
                    register = True
                    use(n)
                elif w[0] in ("authentication", "registration", "lifetime"):
                    use(n)
            pw = creds.get((service or "", user or ""))
            path = f"authentication-service {service} username {user} password"
            b.account(id=f"identity:{number}", port=None, username=number, auth_id=user,
                      password=b.secret(path, pw), server_ref=ref, register=register,
                      line_number=number if number.isdecimal() else None,
                      source_key=f"identity {number}", line=ident.line)


PARSER = FileParser(name="patton", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=20)
