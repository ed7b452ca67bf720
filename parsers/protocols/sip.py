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
from parsers.protocols import sdp as sdp_proto

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


# Small memo tables for text that repeats from message to message: whole header lines,
# the From, To and Contact of a dialog, the Via of a transaction, "SIP/2.0 200 OK".
# Keys are the exact input strings; values are tuples of str / int / None computed by
# the same functions as an uncached parse, so a hit gives the same result as a miss.
# Only keys up to _MEMO_KEY_MAX characters are kept, and a table is emptied when it
# reaches _MEMO_MAX entries, which bounds memory on captures full of unique values.
_MEMO_MAX = 2048
_MEMO_KEY_MAX = 256
_start_memo: dict[str, tuple] = {}
_line_memo: dict[str, tuple[str, str]] = {}
_name_addr_memo: dict[str, tuple] = {}
_contact_memo: dict[str, tuple] = {}
_via_memo: dict[str, tuple] = {}
_cseq_memo: dict[str, tuple] = {}
_int_memo: dict[str, int | None] = {}
_MISSING = object()

# The headers the record is built from; others are skipped (their folded lines too).
_USED = frozenset({
    "call-id", "content-length", "cseq", "from", "to", "contact", "via", "authorization",
    "proxy-authorization", "www-authenticate", "proxy-authenticate", "content-type",
    "expires", "user-agent", "server", "p-asserted-identity", "p-preferred-identity",
    "remote-party-id", "diversion",
})
_PARAM_RES: dict[str, re.Pattern[str]] = {}


@functools.lru_cache(maxsize=64)
def _param_re(name: str) -> re.Pattern[str]:
    return re.compile(r"(?:^|[;,\s])" + re.escape(name) + r'\s*=\s*("([^"]*)"|[^;,\s>]+)', re.I)


def _param(value: str, name: str) -> str | None:
    pattern = _PARAM_RES.get(name)
    if pattern is None:
        pattern = _PARAM_RES[name] = _param_re(name)
    if value.isascii() and name.isascii():
        # With ASCII text only, the case-insensitive expression can match only where the
        # lower-cased name occurs in the lower-cased value (the delimiter before it, if
        # any, one character earlier), so trying those places in order finds the same
        # leftmost match as a search, without a scan that tests every position.
        # Non-ASCII text takes the search: its case folding also pairs 'k' with the
        # Kelvin sign, 's' with the long s and so on.
        low = value.lower()
        lname = name.lower()
        at = low.find(lname)
        while at >= 0:
            m = pattern.match(value, at - 1 if at else 0)
            if m:
                return m.group(2) if m.group(2) is not None else m.group(1)
            at = low.find(lname, at + 1)
        return None
    m = pattern.search(value)
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


def _memo_int(value: str | None) -> int | None:
    """``_int`` through a memo table (Content-Length and Expires values repeat)."""
    if value is None:
        return None
    n = _int_memo.get(value, _MISSING)
    if n is _MISSING:
        n = _int(value)
        if len(value) <= _MEMO_KEY_MAX:
            if len(_int_memo) >= _MEMO_MAX:
                _int_memo.clear()
            _int_memo[value] = n
    return n  # type: ignore[return-value]


def _start_fields(line: str) -> tuple | None:
    """(is_request, method, request_uri, status, reason) of a start line, None if it is not one."""
    start = line.strip()
    m = _REQ.match(start)
    if m:
        return (True, m.group(1), m.group(2), None, None)
    m = _RESP.match(start)
    if m:
        return (False, None, None, int(m.group(1)), (m.group(2) or "").strip() or None)
    return None


def _header_key(name: str) -> str:
    """Canonical (lower-case, compact forms expanded) name of a used header, else ''."""
    key = name.strip().lower()
    key = COMPACT.get(key, key)
    return key if key in _USED else ""


def _name_addr_fields(value: str) -> tuple:
    """(display, uri, user, tag) of a From/To value."""
    display, uri, params = split_name_addr(value)
    return display, uri, uri_user(uri), _param(params, "tag")


def _contact_fields(contact: str) -> tuple:
    """(uri, user, expires parameter) of a Contact value."""
    if contact and contact.strip() != "*":
        first = contact.split(",", 1)[0] if "<" not in contact else contact
        _d, curi, cparams = split_name_addr(first)
        return curi, uri_user(curi), _int(_param(cparams, "expires"))
    return None, None, None


def _via_fields(via: str) -> tuple:
    """(sent-by, branch) of the first value of the top Via header."""
    top_via = via.split(",", 1)[0]
    if top_via:
        _proto, _, rest = top_via.partition(" ")
        return rest.strip().split(";", 1)[0].strip() or None, _param(rest, "branch")
    return None, None


def _cseq_fields(cseq: str) -> tuple:
    parts = cseq.split()
    return (_int(parts[0]) if parts else None), (parts[1] if len(parts) > 1 else None)


