"""Cross-family guarantees: no secret in any output, negatives unclaimed, bad input
becomes warnings (never an exception)."""

from __future__ import annotations

import pytest
from gw_helpers import (
    EXPECTED,
    FIXTURES,
    canonical,
    dumps,
    passwords_in,
    run,
    run_source,
)

from parsers.base import Source
from parsers.gateway_configs import PARSERS


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_no_password_in_output(fixture: str) -> None:
    out = dumps(canonical(fixture))
    for pw in passwords_in(fixture):
        # short values (PINs like "1234") are checked as whole JSON strings, since they
        # also occur inside phone numbers
        needle = pw if len(pw) >= 6 else dumps(pw).strip()
        assert needle not in out, f"{pw!r} leaked from {fixture}"


def test_leak_check_finds_passwords() -> None:
    """The leak test is only as good as its password harvest: check it finds some."""
    assert {"Ln1-Secret!", "RadminKey!"} <= passwords_in("dbl-goip8.txt")
    assert "Fxo01-Secret" in passwords_in("patton-sn4114-fxo.cfg")
    assert "Trk01-Secret" in passwords_in("asterisk-sip.conf")
    assert "$1$Rnhvc2VjcmV0MDE=" in passwords_in("audiocodes-mp118-fxo.ini")


def test_rc4_plaintext_secrets_do_not_leak() -> None:
    out = dumps(canonical("dbl-goip8-autocfg-rc4.bin"))
    for pw in passwords_in("dbl-goip8.txt"):
        assert pw not in out


@pytest.mark.parametrize("fixture", ["nginx.conf", "game-settings.ini", "maven-settings.xml"])
def test_negative_not_claimed(fixture: str) -> None:
    src = Source.from_path(str(FIXTURES / "negative" / fixture), name=fixture)
    assert [p.name for p in PARSERS if p.sniff(src.head, src.name)] == []


@pytest.mark.parametrize("fixture", ["entity-expansion.xml", "external-entity.xml"])
def test_xml_forbidden_construct(fixture: str) -> None:
    name, records, ctx = run(f"bad/{fixture}")
    assert name in ("grandstream", "yeastar")
    assert records == []
    assert [w.code for w in ctx.warnings] == ["xml-forbidden-construct"]


def test_rc4_without_matching_key() -> None:
    name, records, ctx = run("bad/dbl-rc4-unknown-key.bin")
    assert name == "dbl_goip"
    assert records == []
    assert [w.code for w in ctx.warnings] == ["dbl-rc4-no-key"]


def test_invalid_gbk_falls_back_to_latin1() -> None:
    name, (cfg,), ctx = run("bad/dbl-invalid-gbk.txt")
    assert name == "dbl_goip"
    assert cfg.encoding == "latin-1"
    assert cfg.accounts[0].username == "5001"
    assert cfg.accounts[0].auth_id == "bad\x81\xff\xfe"
    assert cfg.sip_servers[0].host == "192.0.2.5"


def test_ten_megabyte_single_line() -> None:
    """10 MB on one line: nobody claims it and no sniffer raises; a parser forced on it
    warns instead of failing."""
    blob = b"P1=" + b"A" * (10 * 1024 * 1024)
    src = Source.from_bytes(blob, "huge.txt")
    name, records, ctx = run_source(src)
    assert name in (None, "grandstream")
    from parsers.gateway_configs import dbl_goip, generic

    for mod in (generic, dbl_goip):
        from parsers.base import ParseContext

        c = ParseContext(evidence_id="E9")
        recs = list(mod.PARSER.parse(src, c))
        assert all(r.KIND == "gateway.config" for r in recs)


def test_binary_garbage_not_claimed_as_text() -> None:
    src = Source.from_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "x.png")
    assert [p.name for p in PARSERS if p.sniff(src.head, src.name)] == []


def test_registry_order_and_names() -> None:
    names = [p.name for p in PARSERS]
    assert len(names) == len(set(names))
    assert names[-1] == "generic"
    assert all(p.kind == "gateway_config" for p in PARSERS)
    import importlib

    for p in PARSERS:
        assert importlib.import_module(f"parsers.gateway_configs.{p.name}").PARSER is p
