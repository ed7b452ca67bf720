"""AudioCodes MediaPack MP-11x / MP-1288 / Mediant ini files ("Save INI File").

Format (notes §8): INI with ``[Section Params]`` headings, ``;`` comments, ``'…'`` string
values, case-insensitive names, CRLF; a header comment block (``;Board:``,
``;Serial Number:``, ``;Software Version:``, ``;Board IP Address:``) gives the identity;
tables are ``[ T ]`` / ``FORMAT T_Index = T_Col1, …;`` / ``T n = v1, …;`` / ``[ \\T ]``.
Columns vary by version, so the FORMAT line is always used.  Obscured passwords
``$1$<base64>`` are secrets (never decoded).  Grammar, header and tables: verified
against the MP-11x User's Manual "INI File Format" and sipXecs ini templates.  Medium
confidence: individual TR-069 / STUN key spellings (``TR069*`` is matched generically).
Inferred: ``TrunkGroup_FirstPhoneNumber`` is incremented per channel of the range.

Hidden tables (``This table contains hidden elements``) and hidden parameters
(``;X is hidden but has non-default value``) produce warnings, because their values are
on the device but not in the file.
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
    to_int,
    truthy,
)

_KV = re.compile(r"^([A-Za-z][\w.\[\]]*)\s*=\s*(.*?)\s*;?\s*$")
_ROW = re.compile(r"^(\w+)\s+(\d+)\s*=\s*(.*?);?\s*$")
_TRANSPORT = {"0": "udp", "1": "tcp", "2": "tls"}


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head)
    if ";** Ini File **" in text[:400] or re.search(r"(?m)^;Board:", text[:2000]):
        return True
    return bool(re.search(r"(?m)^FORMAT \w+_Index\s*=", text)) and bool(
        re.search(r"(?m)^\[ \\\w+ \]", text))


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def _split_row(v: str) -> list[str]:
    return [_unquote(x) for x in re.findall(r"\"[^\"]*\"|'[^']*'|[^,]+|(?<=,)(?=,)", v)]


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    text, encoding = read_text(src, ctx)
    b = Builder(ctx, "AudioCodes", "audiocodes-ini", encoding)
    keys = Keys()
    tables: dict[str, list[tuple[dict[str, str], int]]] = {}
    formats: dict[str, list[str]] = {}
    table: str | None = None
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s:
            continue
        if s.startswith(";"):
            _comment(s, no, b, ctx, table)
            continue
        m = re.fullmatch(r"\[\s*(\\?)\s*([\w ]+?)\s*\]", s)
        if m:
            name = m.group(2)
            if name.endswith("Params"):
                table = None
            else:
                table = None if m.group(1) else name
            continue
        if s.upper().startswith("FORMAT "):
            fm = re.match(r"FORMAT\s+(\w+)_Index\s*=\s*(.*?);?$", s, re.IGNORECASE)
            if fm:
                formats[fm.group(1).upper()] = [
                    c.strip().split("_", 1)[-1] for c in fm.group(2).split(",")]
            continue
        rm = _ROW.match(s)
        if rm and rm.group(1).upper() in formats:
            cols = formats[rm.group(1).upper()]
            vals = _split_row(rm.group(3))
            if len(vals) != len(cols):
                ctx.warn("audiocodes-bad-row", f"{rm.group(1)} row {rm.group(2)} has "
                         f"{len(vals)} values for {len(cols)} columns", line=no)
            row = dict(zip(cols, vals))
            row["Index"] = rm.group(2)
            row["_table"] = rm.group(1)
            tables.setdefault(rm.group(1).upper(), []).append((row, no))
            continue
        km = _KV.match(s)
        if km:
            keys.put(km.group(1).upper(), _unquote(km.group(2)), no, ctx)
            continue
        ctx.warn("config-bad-line", f"unrecognised ini line: {s[:60]!r}", line=no)
    _params(keys, b)
    _tables(tables, b)
    for k in keys.keys():
        v = keys.values[k]
        if v.startswith("$1$") or (is_secret_key(k) and v):
            b.secret(k, v)
    yield b.build(unmapped=keys.unmapped())


def _comment(s: str, no: int, b: Builder, ctx: ParseContext, table: str | None) -> None:
    m = re.match(r";\s*(Board|Serial Number|Software Version|Board IP Address)\s*:\s*(.+)$", s)
    if m:
        field, value = m.group(1), m.group(2).strip()
        if field == "Board":
            b.model = value
        elif field == "Serial Number":
            b.serial = value
        elif field == "Software Version":
            b.firmware = value
        else:
            b.lan_ip = value
        return
    if m := re.match(r";\s*(\w+) is hidden but has non-default value", s):
        ctx.warn("audiocodes-hidden-param", f"parameter {m.group(1)} is set on the device "
                 "but not exported", line=no)
    elif "contains hidden elements" in s:
        ctx.warn("audiocodes-hidden-table", f"table {table or '?'} is hidden: its rows are "
                 "on the device but not in the file", line=no)


def _params(keys: Keys, b: Builder) -> None:
    transport = _TRANSPORT.get(keys.get("SIPTRANSPORTTYPE") or "")
    dport = to_int(keys.get("SIPDESTINATIONPORT"))
    reg = truthy(keys.get("ISREGISTERNEEDED"))
    ref = None
    for k in ("REGISTRARIP", "REGISTRARNAME"):
        ref = b.server("registrar", keys.get(k), k, keys.line(k), transport, dport) or ref
    if truthy(keys.get("ISPROXYUSED")) is not False:
        for k in ("PROXYIP", "PROXYNAME"):
            ref = b.server("proxy", keys.get(k), k, keys.line(k), transport, dport) or ref
    keys.get("SIPGATEWAYNAME")
    keys.get("LOCALSIPPORT")
    keys.get("REGISTRATIONTIME")
    mode = keys.get("AUTHENTICATIONMODE")
    if user := keys.get("USERNAME"):
        b.account(id="gateway", port=None, username=user,
                  password=b.secret("PASSWORD", keys.get("PASSWORD")), server_ref=ref,
                  register=reg, source_key="USERNAME", line=keys.line("USERNAME"))
    if mode == "0":
        b.ctx.count("audiocodes-auth-per-endpoint")
    if v := keys.get("SYSLOGSERVERIP"):
        port = keys.get("SYSLOGSERVERPORT")
        b.management("syslog", f"{v}:{port}" if port else v, truthy(keys.get("ENABLESYSLOG")),
                     None, keys.line("SYSLOGSERVERIP"))
    for kind, en, pk in (("telnet", "TELNETSERVERENABLE", "TELNETSERVERPORT"),
                         ("ssh", "SSHSERVERENABLE", "SSHSERVERPORT")):
        if (v := keys.get(en)) is not None:
            b.management(kind, keys.get(pk) or ("23" if kind == "telnet" else "22"),
                         v != "0", None, keys.line(en))
    acl = [keys.get(k) for k in keys.keys() if k.startswith("WEBACCESSLIST")]
    if (port := keys.get("HTTPPORT")) or acl:
        b.management("web", port or "80", truthy(keys.get("DISABLEWEBCONFIG")) is not True,
                     f"access list {','.join(a for a in acl if a)}" if acl else None,
                     keys.line("HTTPPORT"))
    if acs := keys.get("TR069ACSURL"):
        user = keys.get("TR069ACSUSERNAME")
        b.management("tr069", acs, None, f"acs user {user}" if user else None,
                     keys.line("TR069ACSURL"))
    for k in ("INIFILEURL", "CMPFILEURL"):
        if url := keys.get(k):
            every = keys.get("AUTOUPDATEFREQUENCY")
            b.management("provisioning" if k == "INIFILEURL" else "firmware", url, True,
                         f"auto-update every {every} min" if every else None, keys.line(k))
    keys.get("AUTOUPDATECMPFILE")
    if v := keys.get("STATICNATIP"):
        b.nat["public_ip"] = v
    if truthy(keys.get("ENABLESTUN")):
        b.nat["traversal"] = "stun"
    if v := keys.get("STUNSERVERPRIMARYIP"):
        b.nat["stun_server"] = v


def _ports_of(row: dict[str, str]) -> int | None:
    return to_int(row.get("Port"))


def _tables(tables: dict[str, list[tuple[dict[str, str], int]]], b: Builder) -> None:
    numbers: dict[int, str] = {}
    for row, _ in tables.get("TRUNKGROUP", []):
        first, last = to_int(row.get("FirstBChannel")), to_int(row.get("LastBChannel"))
        num = row.get("FirstPhoneNumber") or ""
        if first is None or last is None or not num.isdecimal():
            continue
        for i, ch in enumerate(range(first, min(last, first + 255) + 1)):
            numbers[ch] = str(int(num) + i).zfill(len(num))
    display = {_ports_of(r): r.get("DisplayString") for r, _ in
               tables.get("CALLERDISPLAYINFO", [])}
    target = {_ports_of(r): r.get("Destination") for r, _ in tables.get("TARGETOFCHANNEL", [])}
    kind = "fxo" if "FXO" in (b.model or "").upper() else "fxs" if "FXS" in (
        b.model or "").upper() else "unknown"
    acc_ports: set[int] = set()
    for row, no in tables.get("AUTHENTICATION", []):
        port = _ports_of(row)
        if port is None:
            continue
        acc_ports.add(port)
        b.account(id=f"port{port}", port=port, username=row.get("UserId"),
                  password=b.secret(f"Authentication {row['Index']}.UserPassword",
                                    row.get("UserPassword")),
                  display_name=display.get(port), line_number=numbers.get(port),
                  register=True, source_key=f"Authentication {row['Index']}", line=no)
    for port in sorted(set(numbers) | acc_ports | {p for p in target if p}):
        b.port(index=port, kind=kind, raw_index=f"module1/port{port}",
               line_number=numbers.get(port), inbound_target=target.get(port),
               account_ref=f"port{port}" if port in acc_ports else None)
    for row, no in tables.get("PROXYIP", []):
        tr = _TRANSPORT.get(row.get("TransportType", ""))
        b.server("proxy", row.get("IpAddress"), f"ProxyIp {row['Index']}", no, tr)
    for row, no in tables.get("PSTNPREFIX", []):
        src = row.get("SourceAddress")
        b.route("ip_to_tel", f"PstnPrefix {row['Index']}: dest {row.get('DestPrefix')} "
                f"-> trunk group {row.get('TrunkGroupId')}, source {src}",
                match_callee=row.get("DestPrefix"),
                match_caller=None if src in (None, "*") else src,
                destination=f"trunk group {row.get('TrunkGroupId')}", line=no)
    for row, no in tables.get("PREFIX", []):
        dest = row.get("DestAddress")
        port = to_int(row.get("DestPort"))
        b.server("trunk_peer", dest, f"PREFIX {row['Index']}", no,
                 port=port if port and port > 0 else None)
        b.route("tel_to_ip", f"PREFIX {row['Index']}: dest {row.get('DestinationPrefix')} -> "
                f"{dest}", match_callee=row.get("DestinationPrefix"),
                match_caller=row.get("SourcePrefix"), destination=dest, line=no)
    for name, rows in tables.items():
        for row, _ in rows:
            for col, v in row.items():
                if v and col != "_table" and (v.startswith("$1$") or is_secret_key(col)):
                    b.secret(f"{row['_table']} {row['Index']}.{col}", v)
    if any(k not in ("TRUNKGROUP", "CALLERDISPLAYINFO", "TARGETOFCHANNEL", "AUTHENTICATION",
                     "PROXYIP", "PSTNPREFIX", "PREFIX") for k in tables):
        b.ctx.count("audiocodes-unmapped-tables")


PARSER = FileParser(name="audiocodes", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=20)
