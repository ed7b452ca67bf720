"""Helpers shared by the gateway-configuration parsers.

* :class:`Keys`: a key/value store that remembers the line of every key and which keys a
  field map used, so ``GatewayConfig.unmapped`` is exact.
* :class:`Builder`: collects servers, accounts, ports, routes, management entries and
  secrets, then builds the frozen :class:`~forensics.model.gateway.GatewayConfig` and the
  fraud indicators of notes §14 that every family shares.
* host/port, MAC and transport normalisers; the secret-key pattern of notes §13;
  ``parse_xml`` (defusedxml, with element line numbers); ``read_text``.

Nothing here knows a vendor; vendor knowledge lives in the family modules.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from forensics.model.core import Secret
from forensics.model.gateway import (
    Account,
    GatewayConfig,
    Indicator,
    Management,
    MediaCrypto,
    Nat,
    Port,
    Route,
    SecretRef,
    SipServer,
    Sms,
    Vpn,
)
from parsers.base import MAX_TEXT_BYTES, ParseContext, Source, decode_text

# Notes §13: key names that carry secrets.  pin/key/pw only as whole tokens, so that
# "NAT_Mapping" or "keepalive" are not taken for secrets.
SECRET_KEY_RE = re.compile(
    r"(?i)(pass(?:wd|word)?|pwd|secret|token|psk|auth_?pw"
    r"|(?<![a-z])(?:pin|key|pw)(?![a-z]))"
)
_HOST_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
JD_RE = re.compile(r"(?i)(?<![a-z])jd(?![a-z])|京东")


def is_secret_key(name: str) -> bool:
    return bool(SECRET_KEY_RE.search(name))


def read_text(src: Source, ctx: ParseContext) -> tuple[str, str]:
    """Whole source decoded (UTF-8 → GB18030 → latin-1); warns if cut at the limit."""
    data = src.read_all(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        ctx.warn("config-truncated", f"only the first {MAX_TEXT_BYTES} bytes were read",
                 offset=MAX_TEXT_BYTES)
        data = data[:MAX_TEXT_BYTES]
    return decode_text(data)


def head_text(head: bytes) -> str:
    """Sniffer view of the first bytes: never raises."""
    text, _ = decode_text(head)
    return text


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte."""
    if not data:
        return 0.0
    n = len(data)
    return -sum(c / n * math.log2(c / n) for c in Counter(data).values())


def norm_mac(value: str | None) -> str | None:
    """Lower-case colon form, or None when the value is not a 48-bit MAC."""
    if not value:
        return None
    hexd = re.sub(r"[^0-9A-Fa-f]", "", value)
    if len(hexd) != 12 or len(re.sub(r"[0-9A-Fa-f:.\-\s]", "", value)) > 0:
        return None
    hexd = hexd.lower()
    return ":".join(hexd[i : i + 2] for i in range(0, 12, 2))


