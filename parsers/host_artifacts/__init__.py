"""Parsers for files taken from seized laptops: remote-control logs and configs,
VPN / tunnel / proxy client configurations, SSH client traces."""

from parsers.host_artifacts import (
    anydesk,
    clash,
    frp,
    n2n,
    openssh,
    openvpn,
    putty_winscp,
    rustdesk,
    share_links,
    sunlogin,
    teamviewer,
    todesk,
    v2ray,
    wireguard,
    zerotier,
)

# Sniff order: specific layouts first; the share-link scanner (which accepts any text
# holding a proxy link) last.
PARSERS = (
    anydesk.PARSER,
    teamviewer.PARSER,
    rustdesk.PARSER,
    sunlogin.PARSER,
    todesk.PARSER,
    wireguard.PARSER,
    openvpn.PARSER,
    frp.PARSER,
    n2n.PARSER,
    zerotier.PARSER,
    putty_winscp.PARSER,
    openssh.PARSER,
    v2ray.PARSER,
    clash.PARSER,
    share_links.PARSER,
)
