"""Sunlogin logs (one GBK) and config.ini."""

from forensics.model.remote import detail_get
from parsers.host_artifacts import sunlogin

from .helpers import check_golden, run, run_bytes, sniff_file

SERVICE = "sunlogin/sunlogin_service.20240503-101200.log"
REMOTE = "sunlogin/remote_desktop.20240506-090000.log"


def test_sniff():
    assert sniff_file(sunlogin.PARSER, SERVICE)
    assert sniff_file(sunlogin.PARSER, REMOTE)
    assert sniff_file(sunlogin.PARSER, "sunlogin/config.ini")
    assert not sniff_file(sunlogin.PARSER, "negative_settings.ini")
    assert not sniff_file(sunlogin.PARSER, "negative_generic.log")


def test_gbk_service_log_incoming_peer_is_left_side():
    recs, ctx = run(sunlogin.PARSER, SERVICE)
    assert ctx.warnings == []
    (ev,) = recs
    assert ev.direction == "incoming"
    assert (ev.peer_ip, ev.peer_port) == ("198.51.100.4", 37166)
    assert detail_get(ev.detail, "relay") == "198.51.100.87:4118"
    assert detail_get(ev.detail, "b_priv") == "10.8.0.6:15834"
    assert ev.prov.line == 2


def test_remote_desktop_log_outgoing_peer_is_right_side():
    (ev,), _ = run(sunlogin.PARSER, REMOTE)
    assert ev.direction == "outgoing"
    assert (ev.peer_ip, ev.peer_port) == ("203.0.113.47", 16000)


def test_unknown_name_keeps_peer_unknown():
    data = open(f"tests/fixtures/host_artifacts/{REMOTE}", "rb").read()
    (ev,), _ = run_bytes(sunlogin.PARSER, data, "renamed.log")
    assert ev.direction is None and ev.peer_ip is None and ev.confidence == "low"


def test_config_masks_password():
    (cfg,), _ = run(sunlogin.PARSER, "sunlogin/config.ini")
    assert cfg.local_id == "k123456789"
    assert cfg.secret_names == ("encry_pwd",)
    assert "SUNLOGIN-ENC-PWD" not in str(cfg.to_json())


def test_golden():
    check_golden(sunlogin.PARSER, SERVICE)
