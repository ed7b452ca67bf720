"""Turning findings values into text: times, endpoints, sources, secrets.

Shared by the HTML report and the CSV tables so both spell a value the same way.
Input is the findings contract (``shared/spec/findings.md``): ISO 8601 UTC times
ending in ``Z`` (up to nanoseconds), endpoints ``{"ip", "port", "transport"}``,
``sources`` entries ``{"evidence", "frame" | "frames"+"count" | "line" | "offset",
"member"?}`` and secrets ``{"present", "length", "sha256_8"}``.  Nothing here reads
evidence; a value that does not have the expected shape is rendered as plain text
rather than dropped.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ELLIPSIS = "…"
MAX_CELL = 200  # characters shown in the HTML before a value is shortened

_TS = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$")


def zone(name: str | None) -> tuple[tzinfo, str]:
    """The ``tzinfo`` for an IANA name and the name actually used (``UTC`` if unknown)."""
    if name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.utc, "UTC"


def parse_ts(value: Any) -> datetime | None:
    """A findings timestamp as an aware UTC datetime (sub-microseconds dropped)."""
    if not isinstance(value, str):
        return None
    m = _TS.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac = m.groups()
    micro = int((frac or "0").ljust(6, "0")[:6])
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, timezone.utc)
    except ValueError:
        return None


def utc_offset(delta: timedelta | None) -> str:
    """``UTC+08:00`` style offset."""
    minutes = int((delta or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_parts(value: Any, tz: tzinfo) -> tuple[str, str] | None:
    """(``"2024-08-24 18:15:02"``, ``"UTC+08:00"``) for a findings time, or None."""
    dt = parse_ts(value)
    if dt is None:
        return None
    loc = dt.astimezone(tz)
    return loc.strftime("%Y-%m-%d %H:%M:%S"), utc_offset(loc.utcoffset())


def local_time(value: Any, tz: tzinfo) -> str:
    """``"2024-08-24 18:15:02 (UTC+08:00)"``; a malformed time is returned as given."""
    parts = local_parts(value, tz)
    if parts is None:
        return "" if value is None else str(value)
    return f"{parts[0]} ({parts[1]})"


def endpoint(ep: Any) -> str:
    """``ip:port/transport`` (IPv6 in brackets); plain text for other shapes."""
    if ep is None:
        return ""
    if not isinstance(ep, dict):
        return str(ep)
    ip = str(ep.get("ip") or ep.get("host") or "")
    if ":" in ip and ep.get("port") is not None:
        ip = f"[{ip}]"
    out = ip
    if ep.get("port") is not None:
        out += f":{ep['port']}"
    if ep.get("transport"):
        out += f"/{ep['transport']}"
    return out


def source_ref(src: Any) -> str:
    """Compact reference: ``E1#f12``, ``E1#f10-400(57)``, ``E3#l17``, ``E3#o4096``."""
    if not isinstance(src, dict):
        return str(src)
    out = str(src.get("evidence", "?"))
    if src.get("member"):
        out += f"!{src['member']}"
    frames = src.get("frames")
    if src.get("frame") is not None:
        out += f"#f{src['frame']}"
    elif isinstance(frames, list) and frames:
        out += f"#f{frames[0]}-{frames[-1]}" if len(frames) > 1 else f"#f{frames[0]}"
        if src.get("count") is not None:
            out += f"({src['count']})"
    if src.get("line") is not None:
        out += f"#l{src['line']}"
    if src.get("offset") is not None:
        out += f"#o{src['offset']}"
    return out


def sources(srcs: Any) -> str:
    """``E1#f12;E1#f40``."""
    if not isinstance(srcs, list):
        return "" if srcs is None else str(srcs)
    return ";".join(source_ref(s) for s in srcs)


def wireshark_filter(src: dict[str, Any]) -> str | None:
    """Display filter that selects the cited frames, for capture sources."""
    if src.get("frame") is not None:
        return f"frame.number == {src['frame']}"
    frames = src.get("frames")
    if isinstance(frames, list) and len(frames) >= 2:
        return f"frame.number >= {frames[0]} && frame.number <= {frames[-1]}"
    if isinstance(frames, list) and frames:
        return f"frame.number == {frames[0]}"
    return None


def secret(value: Any) -> str:
    """A secret in its findings form: ``set, 10 chars, sha256 1a2b3c4d``."""
    if not isinstance(value, dict):
        return "" if value is None else "(secret)"
    if not value.get("present"):
        return "not set"
    bits = ["set"]
    if value.get("length") is not None:
        bits.append(f"{value['length']} chars")
    if value.get("sha256_8"):
        bits.append(f"sha256 {value['sha256_8']}")
    return ", ".join(bits)


def shorten(text: str, limit: int = MAX_CELL) -> str:
    """Text cut to ``limit`` characters, the last one an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def flat(value: Any) -> str:
    """Any findings value as one line of text (for CSV cells and HTML cells)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, dict):
        if "present" in value and ("sha256_8" in value or "length" in value):
            return secret(value)
        if "ip" in value and "port" in value:
            return endpoint(value)
        if "evidence" in value and len(value) <= 5:
            return source_ref(value)
        return "; ".join(f"{k}={flat(v)}" for k, v in value.items())
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "evidence" in v for v in value):
            return sources(value)
        return "; ".join(flat(v) for v in value)
    return str(value)
