"""Telephone numbers: normalisation to E.164, region, type and carrier.

Numbers reach gatetrace in many notations: SIP and tel URIs (RFC 3261 §19.1,
RFC 3966), display forms with spaces, dashes, brackets or full-width digits
(``０７３１－５５５５ １２３４``), with the international prefix (``0086…``), with
the country code but no ``+`` (``86731…``), or national with the trunk prefix
(``0731…``).  :func:`normalise` turns any of them into a :class:`Number`.

What is verified and what is inferred:

* Parsing, validity, type, national format, region and carrier come from
  ``phonenumbers`` (Python port of Google's libphonenumber; metadata is ITU-T
  E.164 numbering plans as maintained upstream).  A number counts as ``valid``
  only when that metadata says so; then ``e164`` is set, else it is ``None`` and
  the raw string stays the only evidence.
* Nothing is guessed away.  A number dialled through a PBX or gateway with an
  outside-line digit (``9``/``0`` + ``0731…``) does not match the Chinese
  numbering plan and is reported invalid with ``e164 = None``; the examiner sees
  the raw digits.  Local numbers dialled without an area code are likewise
  invalid: the area cannot be known from the digits.
* Chinese fixed-line regions are per area code.  Since the 2007 merger of the
  Changsha, Zhuzhou and Xiangtan codes, every ``0731`` number maps to
  ``湖南省长沙市、湘潭市、株州市`` (the spelling ``株州`` is the library's); only
  mobile prefixes (e.g. ``130 0732``) map to ``湖南省湘潭市`` alone.
* ``region_zh``/``region_en`` for non-geographic numbers (``400``, ``800``,
  many mobiles) is the country name, which is what the geocoder returns.
* The carrier of a mobile number is the operator that was allocated its prefix;
  number portability (China, since 2019) means the current operator may differ.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import unquote

import phonenumbers
from phonenumbers import (
    PhoneNumberFormat,
    PhoneNumberType,
    shortnumberinfo,
)

from forensics import phone_geodata

# phonenumbers.PhoneNumberType → the contract's lower-case names.
_TYPES: dict[int, str] = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",  # China's 400 numbers
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}
_MOBILE_TYPES = frozenset({"mobile", "fixed_line_or_mobile"})

# Visual separators people and systems put between digits (after NFKC folding).
_SEPARATORS = re.compile(r"[\s\-./()\[\]\u00a0\u2010-\u2015\u2212\u3000]+")
_DIGITS_ONLY = re.compile(r"\+?[0-9]+")
_URI_SCHEME = re.compile(r"^\s*(?:sips?|tel):", re.IGNORECASE)
# "sip:user:password@host": the password part of userinfo (RFC 3261 §19.1.1).
_URI_PASSWORD = re.compile(r"((?:sips?):[^:@;<>\s]*):[^@<>\s]*@", re.IGNORECASE)
CACHE_SIZE = 65536  # distinct raw strings kept; a large case has a few thousand


@dataclass(frozen=True, slots=True)
class Number:
    """A telephone number as seen, and what the numbering plan says about it."""

    raw: str  # the string exactly as it appeared in the evidence
    e164: str | None  # "+8673155551234"; None when not a valid number
    national: str | None  # national display form, "0731 5555 1234"; None if invalid
    region_code: str | None  # ISO 3166 alpha-2 of the number's country, "CN"
    region_zh: str | None  # geocoder description in Chinese, "北京市"
    region_en: str | None  # geocoder description in English, "Beijing"
    type: str  # "fixed_line" | "mobile" | "toll_free" | "short_code" | ... | "unknown"
    carrier_zh: str | None  # allocated operator of a mobile prefix, "中国移动"
    carrier_en: str | None  # the same in English, "China Mobile"
    valid: bool  # True when the numbering plan accepts the number
    digits: str  # the dialled digits after clean-up ("+" kept), "07315551234"

    @property
    def carrier(self) -> str | None:
        """English carrier name, else the Chinese one (mobiles only)."""
        return self.carrier_en or self.carrier_zh

    @property
    def key(self) -> str:
        """What to match numbers on: E.164 when valid, else the cleaned digits."""
        return self.e164 or self.digits

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def extract_user(uri: str | None) -> str | None:
    """The user part of a SIP/SIPS/tel URI or name-addr, percent-decoded.

    Accepts ``"Name" <sip:user@host;params>;tag=x``, ``sip:user:pw@host``
    (the password is dropped), ``tel:+86-731-5555-1234;phone-context=…``,
    ``user@host`` and a bare user.  Returns ``None`` when there is no user part
    (``sip:host``) or nothing usable.
    """
    if not uri:
        return None
    s = uri.strip()
    if "<" in s:  # name-addr: the URI is between the angle brackets (RFC 3261 §20.10)
        start = s.index("<") + 1
        end = s.find(">", start)
        s = s[start:] if end < 0 else s[start:end]
    s = s.strip()
    m = _URI_SCHEME.match(s)
    if m:
        scheme = m.group(0).strip().lower()
        rest = s[m.end() :]
        if scheme == "tel:":
            user = rest.split(";", 1)[0]  # RFC 3966: params follow ';'
        else:
            if "@" not in rest:
                return None  # sip:host, no userinfo
            user = rest.rsplit("@", 1)[0]
    elif "@" in s:
        user = s.rsplit("@", 1)[0]
    else:
        user = s
    user = user.split(":", 1)[
        0
    ]  # userinfo = user [":" password]: never keep the password
    user = user.split(";", 1)[0]  # telephone-subscriber params (";isub=", ";npdi")
    user = unquote(user).strip()
    return user or None


def redact_uri_password(text: str) -> str:
    """``sip:user:secret@host`` → ``sip:user:***@host``: a deprecated but legal
    URI form whose password must never reach the output."""
    return _URI_PASSWORD.sub(r"\1:***@", text)


def clean_digits(text: str) -> str | None:
    """Fold full-width characters, drop separators; the digits with an optional
    leading ``+``, or ``None`` if anything else remains."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = _SEPARATORS.sub("", s)
    if _DIGITS_ONLY.fullmatch(s):
        return s
    return None


