"""RustDesk configs, peer files and logs."""

from forensics.model.remote import RemoteEvent, RemoteToolConfig, detail_get
from parsers.host_artifacts import rustdesk

from .helpers import canonical, check_golden, dumps, run, sniff_file


def test_sniff():
    for f in ("RustDesk2.toml", "RustDesk.toml", "peers/987654321.toml", "RustDesk_rCURRENT.log"):
        assert sniff_file(rustdesk.PARSER, f"rustdesk/{f}"), f
    assert not sniff_file(rustdesk.PARSER, "negative_app.toml")
    assert not sniff_file(rustdesk.PARSER, "negative_generic.log")


def test_config2_self_hosted_servers_and_public_key():
    (cfg,), ctx = run(rustdesk.PARSER, "rustdesk/RustDesk2.toml")
    assert ctx.warnings == [] and isinstance(cfg, RemoteToolConfig)
    assert cfg.servers == ("198.51.100.77:21116", "198.51.100.77")
    assert detail_get(cfg.detail, "key") == "OeVuKk5nlHiXp+APNn0Y3pC1Iwpwn44JGqrQCsWqmBw="
    assert detail_get(cfg.detail, "self_hosted") == "yes"


def test_config_id_and_secrets():
    recs, ctx = run(rustdesk.PARSER, "rustdesk/RustDesk.toml")
    (cfg,) = recs
    assert cfg.local_id == "912345678"
    assert cfg.secret_names == ("password", "salt", "key_pair")
    assert "RD-PERM-PASSWORD-42" not in dumps(canonical(recs, ctx))


def test_peer_file_id_from_name():
    (ev,), _ = run(rustdesk.PARSER, "rustdesk/peers/987654321.toml")
    assert isinstance(ev, RemoteEvent)
    assert (ev.remote_id, ev.direction, ev.user) == ("987654321", "outgoing", "op-zhang")
    assert detail_get(ev.detail, "hostname") == "OPS-DESK-07"


def test_log_times_converted_with_line_offset():
    recs, ctx = run(rustdesk.PARSER, "rustdesk/RustDesk_rCURRENT.log")
    relay = [r for r in recs if r.event == "relay_request"][0]
    assert (relay.peer_ip, relay.peer_port) == ("203.0.113.45", 51234)
    assert relay.ts_ns == 1714702361_530_211_000  # 10:12:41.530211 +08:00 = 02:12:41 UTC
    assert detail_get(relay.detail, "relay_server") == "198.51.100.77:21117"
    assert [r.event for r in recs] == ["rendezvous", "relay_request", "direct_access"]


def test_broken_toml_warns_and_falls_back():
    (cfg,), ctx = run(rustdesk.PARSER, "rustdesk/broken_RustDesk2.toml")
    assert [(w.code, w.line) for w in ctx.warnings] == [("rustdesk-toml-invalid", 2)]
    assert cfg.servers == ("198.51.100.77:21116",)


def test_golden():
    check_golden(rustdesk.PARSER, "rustdesk/RustDesk2.toml")
    check_golden(rustdesk.PARSER, "rustdesk/RustDesk_rCURRENT.log")
