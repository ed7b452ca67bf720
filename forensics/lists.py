"""Examiner-supplied lists: fraud complaints and carrier landline records (CSV).

Formats (``shared/spec/findings.md``, "complaints CSV"):

* complaints: header row, then ``case_no, victim_number, reported_at, amount,
  caller_number`` (the last three optional).  Chinese police exports use
  ``案件编号, 受害人号码, 报案时间, 金额, 来电号码``; both spellings (and the aliases
  in ``COMPLAINT_COLUMNS``) are accepted, in any column order.
* carrier records: header row, then ``number, subscriber, address, installed_at,
  device, port`` (``号码, 机主, 装机地址, 装机时间, 设备, 端口``); a combined
  ``device/port`` column holding ``GW-1/3`` is split at the last ``/``.

Encoding: UTF-8 with or without BOM, else GB18030 (``parsers.base.decode_text``).
Delimiter: comma, or tab/semicolon when the header has no comma.  Cells that look
like spreadsheet formulas (``=…``, ``+86…``) are data here and are kept verbatim.

Verified: column names, number syntax (``forensics.numbers``), time syntax
(``2024-08-24 10:15``, ISO 8601 with or without offset, ``2024/8/24 10:15:02``,
``2024年8月24日 10:15``; naive times are in the case time zone ``tz``), amounts
(``12,000.50``, ``¥12000``, ``1.2万`` → 12000, ``元``/``RMB`` suffixes).
Not verified: that a complaint's numbers are right; that is the list's author's.
A bad row gives a warning with its 1-based line number and the rest are kept.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import ClassVar
from zoneinfo import ZoneInfo

from forensics.model.core import ParseWarning, Record
from forensics.numbers import Number, normalise
from parsers.base import MAX_TEXT_BYTES, ParseContext, Source, decode_text

HEADER_SEARCH_ROWS = 10  # title lines above the header that are tolerated

# canonical column → accepted header spellings (compared after _norm_header)
# fmt: off
COMPLAINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "case_no": ("case_no", "caseno", "case", "case_id", "案件编号", "案件号", "案号",
                "警情编号"),
    "victim_number": ("victim_number", "victim", "victim_phone", "受害人号码",
                      "受害人电话", "受害人手机号", "被害人号码", "报案人电话"),
    "reported_at": ("reported_at", "reported", "report_time", "报案时间", "报警时间",
                    "案发时间"),
    "amount": ("amount", "loss", "金额", "涉案金额", "被骗金额", "损失金额"),
    "caller_number": ("caller_number", "caller", "来电号码", "主叫号码", "诈骗号码",
                      "诈骗电话"),
}
CARRIER_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "phone", "landline", "号码", "电话号码", "固话号码",
               "装机号码"),
    "subscriber": ("subscriber", "owner", "name", "机主", "机主姓名", "用户名称",
                   "户名", "客户名称"),
    "address": ("address", "install_address", "装机地址", "地址"),
    "installed_at": ("installed_at", "install_date", "installed", "装机时间",
                     "装机日期", "开户时间"),
    "device": ("device", "设备"),
    "port": ("port", "端口", "线路"),
    "device_port": ("device/port", "device_port", "设备/端口"),
}
# fmt: on


@dataclass(frozen=True, slots=True, kw_only=True)
class Complaint(Record):
    """One reported fraud case from the complaints list."""

    KIND: ClassVar[str] = "list.complaint"
    case_no: str  # the police case number, as written
    victim_raw: str  # victim's number as written
    victim: Number | None  # the same, normalised
    reported_at: int | None  # UTC ns; None when absent or unreadable
    reported_at_raw: str | None  # the time cell as written
    reported_precision: str | None  # "day" | "minute" | "second"
    amount: Decimal | None  # amount lost, in yuan
    amount_raw: str | None  # the amount cell as written
    caller_raw: str | None  # the number that called the victim, as written
    caller: Number | None  # the same, normalised
    line: int  # 1-based line of the row in the file


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierLine(Record):
    """One landline from a carrier's subscriber/installation records."""

    KIND: ClassVar[str] = "list.carrier_line"
    number_raw: str  # the number as written
    number: Number | None  # normalised
    subscriber: str | None  # registered subscriber (机主)
    address: str | None  # installation address (装机地址)
    installed_at: int | None  # UTC ns of installation; None when absent/unreadable
    installed_at_raw: str | None  # the cell as written
    device: str | None  # exhibit id of the device the line was found on, if listed
    port: int | None  # 1-based gateway port, if listed
    line: int  # 1-based line of the row in the file


