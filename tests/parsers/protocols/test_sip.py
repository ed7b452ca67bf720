"""SIP message parser: header forms, numbers' sources, and every kind of damage."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from forensics.model.core import Endpoint
from forensics.model.sip import SipMessage
from parsers.base import ParseContext
from parsers.capture.engine import Engine
from parsers.capture.reader import iter_frames
from parsers.base import Source
from parsers.protocols import sip
from tests.conftest import corpus_path

SRC = Endpoint("198.51.100.7", 5060, "udp")
DST = Endpoint("192.168.1.20", 5060, "udp")
GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "sip"


def parse(raw: bytes | str, frame: int = 7):
    ctx = ParseContext(evidence_id="E1")
    data = raw.encode() if isinstance(raw, str) else raw
    return sip.parse(data, ctx, frame=frame, ts_ns=1, src=SRC, dst=DST), ctx


def codes(ctx):
    return [(w.code, w.frame) for w in ctx.warnings]


INVITE = (
    "INVITE sip:13800000001@192.168.1.20:5062;user=phone SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKa1;rport\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKinner\r\n"
    'From: "JD Service" <sip:4000000123@198.51.100.7>;tag=abc\r\n'
    "To: <sip:13800000001@192.168.1.20>\r\n"
    "Call-ID: c1@198.51.100.7\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:4000000123@198.51.100.7:5060>;expires=60\r\n"
    "P-Asserted-Identity: <tel:+8673155550000>\r\n"
    "Diversion: <sip:0731555500001@198.51.100.7>;reason=unconditional\r\n"
    "Remote-Party-ID: \"x\" <sip:95000@198.51.100.7>;party=calling\r\n"
    "Proxy-Authorization: Digest username=\"acct-7\", realm=\"vos\", nonce=\"n\", uri=\"sip:x\", response=\"r\"\r\n"
    "User-Agent: VOS3000\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 120\r\n\r\n"
    "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 30000 RTP/AVP 8 101\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
)


def test_full_request():
    body_len = len(INVITE.split("\r\n\r\n", 1)[1].encode())
    m, ctx = parse(INVITE.replace("Content-Length: 120", f"Content-Length: {body_len}"))
    assert not ctx.warnings
    assert (m.method, m.request_uri, m.call_id, m.cseq_num, m.cseq_method) == (
        "INVITE", "sip:13800000001@192.168.1.20:5062;user=phone", "c1@198.51.100.7", 10, "INVITE")
    assert (m.from_user, m.from_display, m.from_tag, m.to_user, m.to_tag) == ("4000000123", "JD Service", "abc", "13800000001", None)
    assert (m.contact_user, m.contact_expires) == ("4000000123", 60)
    assert (m.via_sent_by, m.via_branch) == ("198.51.100.7:5060", "z9hG4bKa1")  # the top Via
    assert (m.auth_username, m.auth_realm) == ("acct-7", "vos")
    assert m.pai == "<tel:+8673155550000>" and m.diversion.startswith("<sip:0731555500001@")
    assert m.rpid.startswith('"x" <sip:95000@')
    assert [(s.media, s.ip, s.port, s.codecs) for s in m.sdp] == [
        ("audio", "198.51.100.7", 30000, ("PCMA/8000", "telephone-event/8000"))]


def test_compact_folded_case_insensitive_and_repeated_headers():
    raw = ("REGISTER sip:reg.example SIP/2.0\r\n"
           "v: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKx\r\n"
           "f: <sip:8001@reg.example>\r\n ;tag=t9\r\n"
           "t: <sip:8001@reg.example>\r\n"
           "i: reg-7\r\n"
           "cseq: 3 REGISTER\r\n"
           "m: <sip:8001@192.168.1.20:5060>\r\n"
           "EXPIRES: 3600\r\n"
           "Expires: 60\r\n"
           "l: 0\r\n\r\n")
    m, ctx = parse(raw)
    assert not ctx.warnings
    assert (m.method, m.from_user, m.from_tag, m.call_id, m.expires, m.content_length) == (
        "REGISTER", "8001", "t9", "reg-7", 3600, 0)


def test_response_with_challenge():
    m, ctx = parse("SIP/2.0 401 Unauthorized\r\nCall-ID: r1\r\nCSeq: 1 REGISTER\r\n"
                   'WWW-Authenticate: Digest realm="Huawei", nonce="abc"\r\nContent-Length: 0\r\n\r\n')
    assert (m.is_request, m.status, m.reason, m.challenge_realm) == (False, 401, "Unauthorized", "Huawei")


@pytest.mark.parametrize("raw,code", [
    ("INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 500\r\n\r\nv=0\r\n", "sip-bad-content-length"),
    ("INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: -5\r\n\r\n", "sip-bad-content-length"),
    ("INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", "sip-missing-call-id"),
    ("INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0", "sip-no-header-end"),
])
def test_damage_is_a_located_warning_and_the_message_is_kept(raw, code):
    m, ctx = parse(raw)
    assert m is not None and (code, 7) in codes(ctx)


def test_bad_start_line_and_binary_junk_are_dropped_with_warning():
    for raw in (b"HELLO WORLD\r\n\r\n", b"\x80\x08\x00\x01" + bytes(range(200)), b"SIP/2.0 OK\r\n\r\n"):
        m, ctx = parse(raw)
        assert m is None and codes(ctx)[-1] == ("sip-bad-start-line", 7)


def test_invalid_utf8_and_huge_header():
    m, ctx = parse(b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: \xff\xfe\r\nUser-Agent: caf\xe9\r\nContent-Length: 0\r\n\r\n")
    assert m.method == "OPTIONS" and ("sip-invalid-utf8", 7) in codes(ctx)
    big = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: big\r\n" + "X-Pad: " + "a" * 70000 + "\r\nContent-Length: 0\r\n\r\n"
    m, ctx = parse(big)
    assert m.call_id == "big" and ("sip-oversized-header", 7) in codes(ctx)


def test_method_case_is_kept():
    m, _ = parse("REGIStER sip:a SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n")
    assert m.method == "REGIStER"


def test_uri_user():
    assert sip.uri_user("sip:%2B8613800000001@h;user=phone") == "+8613800000001"
    assert sip.uri_user("tel:+86-731-5555-1234;phone-context=x") == "+86-731-5555-1234"
    assert sip.uri_user("sip:host.example") is None
    assert sip.uri_user("sips:alice:secret@h:5061") == "alice"


def _as_json(m: SipMessage) -> dict:
    d = dataclasses.asdict(m)
    d["prov"] = m.prov.source()
    return d


@pytest.mark.parametrize("rel", ["pcapplusplus/sip_reqs.pcap", "pcapplusplus/sip_resp.pcap", "suricata-verify/sip-sdp/sdp.pcap"])
def test_golden_records(rel):
    """Every SIP record of a small corpus capture, as JSON, equals the reviewed golden file."""
    cap = corpus_path(rel)
    ctx = ParseContext(evidence_id="E1")
    eng = Engine(ctx)
    eng.feed(iter_frames(Source.from_path(str(cap)), ctx))
    got = [_as_json(r) for r in eng.finish() if isinstance(r, SipMessage)]
    text = json.dumps({"records": got, "warnings": [w.to_json() for w in ctx.warnings]}, indent=2,
                      sort_keys=True, ensure_ascii=False) + "\n"
    path = GOLDEN / (rel.replace("/", "__") + ".json")
    if os.environ.get("GATETRACE_UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


def test_superscript_digits_in_sdp_and_headers_do_not_break_parsing():
    """str.isdigit() accepts '¹' but int() does not: the SDP port, rtpmap formats and
    SIP numeric headers must only take decimal digits."""
    from parsers.protocols import rtp, sdp

    media = sdp.parse("m=audio ¹ RTP/AVP 0\r\nm=audio 4000 RTP/AVP ¹ 8\r\na=rtpmap:¹ X/8000\r\n")
    assert [(m.port, m.formats) for m in media] == [(4000, ("¹", "8"))]
    assert rtp.rtpmap_of(("¹", "8"), ("X/8000", "PCMA/8000")) == {8: "PCMA/8000"}
    m, _ = parse("OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\nCSeq: ¹ OPTIONS\r\nExpires: ²\r\nContent-Length: 0\r\n\r\n")
    assert m.cseq_num is None and m.expires is None
