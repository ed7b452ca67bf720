"""forensics.lists: complaints and carrier landline CSVs.

Fixtures are written by ``tests/fixtures/lists/make_fixtures.py`` (invented
values); their layouts are described there.  Times: 2024-08-24 10:15 in
Asia/Shanghai is 02:15 UTC = 1724465700 s.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest

from forensics.lists import (
    CarrierLine,
    Complaint,
    columns_of,
    parse_amount,
    parse_complaints,
    parse_time,
    read_carrier_records,
    read_complaints,
)
from forensics.model.core import Record
from parsers.base import ParseContext, Source

FIX = Path(__file__).resolve().parent / "fixtures" / "lists"
S = 1_000_000_000
SH = "Asia/Shanghai"


def _codes(warnings) -> list[tuple[int | None, str]]:
    return [(w.line, w.code) for w in warnings]


def test_fixtures_are_reproducible(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_fixtures", FIX / "make_fixtures.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(tmp_path)
    for name in mod.FILES:
        assert (tmp_path / name).read_bytes() == (FIX / name).read_bytes(), name


def test_complaints_utf8_bom_english_headers() -> None:
    rows, warnings = read_complaints(
        FIX / "complaints_utf8_bom.csv", tz=SH, evidence_id="E7"
    )
    assert [r.case_no for r in rows] == [
        "XT-0001",
        "XT-0002",
        "XT-0003",
        "XT-0005",
        "XT-0006",
        "XT-0007",
    ]
    assert [r.line for r in rows] == [2, 3, 4, 6, 8, 9]
    a = rows[0]
    assert (
        isinstance(a, Complaint)
        and isinstance(a, Record)
        and a.KIND == "list.complaint"
    )
    assert (
        a.prov.evidence_id == "E7"
        and a.prov.line == 2
        and a.prov.parser == "complaints@1"
    )
    assert a.victim_raw == "138 1234 5678"
    assert a.victim is not None and a.victim.e164 == "+8613812345678"
    assert a.victim.carrier_zh == "中国移动"
    assert a.reported_at == 1724465700 * S
    assert (a.reported_at_raw, a.reported_precision) == ("2024-08-24 10:15", "minute")
    assert a.amount == Decimal("12000.50") and a.amount_raw == "12,000.50"
    assert a.caller_raw == "0731-5555 1234"
    assert a.caller is not None and a.caller.e164 == "+8673155551234"
    b = rows[1]  # explicit UTC time is not shifted by the case zone
    assert b.reported_at == 1724466005 * S and b.reported_precision == "second"
    assert b.amount == Decimal(800) and b.victim.e164 == "+8613900001111"  # type: ignore[union-attr]
    c = rows[2]
    assert c.reported_at == 1724465702 * S
    assert c.amount == Decimal(12000) and c.caller_raw is None and c.caller is None
    bad = rows[3]  # kept, with its raw values, and warned about
    assert bad.victim_raw == "not-a-number" and bad.victim.e164 is None  # type: ignore[union-attr]
    assert bad.reported_at is None and bad.amount is None and bad.caller.e164 is None  # type: ignore[union-attr]
    assert rows[4].victim.e164 == "+861062345678" and rows[4].reported_at is None  # type: ignore[union-attr]
    assert _codes(warnings) == [
        (5, "complaints-missing-field"),
        (6, "complaints-invalid-number"),
        (6, "complaints-bad-time"),
        (6, "complaints-bad-amount"),
        (6, "complaints-invalid-number"),
        (9, "complaints-extra-cells"),
        (9, "complaints-invalid-number"),
    ]
    assert all(w.evidence == "E7" for w in warnings)
    assert "'next tuesday'" in warnings[2].message


def test_complaints_gb18030_chinese_headers() -> None:
    """Title row above the header, columns in another order, a quoted case number
    spanning lines 4-5, formula-looking cells kept verbatim."""
    rows, warnings = read_complaints(FIX / "complaints_gb18030.csv", tz=SH)
    assert [(r.line, r.case_no) for r in rows] == [
        (3, "XT-0101"),
        (4, "XT-0102\n（补录）"),
        (6, "+cmd"),
    ]
    a, b, c = rows
    assert a.victim.e164 == "+8613812345678"  # type: ignore[union-attr]
    assert (
        a.reported_at == 1724465700 * S and a.reported_at_raw == "2024年8月24日 10:15"
    )
    assert a.amount == Decimal(3500) and a.amount_raw == "￥3,500元"
    assert a.caller.e164 == "+8673155551234"  # type: ignore[union-attr]
    assert (
        b.reported_at == (1724457600 - 8 * 3600) * S and b.reported_precision == "day"
    )
    assert b.amount == Decimal(50000)
    assert c.caller_raw == '=HYPERLINK("http://192.0.2.9")' and c.amount == Decimal(0)
    assert c.reported_at == 1724547600 * S
    assert _codes(warnings) == [
        (1, "complaints-row-before-header"),
        (6, "complaints-invalid-number"),
        (7, "complaints-missing-field"),
    ]


def test_complaints_without_header() -> None:
    rows, warnings = read_complaints(FIX / "complaints_no_header.csv")
    assert rows == []
    assert _codes(warnings) == [(1, "complaints-missing-column")]


def test_complaints_from_bytes_source_and_context() -> None:
    data = (FIX / "complaints_utf8_bom.csv").read_bytes()
    ctx = ParseContext(evidence_id="E3", parser="complaints@1")
    rows = list(parse_complaints(Source.from_bytes(data, "victims.csv"), ctx, tz="UTC"))
    assert len(rows) == 6 and len(ctx.warnings) == 7
    assert rows[0].reported_at == (1724465700 + 8 * 3600) * S  # naive time taken as UTC
    assert ctx.stats["rows"] == 6 and ctx.stats["rows-skipped"] == 1
    rows2, _ = read_complaints(data, tz=SH)
    assert rows2[0].reported_at == 1724465700 * S


def test_empty_and_undecodable_input_never_crash() -> None:
    assert read_complaints(b"") == ([], read_complaints(b"")[1])
    assert _codes(read_complaints(b"")[1]) == [(None, "complaints-missing-column")]
    rows, warnings = read_complaints(b"\xff\xfe\x00garbage\x00\n\x81")
    assert rows == [] and _codes(warnings)[-1][1] == "complaints-missing-column"


def test_carrier_records_chinese_headers() -> None:
    rows, warnings = read_carrier_records(
        FIX / "carrier_lines.csv", tz=SH, evidence_id="E2"
    )
    assert [r.line for r in rows] == [2, 3, 4, 6]
    a = rows[0]
    assert isinstance(a, CarrierLine) and a.KIND == "list.carrier_line"
    assert a.number.e164 == "+8673155551234" and a.number.national == "0731 5555 1234"  # type: ignore[union-attr]
    assert (a.subscriber, a.address) == ("测试用户甲", "湖南省湘潭市测试路1号301室")
    assert a.installed_at == (1709251200 - 8 * 3600) * S
    assert (a.device, a.port) == ("GW-1", 1)
    assert (rows[1].port, rows[1].installed_at) == (2, 1709274600 * S)  # "FXO2"
    assert rows[2].number.e164 is None and rows[2].number_raw == "5555-1236"  # type: ignore[union-attr]
    assert (rows[3].installed_at, rows[3].port, rows[3].device) == (None, None, "GW-2")
    assert _codes(warnings) == [
        (4, "carrier-invalid-number"),
        (5, "carrier-missing-field"),
        (6, "carrier-bad-time"),
        (6, "carrier-bad-port"),
    ]


def test_carrier_records_tab_separated_device_port() -> None:
    rows, warnings = read_carrier_records(FIX / "carrier_device_port.tsv", tz=SH)
    assert warnings == []
    assert [(r.number.e164, r.device, r.port) for r in rows] == [  # type: ignore[union-attr]
        ("+8673155551234", "GW-1", 1),
        ("+8673155551235", "GW-1", 2),
    ]
    assert rows[0].subscriber == "Test Subscriber A"


@pytest.mark.parametrize(
    "text, value",
    [
        ("12,000.50", Decimal("12000.50")),
        ("¥12000", Decimal(12000)),
        ("￥12,000", Decimal(12000)),
        ("1.2万", Decimal(12000)),
        ("3万元", Decimal(30000)),
        ("0.5亿", Decimal(50000000)),
        ("８００", Decimal(800)),
        ("800 元", Decimal(800)),
        ("RMB 99.9", Decimal("99.9")),
        ("-5", None),
        ("1.2.3", None),
        ("一万", None),
        ("", None),
    ],
)
def test_parse_amount(text: str, value: Decimal | None) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    "text, seconds, precision",
    [
        ("2024-08-24 10:15", 1724465700, "minute"),
        ("2024-08-24T10:15:02", 1724465702, "second"),
        ("2024/8/24 10:15:02", 1724465702, "second"),
        ("2024.08.24 10:15", 1724465700, "minute"),
        ("2024年8月24日 10时15分", 1724465700, "minute"),
        ("2024-08-24T02:15:02Z", 1724465702, "second"),
        ("2024-08-24 10:15:02+08:00", 1724465702, "second"),
        ("2024-08-24", 1724428800, "day"),
    ],
)
def test_parse_time_in_case_zone(text: str, seconds: int, precision: str) -> None:
    from zoneinfo import ZoneInfo

    assert parse_time(text, ZoneInfo(SH)) == (seconds * S, precision)


def test_parse_time_fraction_and_rejects() -> None:
    assert parse_time("2024-08-24 02:15:02.123456789", UTC) == (
        1724465702 * S + 123456789,
        "second",
    )
    for bad in (
        "2024-13-01",
        "2024-02-30 10:00",
        "24/8/2024",
        "yesterday",
        "2024-08-24 25:00",
    ):
        assert parse_time(bad, UTC) is None, bad


def test_columns_of_for_sniffing() -> None:
    head = (FIX / "complaints_utf8_bom.csv").read_bytes()
    assert columns_of(head) >= {"case_no", "victim_number", "reported_at", "amount"}
    assert columns_of((FIX / "carrier_lines.csv").read_bytes()) == {
        "number",
        "subscriber",
        "address",
        "installed_at",
        "device",
        "port",
    }
    assert columns_of(b"\x00\x01binary") == set()