# --- cell parsers -----------------------------------------------------------------

_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:时點点]\s*(\d{1,2})\s*分?"
    r"(?:(?::|(?<=分))\s*(\d{1,2})(?:[.,](\d{1,9}))?\s*秒?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(text: str, tz: tzinfo) -> tuple[int, str] | None:
    """(UTC ns, precision) of a date/time cell, naive times taken in ``tz``."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = _TIME.fullmatch(s)
    if not m:
        return None
    y, mo, d, h, mi, sec, frac, off = m.groups()
    try:
        if off:
            if off == "Z":
                zone: tzinfo = UTC
            else:
                sign = -1 if off[0] == "-" else 1
                hh, mm = int(off[1:3]), int(off[-2:])
                zone = timezone(sign * timedelta(hours=hh, minutes=mm))
        else:
            zone = tz
        dt = datetime(
            int(y),
            int(mo),
            int(d),
            int(h or 0),
            int(mi or 0),
            int(sec or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None
    precision = "day" if h is None else "minute" if sec is None else "second"
    seconds = (dt - _EPOCH) // timedelta(seconds=1)  # integer arithmetic, no floats
    return seconds * 1_000_000_000 + int((frac or "0").ljust(9, "0")), precision


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万|亿)?")
_AMOUNT_NOISE = re.compile(r"(?i)[\s,¥$]|元|rmb|cny|人民币")


def parse_amount(text: str) -> Decimal | None:
    """Decimal yuan from ``12,000.50``, ``¥12000``, ``1.2万``; None if not a number."""
    s = _AMOUNT_NOISE.sub("", unicodedata.normalize("NFKC", text))
    m = _AMOUNT.fullmatch(s)
    if not m:
        return None
    try:
        value = Decimal(m.group(1))
    except InvalidOperation:
        return None
    if m.group(2):
        value *= 10_000 if m.group(2) == "万" else 100_000_000
        if value == value.to_integral_value():
            value = Decimal(int(value))
    return value


def _zone(tz: str | tzinfo | None) -> tzinfo:
    if tz is None:
        return UTC
    if isinstance(tz, str):
        return UTC if tz.upper() == "UTC" else ZoneInfo(tz)
    return tz


# --- reading ----------------------------------------------------------------------


def _norm_header(cell: str) -> str:
    s = unicodedata.normalize("NFKC", cell).strip().strip("\ufeff").lower()
    return re.sub(r"[\s_\-]+", "_", s).strip("_")


def _delimiter(text: str) -> str:
    """Comma unless the first line has none and has a tab, semicolon or "，"."""
    first = text.split("\n", 1)[0]
    if "," in first:
        return ","
    for d in ("\t", ";", "，"):
        if d in first:
            return d
    return ","


def _data(
    path_or_bytes: str | os.PathLike | bytes | Source, ctx: ParseContext
) -> bytes:
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
    elif isinstance(path_or_bytes, Source):
        data = path_or_bytes.read_all(MAX_TEXT_BYTES + 1)
    else:
        with open(path_or_bytes, "rb") as fh:  # read-only: evidence is never written
            data = fh.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        ctx.warn(
            "list-too-large",
            f"only the first {MAX_TEXT_BYTES} bytes were read",
            offset=MAX_TEXT_BYTES,
        )
        data = data[:MAX_TEXT_BYTES]
    return data


def _rows(
    data: bytes,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    ctx: ParseContext,
    what: str,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {canonical column: stripped cell}) for every non-blank data row."""
    text, _enc = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    alias = {_norm_header(a): canon for canon, names in columns.items() for a in names}
    index: dict[str, int] = {}
    prev = seen = width = 0
    preamble: list[tuple[int, list[str]]] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a cell beyond csv.field_size_limit()
            ctx.warn(
                "list-bad-csv", f"CSV unreadable from here on: {exc}", line=prev + 1
            )
            break
        line, prev = prev + 1, reader.line_num  # a quoted cell may span several lines
        if not any(c.strip() for c in row):
            continue
        if not index:  # the header: first row naming the required columns
            found: dict[str, int] = {}
            for i, cell in enumerate(row):
                canon = alias.get(_norm_header(cell))
                if canon and canon not in found:
                    found[canon] = i
            missing = [c for c in required if c not in found]
            seen += 1
            if not missing:
                index = found
                width = len(row)
                for at, shown in preamble:  # title lines of a report-style export
                    ctx.warn(
                        f"{what}-row-before-header",
                        f"row before the header ignored: {shown!r}",
                        line=at,
                    )
            elif seen >= HEADER_SEARCH_ROWS:
                break
            else:
                preamble.append((line, [c for c in row if c.strip()][:4]))
            continue
        if any(c.strip() for c in row[width:]):
            # typically an unquoted "3,500": the cells after it have shifted
            ctx.warn(
                f"{what}-extra-cells",
                f"row has {len(row)} cells, header {width}; cells may have shifted",
                line=line,
            )
        cells = {k: row[i].strip() for k, i in index.items() if i < len(row)}
        yield line, cells
    if not index:
        ctx.warn(
            f"{what}-missing-column",
            f"no header row naming {', '.join(required)} found",
            line=prev or None,
        )