def norm_transport(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower()
    return v if v in ("udp", "tcp", "tls") else None


def to_int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def truthy(value: str | None) -> bool | None:
    """yes/no-like values to bool; None when empty or not boolean-like."""
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("1", "yes", "y", "true", "on", "enable", "enabled"):
        return True
    if v in ("0", "no", "n", "false", "off", "disable", "disabled"):
        return False
    return None


def split_hostport(value: str | None, default_port: int | None = None
                   ) -> tuple[str, int | None, str | None] | None:
    """``[scheme:][user@]host[:port][;params][/path]`` → (host, port, transport)."""
    if not value:
        return None
    v = value.strip().strip("\"'").strip()
    if not v:
        return None
    transport = None
    m = re.match(r"(?i)^(udp|tcp|tls|sips?|https?|tftp|ftp)(://|:)", v)
    if m:
        scheme = m.group(1).lower()
        transport = {"udp": "udp", "tcp": "tcp", "tls": "tls", "sips": "tls"}.get(scheme)
        v = v[m.end():]
    v = re.split(r"[;/?\\\s]", v, maxsplit=1)[0]
    if "@" in v:
        v = v.rsplit("@", 1)[1]
    port: int | None = default_port
    if v.startswith("["):
        end = v.find("]")
        if end < 0:
            return None
        host, rest = v[1:end], v[end + 1 :]
        if rest.startswith(":") and rest[1:].isdecimal():
            port = int(rest[1:])
    elif v.count(":") == 1:
        host, p = v.split(":")
        if p.isdecimal():
            port = int(p)
        elif p:
            return None
    elif v.count(":") > 1:
        host = v  # bare IPv6
    else:
        host = v
    if not host or not (_HOST_RE.match(host) or ":" in host):
        return None
    if port is not None and not 0 < port < 65536:
        port = None
    return host, port, transport


def redact_url(url: str) -> str:
    """Drop a ``user:password@`` part from a URL so no secret reaches the output."""
    return re.sub(r"(?i)^([a-z][a-z0-9+.\-]*://)([^/@:]*):[^/@]*@", r"\1\2@", url.strip())


def is_public_ip(host: str | None) -> bool:
    """True for a literal IPv4 address outside private/loopback/link-local ranges."""
    if not host or not _IPV4_RE.match(host):
        return False
    import ipaddress

    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified) or (
        # documentation ranges count as "public" for the purpose of fixtures and cases
        any(ip in ipaddress.ip_network(n) for n in
            ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
    )


class Keys:
    """Raw key/value pairs with their lines; remembers which keys were used."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.lines: dict[str, int | None] = {}
        self.used: set[str] = set()

    def put(self, key: str, value: str, line: int | None = None,
            ctx: ParseContext | None = None) -> None:
        if key in self.values and ctx is not None and self.values[key] != value:
            ctx.warn("config-duplicate-key", f"key {key!r} set twice; the last value is used",
                     line=line)
        self.values[key] = value
        self.lines[key] = line

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def raw(self, key: str) -> str | None:
        if key in self.values:
            self.used.add(key)
            return self.values[key]
        return None

    def get(self, key: str) -> str | None:
        """Value with surrounding blanks removed; None when absent or empty."""
        v = self.raw(key)
        if v is None:
            return None
        v = v.strip()
        return v or None

    def line(self, key: str) -> int | None:
        return self.lines.get(key)

    def keys(self) -> list[str]:
        return list(self.values)

    def unmapped(self) -> int:
        return len(set(self.values) - self.used)


@dataclass
class XmlDoc:
    root: Element
    lines: dict[int, int]  # id(element) -> 1-based line
    encoding: str

    def line(self, el: Element | None) -> int | None:
        return self.lines.get(id(el)) if el is not None else None


def parse_xml(data: bytes, ctx: ParseContext) -> XmlDoc | None:
    """Parse XML with defusedxml; forbidden constructs and bad XML become warnings."""
    m = re.match(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9_\-]+)", data[:200])
    encoding = m.group(1).decode("ascii").lower() if m else "utf-8"
    body = data
    try:
        root = SafeET.fromstring(body)
    except DefusedXmlException as exc:
        ctx.warn("xml-forbidden-construct",
                 f"XML uses a forbidden construct ({type(exc).__name__}); not expanded, "
                 "not fetched, file not parsed")
        return None
    except (ParseError, ValueError, LookupError):
        text, encoding = decode_text(data)
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
        body = text.encode("utf-8")
        try:
            root = SafeET.fromstring(body)
        except DefusedXmlException as exc:
            ctx.warn("xml-forbidden-construct",
                     f"XML uses a forbidden construct ({type(exc).__name__}); not parsed")
            return None
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            ctx.warn("xml-malformed", f"XML is not well-formed: {exc}", line=line)
            return None
    lines: dict[int, int] = {}
    starts: list[int] = []
    p = expat.ParserCreate()
    p.StartElementHandler = lambda name, attrs: starts.append(p.CurrentLineNumber)
    try:
        p.Parse(body, True)
    except expat.ExpatError:
        starts = []
    for el, ln in zip(root.iter(), starts):
        lines[id(el)] = ln
    return XmlDoc(root=root, lines=lines, encoding=encoding)


def local(tag: str) -> str:
    """Element name without a ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


class Builder:
    """Mutable collector turned into one frozen GatewayConfig by :meth:`build`."""

    def __init__(self, ctx: ParseContext, vendor: str, fmt: str, encoding: str,
                 confidence: str = "high") -> None:
        self.ctx = ctx
        self.vendor = vendor
        self.format = fmt
        self.encoding = encoding
        self.confidence = confidence
        self.model: str | None = None
        self.serial: str | None = None
        self.mac: str | None = None
        self.lan_ip: str | None = None
        self.firmware: str | None = None
        self.hostname: str | None = None
        self.servers: list[SipServer] = []
        self.accounts: list[Account] = []
        self.ports: list[Port] = []
        self.routes: list[Route] = []
        self.mgmt: list[Management] = []
        self.vpns: list[Vpn] = []
        self.sms: list[Sms] = []
        self.secrets: list[SecretRef] = []
        self.indicators: list[Indicator] = []
        self.nat: dict[str, str | None] = {}
        self.media_crypto: MediaCrypto | None = None

    # -- secrets -------------------------------------------------------------------
    def secret(self, path: str, value: str | None) -> Secret:
        """The Secret form of ``value``; a present secret is listed in ``secrets``."""
        s = Secret.of(value if value else None)
        if value and not any(r.path == path for r in self.secrets):
            self.secrets.append(SecretRef(path=path, secret=s))
        return s

    def sweep_secrets(self, keys: Keys) -> None:
        """List every secret-looking key the field map did not handle."""
        for k in keys.keys():
            v = keys.values[k]
            if v and v.strip() and is_secret_key(k):
                self.secret(k, v.strip())

    # -- collectors ------------------------------------------------------------------
    def server(self, role: str, value: str | None, key: str, line: int | None = None,
               transport: str | None = None, default_port: int | None = None,
               port: int | None = None) -> str | None:
        """Add a server from ``host[:port]``; returns "host[:port]" or None if empty."""
        hp = split_hostport(value, default_port)
        if hp is None:
            if value and value.strip():
                self.ctx.warn("config-bad-host", f"{key}: {value.strip()[:80]!r} is not a "
                              "host[:port]", line=line)
            return None
        host, p, t = hp
        if port is not None:
            p = port
        t = transport or t
        s = SipServer(role=role, host=host, port=p, transport=t, source_key=key, line=line)
        if not any((x.role, x.host, x.port) == (role, host, p) for x in self.servers):
            self.servers.append(s)
        return f"{host}:{p}" if p else host

    def account(self, **kw: Any) -> None:
        kw.setdefault("auth_id", None)
        kw.setdefault("display_name", None)
        kw.setdefault("server_ref", None)
        kw.setdefault("register", None)
        kw.setdefault("line_number", None)
        kw.setdefault("port", None)
        kw.setdefault("line", None)
        kw["username"] = kw.get("username") or ""
        if not isinstance(kw.get("password"), Secret):
            kw["password"] = Secret.of(None)
        self.accounts.append(Account(**kw))

    def port(self, **kw: Any) -> None:
        self.ports.append(Port(**kw))

    def route(self, direction: str, raw: str, match_callee: str | None = None,
              match_caller: str | None = None, destination: str | None = None,
              line: int | None = None) -> None:
        self.routes.append(Route(direction=direction, match_callee=match_callee,
                                 match_caller=match_caller, destination=destination,
                                 raw=raw.strip()[:300], line=line))

    def management(self, kind: str, target: str | None, enabled: bool | None = None,
                   detail: str | None = None, line: int | None = None) -> None:
        if target is not None:
            target = redact_url(target)
        self.mgmt.append(Management(kind=kind, target=target, enabled=enabled,
                                    detail=detail, line=line))

    def vpn(self, type: str, server: str | None, user: str | None, password: Secret,
            port: int | None = None, line: int | None = None) -> None:
        self.vpns.append(Vpn(type=type, server=server, port=port, user=user,
                             password=password, line=line))

    def indicate(self, code: str, message: str, key: str | None = None,
                 line: int | None = None) -> None:
        if not any((i.code, i.key) == (code, key) for i in self.indicators):
            self.indicators.append(Indicator(code=code, message=message, key=key, line=line))

    # -- result ----------------------------------------------------------------------
    def _shared_indicators(self) -> None:
        for r in self.routes:
            if r.direction == "ip_to_tel":
                self.indicate("ip-to-tel-route", "inbound VoIP calls are routed out of the "
                              f"telephone lines ({r.raw[:80]})", key=None, line=r.line)
                break
        labels = {"tr069": ("tr069-acs", "TR-069 ACS"),
                  "cloud": ("vendor-cloud", "vendor cloud management"),
                  "remote_tunnel": ("remote-tunnel", "reverse remote-management tunnel"),
                  "provisioning": ("auto-provisioning", "auto-provisioning server"),
                  "sim_bank": ("sim-bank", "SIM-bank server")}
        for m in self.mgmt:
            if m.enabled is False or not m.target:
                continue
            if m.kind in labels:
                code, label = labels[m.kind]
                self.indicate(code, f"{label}: {m.target}", key=m.kind, line=m.line)
            if m.kind in ("web_wan", "telnet", "ssh") and m.enabled:
                self.indicate("wan-access", f"{m.kind} access enabled ({m.target})",
                              key=m.kind, line=m.line)
        for v in self.vpns:
            self.indicate("vpn-client", f"{v.type} VPN client to {v.server}", key=v.type,
                          line=v.line)
        if self.media_crypto and (self.media_crypto.signalling or self.media_crypto.rtp):
            self.indicate("signalling-obfuscation", "proprietary SIP/RTP encryption "
                          f"(signalling {self.media_crypto.signalling}, "
                          f"media {self.media_crypto.rtp})")
        if self.nat.get("relay_server"):
            self.indicate("relay-server", f"media/signalling relay {self.nat['relay_server']}")
        for a in self.accounts:
            if a.display_name and JD_RE.search(a.display_name):
                self.indicate("caller-id-impersonation", "display name imitates a "
                              f"well-known brand: {a.display_name!r}", key=a.source_key,
                              line=a.line)
                break

    def build(self, unmapped: int = 0) -> GatewayConfig:
        self._shared_indicators()
        nat = Nat(**self.nat) if any(self.nat.values()) else None
        return GatewayConfig(
            prov=self.ctx.prov(offset=0),
            vendor=self.vendor,
            format=self.format,
            model=self.model,
            serial=self.serial,
            mac=norm_mac(self.mac) if self.mac else None,
            lan_ip=self.lan_ip,
            firmware=self.firmware,
            hostname=self.hostname,
            sip_servers=tuple(self.servers),
            accounts=tuple(self.accounts),
            ports=tuple(sorted(self.ports, key=lambda p: (p.kind, p.index))),
            routes=tuple(self.routes),
            management=tuple(self.mgmt),
            nat=nat,
            vpn=tuple(self.vpns),
            media_crypto=self.media_crypto,
            sms=tuple(self.sms),
            secrets=tuple(self.secrets),
            indicators=tuple(self.indicators),
            unmapped=unmapped,
            encoding=self.encoding,
            confidence=self.confidence,
        )


def safe_sniff(fn):  # type: ignore[no-untyped-def]
    """Decorator: a sniffer never raises (house style C4.1)."""

    def wrapper(head: bytes, name: str) -> bool:
        try:
            return bool(fn(head, name))
        except Exception:  # noqa: BLE001 - sniffers must never raise
            return False

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper
