# Frozen copy of parsers/protocols/sip.py as it was before the speed work.
# The equivalence tests compare the current parser against it: do not edit
# (only its imports differ from the original).
"""SIP messages (RFC 3261), recognised by content on any port and transport.

``parse(payload, ctx, ...)`` turns one complete message (a UDP datagram, or a message
framed out of a TCP stream by Content-Length) into a :class:`SipMessage`.  Header names
are case-insensitive and compact forms are expanded (RFC 3261 §7.3.3); folded lines
are unfolded (§7.3.1); repeated headers keep their first value, except Via, whose top
value is used.  Problems are located warnings with the frame number:

- ``sip-bad-start-line``: not a request or status line (message dropped)
- ``sip-missing-call-id``: no Call-ID (message kept)
- ``sip-bad-content-length``: negative, non-numeric, or larger than what arrived
- ``sip-invalid-utf8``: header bytes that are not UTF-8 (decoded with replacement)
- ``sip-oversized-header``: header section over 64 KiB (only the first 64 KiB read)
- ``sip-no-header-end``: no empty line after the headers
- ``sip-unparsable``: a header broke the parser (message dropped, capture goes on)
"""

from __future__ import annotations

import functools
import re

from forensics.model.core import Endpoint
from forensics.model.sip import SipMessage
from parsers.base import ParseContext
from tests.parsers import _sdp_reference as sdp_proto

NAME = "sip"
VERSION = 1
MAX_HEADER = 64 * 1024
COMPACT = {
    "i": "call-id", "m": "contact", "e": "content-encoding", "l": "content-length",
    "c": "content-type", "f": "from", "s": "subject", "k": "supported", "t": "to",
    "v": "via", "o": "event", "r": "refer-to", "b": "referred-by", "u": "allow-events",
    "x": "session-expires", "y": "identity", "a": "accept-contact", "j": "reject-contact",
    "d": "request-disposition",
}
_REQ = re.compile(r"^([A-Za-z]+) +(\S+) +SIP/2\.0\s*$")
_RESP = re.compile(r"^SIP/2\.0 +(\d{3})(?: +(.*))?$")
_PARAM = re.compile(r'(?:^|[;,\s])%s\s*=\s*("([^"]*)"|[^;,\s]+)', re.I)
_DIGEST = re.compile(r'([A-Za-z-]+)\s*=\s*("([^"]*)"|[^,\s]+)')


def looks_like_sip(payload: bytes) -> bool:
    """Cheap test used by sniffers: a SIP request or status line at the start."""
    line = payload[:256].split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        return False
    return bool(_REQ.match(text) or _RESP.match(text))


@functools.lru_cache(maxsize=64)
def _param_re(name: str) -> re.Pattern[str]:
    return re.compile(r"(?:^|[;,\s])" + re.escape(name) + r'\s*=\s*("([^"]*)"|[^;,\s>]+)', re.I)


def _param(value: str, name: str) -> str | None:
    m = _param_re(name).search(value)
    if not m:
        return None
    return m.group(2) if m.group(2) is not None else m.group(1)


def split_name_addr(value: str) -> tuple[str | None, str | None, str]:
    """``"Bob" <sip:b@h>;tag=1`` → (display, uri, params-after-uri)."""
    value = value.strip()
    lt = value.find("<")
    if lt >= 0:
        gt = value.find(">", lt)
        if gt < 0:  # unclosed name-addr: the URI runs to the end
            gt = len(value)
        display = value[:lt].strip().strip('"').strip() or None
        return display, value[lt + 1 : gt].strip() or None, value[gt + 1 :]
    uri, _, rest = value.partition(";")
    return None, uri.strip() or None, ";" + rest if rest else ""


def uri_user(uri: str | None) -> str | None:
    """User part of a sip:/sips:/tel: URI (percent-escapes decoded)."""
    if not uri:
        return None
    u = uri.strip()
    low = u.lower()
    for scheme in ("sips:", "sip:", "tel:"):
        if low.startswith(scheme):
            u = u[len(scheme) :]
            break
    else:
        return None
    if low.startswith("tel:"):
        user = u.split(";", 1)[0]
    else:
        if "@" not in u.split(";", 1)[0]:
            return None
        user = u.split("@", 1)[0].split(";", 1)[0].split(":", 1)[0]
    if "%" in user:
        from urllib.parse import unquote

        user = unquote(user)
    return user or None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    v = value.strip()
    # ASCII digits only: str.isdigit() also accepts superscripts and other scripts' digits
    return int(v) if v.isascii() and v.isdigit() and len(v) < 12 else None


def parse(payload: bytes, ctx: ParseContext, *, frame: int, ts_ns: int, src: Endpoint, dst: Endpoint,
          frames: tuple[int, ...] = ()) -> SipMessage | None:
    """Parse one SIP message; return None (with a warning) when it is not usable.

    Never raises: a header this parser cannot take apart loses that message only, as
    ``sip-unparsable`` with the frame, and the capture goes on."""
    try:
        return _parse(payload, ctx, frame=frame, ts_ns=ts_ns, src=src, dst=dst, frames=frames)
    except (ValueError, IndexError, TypeError, UnicodeError) as exc:
        ctx.warn("sip-unparsable", f"SIP message could not be taken apart ({exc.__class__.__name__}: {exc})"[:300],
                 frame=frame)
        return None


