"""Which files on a seized disk are handed to gatetrace's parsers: the one list.

A file inside an image becomes a container member when

1. its path matches one of :data:`PATH_RULES` (known artifact locations, taken from
   the host-artifact sections of ``shared/spec/remote-tunnel-signatures.md``: AnyDesk,
   TeamViewer, ToDesk, Sunlogin, RustDesk, Splashtop, VNC, Radmin, OpenVPN,
   WireGuard, IPsec/RAS phonebooks, frp, nps, ngrok, n2n, ZeroTier, Tailscale,
   proxy clients, Tor; plus registry hives and remote-access event logs, whose keys
   those sections cite), within the rule's size limit; or
2. its size is at most the sniff limit (default 16 MiB, option
   ``image_sniff_limit``) and its first 64 KiB start with a capture magic
   (:data:`CAPTURE_MAGICS`) or contain one of :data:`TEXT_SIGNATURES`.

Paths are matched lower-case, with ``/`` separators and a leading ``/`` relative to
the file-system root, by :func:`fnmatch.fnmatchcase` (``*`` also crosses ``/``);
the first matching rule gives the reason, so narrower rules come first.
``%APPDATA%`` is written ``*/appdata/roaming``, ``%LOCALAPPDATA%``
``*/appdata/local``, ``C:\\Program Files*`` ``*/program files*``.  Generic
extension rules (``*.ini``, ``*.xml``…) do not apply under :data:`GENERIC_SKIP`
(Windows system folders hold hundreds of thousands of XML manifests).
The text signatures are deliberately few and specific; each names what it finds.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

KIB = 1024
MIB = 1024 * KIB
NO_LIMIT = None

# (pattern, size limit in bytes or None, why)
PATH_RULES: tuple[tuple[str, int | None, str], ...] = (
    # captures, whatever their size (streamed, never loaded whole)
    ("*.pcap", NO_LIMIT, "capture"),
    ("*.pcapng", NO_LIMIT, "capture"),
    ("*.cap", NO_LIMIT, "capture"),
    ("*.pcap.gz", NO_LIMIT, "capture"),
    # AnyDesk
    ("*/ad.trace", NO_LIMIT, "anydesk trace"),
    ("*/ad_svc.trace", NO_LIMIT, "anydesk trace"),
    ("*/anydesk/*.trace", NO_LIMIT, "anydesk trace"),
    ("*/anydesk/ad_*/*.trace", NO_LIMIT, "anydesk trace"),
    ("*/anydesk/connection_trace.txt", NO_LIMIT, "anydesk connections"),
    ("*/anydesk/file_transfer_trace.txt", NO_LIMIT, "anydesk file transfers"),
    ("*/anydesk/*.conf", 5 * MIB, "anydesk config"),
    ("*/anydesk/chat/*.txt", 5 * MIB, "anydesk chat"),
    # TeamViewer
    ("*/connections_incoming.txt", NO_LIMIT, "teamviewer incoming"),
    ("*/teamviewer/connections_incoming.txt", NO_LIMIT, "teamviewer incoming"),
    ("*/teamviewer/connections.txt", NO_LIMIT, "teamviewer outgoing"),
    ("*/teamviewer/teamviewer*_logfile*.log", NO_LIMIT, "teamviewer log"),
    ("*/teamviewer/mru/remotesupport/*.tvc", 5 * MIB, "teamviewer mru"),
    ("*/temp/teamviewer/tv*install.log", 5 * MIB, "teamviewer install log"),
    # ToDesk, Sunlogin (Oray), RustDesk, Splashtop, Chrome Remote Desktop
    ("*/todesk*/config.ini", 5 * MIB, "todesk config"),
    ("*/todesk*/logs/*.log", NO_LIMIT, "todesk log"),
    ("*/oray/*/log/*.log*", NO_LIMIT, "sunlogin log"),
    ("*/oray/*/config.ini", 5 * MIB, "sunlogin config"),
    ("*/rustdesk/config/peers/*.toml", 5 * MIB, "rustdesk peer"),
    ("*/rustdesk/config/*.toml", 5 * MIB, "rustdesk config"),
    ("*/rustdesk/log/*", NO_LIMIT, "rustdesk log"),
    ("*/rustdesk-server/*.log", NO_LIMIT, "rustdesk server log"),
    ("*/splashtop*/log/*.txt", NO_LIMIT, "splashtop log"),
    ("*/chrome remote desktop/host.json", 5 * MIB, "chrome remote desktop host"),
    # VNC, Radmin
    ("*/realvnc*/vnc*.log", NO_LIMIT, "realvnc log"),
    ("*/tightvnc/server/logs/*", NO_LIMIT, "tightvnc log"),
    ("*/winvnc.log", NO_LIMIT, "ultravnc log"),
    ("*/rserver30/radm_log.htm", NO_LIMIT, "radmin log"),
    ("*/rserver30/chatlogs/*", 5 * MIB, "radmin chat"),
    ("*/radmin/*.rpb", 5 * MIB, "radmin phonebook"),
    # OpenVPN, WireGuard, IPsec / RAS, SoftEther
    ("*.ovpn", 5 * MIB, "openvpn profile"),
    ("*/openvpn/log/*.log", NO_LIMIT, "openvpn log"),
    ("*/openvpn/*.conf", 5 * MIB, "openvpn config"),
    ("*/wireguard/*.conf", 5 * MIB, "wireguard config"),
    ("*/wireguard/*.conf.dpapi", 5 * MIB, "wireguard config (dpapi)"),
    ("*/wireguard/data/configurations/*", 5 * MIB, "wireguard config (dpapi)"),
    ("*/pbk/rasphone.pbk", 5 * MIB, "ras phonebook"),
    ("*/ipsec.conf", 5 * MIB, "strongswan config"),
    ("*/swanctl.conf", 5 * MIB, "strongswan config"),
    ("*/vpn_client.config", 5 * MIB, "softether client"),
    ("*.vpn", 5 * MIB, "softether account"),
    # frp, nps, ngrok, n2n, ZeroTier, Tailscale
    ("*/frpc.*", 5 * MIB, "frp client config"),
    ("*/frps.*", 5 * MIB, "frp server config"),
    ("*/npc.conf", 5 * MIB, "nps client config"),
    ("*/ngrok.yml", 5 * MIB, "ngrok config"),
    ("*/edge.conf", 5 * MIB, "n2n edge config"),
    ("*/supernode.conf", 5 * MIB, "n2n supernode config"),
    ("*/zerotier*/identity.public", 5 * MIB, "zerotier identity"),
    ("*/zerotier*/networks.d/*", 5 * MIB, "zerotier network"),
    ("*/zerotier*/peers.d/*", 5 * MIB, "zerotier peer"),
    ("*/zerotier*/moons.d/*", 5 * MIB, "zerotier moon"),
    ("*/zerotier*/planet", 5 * MIB, "zerotier planet"),
    ("*/tailscale/server-state.conf", 5 * MIB, "tailscale state"),
    ("*/tailscale/tailscaled.state", 5 * MIB, "tailscale state"),
    ("*/tailscale/logs/tailscale-service*.txt", NO_LIMIT, "tailscale log"),
    # proxies, SSH, Tor
    ("*/gui-config.json", 5 * MIB, "shadowsocks config"),
    ("*/guinconfig.json", 5 * MIB, "v2rayn config"),
    ("*/guiconfigs/guindb.db", 64 * MIB, "v2rayn profiles"),
    ("*/clash*/config.yaml", 5 * MIB, "clash config"),
    ("*/clash*/profiles/*.y*ml", 5 * MIB, "clash profile"),
    ("*/profiles/*.ppx", 5 * MIB, "proxifier profile"),
    ("*/.ssh/known_hosts", 5 * MIB, "ssh known hosts"),
    ("*/.ssh/config", 5 * MIB, "ssh client config"),
    ("*/winscp.ini", 5 * MIB, "winscp config"),
    ("*/tor/torrc", 5 * MIB, "tor config"),
    ("*/tor/state", 5 * MIB, "tor state"),
    # Windows registry (exports and hives) and remote-access event logs
    ("*.reg", 64 * MIB, "registry export"),
    ("*/ntuser.dat", NO_LIMIT, "registry hive"),
    ("*/windows/system32/config/software", NO_LIMIT, "registry hive"),
    ("*/windows/system32/config/system", NO_LIMIT, "registry hive"),
    ("*/winevt/logs/*terminalservices*.evtx", NO_LIMIT, "rdp event log"),
    ("*/winevt/logs/*splashtop*.evtx", NO_LIMIT, "splashtop event log"),
    ("*/winevt/logs/security.evtx", NO_LIMIT, "event log"),
    ("*/winevt/logs/application.evtx", NO_LIMIT, "event log"),
    ("*/winevt/logs/system.evtx", NO_LIMIT, "event log"),
    # gateway configuration backups and Linux-side configs (small text)
    ("*/asterisk/*.conf", 5 * MIB, "asterisk config"),
    ("*/etc/config/*", 5 * MIB, "openwrt config"),
    ("*.cfg", 5 * MIB, "config file"),
    ("*.xml", 5 * MIB, "config file"),
    ("*.ini", 5 * MIB, "config file"),
    ("*.conf", 5 * MIB, "config file"),
    ("*.toml", 5 * MIB, "config file"),
)

# Rules from the last block ("config file") are generic: they skip these folders.
GENERIC_REASON = "config file"
GENERIC_SKIP: tuple[str, ...] = (
    "/windows/*",
    "*/windows/winsxs/*",
    "*/program files*/windowsapps/*",
    "*/node_modules/*",
    "*/site-packages/*",
    "*/.git/*",
    "/usr/share/*",
    "/usr/lib/*",
    "*/appdata/local/microsoft/*",
)

# Folders never content-sniffed (huge numbers of system files, nothing of ours).
SNIFF_SKIP: tuple[str, ...] = (
    "*/windows/winsxs/*",
    "*/windows/servicing/*",
    "*/windows/installer/*",
    "*/windows/assembly/*",
    "*/windows/microsoft.net/*",
    "*/windows/softwaredistribution/*",
)

# Capture files: libpcap (µs and ns, both byte orders), pcapng, snoop, Network Monitor.
CAPTURE_MAGICS: tuple[bytes, ...] = (
    b"\xd4\xc3\xb2\xa1",
    b"\xa1\xb2\xc3\xd4",
    b"\x4d\x3c\xb2\xa1",
    b"\xa1\xb2\x3c\x4d",
    b"\x0a\x0d\x0d\x0a",
    b"snoop\x00\x00\x00",
    b"GMBU",
)

# (signature bytes, what it indicates).  Matched in the first 64 KiB, after
# UTF-16LE text (BOM FF FE) is re-encoded as UTF-8.
TEXT_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"REGISTER sip:", "sip message"),
    (b"INVITE sip:", "sip message"),
    (b"urn:dslforum-org:cwmp", "tr-069 cwmp"),
    (b"ad.anynet.id", "anydesk config"),
    (b"anynet.any_socket", "anydesk trace"),
    (b"[ConfigInfo]", "todesk config"),
    (b"[Interface]\nPrivateKey", "wireguard config"),
    (b"[Interface]\r\nPrivateKey", "wireguard config"),
    (b"vmess://", "proxy share link"),
    (b"vless://", "proxy share link"),
    (b"trojan://", "proxy share link"),
    (b"hysteria2://", "proxy share link"),
    (b"custom-rendezvous-server", "rustdesk config"),
    (b"server_addr", "frp/ngrok config"),
    (b"serverAddr", "frp config"),
    (b"Windows Registry Editor Version 5.00", "registry export"),
    (b"REGEDIT4", "registry export"),
    (b"<gs_provision", "grandstream config"),
    (b"<flat-profile", "cisco spa config"),
    (b";** Ini File **", "audiocodes config"),
    (b"[SYSTEM Params]", "audiocodes config"),
    (b"<<VOIP CONFIG FILE>>", "fanvil/atcom config"),
    (b"<VOIP_CONFIG_FILE>", "fanvil config"),
    (b"SIP_CONFIG_MODE=", "dbl/goip config"),
    (b"context sip-gateway", "patton config"),
    (b"<hl_provision", "htek config"),
)


def path_rule(path: str, size: int) -> str | None:
    """The reason a file at ``path`` (``/``-rooted) of ``size`` bytes is kept, or None."""
    p = path.lower()
    for pattern, limit, why in PATH_RULES:
        if not fnmatchcase(p, pattern):
            continue
        if limit is not None and size > limit:
            continue
        if why == GENERIC_REASON and any(fnmatchcase(p, s) for s in GENERIC_SKIP):
            continue
        return why
    return None


def may_sniff(path: str, size: int, limit: int) -> bool:
    """Whether a file's content is worth sniffing (size and folder)."""
    if size <= 0 or size > limit:
        return False
    p = path.lower()
    return not any(fnmatchcase(p, s) for s in SNIFF_SKIP)


def content_rule(head: bytes) -> str | None:
    """What the first bytes of a file reveal (capture magic or text signature)."""
    for magic in CAPTURE_MAGICS:
        if head.startswith(magic):
            return "capture"
    if head.startswith(b"\xff\xfe"):
        head = head.decode("utf-16-le", "ignore").encode("utf-8")
    for sig, why in TEXT_SIGNATURES:
        if sig in head:
            return why
    return None