def normalise(raw: str | None, default_region: str = "CN") -> Number | None:
    """Normalise one number in any notation; ``None`` only for a missing/blank value.

    Garbage still gives a :class:`Number` (``valid=False``, ``e164=None``) so the
    raw value is carried on.
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        raw = str(raw)
    if not raw.strip():
        return None
    return _normalise(raw, default_region.upper())


@functools.lru_cache(maxsize=CACHE_SIZE)
def _normalise(raw: str, region: str) -> Number:
    text = raw
    raw = redact_uri_password(raw)
    if _URI_SCHEME.match(text) or "@" in text or "<" in text:
        text = extract_user(text) or ""
    digits = clean_digits(text)
    if digits is None:
        return _unparsed(raw, unicodedata.normalize("NFKC", text).strip())
    num = _from_digits(digits, region)
    return num if num.raw == raw else replace(num, raw=raw)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _from_digits(digits: str, region: str) -> Number:
    """The phone-number library's view of ``digits`` (``raw`` set to the digits): one
    lookup per distinct number, whichever URI or notation it came in."""
    raw = digits
    try:
        pn = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return _unparsed(raw, digits)
    if not phonenumbers.is_valid_number(pn):
        kind = "unknown"
        if not digits.startswith(
            "+"
        ) and shortnumberinfo.is_valid_short_number_for_region(pn, region):
            kind = "short_code"  # 110, 12315, 95555: service numbers without E.164 form
        return Number(
            raw=raw,
            e164=None,
            national=None,
            region_code=phonenumbers.region_code_for_number(pn),
            region_zh=None,
            region_en=None,
            type=kind,
            carrier_zh=None,
            carrier_en=None,
            valid=False,
            digits=digits,
        )
    kind = _TYPES.get(phonenumbers.number_type(pn), "unknown")
    is_mobile = kind in _MOBILE_TYPES
    # imported here, region names by prefix range (forensics.phone_geodata): the tables
    # of every country would take ~0.6 s and ~110 MB to load
    phone_geodata.install()
    from phonenumbers import carrier, geocoder

    return Number(
        raw=raw,
        e164=phonenumbers.format_number(pn, PhoneNumberFormat.E164),
        national=phonenumbers.format_number(pn, PhoneNumberFormat.NATIONAL),
        region_code=phonenumbers.region_code_for_number(pn),
        region_zh=geocoder.description_for_number(pn, "zh") or None,
        region_en=geocoder.description_for_number(pn, "en") or None,
        type=kind,
        carrier_zh=(carrier.name_for_number(pn, "zh") or None) if is_mobile else None,
        carrier_en=(carrier.name_for_number(pn, "en") or None) if is_mobile else None,
        valid=True,
        digits=digits,
    )


def _unparsed(raw: str, digits: str) -> Number:
    return Number(
        raw=raw,
        e164=None,
        national=None,
        region_code=None,
        region_zh=None,
        region_en=None,
        type="unknown",
        carrier_zh=None,
        carrier_en=None,
        valid=False,
        digits=digits,
    )


def is_landline(number: Number | None) -> bool:
    """True for a valid number the numbering plan lists as fixed line only.

    ``fixed_line_or_mobile`` (e.g. all North American numbers) is not enough to
    call a number a landline, so it gives False.
    """
    return number is not None and number.valid and number.type == "fixed_line"