def _parse(payload: bytes, ctx: ParseContext, *, frame: int, ts_ns: int, src: Endpoint, dst: Endpoint,
           frames: tuple[int, ...] = ()) -> SipMessage | None:
    hend = payload.find(b"\r\n\r\n")
    sep = 4
    if hend < 0:
        hend = payload.find(b"\n\n")
        sep = 2
    if hend < 0:
        head_b, body_b = payload, b""
        no_end = True
    else:
        head_b, body_b = payload[:hend], payload[hend + sep :]
        no_end = False
    if len(head_b) > MAX_HEADER:
        ctx.warn("sip-oversized-header", f"SIP header section of {len(head_b)} bytes; only the first {MAX_HEADER} read", frame=frame)
        head_b = head_b[:MAX_HEADER]
    try:
        head = head_b.decode("utf-8")
    except UnicodeDecodeError:
        head = head_b.decode("utf-8", "replace")
        ctx.warn("sip-invalid-utf8", "SIP headers are not valid UTF-8; bad bytes replaced", frame=frame)
    # CRLF per RFC 3261; bare LF and bare CR are tolerated as line ends (seen in the wild)
    lines = head.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = lines[0].strip()
    m_req = _REQ.match(start)
    m_resp = None if m_req else _RESP.match(start)
    if not m_req and not m_resp:
        shown = start[:60].encode("unicode_escape").decode("ascii")
        ctx.warn("sip-bad-start-line", f"not a SIP start line: '{shown}'", frame=frame)
        return None
    if no_end:
        ctx.warn("sip-no-header-end", "SIP message has no empty line after its headers", frame=frame)
    headers: dict[str, str] = {}
    vias: list[str] = []
    last: str | None = None
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and last is not None:
            if last == "via":
                vias[-1] += " " + line.strip()
            else:
                headers[last] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon:
            continue
        key = name.strip().lower()
        key = COMPACT.get(key, key)
        value = value.strip()
        last = key
        if key == "via":
            vias.append(value)
        elif key not in headers:
            headers[key] = value
    call_id = headers.get("call-id")
    if not call_id:
        ctx.warn("sip-missing-call-id", "SIP message without Call-ID", frame=frame)
    clen: int | None = None
    raw_cl = headers.get("content-length")
    if raw_cl is not None:
        clen = _int(raw_cl)
        if clen is None:
            ctx.warn("sip-bad-content-length", f"Content-Length '{raw_cl[:20]}' is not a number", frame=frame)
        elif clen > len(body_b):
            ctx.warn("sip-bad-content-length", f"Content-Length {clen} but only {len(body_b)} body bytes arrived", frame=frame)
        else:
            body_b = body_b[:clen]
    cseq_num = cseq_method = None
    if "cseq" in headers:
        parts = headers["cseq"].split()
        cseq_num = _int(parts[0]) if parts else None
        cseq_method = parts[1] if len(parts) > 1 else None
    fdisp, furi, fparams = split_name_addr(headers.get("from", ""))
    tdisp, turi, tparams = split_name_addr(headers.get("to", ""))
    contact = headers.get("contact")
    curi = cexp = None
    if contact and contact.strip() != "*":
        first = contact.split(",", 1)[0] if "<" not in contact else contact
        _d, curi, cparams = split_name_addr(first)
        cexp = _int(_param(cparams, "expires"))
    top_via = vias[0].split(",", 1)[0] if vias else None
    via_sent_by = via_branch = None
    if top_via:
        proto_part, _, rest = top_via.partition(" ")
        via_sent_by = rest.strip().split(";", 1)[0].strip() or None
        via_branch = _param(rest, "branch")
    auth = headers.get("authorization") or headers.get("proxy-authorization")
    auth_user = auth_realm = None
    if auth:
        fields = {k.lower(): (q if q is not None else v) for k, v, q in _DIGEST.findall(auth)}
        auth_user = fields.get("username")
        auth_realm = fields.get("realm")
    chal = headers.get("www-authenticate") or headers.get("proxy-authenticate")
    chal_realm = None
    if chal:
        fields = {k.lower(): (q if q is not None else v) for k, v, q in _DIGEST.findall(chal)}
        chal_realm = fields.get("realm")
    ctype = headers.get("content-type")
    sdp = ()
    if body_b and ctype and ("sdp" in ctype.lower() or "multipart" in ctype.lower()):
        text = body_b.decode("utf-8", "replace")
        if "multipart" in ctype.lower():
            i = text.find("v=0")
            text = text[i:] if i >= 0 else ""
        sdp = sdp_proto.parse(text)
    return SipMessage(
        prov=ctx.prov(frame=frame),
        ts_ns=ts_ns,
        src=src,
        dst=dst,
        is_request=bool(m_req),
        method=m_req.group(1) if m_req else None,  # case-sensitive (RFC 3261 §7.1)
        request_uri=m_req.group(2) if m_req else None,
        status=int(m_resp.group(1)) if m_resp else None,
        reason=(m_resp.group(2) or "").strip() or None if m_resp else None,
        call_id=call_id,
        cseq_num=cseq_num,
        cseq_method=cseq_method,
        from_uri=furi,
        from_user=uri_user(furi),
        from_display=fdisp,
        from_tag=_param(fparams, "tag"),
        to_uri=turi,
        to_user=uri_user(turi),
        to_tag=_param(tparams, "tag"),
        contact_uri=curi,
        contact_user=uri_user(curi),
        contact_expires=cexp,
        expires=_int(headers.get("expires")),
        via_branch=via_branch,
        via_sent_by=via_sent_by,
        user_agent=headers.get("user-agent"),
        server=headers.get("server"),
        auth_username=auth_user,
        auth_realm=auth_realm,
        challenge_realm=chal_realm,
        pai=headers.get("p-asserted-identity"),
        ppi=headers.get("p-preferred-identity"),
        rpid=headers.get("remote-party-id"),
        diversion=headers.get("diversion"),
        content_type=ctype,
        content_length=clen,
        sdp=sdp,
        frames=frames or (frame,),
    )
