"""Shared helpers for the gateway-configuration tests: run the registry on a fixture the
way the pipeline does (first sniffer that claims it, in ``PARSERS`` order)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from parsers.base import ParseContext, Source
from parsers.gateway_configs import PARSERS

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "gateway_configs"
GOLDEN = ROOT / "tests" / "golden" / "gateway_configs"
CASE_KEYS = ("Autocfg-Key-1", "Adm1n-Pw")  # examiner keys used by the RC4 fixtures

# fixture -> parser expected to claim it
EXPECTED = {
    "asterisk-chan_dahdi.conf": "asterisk",
    "asterisk-extensions.conf": "asterisk",
    "asterisk-pjsip.conf": "asterisk",
    "asterisk-sip.conf": "asterisk",
    "asterisk-sip-variant.conf": "asterisk",
    "audiocodes-mp118-fxo.ini": "audiocodes",
    "audiocodes-mp114-variant.ini": "audiocodes",
    "cisco-spa3102.xml": "cisco_spa",
    "cisco-spa3102-spc.txt": "cisco_spa",
    "cisco-spa112-variant.xml": "cisco_spa",
    "dbl-fxo4.txt": "dbl_goip",
    "dbl-fxo4-gbk.txt": "dbl_goip",
    "dbl-goip8.txt": "dbl_goip",
    "dbl-goip8-autocfg-rc4.bin": "dbl_goip",
    "dbl-goip4-single-variant.txt": "dbl_goip",
    "dbl-goip4-rc4-adminkey.bin": "dbl_goip",
    "dinstar-dag2000-16o-INFERRED.txt": "generic",
    "newrock-mx8-INFERRED.txt": "generic",
    "synway-smg1008-INFERRED.ini": "generic",
    "generic-kv-variant.txt": "generic",
    "fanvil-legacy-voipcfg.txt": "fanvil",
    "fanvil-legacy-variant.txt": "fanvil",
    "flyingvoice-p10lte.cfg": "flyingvoice",
    "yealink-style-variant.cfg": "flyingvoice",
    "freeswitch-sofia-gateway.xml": "freeswitch",
    "freeswitch-dialplan-public.xml": "freeswitch",
    "freeswitch-gateway-variant.xml": "freeswitch",
    "grandstream-gxw4104.xml": "grandstream",
    "grandstream-ht813.txt": "grandstream",
    "grandstream-ht802-variant.txt": "grandstream",
    "grandstream-xmlv2-variant.xml": "grandstream",
    "patton-sn4114-fxo.cfg": "patton",
    "patton-sn4112-variant.cfg": "patton",
    "yeastar-ta400.xml": "yeastar",
    "yeastar-ta810-INFERRED.xml": "yeastar",
    "yeastar-ta200-variant.xml": "yeastar",
}


def claim(src: Source) -> str | None:
    for spec in PARSERS:
        if spec.sniff(src.head, src.name):
            return spec.name
    return None


def run_source(src: Source, keys: tuple[str, ...] = CASE_KEYS):
    """(parser name, records, ctx) for a source, or (None, [], ctx) if unclaimed."""
    ctx = ParseContext(evidence_id="E1", keys=keys)
    name = claim(src)
    if name is None:
        return None, [], ctx
    spec = next(p for p in PARSERS if p.name == name)
    ctx.parser = f"{spec.name}@{spec.version}"
    records = list(spec.parse(src, ctx))
    ctx.finish()
    return name, records, ctx


def run(fixture: str, keys: tuple[str, ...] = CASE_KEYS):
    path = FIXTURES / fixture
    return run_source(Source.from_path(str(path), name=fixture), keys)


def canonical(fixture: str) -> dict[str, Any]:
    name, records, ctx = run(fixture)
    return {
        "fixture": fixture,
        "parser": name,
        "records": [r.to_json() for r in records],
        "warnings": [w.code for w in ctx.warnings],
    }


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def update_golden() -> bool:
    return os.environ.get("GATETRACE_UPDATE_GOLDEN") == "1"


def passwords_in(fixture: str) -> set[str]:
    """Secret values written in a fixture, collected from its text (for leak tests)."""
    raw = (FIXTURES / fixture).read_bytes()
    if fixture.endswith(".bin"):
        return set()
    from parsers.base import decode_text

    text, _ = decode_text(raw)
    found: set[str] = set()
    pats = [
        r'(?im)^\s*[\w.\- \[\]]*(?:pass(?:wd|word)?|pwd|secret|_pw|_key|key|pin)[\w\]\[ ]*\s*[=:]\s*"?([^"\r\n;]+?)"?\s*;?\s*$',
        r"(?i)<(\w*(?:pass(?:wd|word)?|pwd|_pin_\d*_?|key|gpp_\w))[^>]*>([^<]+)</",
        r"(?i)\bpassword\s+(\S+)",
        r'(?i)name="password"\s+value="([^"]+)"',
        r"(?i)^\s*P(?:2|196|34|734|312\d|1361|4505|4512)\s*=\s*(.+?)\s*$",
        r"(?i)<P(?:2|196|34|734|312\d|1361|4505|4512)>([^<]+)<",
        r"(?i)'(\$1\$[^']+)'|\"(\$1\$[^\"]+)\"",
        r"(?i)register\s*=>\s*(?:\w+://)?[^:@\s]+(?:@[^:\s]+)?:([^:@\s]+)",
        r"(?i)user_password\s*=\s*\w+:(\S+)",
        r"--key\s+([^\s\]$][^\s\]]*)",
    ]
    for p in pats:
        for m in re.finditer(p, text, re.MULTILINE):
            g = next((x for x in reversed(m.groups()) if x), None)
            if g and len(g.strip()) >= 4:
                found.add(g.strip())
    return found
