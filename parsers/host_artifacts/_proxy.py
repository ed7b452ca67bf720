"""Shared vocabulary of the proxy-client parsers (Clash, V2Ray/Xray, sing-box, share
links): which proxy types run over UDP and which fields are credentials."""

from __future__ import annotations

UDP_TYPES = {"hysteria", "hysteria2", "hy2", "tuic", "wireguard", "kcp", "mkcp", "quic"}
SECRET_FIELDS = ("password", "uuid", "id", "auth", "auth-str", "auth_str", "private-key",
                 "private_key", "pre-shared-key", "pre_shared_key", "psk", "token", "obfs-password")


def transport_of(kind: str | None, network: str | None = None) -> str:
    """``udp`` for QUIC/KCP/WireGuard-based proxies, else ``tcp``."""
    k = (kind or "").lower()
    n = (network or "").lower()
    return "udp" if k in UDP_TYPES or n in UDP_TYPES else "tcp"
