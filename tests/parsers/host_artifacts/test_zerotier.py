"""ZeroTier identity files and local.conf."""

from parsers.host_artifacts import zerotier

from .helpers import canonical, check_golden, dumps, run, run_bytes, sniff_file


def test_sniff():
    for f in ("identity.public", "identity.secret", "local.conf"):
        assert sniff_file(zerotier.PARSER, f"zerotier/{f}"), f
    assert not sniff_file(zerotier.PARSER, "frp/frpc.json")


def test_identity_secret_masked():
    recs, ctx = run(zerotier.PARSER, "zerotier/identity.secret")
    (cfg,) = recs
    assert cfg.local_public_key == "89e92ceee5"
    assert cfg.secret_names == ("identity_private",) and cfg.secrets[0].length == 128
    assert "cd" * 64 not in dumps(canonical(recs, ctx))
    (pub,), _ = run(zerotier.PARSER, "zerotier/identity.public")
    assert pub.secrets == ()


def test_local_conf_try_paths():
    (cfg,), _ = run(zerotier.PARSER, "zerotier/local.conf")
    assert [(p.host, p.port, p.name) for p in cfg.peers] == [("203.0.113.75", 9993, "1a2b3c4d5e")]


def test_local_conf_truncated_warns():
    data = b'{"physical": {}, "settings": {"primaryPort": 99'
    recs, ctx = run_bytes(zerotier.PARSER, data, "local.conf")
    assert recs == [] and [w.code for w in ctx.warnings] == ["zerotier-local-conf-invalid"]


def test_golden():
    check_golden(zerotier.PARSER, "zerotier/local.conf")
