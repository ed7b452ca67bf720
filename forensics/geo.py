"""IP address → country and autonomous system, offline and reproducible.

Two back ends, chosen when :class:`GeoLookup` is built:

* **Embedded (default):** ``geoip2fast`` (MIT licence, R. Abuchaim) with its
  bundled ``geoip2fast-asn-ipv6.dat.gz``, built from MaxMind GeoLite2 Country and
  ASN CSV data (GeoLite2 data is MaxMind's, under the GeoLite2 End User Licence
  Agreement; attribution: "This product includes GeoLite2 data created by MaxMind,
  available from https://www.maxmind.com").  Package 1.2.2 ships the snapshot
  ``MAXMIND:GeoLite2-CountryASN-IPv4IPv6-en-20240618``, which ``source`` names.
  That file carries the AS *name* but not the AS *number*: ``asn`` is ``None``
  with this back end.  Country is GeoLite2's location country, which for anycast
  and some APNIC blocks is the registrant's (1.1.1.1 → AU in that snapshot).
  Loading takes about 0.5 s and ~100 MiB; it is done once per process.
* **Examiner's MaxMind DB:** one or more ``.mmdb`` files (MaxMind DB format 2.0,
  read with ``maxminddb``): GeoLite2/GeoIP2-Country or -City layouts give
  ``country.iso_code`` (else ``registered_country``) and names (``en``,
  ``zh-CN``); the -ASN layout gives ``autonomous_system_number`` and
  ``autonomous_system_organization``.  ``source`` names each file's
  ``metadata.database_type`` and build date (from ``build_epoch``, UTC).

Verified here, not by the database: addresses that are not globally routable by
``ipaddress`` (private, loopback, link-local, CGNAT 100.64/10, documentation,
benchmarking, multicast, reserved, unspecified) are ``reserved``, have no country
and are never overseas; IPv4-mapped IPv6 is looked up as IPv4.  Everything else
is what the database says at its date; IP geolocation is an indication for the
examiner, not proof of where a person was.
"""

from __future__ import annotations

import datetime as _dt
import functools
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

CACHE_SIZE = 65536
EMBEDDED_FILE = "geoip2fast-asn-ipv6.dat.gz"

# Chinese short names of countries that appear in telecom-fraud cases (常用简称);
# other codes fall back to the CLDR names shipped in phonenumbers' locale data.
COUNTRY_ZH: dict[str, str] = {
    "CN": "中国",
    "HK": "中国香港",
    "MO": "中国澳门",
    "TW": "中国台湾",
    "KH": "柬埔寨",
    "MM": "缅甸",
    "LA": "老挝",
    "VN": "越南",
    "TH": "泰国",
    "PH": "菲律宾",
    "MY": "马来西亚",
    "ID": "印度尼西亚",
    "SG": "新加坡",
    "JP": "日本",
    "KR": "韩国",
    "KP": "朝鲜",
    "IN": "印度",
    "PK": "巴基斯坦",
    "BD": "孟加拉国",
    "NP": "尼泊尔",
    "LK": "斯里兰卡",
    "MN": "蒙古",
    "KZ": "哈萨克斯坦",
    "AE": "阿拉伯联合酋长国",
    "TR": "土耳其",
    "SA": "沙特阿拉伯",
    "RU": "俄罗斯",
    "UA": "乌克兰",
    "GB": "英国",
    "DE": "德国",
    "FR": "法国",
    "NL": "荷兰",
    "IT": "意大利",
    "ES": "西班牙",
    "SE": "瑞典",
    "CH": "瑞士",
    "IE": "爱尔兰",
    "PL": "波兰",
    "US": "美国",
    "CA": "加拿大",
    "MX": "墨西哥",
    "BR": "巴西",
    "AR": "阿根廷",
    "AU": "澳大利亚",
    "NZ": "新西兰",
    "ZA": "南非",
    "NG": "尼日利亚",
    "EG": "埃及",
    "FJ": "斐济",
    "PW": "帕劳",
    "TL": "东帝汶",
    "BN": "文莱",
}


def country_zh(code: str | None) -> str | None:
    """Chinese name of an ISO 3166 alpha-2 code, or None."""
    if not code:
        return None
    code = code.upper()
    if code in COUNTRY_ZH:
        return COUNTRY_ZH[code]
    from phonenumbers.geodata.locale import LOCALE_DATA

    names = LOCALE_DATA.get(code) or {}
    name = names.get("zh")
    for _ in range(5):  # "*ja" means "as the ja entry"
        if not name or not name.startswith("*"):
            break
        name = names.get(name[1:])
    return name or None


@dataclass(frozen=True, slots=True)
class GeoResult:
    """What the geolocation database says about one address."""

    ip: str  # the address as looked up (IPv4-mapped IPv6 unwrapped)
    country: str | None  # ISO 3166-1 alpha-2, None if reserved/unknown
    country_name: str | None  # English country name
    country_name_zh: str | None  # Chinese name (database zh-CN, else country_zh())
    asn: int | None  # autonomous system number (not in the embedded database)
    as_name: str | None  # AS organisation name
    network: str | None  # the database network holding the address, "8.8.8.0/24"
    reserved: bool  # not globally routable: private, CGNAT, documentation, ...
    note: str | None  # why there is no answer: "private", "not-in-database", ...
    source: str  # the database that answered, with its version/date

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def is_overseas(result: GeoResult, home_country: str = "CN") -> bool:
    """True when the database places a routable address outside ``home_country``.

    Reserved and unknown addresses are never overseas.  Codes are compared as
    ISO 3166 codes, so with home ``CN`` an address in HK, MO or TW is overseas
    (境外), as Chinese case practice counts it.
    """
    return (
        not result.reserved
        and result.country is not None
        and result.country != home_country.upper()
    )


