"""Region names loaded by prefix range give exactly what the full geodata load gives."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import phonenumbers

from forensics import phone_geodata

REPO = Path(__file__).resolve().parents[1]

_DESCRIBE = r"""
import json, sys
if sys.argv[1] == "lazy":
    from forensics.phone_geodata import install
    assert install(), "not installed"
import phonenumbers
from phonenumbers import PhoneNumberType as T, geocoder
out = {}
for region in sorted(phonenumbers.SUPPORTED_REGIONS):
    for kind in (T.FIXED_LINE, T.MOBILE, T.FIXED_LINE_OR_MOBILE):
        n = phonenumbers.example_number_for_type(region, kind)
        if n is None:
            continue
        e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
        out[e164] = [geocoder.description_for_number(n, lang) for lang in ("en", "zh", "ja")]
loaded = None
if sys.argv[1] == "lazy":
    data = sys.modules["phonenumbers.geodata"].GEOCODE_DATA
    loaded = sum(data.loaded)
print(json.dumps({"names": out, "loaded": loaded}, ensure_ascii=False, sort_keys=True))
"""


def _describe(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _DESCRIBE, mode], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def test_same_descriptions_as_the_full_load():
    lazy, full = _describe("lazy"), _describe("full")
    assert len(full["names"]) > 400  # example numbers of every region, three kinds
    assert lazy["names"] == full["names"]
    assert lazy["loaded"] >= 1


def test_one_country_loads_a_few_ranges():
    code = ("import sys; from forensics.phone_geodata import install; install(); "
            "import phonenumbers; from phonenumbers import geocoder; "
            "print(geocoder.description_for_number(phonenumbers.parse('+8673188000001'), 'zh')); "
            "d = sys.modules['phonenumbers.geodata'].GEOCODE_DATA; print(sum(d.loaded), len(d.loaded))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "湖南省长沙市、湘潭市、株州市"
    assert int(out[1]) <= 2 < int(out[2])


def test_every_prefix_lies_in_its_module_range():
    """The property the range loader rests on, checked on the installed package."""
    spec = importlib.util.find_spec("phonenumbers")
    folder = str(Path(spec.origin).parent / "geodata")
    layout = phone_geodata._layout(folder)
    assert layout is not None
    names, firsts, longest = layout
    seen = 0
    for i, name in enumerate(names):
        data = importlib.import_module(f"phonenumbers.geodata.{name}").data
        hi = firsts[i + 1] if i + 1 < len(names) else None
        for key in data:
            assert firsts[i] <= key and (hi is None or key < hi), (name, key)
            assert len(key) <= longest
        seen += len(data)
    assert seen > 100_000


def test_not_installed_over_a_loaded_package(monkeypatch):
    monkeypatch.setitem(sys.modules, phone_geodata.PACKAGE, phonenumbers)  # anything already there
    assert phone_geodata.install() is False
