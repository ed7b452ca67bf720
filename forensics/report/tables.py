"""CSV tables: one file per findings list, for spreadsheets and case-management tools.

Each list of the findings contract (``shared/spec/findings.md``) becomes
``tables/<list>.csv`` (``sip_registrations`` → ``registrations.csv``): UTF-8 with a byte-order mark (so Excel in a Chinese locale
opens it as UTF-8, not GBK), RFC 4180 quoting, one header row.

- Columns: the contract's fields for that list in the contract's order, then any
  extra keys met in the rows, sorted.  The order is stable across runs.
- Rows: in findings order (findings are already sorted deterministically).
- Nested values are flattened by :func:`forensics.report.values.flat`:
  endpoint → ``ip:port/transport``, sources → ``E1#f12;E1#f40``, secrets → their
  hashed form, lists → ``a; b``.
- Spreadsheet formula injection (OWASP "CSV injection"): a cell starting with
  ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` so it is
  shown as text.  E.164 numbers start with ``+`` and are guarded too; the
  apostrophe is how spreadsheets mark a text cell, and it is not part of the value.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from forensics.report.values import flat

# Contract field order per list; extra keys found in rows follow, sorted.
COLUMNS: dict[str, tuple[str, ...]] = {
    "evidence": ("id", "path", "sha256", "size", "kind", "format", "device", "status",
                 "rehash", "stats", "warnings"),
    "devices": ("id", "kind", "declared", "label", "model", "serial", "mac", "addresses",
                "user_agents", "attribution"),
    "gateway_configs": ("device", "evidence", "vendor", "model", "sip_servers", "accounts",
                        "management", "vpn", "sources"),
    "sip_registrations": ("device", "username", "auth_username", "aor", "registrar",
                          "contact", "user_agent", "expires", "first_seen", "last_seen",
                          "attempts", "successes", "failures", "sources"),
    "calls": ("device", "call_id", "direction", "caller", "caller_raw", "callee",
              "callee_raw", "landline", "gateway_port", "sip_peer", "start", "answer",
              "end", "duration", "status", "media", "sources"),
    "remote_sessions": ("device", "tool", "peer", "remote_id", "first_seen", "last_seen",
                        "bytes", "method", "confidence", "sources"),
    "tunnels": ("device", "protocol", "peer", "first_seen", "last_seen", "packets", "bytes",
                "method", "confidence", "sources"),
    "landlines": ("number", "display", "region", "device", "gateway_port", "sip_accounts",
                  "calls", "answered", "first_call", "last_call", "basis", "sources"),
    "operators": ("ip", "country", "country_name", "asn", "as_name", "overseas", "roles",
                  "devices", "first_seen", "last_seen", "geo_source", "sources"),
    "complaints": ("case_no", "victim_number", "reported_at", "amount", "caller_number",
                   "linked_calls", "devices", "landlines"),
    "links": ("kind", "value", "devices", "evidence", "sources"),
    "warnings": ("code", "message", "evidence", "member", "frame", "line", "offset"),
}

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# File names that differ from the list name: the call-detail tables examiners ask for
# by name are calls.csv and registrations.csv.
FILE_NAMES = {"sip_registrations": "registrations"}


def guard(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would read as a formula."""
    return "'" + cell if cell.startswith(_DANGEROUS) else cell


def columns_for(name: str, rows: list[Any]) -> list[str]:
    """Contract columns first, then extra keys seen in the rows (sorted)."""
    base = list(COLUMNS.get(name, ()))
    extra = sorted({k for r in rows if isinstance(r, dict) for k in r} - set(base))
    return base + extra


def table_csv(name: str, rows: list[Any]) -> str:
    """The CSV text (without BOM) of one list."""
    cols = columns_for(name, rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for row in rows:
        if not isinstance(row, dict):
            row = {"value": row}
        w.writerow([guard(flat(row.get(c)).replace("\r\n", "\n")) for c in cols])
    return buf.getvalue()


def table_names(findings: dict[str, Any]) -> list[str]:
    """Contract lists always; other top-level lists of objects (summary, media_streams…) too."""
    names = list(COLUMNS)
    extra = sorted(
        k for k, v in findings.items()
        if k not in COLUMNS and isinstance(v, list)
        and all(isinstance(x, dict) for x in v)
    )
    return names + extra


def write_tables(findings: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write ``out_dir/tables/<list>.csv`` for every list; return the paths written."""
    tdir = Path(out_dir) / "tables"
    tdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in table_names(findings):
        rows = findings.get(name) or []
        path = tdir / f"{FILE_NAMES.get(name, name)}.csv"
        path.write_bytes(("\ufeff" + table_csv(name, rows)).encode("utf-8"))
        written.append(path)
    return written
