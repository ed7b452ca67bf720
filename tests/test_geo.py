"""forensics.geo: reserved ranges, the embedded geoip2fast snapshot, and .mmdb files.

Embedded answers are pinned to the snapshot shipped with geoip2fast 1.2.2
(``MAXMIND:GeoLite2-CountryASN-IPv4IPv6-en-20240618``); a newer package with a
newer snapshot will fail ``test_embedded_source`` first, on purpose: re-check the
pinned values then.  The .mmdb tests build small MaxMind DB 2.0 files here with
``write_mmdb`` (format: https://maxmind.github.io/MaxMind-DB/), so they need no
downloaded database.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from forensics.geo import GeoLookup, GeoResult, is_overseas

EMBEDDED_SOURCE = "geoip2fast 1.2.2 (MAXMIND:GeoLite2-CountryASN-IPv4IPv6-en-20240618)"


@pytest.fixture(scope="module")
def geo() -> GeoLookup:
    return GeoLookup()


def test_embedded_source(geo: GeoLookup) -> None:
    assert geo.source == EMBEDDED_SOURCE


@pytest.mark.parametrize(
    "ip, note",
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.10.20", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.1.1", "link-local"),
        ("100.64.0.1", "shared-cgnat"),
        ("100.127.255.254", "shared-cgnat"),
        ("224.0.0.5", "multicast"),
        ("239.255.255.250", "multicast"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "private"),
        ("198.18.0.1", "private"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("2001:db8::5", "documentation"),
        ("ff02::1", "multicast"),
        ("::ffff:192.168.1.1", "private"),
    ],
)
def test_reserved_ranges(geo: GeoLookup, ip: str, note: str) -> None:
    r = geo.lookup(ip)
    assert (r.country, r.asn, r.as_name, r.reserved, r.note) == (
        None,
        None,
        None,
        True,
        note,
    )
    assert r.source == EMBEDDED_SOURCE
    assert not is_overseas(r, "CN")
    assert not is_overseas(r, "US")


@pytest.mark.parametrize(
    "ip, country, name, name_zh, as_name, network",
    [
        ("8.8.8.8", "US", "United States", "美国", "GOOGLE", "8.8.0.0/15"),
        ("1.1.1.1", "AU", "Australia", "澳大利亚", "CLOUDFLARENET", "1.1.1.1/32"),
        ("114.114.114.114", "CN", "China", "中国", "ZEN-ECN", "114.114.0.0/15"),
        (
            "223.5.5.5",
            "CN",
            "China",
            "中国",
            "Hangzhou Alibaba Advertising Co.,Ltd.",
            "223.0.0.0/12",
        ),
        ("202.96.128.86", "CN", "China", "中国", "Chinanet", "202.96.0.0/16"),
        (
            "103.216.48.1",
            "KH",
            "Cambodia",
            "柬埔寨",
            "Today Communication Co.,Ltd",
            "103.216.48.0/22",
        ),
        (
            "103.25.12.1",
            "MM",
            "Myanmar",
            "缅甸",
            "Myanma Posts and Telecommunications",
            "103.25.12.0/22",
        ),
        (
            "112.198.0.1",
            "PH",
            "Philippines",
            "菲律宾",
            "Globe Telecoms",
            "112.198.0.0/16",
        ),
        (
            "103.97.3.1",
            "HK",
            "Hong Kong",
            "中国香港",
            "YISU CLOUD LTD",
            "103.97.0.0/22",
        ),
        (
            "2001:4860:4860::8888",
            "US",
            "United States",
            "美国",
            "GOOGLE",
            "2001:4860:4000::/34",
        ),
        ("240e::1", "CN", "China", "中国", "Chinanet", "240e::/18"),
    ],
)
def test_embedded_public_addresses(
    geo: GeoLookup,
    ip: str,
    country: str,
    name: str,
    name_zh: str,
    as_name: str,
    network: str,
) -> None:
    r = geo.lookup(ip)
    assert (r.country, r.country_name, r.country_name_zh, r.as_name, r.network) == (
        country,
        name,
        name_zh,
        as_name,
        network,
    )
    assert r.asn is None  # the embedded file has AS names, not numbers
    assert (r.reserved, r.note) == (False, None)
    assert is_overseas(r, "CN") is (country != "CN")
    assert is_overseas(r, "cn") is (country != "CN")


def test_ipv4_mapped_and_bracketed(geo: GeoLookup) -> None:
    r = geo.lookup("::ffff:8.8.8.8")
    assert (r.ip, r.country, r.as_name) == ("8.8.8.8", "US", "GOOGLE")
    assert geo.lookup("[2001:db8::1]").note == "documentation"


@pytest.mark.parametrize("bad", ["", "bogus", "999.1.1.1", "1.2.3"])
def test_invalid_address(geo: GeoLookup, bad: str) -> None:
    r = geo.lookup(bad)
    assert (r.country, r.reserved, r.note) == (None, False, "invalid-address")
    assert not is_overseas(r)


def test_deterministic_and_cached(geo: GeoLookup) -> None:
    a = geo.lookup("114.114.114.114")
    assert geo.lookup("114.114.114.114") is a
    assert GeoLookup().lookup("114.114.114.114") == a  # a second instance agrees


def test_to_json_keys(geo: GeoLookup) -> None:
    assert sorted(geo.lookup("8.8.8.8").to_json()) == [
        "as_name",
        "asn",
        "country",
        "country_name",
        "country_name_zh",
        "ip",
        "network",
        "note",
        "reserved",
        "source",
    ]


def test_is_overseas_unknown_country() -> None:
    r = GeoResult(
        ip="45.0.0.1",
        country=None,
        country_name=None,
        country_name_zh=None,
        asn=None,
        as_name=None,
        network=None,
        reserved=False,
        note="not-in-database",
        source="x",
    )
    assert not is_overseas(r)


# --- examiner .mmdb files ------------------------------------------------------------

BUILD_EPOCH = 1718668800  # 2024-06-18T00:00:00Z


def _ctrl(kind: int, size: int) -> bytes:
    ext = b""
    if kind > 7:
        kind, ext = 0, bytes([kind - 7])
    if size < 29:
        return bytes([(kind << 5) | size]) + ext
    if size < 29 + 256:
        return bytes([(kind << 5) | 29]) + ext + bytes([size - 29])
    return bytes([(kind << 5) | 30]) + ext + struct.pack(">H", size - 285)


def _enc(v: Any, kind: int | None = None) -> bytes:
    """MaxMind DB data-section encoding of str / int / dict / list."""
    if isinstance(v, str):
        b = v.encode("utf-8")
        return _ctrl(2, len(b)) + b
    if isinstance(v, dict):
        return _ctrl(7, len(v)) + b"".join(_enc(k) + _enc(x) for k, x in v.items())
    if isinstance(v, list):
        return _ctrl(11, len(v)) + b"".join(_enc(x) for x in v)
    if isinstance(v, tuple):  # (type, int): explicit unsigned type
        kind, v = v
    b = v.to_bytes((v.bit_length() + 7) // 8, "big")
    return _ctrl(kind or 6, len(b)) + b


def write_mmdb(path: Path, db_type: str, nets: dict[str, dict[str, Any]]) -> None:
    """An IPv4 MaxMind DB (24-bit records) holding ``nets`` (non-overlapping)."""
    import ipaddress

    data = b""
    offsets: list[int] = []
    for rec in nets.values():
        offsets.append(len(data))
        data += _enc(rec)
    nodes: list[list[Any]] = [[None, None]]
    for (net, _), off in zip(nets.items(), offsets, strict=True):
        n = ipaddress.ip_network(net)
        bits = format(int(n.network_address), "032b")[: n.prefixlen]
        cur = 0
        for i, bit in enumerate(bits):
            side = int(bit)
            if i == len(bits) - 1:
                nodes[cur][side] = ("data", off)
            else:
                if nodes[cur][side] is None:
                    nodes.append([None, None])
                    nodes[cur][side] = len(nodes) - 1
                cur = nodes[cur][side]
    count = len(nodes)

    def rec(x: Any) -> int:
        if x is None:
            return count
        if isinstance(x, tuple):
            return count + 16 + x[1]
        return x

    tree = b"".join(
        rec(a).to_bytes(3, "big") + rec(b).to_bytes(3, "big") for a, b in nodes
    )
    meta = {
        "binary_format_major_version": (5, 2),
        "binary_format_minor_version": (5, 0),
        "build_epoch": (9, BUILD_EPOCH),
        "database_type": db_type,
        "description": {"en": "gatetrace test database (invented)"},
        "ip_version": (5, 4),
        "languages": ["en", "zh-CN"],
        "node_count": (6, count),
        "record_size": (5, 24),
    }
    path.write_bytes(
        tree + b"\x00" * 16 + data + b"\xab\xcd\xefMaxMind.com" + _enc(meta)
    )


def _country(code: str, en: str, zh: str) -> dict[str, Any]:
    return {"country": {"iso_code": code, "names": {"en": en, "zh-CN": zh}}}


@pytest.fixture()
def mmdbs(tmp_path: Path) -> tuple[Path, Path]:
    country = tmp_path / "GeoLite2-Country.mmdb"
    write_mmdb(
        country,
        "GeoLite2-Country",
        {
            "8.8.8.0/24": _country("US", "United States", "美国"),
            "203.81.64.0/19": _country("MM", "Myanmar", "缅甸"),
            "45.10.0.0/16": {
                "registered_country": {"iso_code": "KH", "names": {"en": "Cambodia"}}
            },
        },
    )
    asn = tmp_path / "GeoLite2-ASN.mmdb"
    write_mmdb(
        asn,
        "GeoLite2-ASN",
        {
            "8.8.8.0/24": {
                "autonomous_system_number": (6, 15169),
                "autonomous_system_organization": "GOOGLE",
            },
        },
    )
    return country, asn


def test_mmdb_country_and_asn(mmdbs: tuple[Path, Path]) -> None:
    g = GeoLookup(list(mmdbs))
    assert g.source == "GeoLite2-Country 2024-06-18; GeoLite2-ASN 2024-06-18"
    r = g.lookup("8.8.8.8")
    assert (
        r.country,
        r.country_name,
        r.country_name_zh,
        r.asn,
        r.as_name,
        r.network,
    ) == ("US", "United States", "美国", 15169, "GOOGLE", "8.8.8.0/24")
    assert is_overseas(r, "CN")
    m = g.lookup("203.81.70.1")
    assert (m.country, m.country_name_zh, m.asn, m.network) == (
        "MM",
        "缅甸",
        None,
        "203.81.64.0/19",
    )
    k = g.lookup(
        "45.10.1.1"
    )  # registered_country only; zh name from the built-in table
    assert (k.country, k.country_name, k.country_name_zh) == (
        "KH",
        "Cambodia",
        "柬埔寨",
    )


def test_mmdb_miss_reserved_and_ipv6(mmdbs: tuple[Path, Path]) -> None:
    g = GeoLookup(mmdbs[0])
    assert g.source == "GeoLite2-Country 2024-06-18"
    miss = g.lookup("9.9.9.9")
    assert (miss.country, miss.reserved, miss.note) == (None, False, "not-in-database")
    assert not is_overseas(miss)
    assert g.lookup("192.168.1.1").note == "private"  # reserved before the database
    v6 = g.lookup("2001:4860:4860::8888")  # IPv6 in an IPv4-only database
    assert (v6.country, v6.note) == (None, "not-in-database")


def test_mmdb_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "fake.mmdb"
    bad.write_bytes(b"not a database")
    with pytest.raises(ValueError, match="not a MaxMind DB"):
        GeoLookup(bad)
