"""Gateway configuration records: one normalised :class:`GatewayConfig` per dump.

The model follows §0.1 of the gateway-format notes (``shared/spec/gateway-formats.md``):
identity, SIP servers, accounts, ports, routes, management surface, NAT, VPN, media
obfuscation, SMS link and every secret-bearing key.  Secrets are held only as
:class:`~forensics.model.core.Secret` (presence, length, short hash); the plaintext
never enters a record.  ``to_json()`` gives the ``gateway_configs[]`` contract form of
``shared/spec/findings.md`` plus the extra fields listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from forensics.model.core import Record, Secret

# Roles a SIP server can play (notes §0.1).
SERVER_ROLES = (
    "registrar",
    "proxy",
    "outbound_proxy",
    "backup_registrar",
    "backup_proxy",
    "backup_outbound_proxy",
    "trunk_peer",
    "relay",
    "domain",
)
# Route directions (notes §0.1); ip_to_tel routes are the key evidence.
ROUTE_DIRECTIONS = ("ip_to_tel", "tel_to_ip", "tel_to_tel", "ip_to_ip", "unknown")


@dataclass(frozen=True, slots=True)
class SipServer:
    """A SIP server the gateway talks to."""

    role: str  # one of SERVER_ROLES
    host: str  # host name or IP literal, as configured
    port: int | None  # configured port, None when not given
    transport: str | None  # "udp" | "tcp" | "tls" | None
    source_key: str  # the raw key / element / directive it came from
    line: int | None = None  # 1-based line in the dump, when known

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "host": self.host,
            "port": self.port,
            "transport": self.transport,
            "source_key": self.source_key,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Account:
    """One SIP identity (per port, per group or per trunk)."""

    id: str  # stable id inside the dump, e.g. "line1", "profile2", "gw:overseas"
    port: int | None  # 1-based gateway port the account serves, None if not per port
    username: str  # SIP user id (user part of the AOR); "" when not configured
    auth_id: str | None  # digest authentication user, when it differs or is given
    password: Secret  # never the plaintext
    display_name: str | None
    server_ref: str | None  # host[:port] of the server the account registers with
    register: bool | None  # registration enabled, None when unknown
    line_number: str | None  # landline / MSISDN / DID bound to the account's port
    source_key: str  # raw key prefix the account was built from
    line: int | None = None  # 1-based line of the username in the dump

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "port": self.port,
            "username": self.username,
            "auth_id": self.auth_id,
            "password": self.password.to_json(),
            "display_name": self.display_name,
            "server_ref": self.server_ref,
            "register": self.register,
            "line_number": self.line_number,
            "source_key": self.source_key,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Port:
    """A telephony port (FXO/FXS/GSM line) of the gateway."""

    index: int  # 1-based normalised port number
    kind: str  # "fxo" | "fxs" | "gsm" | "pstn" | "e1" | "unknown"
    raw_index: str  # the index as written in the dump ("0", "P3060", "fxsport1")
    line_number: str | None = None  # landline / MSISDN bound to the port
    inbound_target: str | None = None  # hotline / auto-dial / forward-to-VoIP number
    in_enabled: bool | None = None  # calls from the PSTN/GSM side accepted
    out_enabled: bool | None = None  # calls to the PSTN/GSM side allowed
    imei: str | None = None  # IMEI override (GSM gateways)
    account_ref: str | None = None  # Account.id serving the port
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "raw_index": self.raw_index,
            "line_number": self.line_number,
            "inbound_target": self.inbound_target,
            "in_enabled": self.in_enabled,
            "out_enabled": self.out_enabled,
            "imei": self.imei,
            "account_ref": self.account_ref,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Route:
    """A routing rule; ``direction`` says which side a call enters and leaves."""

    direction: str  # one of ROUTE_DIRECTIONS
    match_callee: str | None  # called-number prefix / pattern
    match_caller: str | None  # calling-number prefix / source address
    destination: str | None  # port(s), trunk, host or dial string
    raw: str  # the rule as written (never contains a secret)
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "match_callee": self.match_callee,
            "match_caller": self.match_caller,
            "destination": self.destination,
            "raw": self.raw,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Management:
    """A remote-management or remote-access surface."""

    kind: str  # tr069 | provisioning | firmware | cloud | remote_tunnel | web_wan | web |
    # telnet | ssh | syslog | admin | sim_bank
    target: str | None  # URL / host[:port] / port number / user name
    enabled: bool | None = None
    detail: str | None = None  # e.g. "connection-request user cpe-01"
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "enabled": self.enabled,
            "detail": self.detail,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Vpn:
    """A VPN client configured on the gateway."""

    type: str  # openvpn | l2tp | pptp | ipsec | n2n | unknown
    server: str | None
    port: int | None
    user: str | None
    password: Secret
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "server": self.server,
            "port": self.port,
            "user": self.user,
            "password": self.password.to_json(),
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Nat:
    """NAT traversal settings."""

    traversal: str | None = None  # none | stun | relay | keep-alive | upnp | raw value
    stun_server: str | None = None
    public_ip: str | None = None
    relay_server: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "traversal": self.traversal,
            "stun_server": self.stun_server,
            "public_ip": self.public_ip,
            "relay_server": self.relay_server,
        }


@dataclass(frozen=True, slots=True)
class MediaCrypto:
    """Proprietary signalling / RTP obfuscation (DBL SIP_CRYPT, Fanvil Signal Enc)."""

    signalling: str | None  # method name ("RC4", "VOS", "1") or None when off
    rtp: str | None
    key: Secret

    def to_json(self) -> dict[str, Any]:
        return {"signalling": self.signalling, "rtp": self.rtp, "key": self.key.to_json()}


@dataclass(frozen=True, slots=True)
class Sms:
    """Link to an SMS server (GoIP)."""

    server: str
    port: int | None
    client_id: str | None
    password: Secret

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "port": self.port,
            "client_id": self.client_id,
            "password": self.password.to_json(),
        }


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A secret-bearing key of the dump: where it was and what it hashes to."""

    path: str  # raw key / element path
    secret: Secret

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, **self.secret.to_json()}