def parse_complaints(
    src: str | os.PathLike | bytes | Source,
    ctx: ParseContext,
    *,
    tz: str | tzinfo | None = "UTC",
    default_region: str = "CN",
) -> Iterator[Complaint]:
    """Yield complaints row by row; problems go to ``ctx.warn`` with the line."""
    zone = _zone(tz)
    for line, c in _rows(
        _data(src, ctx),
        COMPLAINT_COLUMNS,
        ("case_no", "victim_number"),
        ctx,
        "complaints",
    ):
        case_no, victim_raw = c.get("case_no", ""), c.get("victim_number", "")
        if not case_no or not victim_raw:
            field = "case_no" if not case_no else "victim_number"
            ctx.warn(
                "complaints-missing-field",
                f"row has no {field}; row skipped",
                line=line,
            )
            ctx.count("rows-skipped")
            continue
        victim = normalise(victim_raw, default_region)
        if victim is None or not victim.valid:
            ctx.warn(
                "complaints-invalid-number",
                f"victim number {victim_raw!r} is not a valid number (kept as written)",
                line=line,
            )
        when_raw = c.get("reported_at") or None
        when = parse_time(when_raw, zone) if when_raw else None
        if when_raw and when is None:
            ctx.warn(
                "complaints-bad-time",
                f"reported_at {when_raw!r} is not a date/time",
                line=line,
            )
        amount_raw = c.get("amount") or None
        amount = parse_amount(amount_raw) if amount_raw else None
        if amount_raw and amount is None:
            ctx.warn(
                "complaints-bad-amount",
                f"amount {amount_raw!r} is not a number",
                line=line,
            )
        caller_raw = c.get("caller_number") or None
        caller = normalise(caller_raw, default_region)
        if caller_raw and (caller is None or not caller.valid):
            ctx.warn(
                "complaints-invalid-number",
                f"caller number {caller_raw!r} is not a valid number (kept as written)",
                line=line,
            )
        ctx.count("rows")
        yield Complaint(
            prov=ctx.prov(line=line),
            case_no=case_no,
            victim_raw=victim_raw,
            victim=victim,
            reported_at=when[0] if when else None,
            reported_at_raw=when_raw,
            reported_precision=when[1] if when else None,
            amount=amount,
            amount_raw=amount_raw,
            caller_raw=caller_raw,
            caller=caller,
            line=line,
        )


