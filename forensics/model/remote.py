"""Host-artifact records from seized laptops: remote-control events and tunnel configs.

Produced by ``parsers/host_artifacts/*`` from remote-control logs (AnyDesk,
TeamViewer, ToDesk, Sunlogin, RustDesk, SSH clients) and from VPN / tunnel / proxy
configurations (OpenVPN, WireGuard, frp, n2n, ZeroTier, Clash, V2Ray, sing-box,
Shadowsocks, SSH).  Correlation turns them into ``remote_sessions[]`` and
``tunnels[]`` rows (``forensics/correlate/host_artifacts.py``).

Times: ``ts_ns`` is nanoseconds since the Unix epoch.  Many logs write local wall-clock
times without a zone; then ``ts_ns`` holds that wall-clock time *as if* it were UTC and
``detail`` carries ``("time_zone", "unknown-local")``.  Nothing is converted on a guess.

Secrets (passwords, private keys, tokens, proxy UUIDs) are kept only as
:class:`~forensics.model.core.Secret` (presence, length, short hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from forensics.model.core import Record, Secret

Detail = tuple[tuple[str, str], ...]

TIME_ZONE_KEY = "time_zone"  # detail key saying how ts_ns is to be read
UNKNOWN_LOCAL = "unknown-local"  # wall-clock time of an unknown zone, stored as if UTC


def detail_get(detail: Detail, key: str) -> str | None:
    """The first value stored under ``key`` in a detail tuple, or None."""
    for k, v in detail:
        if k == key:
            return v
    return None


def _prov_json(rec: Record) -> dict[str, Any]:
    out = rec.prov.source()
    out["parser"] = rec.prov.parser
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteEvent(Record):
    """One remote-control fact from a host log or registry: a session, a login from an
    address, a hole-punch, a known SSH host, ..."""

    KIND: ClassVar[str] = "host.remote_event"
    tool: str  # "anydesk", "teamviewer", "todesk", "sunlogin", "rustdesk", "ssh", "putty", "winscp"
    event: str  # what the line says: "session", "login", "punch", "participant", "known_host", ...
    direction: str | None = None  # "incoming" (this host controlled) | "outgoing" | None
    remote_id: str | None = None  # tool id of the other side (AnyDesk/TeamViewer/ToDesk id)
    peer_ip: str | None = None  # address of the other side (not a vendor relay) if logged
    peer_port: int | None = None
    local_id: str | None = None  # this host's own tool id, if the line gives it
    user: str | None = None  # local or remote account name the line gives
    ts_ns: int | None = None  # start / event time (see module docstring for zones)
    end_ts_ns: int | None = None  # end of the session, if logged
    detail: Detail = ()  # further facts, e.g. (("remote_name", "OPS-DESK-07"),)
    confidence: str = "high"  # "high" | "medium" | "low": how sure the reading is

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "tool": self.tool,
            "event": self.event,
            "direction": self.direction,
            "remote_id": self.remote_id,
            "peer_ip": self.peer_ip,
            "peer_port": self.peer_port,
            "local_id": self.local_id,
            "user": self.user,
            "ts_ns": self.ts_ns,
            "end_ts_ns": self.end_ts_ns,
            "detail": [list(kv) for kv in self.detail],
            "confidence": self.confidence,
            "prov": _prov_json(self),
        }


@dataclass(frozen=True, slots=True)
class TunnelPeer:
    """A far end named in a tunnel or proxy config."""

    host: str  # IP literal or host name, as written
    port: int | None = None
    transport: str | None = None  # "udp" | "tcp" | "kcp" | "quic" | "ws" | ... as configured
    public_key: str | None = None  # WireGuard base64 public key of the peer (not secret)
    name: str | None = None  # profile / proxy / section name
    detail: Detail = ()  # per-peer extras: proxy type, SNI, allowed IPs, ...

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "transport": self.transport,
            "public_key": self.public_key,
            "name": self.name,
            "detail": [list(kv) for kv in self.detail],
        }


def _secrets_json(names: tuple[str, ...], secrets: tuple[Secret, ...]) -> list[dict]:
    out = []
    for i, s in enumerate(secrets):
        d: dict[str, Any] = {"name": names[i] if i < len(names) else None}
        d.update(s.to_json())
        out.append(d)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class TunnelConfig(Record):
    """A VPN / tunnel / proxy client configuration and the far ends it names."""

    KIND: ClassVar[str] = "host.tunnel_config"
    protocol: str  # "openvpn", "wireguard", "frp", "n2n", "zerotier", "clash", "v2ray", ...
    peers: tuple[TunnelPeer, ...] = ()
    local_public_key: str | None = None  # WireGuard: derived from the PrivateKey; ZeroTier id
    user: str | None = None  # account / user name configured
    secrets: tuple[Secret, ...] = ()  # keys, tokens, passwords: never the raw value
    secret_names: tuple[str, ...] = ()  # what each entry of ``secrets`` is ("token", ...)
    detail: Detail = ()
    confidence: str = "high"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "protocol": self.protocol,
            "peers": [p.to_json() for p in self.peers],
            "local_public_key": self.local_public_key,
            "user": self.user,
            "secrets": _secrets_json(self.secret_names, self.secrets),
            "detail": [list(kv) for kv in self.detail],
            "confidence": self.confidence,
            "prov": _prov_json(self),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteToolConfig(Record):
    """A remote-control tool's own settings: its id and the servers it uses."""

    KIND: ClassVar[str] = "host.remote_config"
    tool: str
    local_id: str | None = None  # this installation's id (ToDesk clientId, RustDesk id, ...)
    servers: tuple[str, ...] = ()  # rendezvous / relay / API servers, "host" or "host:port"
    user: str | None = None  # logged-in account or configured user name
    secrets: tuple[Secret, ...] = ()
    secret_names: tuple[str, ...] = ()
    detail: Detail = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "tool": self.tool,
            "local_id": self.local_id,
            "servers": list(self.servers),
            "user": self.user,
            "secrets": _secrets_json(self.secret_names, self.secrets),
            "detail": [list(kv) for kv in self.detail],
            "prov": _prov_json(self),
        }
