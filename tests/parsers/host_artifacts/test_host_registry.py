"""All host-artifact parsers together: registration, exclusive sniffing, negatives,
secret leaks, garbage and truncated input, streaming across chunk boundaries."""

import random

import pytest

from parsers.base import ParseContext, Source, WrongFormat
from parsers.host_artifacts import PARSERS, _common

from .helpers import FIXTURES, canonical, dumps

NEGATIVES = ("negative_generic.log", "negative_settings.ini", "negative_app.toml")
FILES = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file())
POSITIVES = [f for f in FILES if f not in NEGATIVES]
# every secret value written into the fixtures (raw, as it appears there)
SECRETS = (
    "OVPN-PRIVATE-KEY-MATERIAL", "TLSAUTHSECRET", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "FRP-TOKEN-s3cr3t", "FRP-TOML-TOKEN",
    "FRP-YAML-TOKEN", "FRP-JSON-TOKEN", "N2N-KEY-s3cret", "N2N-BAT-KEY", "cd" * 64,
    "TOPSECRET-AUTH-PASS-EX", "5f0b1c2d3e4f5a6b7c8d9e0fc1", "9a1c77e2d0b14455aa", "SUNLOGIN-ENC-PWD-XYZ",
    "RD-PERM-PASSWORD-42", "A35C4F5DWINSCPOBFUSCATEDPW", "A35C4F5DINIOBFUSCATEDPW",
    "CLASH-TROJAN-PW", "CLASH-HY2-PW", "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",
    "a3482e88-686a-4a58-8126-99c9df64b7bf", "0e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b",
    "SINGBOX-WG-PRIVATE-KEY", "SS-GUI-PASSWORD", "SS-SIP002-PASSWORD", "SS-LEGACY-PASSWORD",
    "TROJAN-LINK-PASSWORD", "HY2-LINK-AUTH", "VMESS-UUID",
)


def _claims(rel: str) -> list[str]:
    src = Source.from_path(str(FIXTURES / rel), name=rel)
    return [p.name for p in PARSERS if p.sniff(src.head, rel)]


def test_registry_names_unique_and_equal_module():
    names = [p.name for p in PARSERS]
    assert len(names) == len(set(names)) == 15
    for p in PARSERS:
        assert p.parse.__module__ == f"parsers.host_artifacts.{p.name}"
        assert p.kind == "host_artifact" and p.version == 1


@pytest.mark.parametrize("rel", POSITIVES)
def test_each_fixture_claimed_by_exactly_one_parser(rel):
    assert len(_claims(rel)) == 1, (rel, _claims(rel))


@pytest.mark.parametrize("rel", NEGATIVES)
def test_negative_fixtures_not_claimed(rel):
    assert _claims(rel) == []


def _parse_all(parser, src):
    ctx = ParseContext(evidence_id="E1", parser=f"{parser.name}@1")
    try:
        recs = list(parser.parse(src, ctx))
    except WrongFormat:
        recs = []
    ctx.finish()
    return recs, ctx


def test_no_secret_in_any_output():
    for rel in POSITIVES:
        src = Source.from_path(str(FIXTURES / rel), name=rel)
        for p in PARSERS:
            if p.sniff(src.head, rel):
                out = dumps(canonical(*_parse_all(p, src)))
                for s in SECRETS:
                    assert s not in out, (rel, p.name, s)


@pytest.mark.parametrize("rel", POSITIVES)
def test_truncated_and_garbled_input_never_crashes(rel):
    data = (FIXTURES / rel).read_bytes()
    rng = random.Random(rel)
    variants = [data[: len(data) // 2], data[:7], bytes(rng.randrange(256) for _ in range(300)),
                data[: len(data) // 3] + bytes(rng.randrange(256) for _ in range(64)) + data[len(data) // 3:]]
    for v in variants:
        src = Source.from_bytes(v, name=rel)
        for p in PARSERS:
            assert p.sniff(v, rel) in (True, False)
            if p.sniff(v, rel):
                _parse_all(p, src)  # raises only on a bug


def test_streaming_utf16_across_tiny_chunks(monkeypatch):
    rel = "teamviewer/Connections_incoming_utf16.txt"
    whole = (FIXTURES / rel).read_bytes()[2:].decode("utf-16-le").splitlines()
    monkeypatch.setattr(_common, "CHUNK", 7)
    got = [line for _, line in _common.iter_lines(Source.from_path(str(FIXTURES / rel)))]
    assert got == whole


def test_gbk_detected_for_streaming():
    head = (FIXTURES / "sunlogin/sunlogin_service.20240503-101200.log").read_bytes()
    assert _common.detect_encoding(head) == "gb18030"
    assert "向日葵" in _common.head_text(head)