def parse_carrier_records(
    src: str | os.PathLike | bytes | Source,
    ctx: ParseContext,
    *,
    tz: str | tzinfo | None = "UTC",
    default_region: str = "CN",
) -> Iterator[CarrierLine]:
    """Yield carrier landline rows; problems go to ``ctx.warn`` with the line."""
    zone = _zone(tz)
    for line, c in _rows(_data(src, ctx), CARRIER_COLUMNS, ("number",), ctx, "carrier"):
        raw = c.get("number", "")
        if not raw:
            ctx.warn(
                "carrier-missing-field", "row has no number; row skipped", line=line
            )
            ctx.count("rows-skipped")
            continue
        number = normalise(raw, default_region)
        if number is None or not number.valid:
            ctx.warn(
                "carrier-invalid-number",
                f"number {raw!r} is not a valid number (kept as written)",
                line=line,
            )
        inst_raw = c.get("installed_at") or None
        inst = parse_time(inst_raw, zone) if inst_raw else None
        if inst_raw and inst is None:
            ctx.warn(
                "carrier-bad-time",
                f"installed_at {inst_raw!r} is not a date/time",
                line=line,
            )
        device, port_raw = c.get("device") or None, c.get("port") or None
        if c.get("device_port"):
            d, sep, p = c["device_port"].rpartition("/")
            device, port_raw = (
                (d.strip() or None, p.strip() or None) if sep else (p, None)
            )
        port = None
        if port_raw:
            digits = re.fullmatch(
                r"\D{0,8}?(\d{1,3})\D{0,2}", unicodedata.normalize("NFKC", port_raw)
            )
            if digits:
                port = int(digits.group(1))
            else:
                ctx.warn(
                    "carrier-bad-port",
                    f"port {port_raw!r} is not a port number",
                    line=line,
                )
        ctx.count("rows")
        yield CarrierLine(
            prov=ctx.prov(line=line),
            number_raw=raw,
            number=number,
            subscriber=c.get("subscriber") or None,
            address=c.get("address") or None,
            installed_at=inst[0] if inst else None,
            installed_at_raw=inst_raw,
            device=device,
            port=port,
            line=line,
        )


def _context(ctx: ParseContext | None, evidence_id: str, parser: str) -> ParseContext:
    return (
        ctx if ctx is not None else ParseContext(evidence_id=evidence_id, parser=parser)
    )


def read_complaints(
    path_or_bytes: str | os.PathLike | bytes | Source,
    *,
    tz: str | tzinfo | None = "UTC",
    default_region: str = "CN",
    ctx: ParseContext | None = None,
    evidence_id: str = "",
) -> tuple[list[Complaint], list[ParseWarning]]:
    """All complaints of a list and the warnings met (a given ``ctx`` is filled too)."""
    c = _context(ctx, evidence_id, "complaints@1")
    rows = list(
        parse_complaints(path_or_bytes, c, tz=tz, default_region=default_region)
    )
    c.finish()
    return rows, list(c.warnings)


def read_carrier_records(
    path_or_bytes: str | os.PathLike | bytes | Source,
    *,
    tz: str | tzinfo | None = "UTC",
    default_region: str = "CN",
    ctx: ParseContext | None = None,
    evidence_id: str = "",
) -> tuple[list[CarrierLine], list[ParseWarning]]:
    """All rows of a carrier landline list, and the warnings met."""
    c = _context(ctx, evidence_id, "carrier_records@1")
    rows = list(
        parse_carrier_records(path_or_bytes, c, tz=tz, default_region=default_region)
    )
    c.finish()
    return rows, list(c.warnings)


def columns_of(head: bytes) -> set[str]:
    """Canonical column names found in the first line (for sniffing list files)."""
    text, _ = decode_text(head.split(b"\n", 1)[0])
    cells = re.split(r"[,\t;，]", text)
    names = {_norm_header(c) for c in cells}
    out: set[str] = set()
    for table in (COMPLAINT_COLUMNS, CARRIER_COLUMNS):
        for canon, aliases in table.items():
            if names & {_norm_header(a) for a in aliases}:
                out.add(canon)
    return out