def reserved_reason(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not globally routable (``None`` if it is)."""
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr.is_multicast:
        return "multicast"
    if addr.version == 4 and addr in _CGNAT:
        return "shared-cgnat"
    if any(addr in net for net in _DOCUMENTATION):
        return "documentation"
    if addr.is_private:
        return "private"
    if addr.is_reserved:
        return "reserved"
    if not addr.is_global:
        return "special-purpose"
    return None


_CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598
_DOCUMENTATION = tuple(
    ipaddress.ip_network(n)  # RFC 5737, RFC 3849
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


class GeoLookup:
    """Deterministic, cached IP → :class:`GeoResult` lookups.

    ``GeoLookup()`` uses the embedded database; ``GeoLookup("x.mmdb")`` or
    ``GeoLookup(["GeoLite2-Country.mmdb", "GeoLite2-ASN.mmdb"])`` the examiner's.
    """

    def __init__(
        self,
        mmdb: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
        *,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        if mmdb is None:
            self._backend: _Backend = _embedded()
        else:
            paths = [mmdb] if isinstance(mmdb, (str, os.PathLike)) else list(mmdb)
            self._backend = _MMDB([os.fspath(p) for p in paths])
        self.source = self._backend.source
        self.lookup = functools.lru_cache(maxsize=cache_size)(self._lookup)  # type: ignore[method-assign]

    def lookup(self, ip: str) -> GeoResult:  # replaced per instance by a cached wrapper
        return self._lookup(ip)

    def _lookup(self, ip: str) -> GeoResult:
        try:
            addr = ipaddress.ip_address(ip.strip().strip("[]").split("%", 1)[0])
        except (ValueError, AttributeError):
            return self._empty(str(ip), False, "invalid-address")
        if addr.version == 6 and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        reason = reserved_reason(addr)
        if reason:
            return self._empty(str(addr), True, reason)
        return self._backend.lookup(str(addr))

    def _empty(self, ip: str, reserved: bool, note: str) -> GeoResult:
        return GeoResult(
            ip=ip,
            country=None,
            country_name=None,
            country_name_zh=None,
            asn=None,
            as_name=None,
            network=None,
            reserved=reserved,
            note=note,
            source=self.source,
        )


class _Backend:
    source: str

    def lookup(self, ip: str) -> GeoResult:  # pragma: no cover - interface
        raise NotImplementedError


class _Embedded(_Backend):
    def __init__(self) -> None:
        import geoip2fast
        from geoip2fast import GeoIP2Fast

        self._db = GeoIP2Fast(geoip2fast_data_file=EMBEDDED_FILE)
        # the snapshot name the data file carries (get_database_info() would also
        # decompress the file again and count every network: half a second)
        info = getattr(self._db, "source_info", None) or self._db.get_database_info().get("source_info")
        self.source = f"geoip2fast {geoip2fast.__version__} ({info})"

    def lookup(self, ip: str) -> GeoResult:
        r = self._db.lookup(ip)
        code = r.country_code if len(r.country_code or "") == 2 else None
        if code == "--":
            code = None
        name = r.country_name if code else None
        return GeoResult(
            ip=ip,
            country=code,
            country_name=name,
            country_name_zh=country_zh(code),
            asn=None,
            as_name=r.asn_name or None,
            network=r.cidr or None,
            reserved=False,
            note=None if code else "not-in-database",
            source=self.source,
        )


@functools.lru_cache(maxsize=1)
def _embedded() -> _Embedded:
    """The embedded database, loaded once per process (it is read-only)."""
    return _Embedded()


class _MMDB(_Backend):
    def __init__(self, paths: list[str]) -> None:
        import maxminddb

        self._readers = []
        for p in paths:
            try:
                self._readers.append(maxminddb.open_database(p))
            except maxminddb.InvalidDatabaseError as exc:
                raise ValueError(f"{p}: not a MaxMind DB file ({exc})") from exc
        parts = []
        for rd in self._readers:
            md = rd.metadata()
            built = _dt.datetime.fromtimestamp(md.build_epoch, tz=_dt.UTC)
            parts.append(f"{md.database_type} {built:%Y-%m-%d}")
        self.source = "; ".join(parts)

    def lookup(self, ip: str) -> GeoResult:
        country = name = name_zh = as_name = network = None
        asn: int | None = None
        for rd in self._readers:
            try:
                rec, plen = rd.get_with_prefix_len(ip)
            except ValueError:  # IPv6 address in an IPv4-only database
                continue
            if not isinstance(rec, dict):
                continue
            c = rec.get("country") or rec.get("registered_country")
            if isinstance(c, dict) and country is None and c.get("iso_code"):
                country = str(c["iso_code"]).upper()
                names = c.get("names")
                names = names if isinstance(names, dict) else {}
                name = str(names["en"]) if names.get("en") else None
                name_zh = str(names.get("zh-CN") or "") or country_zh(country)
                network = str(ipaddress.ip_network(f"{ip}/{plen}", strict=False))
            number = rec.get("autonomous_system_number")
            if asn is None and isinstance(number, int):
                asn = number
                org = rec.get("autonomous_system_organization")
                as_name = str(org) if org is not None else None
                network = network or str(
                    ipaddress.ip_network(f"{ip}/{plen}", strict=False)
                )
        return GeoResult(
            ip=ip,
            country=country,
            country_name=name,
            country_name_zh=name_zh,
            asn=asn,
            as_name=as_name,
            network=network,
            reserved=False,
            note=None if country or asn else "not-in-database",
            source=self.source,
        )
