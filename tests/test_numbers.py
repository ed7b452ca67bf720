"""forensics.numbers: E.164 normalisation, region, type, carrier, URI user parts.

Expected values are what phonenumbers 9.x metadata says (checked by hand against
the Chinese numbering plan: 0731 is the merged Changsha/Zhuzhou/Xiangtan code,
010 is Beijing, 138 is a China Mobile prefix, 400 is shared cost, 800 toll free).
Subscriber digits are invented.
"""

from __future__ import annotations

import pytest

from forensics.numbers import Number, extract_user, is_landline, normalise

CHANGSHA_XIANGTAN_ZH = "湖南省长沙市、湘潭市、株州市"  # the library's spelling of 株洲


@pytest.mark.parametrize(
    "raw",
    [
        "073155551234",
        "0731-5555 1234",
        "(0731)55551234",
        "+86 731 5555 1234",
        "+86 (0)731 5555 1234",
        "+86-731-5555-1234",
        "tel:+86-731-5555-1234",
        "tel:+86-731-5555-1234;phone-context=example.net",
        "sip:073155551234@192.0.2.10",
        "sip:+8673155551234@192.0.2.10;user=phone",
        '"Den 1" <sip:073155551234@192.0.2.10:5060;transport=udp>;tag=a1b2',
        "<sips:%2B8673155551234@gw.example.net>",
        "008673155551234",
        "8673155551234",
        "０７３１－５５５５ １２３４",
        "＋８６ ７３１ ５５５５ １２３４",
    ],
)
def test_xiangtan_landline_notations(raw: str) -> None:
    n = normalise(raw)
    assert n is not None
    assert n.raw == raw
    assert n.valid is True
    assert n.e164 == "+8673155551234"
    assert n.national == "0731 5555 1234"
    assert n.region_code == "CN"
    assert n.region_zh == CHANGSHA_XIANGTAN_ZH
    assert n.region_en == "Zhuzhou/Changsha/Xiangtan, Hunan"
    assert n.type == "fixed_line"
    assert n.carrier_zh is None and n.carrier is None
    assert is_landline(n)


def test_beijing_landline() -> None:
    n = normalise("010-6234 5678")
    assert n is not None
    assert (n.e164, n.national, n.region_zh, n.region_en, n.type) == (
        "+861062345678",
        "010 6234 5678",
        "北京市",
        "Beijing",
        "fixed_line",
    )


def test_mobile_with_carrier() -> None:
    n = normalise("138 1234 5678")
    assert n is not None
    assert n.e164 == "+8613812345678"
    assert n.national == "138 1234 5678"
    assert n.type == "mobile"
    assert n.carrier_zh == "中国移动"
    assert n.carrier_en == "China Mobile"
    assert n.carrier == "China Mobile"
    assert n.region_zh == "江苏省连云港市"  # prefix 1381234 allocation
    assert not is_landline(n)


def test_xiangtan_only_for_mobile_prefix() -> None:
    """Only mobile prefixes map to 湘潭 alone; 0731 fixed lines never do."""
    n = normalise("13007321234")
    assert n is not None
    assert (n.region_zh, n.region_en, n.carrier_zh) == (
        "湖南省湘潭市",
        "Xiangtan, Hunan",
        "中国联通",
    )


@pytest.mark.parametrize(
    "raw, e164, national, kind",
    [
        ("400-812-3456", "+864008123456", "400 812 3456", "shared_cost"),
        ("800 812 3456", "+868008123456", "800 812 3456", "toll_free"),
    ],
)
def test_non_geographic(raw: str, e164: str, national: str, kind: str) -> None:
    n = normalise(raw)
    assert n is not None
    assert (n.e164, n.national, n.type, n.region_zh, n.region_en) == (
        e164,
        national,
        kind,
        "中国",
        "China",
    )
    assert not is_landline(n)


def test_foreign_number_keeps_its_country() -> None:
    n = normalise("+1 415 555 2671")
    assert n is not None
    assert (n.e164, n.region_code, n.type) == (
        "+14155552671",
        "US",
        "fixed_line_or_mobile",
    )
    assert not is_landline(n)  # may be a mobile: not proof of a landline


@pytest.mark.parametrize(
    "raw, digits",
    [
        ("907315551234", "907315551234"),  # outside-line 9 + number: not guessed away
        ("9073155551234", "9073155551234"),
        ("0073155551234", "0073155551234"),  # 0 for an outside line looks like IDD 00
        ("55551234", "55551234"),  # local number without area code: area unknown
        (
            "sip:07315551234@host",
            "07315551234",
        ),  # 7 subscriber digits: not a 0731 number
    ],
)
def test_trunk_prefixes_and_local_numbers_are_not_guessed(
    raw: str, digits: str
) -> None:
    n = normalise(raw)
    assert n is not None
    assert n.valid is False
    assert n.e164 is None and n.national is None and n.region_zh is None
    assert n.raw == raw
    assert n.digits == digits
    assert n.key == digits
    assert not is_landline(n)


def test_short_codes() -> None:
    n = normalise("110")
    assert n is not None
    assert (n.valid, n.e164, n.type) == (False, None, "short_code")
    assert normalise("95555").type == "short_code"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "raw", ["garbage", "sip:alice@192.0.2.1", "0731-CALL-NOW", "+"]
)
def test_garbage_gives_invalid_number(raw: str) -> None:
    n = normalise(raw)
    assert isinstance(n, Number)
    assert n.valid is False and n.e164 is None and n.type == "unknown"
    assert n.raw == raw


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing_gives_none(raw: str | None) -> None:
    assert normalise(raw) is None
    assert not is_landline(None)


def test_password_in_uri_never_kept() -> None:
    n = normalise('"x" <sip:073155551234:hunter2@192.0.2.7>;tag=1')
    assert n is not None
    assert "hunter2" not in repr(n) and "hunter2" not in str(n.to_json())
    assert n.raw == '"x" <sip:073155551234:***@192.0.2.7>;tag=1'
    assert n.e164 == "+8673155551234"


def test_cached_and_deterministic() -> None:
    a = normalise("0731-5555 1234")
    b = normalise("0731-5555 1234")
    assert a is b  # served from the bounded cache
    assert a == normalise("0731-5555 1234", "cn")


def test_other_default_region() -> None:
    n = normalise("(415) 555-2671", default_region="US")
    assert n is not None and n.e164 == "+14155552671"


@pytest.mark.parametrize(
    "uri, user",
    [
        ("sip:8001@192.0.2.1", "8001"),
        ("sips:8001@192.0.2.1:5061;transport=tls", "8001"),
        ("SIP:8001@192.0.2.1", "8001"),
        ('"Zhang San" <sip:+8673155551234@192.0.2.1>;tag=9', "+8673155551234"),
        ("<sip:8001@192.0.2.1;lr>", "8001"),
        ("sip:gw1:secret@192.0.2.1", "gw1"),
        ("sip:+86-731-5555-1234;npdi@192.0.2.1;user=phone", "+86-731-5555-1234"),
        ("tel:+86-731-5555-1234;phone-context=+86", "+86-731-5555-1234"),
        ("sip:%E5%BC%A0@192.0.2.1", "张"),
        ("sip:%2B8613812345678@192.0.2.1", "+8613812345678"),
        ("8001@192.0.2.1", "8001"),
        ("8001", "8001"),
        ("sip:192.0.2.1", None),
        ("<sip:192.0.2.1:5060>", None),
        ("", None),
        (None, None),
    ],
)
def test_extract_user(uri: str | None, user: str | None) -> None:
    assert extract_user(uri) == user
