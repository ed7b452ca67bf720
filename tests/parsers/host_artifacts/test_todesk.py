"""ToDesk config.ini and (generically read) logs."""

from forensics.model.remote import RemoteToolConfig, detail_get
from parsers.host_artifacts import todesk

from .helpers import check_golden, dumps, canonical, run, sniff_file


def test_sniff():
    assert sniff_file(todesk.PARSER, "todesk/config.ini")
    assert not sniff_file(todesk.PARSER, "negative_settings.ini")
    assert not sniff_file(todesk.PARSER, "negative_generic.log")
    # the invented log format is only claimed under a ToDesk path or name
    assert todesk.PARSER.sniff(b"[2024-05-03 10:12:40.118][info] x 203.0.113.45:1\n", "ToDesk/Logs/session_1.log")
    assert not todesk.PARSER.sniff(b"[2024-05-03 10:12:40.118][info] x 203.0.113.45:1\n", "app/session_1.log")


def test_config_id_user_and_secrets_masked():
    recs, ctx = run(todesk.PARSER, "todesk/config.ini")
    assert ctx.warnings == []
    (cfg,) = recs
    assert isinstance(cfg, RemoteToolConfig)
    assert cfg.local_id == "912345678" and cfg.user == "op_zhang@example.com"
    assert detail_get(cfg.detail, "localPort") == "35600"
    assert cfg.secret_names == ("PrivateData", "tempAuthPassEx", "authPassEx")
    assert cfg.secrets[2].length == len("TOPSECRET-AUTH-PASS-EX")
    assert "TOPSECRET" not in dumps(canonical(recs, ctx))


def test_log_generic_extraction_is_low_confidence():
    from parsers.base import ParseContext, Source

    path = "tests/fixtures/host_artifacts/todesk/session_20240503.log"
    src = Source.from_path(path, name="C:/Program Files/ToDesk/Logs/session_20240503.log")
    ctx = ParseContext(evidence_id="E1", parser="todesk@1")
    recs = list(todesk.PARSER.parse(src, ctx))
    assert [(r.remote_id, r.peer_ip, r.peer_port, r.prov.line) for r in recs] == [
        ("987654321", "203.0.113.45", 51234, 1), ("987654321", None, None, 3)]
    assert {r.confidence for r in recs} == {"low"}


def test_golden():
    check_golden(todesk.PARSER, "todesk/config.ini")
