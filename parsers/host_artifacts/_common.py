"""Helpers shared by the host-artifact parsers: text decoding, line streaming,
local times, host:port splitting, INI sections and secret collection.

Laptop artifacts come in UTF-8, UTF-16 LE with a BOM (regedit ``.reg`` exports, some
Windows logs) and GBK/GB18030 (Chinese Windows tools).  Small configs are decoded whole
with :func:`parsers.base.decode_text`; logs are streamed line by line with the
encoding detected from ``src.head`` so that files larger than ``MAX_TEXT_BYTES`` are
never held in memory.
"""

from __future__ import annotations

import calendar
import codecs
import re
from collections.abc import Iterator

from forensics.model.core import Secret
from forensics.model.remote import TIME_ZONE_KEY, UNKNOWN_LOCAL
from parsers.base import MAX_TEXT_BYTES, ParseContext, Source, decode_text

CHUNK = 1 << 20
LOCAL_TZ = ((TIME_ZONE_KEY, UNKNOWN_LOCAL),)  # detail for wall-clock times of unknown zone


def detect_encoding(head: bytes) -> str:
    """Codec name for streaming a text file, judged from its first bytes."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith(b"\xff\xfe"):
        return "utf-16"  # the codec consumes the BOM
    if head.startswith(b"\xfe\xff"):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 8:
        odd_nul = sample[1::2].count(0)
        even_nul = sample[0::2].count(0)
        half = len(sample) // 2
        if odd_nul > half * 0.6 and even_nul < half * 0.1:
            return "utf-16-le"
        if even_nul > half * 0.6 and odd_nul < half * 0.1:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def head_text(head: bytes) -> str:
    """The sniff window as text (never raises; undecodable bytes are replaced)."""
    try:
        enc = detect_encoding(head)
        dec = codecs.getincrementaldecoder(enc)(errors="replace")
        return dec.decode(head, final=False)
    except Exception:  # sniffers must never raise
        return ""


def iter_lines(src: Source) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without EOL) for the whole file, streamed."""
    enc = detect_encoding(src.head)
    dec = codecs.getincrementaldecoder(enc)(errors="replace")
    buf = ""
    n = 0
    with src.open() as fh:
        while True:
            chunk = fh.read(CHUNK)
            final = not chunk
            buf += dec.decode(chunk, final=final)
            parts = buf.split("\n")
            buf = parts.pop()
            for p in parts:
                n += 1
                yield n, p.rstrip("\r").lstrip("\ufeff") if n == 1 else p.rstrip("\r")
            if final:
                break
    if buf:
        n += 1
        yield n, buf.rstrip("\r")


def read_text(src: Source, ctx: ParseContext) -> str:
    """A whole small text file, decoded; warns when it had to be cut."""
    data = src.read_all(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        ctx.warn("host-file-too-large", f"only the first {MAX_TEXT_BYTES} bytes were read")
        data = data[:MAX_TEXT_BYTES]
    text, _enc = decode_text(data)
    return text.lstrip("\ufeff")


def local_ns(
    year: int, month: int, day: int, hour: int, minute: int, second: int, frac: str = ""
) -> int:
    """Nanoseconds for a wall-clock time read as if UTC (``frac``: decimal digits).

    Raises ValueError for impossible dates (callers turn that into a warning).
    """
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        raise ValueError(f"impossible time {year}-{month}-{day} {hour}:{minute}:{second}")
    calendar.monthrange(year, month)  # validates year/month
    if day > calendar.monthrange(year, month)[1]:
        raise ValueError(f"impossible date {year}-{month}-{day}")
    secs = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    ns = int((frac + "000000000")[:9]) if frac else 0
    return secs * 1_000_000_000 + ns


_HOSTPORT_V6 = re.compile(r"^\[(?P<h>[0-9A-Fa-f:.%a-z]+)\](?::(?P<p>\d{1,5}))?$")


def is_ip(host: str) -> bool:
    """True when ``host`` is an IPv4 or IPv6 address literal."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def split_hostport(s: str, default_port: int | None = None) -> tuple[str, int | None]:
    """``host:port`` / ``[v6]:port`` / ``host`` → (host, port)."""
    s = s.strip().strip("'\"")
    m = _HOSTPORT_V6.match(s)
    if m:
        return m.group("h"), int(m.group("p")) if m.group("p") else default_port
    if s.count(":") == 1:
        h, _, p = s.partition(":")
        if p.isdecimal() and int(p) < 65536:
            return h, int(p)
    return s, default_port


def to_port(v: object) -> int | None:
    """A port number from config text or JSON, or None if it is not one."""
    try:
        p = int(str(v).strip().strip("'\""))
    except (TypeError, ValueError):
        return None
    return p if 0 < p < 65536 else None


_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]*)\]\s*$")
_KV = re.compile(r"^\s*(?P<k>[^=;#\s][^=]*?)\s*=\s*(?P<v>.*?)\s*$")


def ini_sections(text: str) -> list[tuple[str, int, list[tuple[str, str, int]]]]:
    """INI text → [(section, line, [(key, value, line)])]; keys before any section go
    in section ``""``.  Comment lines (``;``/``#``) are skipped; keys keep their case."""
    out: list[tuple[str, int, list[tuple[str, str, int]]]] = [("", 0, [])]
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s[0] in ";#":
            continue
        m = _SECTION.match(line)
        if m:
            out.append((m.group("name").strip(), i, []))
            continue
        m = _KV.match(line)
        if m:
            out[-1][2].append((m.group("k"), m.group("v"), i))
    return out


class SecretBag:
    """Collects named secrets in order, reduced to :class:`Secret` at once."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.values: list[Secret] = []

    def add(self, name: str, value: str | bytes | None) -> None:
        if value is None:
            return
        self.names.append(name)
        self.values.append(Secret.of(value))

    def fields(self) -> dict:
        return {"secrets": tuple(self.values), "secret_names": tuple(self.names)}
