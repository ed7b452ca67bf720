"""frp client configs in all four formats."""

from forensics.model.remote import detail_get
from parsers.host_artifacts import frp

from .helpers import canonical, check_golden, dumps, run, sniff_file


def test_sniff():
    for f in ("frpc.ini", "frpc.toml", "frpc.yaml", "frpc.json"):
        assert sniff_file(frp.PARSER, f"frp/{f}"), f
    for f in ("negative_settings.ini", "negative_app.toml", "rustdesk/RustDesk2.toml"):
        assert not sniff_file(frp.PARSER, f), f


def test_formats_give_server_and_proxies():
    got = {}
    for f in ("frpc.ini", "frpc.toml", "frpc.yaml", "frpc.json"):
        (cfg,), ctx = run(frp.PARSER, f"frp/{f}")
        assert ctx.warnings == [], f
        p = cfg.peers[0]
        got[f] = (p.host, p.port, p.transport, [v for k, v in cfg.detail if k == "proxy"], cfg.secret_names)
    assert got == {
        "frpc.ini": ("203.0.113.60", 7000, "tcp", ["gw-web tcp 192.168.1.1:80 -> 18080"], ("token",)),
        "frpc.toml": ("frp.example-op.net", 7001, "kcp", ["rdp tcp 127.0.0.1:3389 -> 13389"], ("token",)),
        "frpc.yaml": ("198.51.100.61", 7000, "tcp", ["gw-ssh tcp 192.168.1.1:22 -> 16022"], ("token",)),
        "frpc.json": ("198.51.100.62", 7000, "tcp", ["web http 127.0.0.1:80 -> ['gw.example-op.net']"], ("token",)),
    }


def test_ini_tls_flag_and_no_token_leak():
    recs, ctx = run(frp.PARSER, "frp/frpc.ini")
    assert detail_get(recs[0].detail, "tls_enable") == "true"
    assert "FRP-TOKEN-s3cr3t" not in dumps(canonical(recs, ctx))


def test_truncated_json_warns():
    recs, ctx = run(frp.PARSER, "frp/truncated_frpc.json")
    assert recs == []
    assert [(w.code, w.line) for w in ctx.warnings] == [("frp-config-invalid", 1)]


def test_golden():
    check_golden(frp.PARSER, "frp/frpc.toml")
