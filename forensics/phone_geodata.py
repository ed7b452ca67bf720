"""phonenumbers' region names, loaded one prefix range at a time.

``phonenumbers.geocoder`` imports the package ``phonenumbers.geodata``, whose
``__init__`` merges some thirty generated modules (``data0`` … ``dataN``) into one dict
of every number prefix of every country: about 0.6 s and 110 MB, paid in full even
when a case holds numbers of one country.  Each of those modules holds a sorted,
contiguous range of prefixes.  :func:`install` puts a package object in its place
whose ``GEOCODE_DATA`` imports a data module the first time a prefix of its range is
asked for; the library's own geocoder code then does every lookup, unchanged.

The layout is checked before anything is installed (module list and longest-prefix
constant found in ``__init__``, first keys found and increasing); if it does not look
as expected nothing is installed and the library loads its data in full.
``tests/test_phone_geodata.py`` checks the range property on the installed package
and compares descriptions with the full load.
"""

from __future__ import annotations

import bisect
import importlib
import importlib.util
import os
import re
import sys
import types
from typing import Any

PACKAGE = "phonenumbers.geodata"
_MODULES = re.compile(rb"^from \.(data\d+) import data\s*$", re.M)
_LONGEST = re.compile(rb"^GEOCODE_LONGEST_PREFIX = (\d+)\s*$", re.M)
_FIRST_KEY = re.compile(rb"^ '(\d+)':", re.M)


class ByRange(dict):  # type: ignore[type-arg]
    """``GEOCODE_DATA`` filled one data module at a time (``in``, ``[]`` and ``get``
    with a prefix string load the module whose range holds it)."""

    def __init__(self, package: str, names: list[str], firsts: list[str]) -> None:
        super().__init__()
        self.package, self.names, self.firsts = package, names, firsts
        self.loaded = [False] * len(names)

    def _load_for(self, key: Any) -> None:
        if not isinstance(key, str):
            return
        i = bisect.bisect_right(self.firsts, key) - 1
        if i >= 0 and not self.loaded[i]:
            self.loaded[i] = True
            self.update(importlib.import_module(f"{self.package}.{self.names[i]}").data)

    def __contains__(self, key: object) -> bool:
        self._load_for(key)
        return dict.__contains__(self, key)

    def __getitem__(self, key: Any) -> Any:
        self._load_for(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._load_for(key)
        return dict.get(self, key, default)


def _layout(folder: str) -> tuple[list[str], list[str], int] | None:
    try:
        with open(os.path.join(folder, "__init__.py"), "rb") as fh:
            init = fh.read()
        names = [n.decode() for n in _MODULES.findall(init)]
        longest = _LONGEST.search(init)
        firsts = []
        for name in names:
            with open(os.path.join(folder, name + ".py"), "rb") as fh:
                m = _FIRST_KEY.search(fh.read(8192))
            if m is None:
                return None
            firsts.append(m.group(1).decode())
    except OSError:
        return None
    if not names or longest is None or any(a >= b for a, b in zip(firsts, firsts[1:])):
        return None
    return names, firsts, int(longest.group(1))


def install() -> bool:
    """Put the range-loading package in place of ``phonenumbers.geodata``; False
    (nothing changed) when the package is already imported or looks different."""
    if PACKAGE in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec("phonenumbers")
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.origin:
        return False
    folder = os.path.join(os.path.dirname(spec.origin), "geodata")
    layout = _layout(folder)
    if layout is None:
        return False
    names, firsts, longest = layout
    pkg = types.ModuleType(PACKAGE, "phonenumbers' geodata, loaded by prefix range (forensics.phone_geodata)")
    pkg.__path__ = [folder]
    pkg.__package__ = PACKAGE
    pkg.__file__ = os.path.join(folder, "__init__.py")
    pkg.GEOCODE_DATA = ByRange(PACKAGE, names, firsts)  # type: ignore[attr-defined]
    pkg.GEOCODE_LONGEST_PREFIX = longest  # type: ignore[attr-defined]
    import phonenumbers

    sys.modules[PACKAGE] = pkg
    phonenumbers.geodata = pkg  # type: ignore[attr-defined]
    return True
