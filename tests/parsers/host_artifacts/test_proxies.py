"""Clash YAML, V2Ray/Xray/sing-box/Shadowsocks JSON and share links."""

from forensics.model.remote import detail_get
from parsers.host_artifacts import clash, share_links, v2ray

from .helpers import canonical, check_golden, dumps, run, sniff_file


def test_sniff():
    assert sniff_file(clash.PARSER, "clash/config.yaml")
    assert sniff_file(v2ray.PARSER, "v2ray/config.json")
    assert sniff_file(v2ray.PARSER, "v2ray/singbox.json")
    assert sniff_file(v2ray.PARSER, "v2ray/gui-config.json")
    assert sniff_file(share_links.PARSER, "share_links/links.txt")
    assert sniff_file(share_links.PARSER, "share_links/subscription.txt")
    for p in (clash.PARSER, v2ray.PARSER, share_links.PARSER):
        for f in ("negative_app.toml", "negative_generic.log", "frp/frpc.json", "frp/frpc.yaml"):
            assert not sniff_file(p, f), (p.name, f)


def test_clash_proxies_and_subscription():
    recs, ctx = run(clash.PARSER, "clash/config.yaml")
    (cfg,) = recs
    assert [(p.name, p.host, p.port, p.transport) for p in cfg.peers] == [
        ("HK-01", "hk1.example-airport.net", 443, "tcp"),
        ("SG-VLESS", "203.0.113.90", 443, "tcp"),
        ("JP-HY2", "198.51.100.91", 8443, "udp"),
    ]
    assert detail_get(cfg.peers[1].detail, "ws_host") == "cdn.example-op.net"
    assert detail_get(cfg.detail, "subscription").startswith("airport https://sub.example-airport.net/")
    assert cfg.secret_names == ("HK-01.password", "SG-VLESS.uuid", "JP-HY2.password")
    out = dumps(canonical(recs, ctx))
    assert "CLASH-TROJAN-PW" not in out and "1b2c3d4e-5f60" not in out


def test_v2ray_singbox_and_shadowsocks():
    (cfg,), _ = run(v2ray.PARSER, "v2ray/config.json")
    assert cfg.protocol == "v2ray"
    assert [(p.host, p.port, detail_get(p.detail, "sni")) for p in cfg.peers] == [
        ("203.0.113.92", 10086, "v2.example-op.net")]
    (sb,), _ = run(v2ray.PARSER, "v2ray/singbox.json")
    assert sb.protocol == "singbox"
    assert [(p.host, p.port, p.transport) for p in sb.peers] == [
        ("198.51.100.93", 443, "tcp"), ("203.0.113.94", 51820, "udp")]
    assert sb.peers[1].public_key == "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
    assert "SINGBOX-WG-PRIVATE" not in str(sb.to_json())
    (ss,), _ = run(v2ray.PARSER, "v2ray/gui-config.json")
    assert ss.protocol == "shadowsocks"
    assert [(p.name, p.host, p.port) for p in ss.peers] == [("HK-01", "203.0.113.80", 8388)]


def test_share_links_each_scheme_and_bad_link():
    recs, ctx = run(share_links.PARSER, "share_links/links.txt")
    got = [(r.protocol, r.peers[0].host, r.peers[0].port, r.peers[0].transport, r.prov.line) for r in recs]
    assert got == [
        ("v2ray", "203.0.113.95", 443, "tcp", 2),
        ("v2ray", "203.0.113.97", 443, "tcp", 3),
        ("trojan", "hk2.example-airport.net", 443, "tcp", 4),
        ("shadowsocks", "203.0.113.98", 8388, "tcp", 5),
        ("shadowsocks", "198.51.100.96", 8389, "tcp", 6),
        ("hysteria2", "198.51.100.99", 8443, "udp", 7),
    ]
    assert [(w.code, w.line) for w in ctx.warnings] == [("share-link-unparsable", 8)]
    out = dumps(canonical(recs, ctx))
    for s in ("SS-SIP002-PASSWORD", "SS-LEGACY-PASSWORD", "TROJAN-LINK-PASSWORD", "HY2-LINK-AUTH", "VMESS-UUID"):
        assert s not in out


def test_base64_subscription_body():
    recs, _ = run(share_links.PARSER, "share_links/subscription.txt")
    assert [(r.protocol, r.peers[0].host) for r in recs] == [
        ("v2ray", "203.0.113.97"), ("trojan", "hk2.example-airport.net")]


def test_golden():
    check_golden(clash.PARSER, "clash/config.yaml")
    check_golden(v2ray.PARSER, "v2ray/singbox.json")
    check_golden(share_links.PARSER, "share_links/links.txt")