def _memo_fill(table: dict, fn, value: str) -> tuple:
    """``fn(value)``, noted in ``table`` (callers look there first; ``fn`` returns a non-empty tuple)."""
    r = fn(value)
    if len(value) <= _MEMO_KEY_MAX:
        if len(table) >= _MEMO_MAX:
            table.clear()
        table[value] = r
    return r


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
    # CRLF per RFC 3261; bare LF and bare CR are tolerated as line ends (seen in the wild).
    # Only CRLF (checked: no CR or LF left between the pieces) or only LF: one split.
    if "\r" not in head:
        lines = head.split("\n")
    else:
        lines = head.split("\r\n")
        joined = "".join(lines)
        if "\r" in joined or "\n" in joined:
            lines = head.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0]
    sl = _start_memo.get(first)
    if sl is None:
        sl = _start_fields(first)
        if sl is None:
            shown = first.strip()[:60].encode("unicode_escape").decode("ascii")
            ctx.warn("sip-bad-start-line", f"not a SIP start line: '{shown}'", frame=frame)
            return None
        if len(first) <= _MEMO_KEY_MAX:
            if len(_start_memo) >= _MEMO_MAX:
                _start_memo.clear()
            _start_memo[first] = sl
    if no_end:
        ctx.warn("sip-no-header-end", "SIP message has no empty line after its headers", frame=frame)
    # Repeated headers keep their first value; a folded line extends the header above it
    # (for a repeated header other than Via that is the first value, as it always was).
    # ``last`` is None before the first header and '' after a header that is not used
    # (or a second Via), whose folded lines are then dropped.  The line memo holds only
    # lines that do not start with a space or tab: what they mean does not depend on
    # the lines before them.
    headers: dict[str, str] = {}
    last: str | None = None
    line_memo = _line_memo
    it = iter(lines)
    next(it)
    for line in it:
        kv = line_memo.get(line)
        if kv is None:
            if not line:
                continue
            indented = line[0] in " \t"
            if indented and last is not None:
                if last:
                    headers[last] += " " + line.strip()
                continue
            name, colon, value = line.partition(":")
            if not colon:
                continue
            kv = (_header_key(name), value.strip())
            if not indented and len(line) <= _MEMO_KEY_MAX:
                if len(line_memo) >= _MEMO_MAX:
                    line_memo.clear()
                line_memo[line] = kv
        key, value = kv
        if not key:
            last = ""
        elif key in headers:
            last = "" if key == "via" else key
        else:
            headers[key] = value
            last = key
    get = headers.get
    call_id = get("call-id")
    if not call_id:
        ctx.warn("sip-missing-call-id", "SIP message without Call-ID", frame=frame)
    clen: int | None = None
    raw_cl = get("content-length")
    if raw_cl is not None:
        clen = _memo_int(raw_cl)
        if clen is None:
            ctx.warn("sip-bad-content-length", f"Content-Length '{raw_cl[:20]}' is not a number", frame=frame)
        elif clen > len(body_b):
            ctx.warn("sip-bad-content-length", f"Content-Length {clen} but only {len(body_b)} body bytes arrived", frame=frame)
        else:
            body_b = body_b[:clen]
    # the memo tables hold non-empty tuples only, so a miss is the only false value
    cseq = get("cseq")
    cseq_num, cseq_method = (None, None) if cseq is None else (
        _cseq_memo.get(cseq) or _memo_fill(_cseq_memo, _cseq_fields, cseq))
    from_ = get("from", "")
    fdisp, furi, fuser, ftag = _name_addr_memo.get(from_) or _memo_fill(_name_addr_memo, _name_addr_fields, from_)
    to = get("to", "")
    _tdisp, turi, tuser, ttag = _name_addr_memo.get(to) or _memo_fill(_name_addr_memo, _name_addr_fields, to)
    contact = get("contact")
    curi, cuser, cexp = (None, None, None) if contact is None else (
        _contact_memo.get(contact) or _memo_fill(_contact_memo, _contact_fields, contact))
    via = get("via")
    via_sent_by, via_branch = (None, None) if via is None else (
        _via_memo.get(via) or _memo_fill(_via_memo, _via_fields, via))
    auth = get("authorization") or get("proxy-authorization")
    auth_user = auth_realm = None
    if auth:
        fields = {k.lower(): (q if q is not None else v) for k, v, q in _DIGEST.findall(auth)}
        auth_user = fields.get("username")
        auth_realm = fields.get("realm")
    chal = get("www-authenticate") or get("proxy-authenticate")
    chal_realm = None
    if chal:
        fields = {k.lower(): (q if q is not None else v) for k, v, q in _DIGEST.findall(chal)}
        chal_realm = fields.get("realm")
    ctype = get("content-type")
    sdp = ()
    if body_b and ctype:
        ctl = ctype.lower()
        if "sdp" in ctl or "multipart" in ctl:
            text = body_b.decode("utf-8", "replace")
            if "multipart" in ctl:
                i = text.find("v=0")
                text = text[i:] if i >= 0 else ""
            sdp = sdp_proto.parse(text)
    is_request, method, request_uri, status, reason = sl
    return SipMessage(
        prov=ctx.prov(frame=frame),
        ts_ns=ts_ns,
        src=src,
        dst=dst,
        is_request=is_request,
        method=method,  # case-sensitive (RFC 3261 §7.1)
        request_uri=request_uri,
        status=status,
        reason=reason,
        call_id=call_id,
        cseq_num=cseq_num,
        cseq_method=cseq_method,
        from_uri=furi,
        from_user=fuser,
        from_display=fdisp,
        from_tag=ftag,
        to_uri=turi,
        to_user=tuser,
        to_tag=ttag,
        contact_uri=curi,
        contact_user=cuser,
        contact_expires=cexp,
        expires=_memo_int(get("expires")),
        via_branch=via_branch,
        via_sent_by=via_sent_by,
        user_agent=get("user-agent"),
        server=get("server"),
        auth_username=auth_user,
        auth_realm=auth_realm,
        challenge_realm=chal_realm,
        pai=get("p-asserted-identity"),
        ppi=get("p-preferred-identity"),
        rpid=get("remote-party-id"),
        diversion=get("diversion"),
        content_type=ctype,
        content_length=clen,
        sdp=sdp,
        frames=frames or (frame,),
    )