@dataclass(frozen=True, slots=True)
class Indicator:
    """A fraud-relevant setting flagged automatically (notes §14)."""

    code: str  # stable kebab-case, e.g. "ip-to-tel-route", "remote-tunnel"
    message: str
    key: str | None = None  # raw key it rests on
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "key": self.key, "line": self.line}


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayConfig(Record):
    """One gateway configuration dump, normalised."""

    KIND: ClassVar[str] = "gateway.config"
    vendor: str  # "Grandstream", "DBL", ... ; "unknown" for the generic fallback
    format: str  # dump variant: "grandstream-pvalue", "dbl-kv", "asterisk-sip.conf", ...
    model: str | None = None
    serial: str | None = None
    mac: str | None = None  # lower-case colon form "00:0b:82:a1:b2:c3"
    lan_ip: str | None = None
    firmware: str | None = None
    hostname: str | None = None
    sip_servers: tuple[SipServer, ...] = ()
    accounts: tuple[Account, ...] = ()
    ports: tuple[Port, ...] = ()
    routes: tuple[Route, ...] = ()
    management: tuple[Management, ...] = ()
    nat: Nat | None = None
    vpn: tuple[Vpn, ...] = ()
    media_crypto: MediaCrypto | None = None
    sms: tuple[Sms, ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    unmapped: int = 0  # raw keys that no field map used
    encoding: str = "utf-8"  # text encoding the dump was decoded with
    confidence: str = "high"  # "high" recognised family | "low" generic fallback

    def to_json(self) -> dict[str, Any]:
        """Contract ``gateway_configs[]`` fields plus the normalised extras
        (``device``, ``evidence`` and ``sources`` are added by correlation)."""
        return {
            "vendor": self.vendor,
            "format": self.format,
            "model": self.model,
            "serial": self.serial,
            "mac": self.mac,
            "lan_ip": self.lan_ip,
            "firmware": self.firmware,
            "hostname": self.hostname,
            "sip_servers": [s.to_json() for s in self.sip_servers],
            "accounts": [a.to_json() for a in self.accounts],
            "ports": [p.to_json() for p in self.ports],
            "routes": [r.to_json() for r in self.routes],
            "management": [m.to_json() for m in self.management],
            "nat": self.nat.to_json() if self.nat else None,
            "vpn": [v.to_json() for v in self.vpn],
            "media_crypto": self.media_crypto.to_json() if self.media_crypto else None,
            "sms": [s.to_json() for s in self.sms],
            "secrets": [s.to_json() for s in self.secrets],
            "indicators": [i.to_json() for i in self.indicators],
            "unmapped": self.unmapped,
            "encoding": self.encoding,
            "confidence": self.confidence,
        }
