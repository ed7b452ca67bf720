"""The faster SIP/SDP parsers give exactly what the parsers before the speed work gave.

``_sip_reference.py`` / ``_sdp_reference.py`` are frozen copies of the earlier
``parsers/protocols/sip.py`` / ``sdp.py``.  Every SIP message that the capture engine
hands to the parser for any capture under ``tests/fixtures`` and the shared corpus,
every UDP/TCP payload of those captures that looks like SIP, variants of them (other
line ends, other header-name case, cut short), hand-written hostile messages and
generated ones are parsed by both; the records (``==`` on the dataclasses, and their
``repr``, which also tells ``True`` from ``1``) and the warnings must be identical.
Each message goes through the current parser twice, so that its memo tables are used
both empty and filled, and once more with tiny tables that are emptied all the time.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from pathlib import Path

import dpkt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensics.model.core import Endpoint
from parsers.base import ParseContext, Source
from parsers.capture import linklayer
from parsers.capture.engine import Engine
from parsers.capture.reader import capture_format, iter_frames
from parsers.protocols import sdp, sip
from tests.parsers import _sdp_reference as ref_sdp
from tests.parsers import _sip_reference as ref_sip

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
SRC = Endpoint("198.51.100.7", 5060, "udp")
DST = Endpoint("192.168.1.20", 5060, "tcp")
SETTINGS = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# sha256 of the frozen copies: the reference must not drift with the code it checks
REFERENCE_SHA256 = {
    "_sip_reference.py": "5c036bfb8a249f8d28eb659ed6cc41840aa3421871ec0edc77b3e6799e52b5b5",
    "_sdp_reference.py": "376a9ded2e947edab829d1b03462c0904a8d7bceb7441c50f6dff041f742f63d",
}


def test_reference_copies_are_unchanged() -> None:
    here = Path(__file__).resolve().parent
    for name, digest in REFERENCE_SHA256.items():
        assert hashlib.sha256((here / name).read_bytes()).hexdigest() == digest, name


# --- comparing both parsers ------------------------------------------------------------


def _run(mod, payload: bytes, kw: dict):
    ctx = ParseContext(evidence_id="E1", evidence_sha256="ab" * 32, evidence_path="case/cap.pcap")
    rec = mod.parse(payload, ctx, **kw)
    return rec, repr(rec), ctx.warnings, ctx.stats


def same(payload: bytes, *, frame: int = 7, ts_ns: int = 1_700_000_000_000_000_000, src: Endpoint = SRC,
         dst: Endpoint = DST, frames: tuple[int, ...] = (), twice: bool = True) -> None:
    """Both parsers agree on ``payload`` (the current one asked twice: memo empty, then filled)."""
    kw = {"frame": frame, "ts_ns": ts_ns, "src": src, "dst": dst, "frames": frames}
    want = _run(ref_sip, payload, kw)
    for _ in range(2 if twice else 1):
        got = _run(sip, payload, kw)
        assert got[0] == want[0], payload[:400]
        assert got[1] == want[1], payload[:400]
        assert got[2] == want[2], payload[:400]
        assert got[3] == want[3], payload[:400]


def _clear_memos() -> None:
    for name in dir(sip):
        table = getattr(sip, name)
        if name.startswith("_") and name.endswith("_memo") and isinstance(table, dict):
            table.clear()


# --- what the captures hold ----------------------------------------------------------


@functools.cache
def _captures() -> tuple[Path, ...]:
    out = []
    for base in (FIXTURES, CORPUS):
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*")):
            if p.is_file():
                with open(p, "rb") as fh:
                    if capture_format(fh.read(4096)):
                        out.append(p)
    return tuple(out)


@functools.cache
def _engine_calls() -> tuple[tuple[bytes, dict], ...]:
    """Every (payload, keyword arguments) the capture engine passes to ``sip.parse``."""
    calls: list[tuple[bytes, dict]] = []
    real = sip.parse

    def record(payload: bytes, ctx: ParseContext, **kw):
        calls.append((payload, kw))
        return real(payload, ctx, **kw)

    sip.parse = record  # the engine looks the function up on the module at each call
    try:
        for p in _captures():
            ctx = ParseContext(evidence_id="E1")
            eng = Engine(ctx)
            eng.feed(iter_frames(Source.from_path(str(p)), ctx))
            eng.finish()
    finally:
        sip.parse = real
    return tuple(calls)


@functools.cache
def _l4_payloads() -> tuple[bytes, ...]:
    """UDP and TCP payloads of every captured IP packet that ``looks_like_sip`` takes."""
    seen: set[bytes] = set()
    out = []
    for p in _captures():
        ctx = ParseContext(evidence_id="E1")
        for fr in iter_frames(Source.from_path(str(p)), ctx):
            off, ver = linklayer.locate(fr[2], fr[3])
            if ver not in (4, 6):
                continue
            try:
                ip = (dpkt.ip.IP if ver == 4 else dpkt.ip6.IP6)(fr[3][off:])
            except (dpkt.UnpackError, struct.error, ValueError, IndexError, KeyError, TypeError):
                continue  # dpkt refuses some damaged packets; the engine calls cover those
            l4 = ip.data
            if isinstance(l4, (dpkt.udp.UDP, dpkt.tcp.TCP)):
                data = bytes(l4.data)
                if data and data not in seen and sip.looks_like_sip(data):
                    seen.add(data)
                    out.append(data)
    for p in sorted((FIXTURES / "malformed" / "fuzz-crashes").glob("sip*")):
        out.append(p.read_bytes())
    return tuple(out)


@functools.cache
def _all_payloads() -> tuple[bytes, ...]:
    seen: dict[bytes, None] = {}
    for payload, _kw in _engine_calls():
        seen.setdefault(payload)
    for payload in _l4_payloads():
        seen.setdefault(payload)
    return tuple(seen)


def _variants(payload: bytes) -> list[bytes]:
    """Other line ends, other header-name case, and the message cut short."""
    out = [payload.replace(b"\r\n", b"\n"), payload.replace(b"\r\n", b"\r"),
           payload.replace(b"\r\n", b"\n", 3), payload.replace(b"\r\n", b"\r", 2),
           payload.replace(b"\r\n", b"\r\n ", 1), payload.replace(b"\r\n", b"\r\n\t", 2)]
    head, sep, body = payload.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    out.append(b"\r\n".join(lines[:1] + [ln.upper() if b":" not in ln else
                                         ln.partition(b":")[0].upper() + b":" + ln.partition(b":")[2]
                                         for ln in lines[1:]]) + sep + body)
    out.append(b"\r\n".join(lines[:1] + [ln.lower() for ln in lines[1:]]) + sep + body)
    out.append(b"\r\n".join(lines[:1] + lines[1:][::-1]) + sep + body)
    n = len(payload)
    out += [payload[: n * k // 8] for k in range(1, 8)]
    if sep:
        out += [head, head + b"\r\n", head + sep + body[: len(body) // 2]]
    return out


def test_captures_were_found() -> None:
    assert len(_captures()) >= 20
    assert len(_engine_calls()) >= 50
    assert len(_l4_payloads()) >= 50


def test_every_message_the_engine_parses() -> None:
    for payload, kw in _engine_calls():
        same(payload, **kw)


def test_every_sip_payload_in_the_captures() -> None:
    for payload in _l4_payloads():
        same(payload)


def test_variants_of_captured_messages() -> None:
    for payload in _all_payloads():
        for v in _variants(payload):
            same(v, twice=False)


def test_with_memo_tables_emptied_all_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sip, "_MEMO_MAX", 3)
    monkeypatch.setattr(sip, "_MEMO_KEY_MAX", 24)
    _clear_memos()
    try:
        for payload in _all_payloads():
            same(payload)
        for text in HOSTILE:
            same(text.encode("utf-8", "surrogateescape"))
    finally:
        _clear_memos()


# --- hostile messages ------------------------------------------------------------------

SDP_BODY = ("v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
            "m=audio 30000 RTP/AVP 0 8 18 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n")


def msg(start: str = "INVITE sip:13800000001@192.168.1.20 SIP/2.0", headers: list[str] | None = None,
        body: str = "", eol: str = "\r\n", clen: str | None = None) -> str:
    if headers is None:
        headers = [
            "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKa1;rport",
            'From: "JD" <sip:4000000123@198.51.100.7>;tag=abc',
            "To: <sip:13800000001@192.168.1.20>",
            "Call-ID: c1@198.51.100.7",
            "CSeq: 10 INVITE",
            "Contact: <sip:4000000123@198.51.100.7:5060>;expires=60",
        ]
    hs = list(headers)
    if body:
        hs.append("Content-Type: application/sdp")
    blen = len(body.encode("utf-8", "surrogateescape"))
    hs.append(f"Content-Length: {blen if clen is None else clen}")
    return eol.join([start, *hs]) + eol + eol + body


BASE_HEADERS = [
    "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKa1;rport",
    'From: "JD" <sip:4000000123@198.51.100.7>;tag=abc',
    "To: <sip:13800000001@192.168.1.20>",
    "Call-ID: c1@198.51.100.7",
    "CSeq: 10 INVITE",
]


def with_headers(*extra: str, drop: tuple[str, ...] = (), **kw) -> str:
    hs = [h for h in BASE_HEADERS if not h.lower().startswith(drop)] + list(extra)
    return msg(headers=hs, **kw)


HOSTILE: list[str] = [
    msg(),
    msg(body=SDP_BODY),
    msg(body=SDP_BODY, eol="\n"),
    msg(body=SDP_BODY, eol="\r"),
    msg(body=SDP_BODY).replace("\r\n", "\n", 4),
    msg(body=SDP_BODY).replace("\r\n", "\r", 3),
    msg().replace("\r\n", "\r\r\n", 2),
    msg().replace("\r\n", "\n\r", 2),
    msg().replace("\r\n", "\r\n\r", 1),
    msg().replace("\r\n", "\x0b", 2),
    msg().replace("\r\n", "\x0c\r\n", 2),
    msg().replace("\r\n", "\x1c", 2),
    msg().replace("\r\n", "\x85\r\n", 2),
    msg().replace("\r\n", "\u2028", 2),
    msg().replace("\r\n", "\u2029\r\n", 3),
    # folded headers
    with_headers("Subject: a\r\n  b\r\n\tc"),
    msg(headers=["Via: SIP/2.0/UDP 198.51.100.7:5060\r\n ;branch=z9hG4bKf", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP 198.51.100.7:5060", " ;branch=z9hG4bKf1", "Via: SIP/2.0/UDP 10.0.0.1",
                 " ;branch=z9hG4bKf2", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKtop", "Via: SIP/2.0/UDP 10.0.0.1", " ;branch=z9hG4bKf2",
                 *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP 10.0.0.9", "Via: SIP/2.0/UDP 10.0.0.1", " ;branch=z9hG4bKsecond",
                 *BASE_HEADERS[1:]]),
    msg(headers=["Via:", "v: SIP/2.0/UDP 10.0.0.1", "	;branch=z9hG4bKsecond", *BASE_HEADERS[1:]]),
    msg(headers=[" leading: fold before any header", *BASE_HEADERS]),
    msg(headers=["\tVia: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKtab", *BASE_HEADERS]),
    with_headers("From: <sip:second@x>;tag=2", " ;tag=folded-onto-first", drop=()),
    with_headers("To: <sip:second@x>", "\t;tag=onto-first-to"),
    with_headers("Max-Forwards: 70", " folded onto an unused header", "User-Agent: ua", " more ua"),
    with_headers("Contact: <sip:1@h>", "  ;expires=30"),
    with_headers("Contact:", " <sip:1@h>;expires=31"),
    with_headers("Content-Type: application/sdp", " ; charset=x", body=SDP_BODY),
    with_headers("Call-ID:", " folded-id"),
    with_headers(" ", "   ", "\t"),
    with_headers("no colon here", " fold after a line without colon"),
    with_headers(":empty name", " fold onto empty name"),
    with_headers("  : spaced empty name"),
    # compact forms and case
    msg(headers=["v: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKx", "f: <sip:8001@reg.example>;tag=t9",
                 "t: <sip:8001@reg.example>", "i: reg-7", "cseq: 3 REGISTER", "m: <sip:8001@192.168.1.20>;Expires=99",
                 "l: 0", "c: application/sdp", "e: gzip", "k: timer", "x: 90", "o: presence", "r: <sip:x@y>",
                 "b: <sip:y@z>", "u: talk", "y: id", "a: *", "j: *", "d: proxy", "s: subj"]),
    msg(headers=["V : SIP/2.0/UDP 192.168.1.20:5060;BRANCH=z9hG4bKup", "F:<sip:8001@h>;TAG=T", "T:<sip:9@h>;Tag=t2",
                 "I: id-case", "C: Application/SDP", "M :<sip:a@b>;EXPIRES=7"], body=SDP_BODY),
    with_headers("CALL-ID: second-id", "call-id: third-id"),
    with_headers("VIA: SIP/2.0/TCP 10.0.0.2;Branch=z9hG4bKsecond"),
    with_headers("Expires: 3600", "expires: 1"),
    with_headers("Expires: 0003600", "Contact: <sip:a@b>;expires=000"),
    with_headers("Expires: ３６００", "Contact: <sip:a@b>;expires=²"),
    with_headers("Expires: 99999999999", "Contact: <sip:a@b>;expires=999999999999"),
    with_headers("Expires:  -5 "),
    # missing or odd Call-ID / CSeq
    with_headers(drop=("call-id",)),
    with_headers("Call-ID:", drop=("call-id",)),
    with_headers("Call-ID:    ", drop=("call-id",)),
    with_headers(drop=("cseq",)),
    with_headers("CSeq:", drop=("cseq",)),
    with_headers("CSeq: x INVITE extra", drop=("cseq",)),
    with_headers("CSeq: １ INVITE", drop=("cseq",)),
    with_headers("CSeq:\t42", drop=("cseq",)),
    # Content-Length
    msg(body=SDP_BODY, clen="-1"),
    msg(body=SDP_BODY, clen="abc"),
    msg(body=SDP_BODY, clen="99999"),
    msg(body=SDP_BODY, clen="10"),
    msg(body=SDP_BODY, clen=""),
    msg(body=SDP_BODY, clen=" 50 "),
    msg(body=SDP_BODY, clen="１２"),
    msg(body=SDP_BODY, clen="12345678901234"),
    msg(body=SDP_BODY, clen="0"),
    msg(body=SDP_BODY, clen="0x10"),
    msg(body=SDP_BODY).replace("Content-Length", "l", 1),
    # URIs and name-addr forms
    with_headers('From: "Bob; the, \\"boss\\"" <sip:bob@h>;tag=q1', drop=("from",)),
    with_headers('From: "a,b;c=d" <sips:%2B8613800000001@h;user=phone>;tag="quoted tag"', drop=("from",)),
    with_headers("From: <sip:unclosed@h;tag=x", drop=("from",)),
    with_headers("From: sip:noangle@h;tag=bare", drop=("from",)),
    with_headers("From: >weird<sip:gt-first@h>;tag=g", drop=("from",)),
    with_headers("From: <>;tag=empty", drop=("from",)),
    with_headers("From: <tel:+86-731-5555-1234;phone-context=x>;tag=t", drop=("from",)),
    with_headers("From: <TEL:%2B8673155550000>;tag=T", drop=("from",)),
    with_headers("From: <SIP:Alice:secret@h:5061>;tag=a", drop=("from",)),
    with_headers("From: <sip:%zz%41%ED%A0%80@h>;tag=p", drop=("from",)),
    with_headers("From: <sip:%E4%B8%AD@h>;tag=p2", drop=("from",)),
    with_headers("From: <sip:host.only.example>;tag=h", drop=("from",)),
    with_headers("From: <mailto:x@y>;tag=m", drop=("from",)),
    with_headers("From: ;tag=onlyparams", drop=("from",)),
    with_headers("From:", drop=("from",)),
    with_headers(drop=("from",)),
    with_headers("To: <sip:b@h> ; tag = spaced", drop=("to",)),
    with_headers("To: <sip:b@h>;xtag=no;tag=yes", drop=("to",)),
    with_headers("To: <sip:b@h>;tag=", drop=("to",)),
    with_headers("To: <sip:b@h>;tag=\"unclosed", drop=("to",)),
    with_headers("To: <sip:b@h>;tag=>x", drop=("to",)),
    with_headers("To: <sip:b@h>,tag=comma", drop=("to",)),
    with_headers("To: <sip:b@h>;\u212aey=1;ta\u0261=2;TAG=kelvin", drop=("to",)),
    with_headers("To: <sip:b@h>;tag\u2003=\u2003em-space", drop=("to",)),
    with_headers("To: <sip:b@h>;ſtag=long-s;tag=after", drop=("to",)),
    with_headers("To: tagtag=1;tag=2", drop=("to",)),
    with_headers("To: tag=first-at-start", drop=("to",)),
    with_headers("Contact: *"),
    with_headers("Contact:  *  "),
    with_headers("Contact: <sip:a@h>;expires=5, <sip:b@h>;expires=6"),
    with_headers("Contact: sip:a@h;expires=5, sip:b@h;expires=6"),
    with_headers("Contact: \"x, y\" <sip:a@h>;q=0.5;EXPIRES=\"77\""),
    with_headers("Contact: <sip:a@h;expires=1>;expires=2"),
    with_headers("Contact: <sip:a@h>;expires =\t8"),
    with_headers("Contact: <sip:a@h>;expiresx=3;expires=4"),
    with_headers("Contact: <sip:a@h>;exp\u0131res=9"),
    with_headers("Contact: <sip:a@h>;expire\u017f=10"),
    # Via
    msg(headers=["Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/TCP b.example;branch=z9hG4bK2",
                 *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP   spaced.example:5060 ; branch = z9hG4bKsp", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP", *BASE_HEADERS[1:]]),
    msg(headers=["Via: ", *BASE_HEADERS[1:]]),
    msg(headers=["Via: ,SIP/2.0/UDP x;branch=b", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP h;received=1.2.3.4;branch=\"q\"", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP h;xbranch=no;branch=yes", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP h;BRANCH=z9hG4bKUP;branch=low", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP h;branch=", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP h;branch=a>b", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP h;branchbranch=x;branch=y", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP h:5060;bran\u0441h=cyr;branch=lat", *BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP h;\x1cbranch=fs", *BASE_HEADERS[1:]]),
    msg(headers=[*BASE_HEADERS[1:]]),
    msg(headers=["Via: SIP/2.0/UDP first;branch=1", *BASE_HEADERS[1:], "Via: SIP/2.0/UDP last;branch=2"]),
    # authentication
    with_headers('Authorization: Digest username="acct-7", realm="vos", nonce="n", uri="sip:x"'),
    with_headers('Proxy-Authorization: Digest USERNAME=plain,REALM = "r r", response="x"'),
    with_headers("Authorization: ", 'Proxy-Authorization: Digest username="second"'),
    with_headers('WWW-Authenticate: Digest realm="asterisk", nonce="1"'),
    with_headers('Proxy-Authenticate: Digest realm=noquote,qop="auth"'),
    with_headers('WWW-Authenticate: Digest realm="a", realm="b"'),
    # other kept headers
    with_headers("User-Agent: VOS3000", "Server: Asterisk PBX", "P-Asserted-Identity: <tel:+8673155550000>",
                 "P-Preferred-Identity: <sip:p@h>", 'Remote-Party-ID: "x" <sip:95000@h>;party=calling',
                 "Diversion: <sip:0731555500001@h>;reason=unconditional", "Diversion: <sip:second@h>"),
    # start lines
    msg(start="SIP/2.0 200 OK"),
    msg(start="SIP/2.0 200"),
    msg(start="SIP/2.0 200 "),
    msg(start="SIP/2.0  486   Busy Here  "),
    msg(start="SIP/2.0 ２００ OK"),
    msg(start="SIP/2.0 200 \tOK"),
    msg(start="SIP/2.0 200 \t"),
    msg(start="SIP/2.0 200 \x1c\x1dOK\x1e"),
    msg(start="SIP/2.0 20 OK"),
    msg(start="sip/2.0 200 OK"),
    msg(start="invite sip:a@b SIP/2.0"),
    msg(start="INVITE  sip:a@b   SIP/2.0   "),
    msg(start="  INVITE sip:a@b SIP/2.0"),
    msg(start="INVITE sip:a@b SIP/2.1"),
    msg(start="INV1TE sip:a@b SIP/2.0"),
    msg(start="INVITE sip:a@b"),
    msg(start=""),
    msg(start="HTTP/1.1 200 OK"),
    msg(start="\x00\x01binary"),
    "",
    "\r\n",
    "\r\n\r\n",
    "INVITE sip:a@b SIP/2.0",
    "INVITE sip:a@b SIP/2.0\r\nCall-ID: x",
    "INVITE sip:a@b SIP/2.0\nCall-ID: lf-only\n\n",
    "SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n\r\n\r\nbody",
    "SIP/2.0 200 OK\r\nCall-ID: x\n\nsecond\r\n\r\nend",
    # bodies
    msg(body=SDP_BODY.replace("c=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 8 18 101\r\n",
                              "t=0 0\r\nm=audio 30000 RTP/AVP 0 8 18 101\r\nc=IN IP4 10.1.1.1/127\r\n")),
    msg(body="v=0\nm=audio 1/2 RTP/AVP 0\nm=video 0 RTP/SAVP 96 97\na=rtpmap:96 H264/90000\n"
             "a=rtpmap:97\na=rtpmap: 98 x\nm=image 4000 udptl t38\nc=IN IP4\nm=audio x RTP/AVP 0\n"
             "m=audio ٣٠٠٠ RTP/AVP 8\nm=\nm=a b\na=rtpmap:8 \n"),
    msg(body="a=rtpmap:0 before-media\r\nc=IN IP6 2001:db8::1\r\n  m=audio 5004 RTP/AVP 0 3 4 34 35 96\r\n"
             "a=rtpmap:96 \r\na=rtpmap:0 custom/1\r\na=rtpmap:0 again/2\r\n=x\r\nm\r\n\x85c=IN IP4 1.1.1.1\u2028"
             "m=audio 6 TCP/RTP/AVP 18\x1cm=audio 7 RTP 0\x0bm=audio 8 rtp/avp 0\r\n"),
    msg(body=SDP_BODY + "c=IN IP4 10.2.2.2\r\nc=IN\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP4 10.3.3.3\r\nc=\r\n"),
    msg(body="c=IN IP4 10.4.4.4\r\nc=bad\r\nm=audio 9 RTP/AVP 0\r\n"),
    with_headers("Content-Type: multipart/mixed;boundary=b",
                 body="--b\r\nContent-Type: application/sdp\r\n\r\n" + SDP_BODY + "--b--\r\n"),
    with_headers("Content-Type: multipart/mixed;boundary=b", body="--b\r\nno sdp here\r\n--b--\r\n"),
    with_headers("Content-Type: application/SDP", body=SDP_BODY),
    with_headers("Content-Type: text/plain", body=SDP_BODY),
    with_headers("Content-Type:", body=SDP_BODY),
    with_headers("Content-Type: application/sdp", body=SDP_BODY.replace("v=0", "v=0\udcff\udc80")),
    with_headers("Content-Type: application/sdp"),
]
# non-UTF-8 and oversized headers (built as text with escaped bytes, encoded with surrogateescape)
HOSTILE += [
    with_headers("User-Agent: caf\udce9 \udcff\udcfe", "Subject: \udcc3("),
    with_headers("From: \"\udce9\" <sip:\udce9@h>;tag=\udce9", drop=("from",)),
    msg(start="INVITE sip:\udcff@b SIP/2.0"),
    with_headers("X-Pad: " + "p" * 70000),
    with_headers("X-Pad: " + "p" * 65400, "Call-ID: after-the-cut", drop=("call-id",)),
    with_headers(*[f"X-H{i}: {i}" for i in range(3000)]),
    with_headers(*[f"Via: SIP/2.0/UDP 10.0.0.{i % 250};branch=z9hG4bK{i}" for i in range(200)]),
    with_headers("From: <sip:" + "9" * 600 + "@h>;tag=" + "t" * 600, drop=("from",)),
]


def test_hostile_messages() -> None:
    for text in HOSTILE:
        same(text.encode("utf-8", "surrogateescape"))


def test_hostile_messages_variants() -> None:
    for text in HOSTILE:
        for v in _variants(text.encode("utf-8", "surrogateescape")):
            same(v, twice=False)


def test_memo_tables_stay_small() -> None:
    """Long values are never kept, and no table grows past its bound."""
    for text in HOSTILE:
        sip.parse(text.encode("utf-8", "surrogateescape"), ParseContext(evidence_id="E1"), frame=1, ts_ns=1,
                  src=SRC, dst=DST)
    tables = [getattr(sip, n) for n in dir(sip) if n.startswith("_") and n.endswith("_memo")]
    assert len(tables) >= 5
    for table in tables:
        assert len(table) <= sip._MEMO_MAX
        assert all(len(k) <= sip._MEMO_KEY_MAX for k in table)


def test_warnings_past_the_per_code_cap_are_counted_the_same() -> None:
    """One context over many damaged messages: the suppression counts match too."""
    bad = [with_headers(drop=("call-id",)).encode(), msg(body=SDP_BODY, clen="x").encode(), b"junk\r\n\r\n"]
    ctx_ref, ctx_new = ParseContext(evidence_id="E1"), ParseContext(evidence_id="E1")
    for i in range(700):
        payload = bad[i % 3]
        a = ref_sip.parse(payload, ctx_ref, frame=i, ts_ns=i, src=SRC, dst=DST)
        b = sip.parse(payload, ctx_new, frame=i, ts_ns=i, src=SRC, dst=DST)
        assert a == b
    ctx_ref.finish()
    ctx_new.finish()
    assert ctx_ref.warnings == ctx_new.warnings and ctx_ref.stats == ctx_new.stats


# --- generated messages ----------------------------------------------------------------

_NAMES = ["Via", "v", "VIA", "From", "f", "FROM", "To", "t", "to", "Call-ID", "i", "call-id", "CSeq", "cseq",
          "Contact", "m", "CONTACT", "Expires", "Content-Length", "l", "Content-Type", "c", "User-Agent", "Server",
          "Authorization", "Proxy-Authorization", "WWW-Authenticate", "Proxy-Authenticate", "P-Asserted-Identity",
          "P-Preferred-Identity", "Remote-Party-ID", "Diversion", "Max-Forwards", "Subject", "s", "X-Odd", "",
          " Via", "From ", "\tTo", "Ca ll-ID", "İ", "ı", "K"]
_PIECES = ["<sip:", "<sips:", "<tel:", "sip:", "tel:+86", "SIP:", ">", "<", "@", "h.example", ":5060", ";", ",",
           "tag", "TAG", "branch", "Branch", "expires", "EXPIRES", "=", " = ", '"', "\\\"", " ", "\t", "%2B", "%4",
           "%E4%B8%AD", "%zz", "z9hG4bK", "SIP/2.0/UDP ", "1", "0", "60", "-3", "123456789012", "INVITE",
           "Digest ", "username=", "realm=", "nonce=x", "*", "user=phone", "Alice", "ſ", "K", "İ", "ı", "\x1c",
           "\x85", "\u2028", "\u00a0", "é", "中", "２", "²", "\x00", "=\"q\"", ";tag=", ";branch=", ";expires="]
_EOLS = ["\r\n", "\r\n", "\r\n", "\n", "\r", "\r\r\n", "\n\r", "\x0b", "\u2028"]
_STARTS = ["INVITE sip:1@h SIP/2.0", "REGISTER sip:reg.example SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 401 Unauthorized",
           "SIP/2.0 100", "bye sip:a@b SIP/2.0", "SIP/2.0 ٢٠٠ x", "OPTIONS * SIP/2.0", "not a start line", "",
           " SIP/2.0 180 Ringing "]
_SDP_LINES = ["v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.1", "c=IN IP4 192.0.2.2/127", "c=IN IP6 ::1",
              "c=", "c=IN", "t=0 0", "m=audio 4000 RTP/AVP 0 8 101", "m=audio 4002/2 RTP/AVP 18",
              "m=video 5000 RTP/SAVPF 96", "m=image 6000 udptl t38", "m=audio x RTP/AVP 0", "m=audio ٤٠٠٠ RTP/AVP 0",
              "m=audio 1 RTP", "m=", "a=rtpmap:101 telephone-event/8000", "a=rtpmap:96 H264/90000",
              "a=rtpmap:0 ", "a=rtpmap:", "a=rtpmap:8  PCMA/8000 ", "a=sendrecv", " m=audio 7000 RTP/AVP 3 ",
              "x", "", "=", "a=", "A=rtpmap:0 upper"]

_value = st.lists(st.sampled_from(_PIECES) | st.text(max_size=6), max_size=10).map("".join)
_header = st.tuples(st.sampled_from(_NAMES), st.sampled_from([":", ": ", " : ", ":\t", "", "::"]), _value,
                    st.sampled_from(["", "", "", " fold", "\tfold;tag=f", "  ", " ;branch=b2"]))
_sdp_text = st.tuples(st.lists(st.sampled_from(_SDP_LINES) | st.text(max_size=8), max_size=14),
                      st.sampled_from(["\r\n", "\n", "\r", "\x85", "\u2028", "\x0c"])).map(lambda t: t[1].join(t[0]))


@st.composite
def _message(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from(_EOLS))
    lines = [draw(st.sampled_from(_STARTS) | st.text(max_size=20))]
    for name, colon, value, fold in draw(st.lists(_header, max_size=14)):
        lines.append(name + colon + value)
        if fold:
            lines.append(fold)
    body = draw(_sdp_text) if draw(st.booleans()) else draw(st.text(max_size=30))
    if draw(st.booleans()):
        lines.append("Content-Type: " + draw(st.sampled_from(["application/sdp", "multipart/mixed", "text/plain"])))
    blen = len(body.encode("utf-8", "surrogatepass"))
    cl = draw(st.sampled_from([str(blen), str(blen), str(max(blen - 3, 0)), str(blen + 5), "x", "-1", ""]))
    if draw(st.integers(0, 5)):
        lines.append("Content-Length: " + cl)
    text = eol.join(lines) + draw(st.sampled_from(["\r\n\r\n", "\n\n", eol + eol, "", "\r\n"])) + body
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # a stray byte that is not UTF-8
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80"])) + data[at:]
    return data


@SETTINGS
@given(_message())
def test_generated_messages(data: bytes) -> None:
    same(data)


@SETTINGS
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=5), max_size=12).map("".join),
       st.sampled_from(["tag", "branch", "expires", "TAG", "Expires", "rport", "q"]))
def test_parameter_lookup(value: str, name: str) -> None:
    assert sip._param(value, name) == ref_sip._param(value, name)
    assert sip.split_name_addr(value) == ref_sip.split_name_addr(value)
    assert sip.uri_user(value) == ref_sip.uri_user(value)
    assert sip._int(value) == ref_sip._int(value)


def test_parameter_lookup_by_hand() -> None:
    cases = [";tag=1", "tag=1", ";TAG=1", ";Tag = \"a b\"", ";ta=1;tag=2", "x;tagx=1;tag=2", ";tag", ";tag=",
             ";tag=;tag=3", ";tag=\"", ";tag=\"x\";tag=y", "tag=tag=1", ",tag=c", " tag=s", "\ttag=t",
             "\x1ctag=fs", "\x1ftag=us", ";t\u0430g=cyr", ";\u212a=k", ";ta\u0261=1", "", ";tag=>", ";tag=a>b",
             ";tag=a,b", ";tag=a b", "<sip:a@b;tag=in>;tag=out", "sip:a@b;tag=1", ";tagtag=1;tag=2",
             ";branch=z9hG4bK1;rport", "SIP/2.0/UDP h;BRANCH=\"q q\"", ";expires=60", ";EXPIRES=60",
             ";expire\u017f=5", ";exp\u0130res=6", ";exp\u0131res=7", "expires=1", "; expires=2"]
    for value in cases:
        for name in ("tag", "branch", "expires", "TAG", "k", "s", "i"):
            assert sip._param(value, name) == ref_sip._param(value, name), (value, name)


@SETTINGS
@given(_sdp_text)
def test_generated_sdp(text: str) -> None:
    assert repr(sdp.parse(text)) == repr(ref_sdp.parse(text))
    assert sdp.parse(text) == ref_sdp.parse(text)


def test_sdp_of_every_captured_message() -> None:
    for payload in _all_payloads():
        text = payload.decode("utf-8", "replace")
        for start in {0, max(text.find("\r\n\r\n"), 0), max(text.find("v=0"), 0)}:
            assert repr(sdp.parse(text[start:])) == repr(ref_sdp.parse(text[start:]))


def test_the_public_helpers_keep_their_behaviour() -> None:
    for payload in _all_payloads():
        for line in re.split(r"\r\n|\n|\r", payload.decode("utf-8", "replace"))[:40]:
            value = line.partition(":")[2]
            assert sip.split_name_addr(value) == ref_sip.split_name_addr(value)
            uri = sip.split_name_addr(value)[1]
            assert sip.uri_user(uri) == ref_sip.uri_user(uri)
            for name in ("tag", "branch", "expires"):
                assert sip._param(value, name) == ref_sip._param(value, name)
        assert sip.looks_like_sip(payload) == ref_sip.looks_like_sip(payload)
