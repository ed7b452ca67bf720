"""n2n edge.conf and edge command lines."""

from forensics.model.remote import detail_get
from parsers.host_artifacts import n2n

from .helpers import check_golden, run, sniff_file


def test_sniff():
    assert sniff_file(n2n.PARSER, "n2n/edge.conf")
    assert sniff_file(n2n.PARSER, "n2n/start_edge.bat")
    assert not sniff_file(n2n.PARSER, "negative_settings.ini")
    assert not sniff_file(n2n.PARSER, "negative_generic.log")


def test_edge_conf():
    (cfg,), ctx = run(n2n.PARSER, "n2n/edge.conf")
    assert ctx.warnings == []
    assert [(p.host, p.port, p.transport) for p in cfg.peers] == [("203.0.113.70", 7654, "udp")]
    assert detail_get(cfg.detail, "community") == "opsnet"
    assert detail_get(cfg.detail, "address") == "10.88.0.12"
    assert cfg.secret_names == ("key",) and "N2N-KEY" not in str(cfg.to_json())
    assert cfg.prov.line == 6


def test_batch_command_line():
    (cfg,), _ = run(n2n.PARSER, "n2n/start_edge.bat")
    assert [(p.host, p.port) for p in cfg.peers] == [("supernode.example-op.net", 7777)]
    assert detail_get(cfg.detail, "community") == "opsnet"
    assert "N2N-BAT-KEY" not in str(cfg.to_json())


def test_golden():
    check_golden(n2n.PARSER, "n2n/edge.conf")
