"""Generic fallback for gateway dumps of families without a dedicated parser.

For New Rock, Dinstar, Synway and other families no public copy of a real backup file
exists (notes §0.4, §1, §2, §6), so this module reads any ``key=value`` / INI text by
keyword and value shape: hosts and ``host:port`` under SIP-server-like keys, SIP URIs,
account-like keys (user / auth id / password / display name) grouped by section, and
the management surface (TR-069, syslog, remote web, telnet, SSH, cloud, VPN).  It also
reads the New Rock routing-table grammar, which is documented
(``<Source> <Number> ROUTE <Destination>`` / ``KEEP|REMOVE n``).

Everything here is inferred: ``confidence`` is "low".  The sniffer only claims text
whose *keys* use SIP-gateway vocabulary (``sip``, ``registrar``, ``fxo``, ``fxs``,
``voip``, ``pstn``, ``trunk``…) together with an account- or server-like key, so an
nginx.conf, a game's INI or an unrelated XML file is left alone.  The vendor is guessed
from the model string only (``DAG``/``UC``/``DWG`` Dinstar, ``MX``/``HX``/``OM`` New
Rock, ``SMG`` Synway).
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
    is_secret_key,
    read_text,
    safe_sniff,
    split_hostport,
    to_int,
    truthy,
)

_KV = re.compile(r"^([A-Za-z_][\w .\-/>]*?)\s*=\s*(.*?)\s*$")
_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_NR_ROUTE = re.compile(r"^(IP|FXS\d*|FXO\d*)(\[[^\]]+\])?\s+(\S+)\s+"
                       r"(ROUTE\s+.+|KEEP\s+\d+|REMOVE\s+\d+|ADD\s+\S+|REPLACE\s+\S+)\s*$")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_STRONG = {"sip", "registrar", "fxo", "fxs", "voip", "pstn", "trunk", "proxy", "dtmf"}
_ACCOUNTISH = {"user", "username", "account", "auth", "authenticate", "password", "userid"}
_VENDORS = ((r"^(DAG|UC\d|DWG|MTG)", "Dinstar"), (r"^(MX\d|HX\d|OM\d|WROC)", "New Rock"),
            (r"^SMG", "Synway"))


def _tokens(key: str) -> list[str]:
    return [t.lower() for t in _CAMEL.findall(key)]


def _is_text(head: bytes) -> bool:
    sample = head[:4096]
    return b"\x00" not in sample and sum(c < 9 or 13 < c < 32 for c in sample) < 8


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    if not _is_text(head):
        return False
    strong = account = 0
    for ln in head_text(head).splitlines()[:600]:
        s = ln.strip()
        if _NR_ROUTE.match(s):
            strong += 1
            continue
        m = _KV.match(s)
        if not m or s.startswith(("#", ";")):
            continue
        toks = set(_tokens(m.group(1)))
        if toks & _STRONG:
            strong += 1
        if toks & _ACCOUNTISH or toks & {"server", "address", "host"}:
            account += 1
    return strong >= 3 and account >= 2


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    text, encoding = read_text(src, ctx)
    keys = Keys()
    sections: list[str] = []
    section = ""
    b = Builder(ctx, "unknown", "generic-kv", encoding, confidence="low")
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s or s.startswith(("#", ";")):
            continue
        if m := _SECTION.match(s):
            section = m.group(1).strip()
            sections.append(section)
            continue
        if m := _NR_ROUTE.match(s):
            _nr_route(m, s, no, b)
            continue
        if m := _KV.match(s):
            keys.put(f"{section}/{m.group(1).strip()}" if section else m.group(1).strip(),
                     m.group(2), no, ctx)
    _identity(keys, b)
    _servers(keys, b)
    _accounts(keys, sections, b)
    _management(keys, sections, b)
    _routes(keys, sections, b)
    for k in keys.keys():
        if is_secret_key(k.split("/")[-1]) and keys.values[k].strip():
            b.secret(k, keys.values[k].strip())
    if not b.servers and not b.accounts:
        ctx.warn("generic-nothing-found", "text looked like a gateway dump but no SIP server "
                 "or account could be extracted")
    yield b.build(unmapped=keys.unmapped())


def _nr_route(m: re.Match[str], s: str, no: int, b: Builder) -> None:
    """New Rock routing rule (documented grammar)."""
    src, addr, number, action = m.group(1), m.group(2), m.group(3), m.group(4)
    caller = addr.strip("[]") if addr else None
    if number.upper().startswith("CPN+"):
        callee, caller = None, number[4:]
    else:
        callee = number
    if action.upper().startswith("ROUTE"):
        dest = action.split(None, 1)[1]
        direction = ("ip_to_tel" if src == "IP" and dest.upper().startswith(("FXO", "FXS"))
                     else "tel_to_ip" if src != "IP" and dest.upper().startswith("IP")
                     else "tel_to_tel" if src != "IP" else "ip_to_ip")
    else:
        dest, direction = f"manipulation {action}", "unknown"
    b.route(direction, s, match_callee=callee, match_caller=caller if src == "IP" or caller
            else src, destination=dest, line=no)
    if addr and caller and split_hostport(caller):
        b.server("trunk_peer", caller, "routing table", no)


def _identity(keys: Keys, b: Builder) -> None:
    for k in keys.keys():
        last = "".join(_tokens(k.split("/")[-1]))
        v = keys.values[k].strip()
        if not v:
            continue
        if last in ("model", "devicemodel") and not b.model:
            b.model = keys.get(k)
        elif last in ("sn", "serial", "serialno", "serialnumber") and not b.serial:
            b.serial = keys.get(k)
        elif last in ("mac", "macaddress") and not b.mac:
            b.mac = keys.get(k)
        elif last in ("softwareversion", "firmware", "version", "firmwareversion") and \
                not b.firmware:
            b.firmware = keys.get(k)
        elif last == "hostname" and not b.hostname:
            b.hostname = keys.get(k)
    for pat, vendor in _VENDORS:
        if b.model and re.match(pat, b.model, re.IGNORECASE):
            b.vendor = vendor


def _role(toks: set[str], section: str) -> str | None:
    stoks = set(_tokens(section))
    if toks & {"local", "stun", "syslog", "ntp", "dns", "source", "acs", "api"}:
        return None
    if not (toks & {"address", "addr", "host", "server", "proxy", "registrar", "ip"} or
            toks == {"sip"}):
        return None
    if "outbound" in toks:
        return "outbound_proxy"
    if toks & {"secondary", "backup", "failover"}:
        return "backup_registrar"
    if toks & {"registrar"}:
        return "registrar"
    if "proxy" in toks:
        return "proxy"
    if toks & {"remote", "trunk", "peer"} or stoks & {"trunk"}:
        return "trunk_peer"
    if "sip" in toks or "sip" in stoks:
        return "registrar"
    return None


def _servers(keys: Keys, b: Builder) -> None:
    for k in keys.keys():
        section, _, name = k.rpartition("/")
        toks = set(_tokens(name))
        if "port" in toks:
            continue
        role = _role(toks, section)
        v = keys.values[k].strip()
        if role is None or not v or re.match(r"(?i)^https?://", v):
            continue
        hp = split_hostport(v)
        if hp is None or not ("." in hp[0] or ":" in hp[0]):
            continue
        stem = toks - {"address", "addr", "host", "ip", "server"}
        port = None
        for pk in keys.keys():
            psec, _, pname = pk.rpartition("/")
            ptoks = set(_tokens(pname))
            if psec == section and "port" in ptoks and (
                    ptoks - {"port", "server"} == stem - {"server"}):
                port = to_int(keys.get(pk))
        keys.get(k)
        b.server(role, v, k, keys.line(k), port=hp[1] or port)


def _accounts(keys: Keys, sections: list[str], b: Builder) -> None:
    zero_based = any(re.search(r"(?i)port\s*0$", s) for s in sections)
    by_sec: dict[str, dict[str, str]] = {}
    for k in keys.keys():
        section, _, name = k.rpartition("/")
        toks = _tokens(name)
        ts = set(toks)
        field = None
        if ts & {"auth", "authenticate"} and ts & {"id", "name", "user", "username"}:
            field = "auth_id"
        elif ts & {"password", "pwd", "passwd", "secret"} and not ts & {"admin", "web"}:
            field = "password"
        elif ts & {"username", "account", "userid"} or ts >= {"user", "id"} or \
                ts >= {"user", "name"}:
            field = "username"
        elif "display" in ts:
            field = "display_name"
        elif ts & {"telephone", "phone"} and "number" in ts:
            field = "line_number"
        if field and not (section.lower() in ("vpn", "management") or ts & {"vpn", "acs"}):
            by_sec.setdefault(section, {}).setdefault(field, k)
    for section, f in by_sec.items():
        if "username" not in f and "auth_id" not in f:
            continue
        user = keys.get(f["username"]) if "username" in f else None
        auth = keys.get(f["auth_id"]) if "auth_id" in f else None
        m = re.search(r"(\d+)\s*$", section)
        group = "group" in section.lower()
        port = None
        if m and not group:
            port = int(m.group(1)) + (1 if zero_based else 0)
        pw_key = f.get("password")
        b.account(id=section or "account", port=port, username=user or auth,
                  auth_id=auth, password=b.secret(pw_key, keys.get(pw_key)) if pw_key else None,
                  display_name=keys.get(f["display_name"]) if "display_name" in f else None,
                  line_number=keys.get(f["line_number"]) if "line_number" in f else None,
                  source_key=f"[{section}]", line=keys.line(f.get("username") or f["auth_id"]))
        kind = keys.get(f"{section}/Type")
        if port is not None:
            b.port(index=port, kind=(kind or "unknown").lower(), raw_index=section,
                   line_number=keys.get(f["line_number"]) if "line_number" in f else None,
                   account_ref=section)


def _management(keys: Keys, sections: list[str], b: Builder) -> None:
    for k in keys.keys():
        section, _, name = k.rpartition("/")
        ts = set(_tokens(name))
        v = (keys.values[k] or "").strip()
        if not v:
            continue
        line = keys.line(k)
        if ts & {"tr069", "acs"} and re.match(r"(?i)^https?://", v):
            en = next((keys.get(x) for x in keys.keys() if x.startswith(section) and
                       {"tr069", "enable"} <= set(_tokens(x.split("/")[-1]))), None)
            b.management("tr069", keys.get(k), truthy(en) if en else None, None, line)
        elif "syslog" in ts and ts & {"server", "address", "host"}:
            b.management("syslog", keys.get(k), True, None, line)
        elif "stun" in ts:
            b.nat["stun_server"] = keys.get(k)
        elif ts & {"remote"} and ts & {"web"}:
            b.management("web_wan", "web", truthy(keys.get(k)), name, line)
        elif "telnet" in ts and truthy(v) is not None:
            b.management("telnet", "23", truthy(keys.get(k)), name, line)
        elif "ssh" in ts and truthy(v) is not None:
            b.management("ssh", "22", truthy(keys.get(k)), name, line)
        elif "api" in ts and "server" in ts or "cloudserver" in "".join(ts):
            if re.match(r"(?i)^https?://", v):
                b.management("cloud", keys.get(k), None, name, line)
            else:
                keys.get(k)
    for sec in sections:
        if sec.lower() != "vpn":
            continue
        g = lambda n: keys.get(f"{sec}/{n}")
        if server := g("Server"):
            b.vpn((g("Type") or "unknown").lower(), server, g("User"),
                  b.secret(f"{sec}/Password", g("Password")), port=to_int(g("Port")),
                  line=keys.line(f"{sec}/Server"))
    cloud_on = keys.get("cloudserver")
    if cloud_on is not None:
        for m in b.mgmt:
            if m.kind == "cloud":
                b.mgmt[b.mgmt.index(m)] = type(m)(kind=m.kind, target=m.target,
                                                  enabled=truthy(cloud_on), detail=m.detail,
                                                  line=m.line)


def _routes(keys: Keys, sections: list[str], b: Builder) -> None:
    for sec in sections:
        norm = re.sub(r"[^a-z]", "", sec.lower())
        direction = ("ip_to_tel" if "iptotel" in norm or "iptel" in norm else
                     "tel_to_ip" if "teltoip" in norm or "telip" in norm else None)
        if not direction:
            continue
        vals = {"".join(_tokens(k.split("/")[-1])): keys.get(k)
                for k in keys.keys() if k.startswith(sec + "/")}
        src = vals.get("source") or vals.get("sourceip") or vals.get("sourceportgroup")
        b.route(direction, f"[{sec}] " + ", ".join(f"{k}={v}" for k, v in vals.items() if v),
                match_callee=vals.get("calleeprefix"),
                match_caller=src if direction == "ip_to_tel" else vals.get("callerprefix"),
                destination=vals.get("destination"),
                line=min(((keys.line(k) or 0) for k in keys.keys() if k.startswith(sec + "/")),
                         default=None))  # an empty route section has no line of its own


PARSER = FileParser(name="generic", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=95)
