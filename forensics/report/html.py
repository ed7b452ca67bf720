"""The court report as one self-contained HTML page (print-ready, no external assets).

Input is only the findings dict (``shared/spec/findings.md``); evidence is never
read here.  Rendering is done by the jinja2 templates in ``templates/`` with
autoescaping on, so every evidence string (SIP User-Agent, file names, warning
messages) reaches the page as text, never as markup.  Values longer than
:data:`forensics.report.values.MAX_CELL` characters are shortened with "…" in the
HTML only (the CSV tables and findings.json keep them whole).

Labels come from :mod:`forensics.report.i18n` (``en`` or ``zh``); times are shown
in the case time zone with their UTC offset; charts from
:mod:`forensics.report.charts` are embedded as SVG data: URIs.  The output depends
only on the arguments: the same findings give byte-identical HTML.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, Environment, FileSystemBytecodeCache, FileSystemLoader, Undefined
from markupsafe import Markup, escape

from forensics.report import charts, values
from forensics.report.i18n import LANGS, country_name, label

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Lists whose rows cite sources, in report order, with their appendix ref prefix.
REF_PREFIX = {
    "devices": "DEV",
    "gateway_configs": "CFG",
    "landlines": "LL",
    "operators": "OP",
    "sip_registrations": "REG",
    "calls": "CALL",
    "remote_sessions": "RC",
    "tunnels": "TUN",
    "links": "LNK",
}


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between runs (compiling the report template takes
    ~0.4 s): ``$XDG_CACHE_HOME/gatetrace/templates`` (default ``~/.cache``), or
    ``GATETRACE_CACHE``.  Entries are keyed by the template's source checksum, so an
    edited template is compiled again; no cache when the folder cannot be written."""
    root = os.environ.get("GATETRACE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "gatetrace")
    folder = os.path.join(root, "templates")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return None
    except OSError:
        return None
    return FileSystemBytecodeCache(folder)


def _env(lang: str, tz: Any) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    def t(key: str, **kw: Any) -> str:
        text = label(key, lang)
        return text.format(**kw) if kw else text

    def v(value: Any) -> str:
        text = values.flat(_defined(value))
        return values.shorten(text) if text else "—"

    def ts(value: Any) -> Markup:
        parts = values.local_parts(_defined(value), tz)
        if parts is None:
            return escape(v(value))
        return Markup('<span class="ts"><span class="dt">{}</span> <span class="tzo">({})</span></span>').format(
            parts[0], parts[1]
        )

    def enum(value: Any) -> str:
        value = _defined(value)
        return "—" if value in (None, "") else label(str(value), lang)

    def secret(value: Any) -> str:
        value = _defined(value)
        if not isinstance(value, dict):
            return v(value)
        if not value.get("present"):
            return label("secret_unset", lang)
        bits = [label("secret_set", lang)]
        if value.get("length") is not None:
            bits.append(t("secret_chars", n=value["length"]))
        if value.get("sha256_8"):
            bits.append(f"sha256 {value['sha256_8']}")
        return ", ".join(bits) if lang == "en" else "，".join(bits)

    env.globals.update(t=t, lang=lang)
    env.filters.update(
        v=v,
        ts=ts,
        secret=secret,
        enum=enum,
        ep=lambda e: values.endpoint(_defined(e)) or "—",
        country=lambda code, name=None: country_name(_defined(code), lang, _defined(name)),
        yesno=lambda b: label("yes" if b else "no", lang),
        num=_num,
        css_text=lambda s: re.sub(r"[^A-Za-z0-9 ._/:-]", "", str(s))[:60],
    )
    return env


def _defined(value: Any) -> Any:
    """A missing optional field (jinja Undefined) counts as None."""
    return None if isinstance(value, Undefined) else value


def _num(value: Any, places: int = 0) -> str:
    value = _defined(value)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else str(value)
    return f"{value:,.{places}f}"


def _refs(findings: dict[str, Any]) -> dict[str, list[str]]:
    """Appendix reference ids per row: ``CALL-1``, ``CALL-2`` …"""
    out: dict[str, list[str]] = {}
    for name, prefix in REF_PREFIX.items():
        out[name] = [f"{prefix}-{i}" for i in range(1, len(findings.get(name) or []) + 1)]
    return out


def _device_summaries(findings: dict[str, Any], refs: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Per device: landlines, overseas operators by country and role, calls, complaints."""
    refs_by_device = {d.get("id"): r for d, r in zip(findings.get("devices") or [], refs["devices"])}
    given = {s.get("device"): s for s in findings.get("summary") or [] if isinstance(s, dict)}
    ids = [d.get("id") for d in findings.get("devices") or []]
    ids += [k for k in given if k not in ids]
    devs = {d.get("id"): d for d in findings.get("devices") or []}
    rows = []
    for dev in ids:
        lines = [ll for ll in findings.get("landlines") or [] if ll.get("device") == dev]
        calls = [c for c in findings.get("calls") or [] if c.get("device") == dev]
        compl = [c for c in findings.get("complaints") or [] if dev in (c.get("devices") or [])]
        by_country: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        for op in findings.get("operators") or []:
            if dev not in (op.get("devices") or []) or not op.get("overseas"):
                continue
            key = (op.get("country"), op.get("country_name"))
            entry = by_country.setdefault(key, {"ips": [], "roles": []})
            entry["ips"].append(op.get("ip"))
            # this device's own roles with the operator when the findings say them
            mine = (op.get("device_roles") or {}).get(dev) or op.get("roles") or []
            for r in mine:
                if r not in entry["roles"]:
                    entry["roles"].append(r)
        s = given.get(dev, {})
        rows.append({
            "device": dev,
            "ref": refs_by_device.get(dev),
            "info": devs.get(dev, {}),
            "landlines": [ll.get("display") or ll.get("number") for ll in lines],
            "landline_count": s.get("landlines", len(lines)),
            "countries": [
                {"code": k[0], "name": k[1], "ips": e["ips"], "roles": e["roles"]}
                for k, e in sorted(by_country.items(), key=lambda kv: (kv[0][0] or "~"))
            ],
            "calls": s.get("calls", len(calls)),
            "answered": s.get("answered", sum(1 for c in calls if c.get("answer"))),
            "complaints": s.get("complaints", len(compl)),
        })
    return rows


def _decimal(value: Any) -> Any:
    """An amount as a Decimal: numbers and numeric strings (the findings write amounts
    as strings so that no yuan is lost to floating point); anything else is None."""
    from decimal import Decimal, InvalidOperation

    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _complaint_totals(findings: dict[str, Any]) -> dict[str, Any]:
    rows = findings.get("complaints") or []
    amounts = [a for a in (_decimal(c.get("amount")) for c in rows) if a is not None]
    return {
        "n": len(rows),
        "amount": f"{sum(amounts):,.2f}" if amounts else "—",
        "linked": sum(1 for c in rows if c.get("linked_calls")),
    }


def _appendix(findings: dict[str, Any], refs: dict[str, list[str]], tz: Any) -> list[dict[str, Any]]:
    """Every row that cites sources: ref, category, one-line description, sources."""
    ev = {e.get("id"): e for e in findings.get("evidence") or []}
    out = []
    for name in REF_PREFIX:
        for ref, row in zip(refs[name], findings.get(name) or []):
            srcs = list(row.get("sources") or [])
            if name == "devices":
                for att in row.get("attribution") or []:
                    srcs += list(att.get("sources") or [])
            out.append({
                "ref": ref,
                "cat": f"cat_{name}",
                "desc": values.shorten(_describe(name, row, tz)),
                "sources": [_source_view(s, ev) for s in srcs if isinstance(s, dict)],
            })
    return out


def _describe(name: str, r: dict[str, Any], tz: Any) -> str:
    f = values.flat
    if name == "devices":
        hosts = ", ".join(f"{a.get('host')} ({a.get('reason')})" for a in r.get("attribution") or [])
        return f"{r.get('id')}: {hosts}" if hosts else f"{r.get('id')}"
    if name == "gateway_configs":
        return f"{r.get('device')}: {r.get('vendor')} {f(r.get('model'))}".strip()
    if name == "sip_registrations":
        return f"{r.get('device')}: {r.get('username')} → {values.endpoint(r.get('registrar'))}"
    if name == "calls":
        callee = r.get("callee") or r.get("callee_raw") or "?"
        return (f"{r.get('device')}: {f(r.get('landline')) or '?'} → {callee}, "
                f"{values.local_time(r.get('start'), tz)}, {values.endpoint(r.get('sip_peer'))}")
    if name in ("remote_sessions", "tunnels"):
        what = r.get("tool") or r.get("protocol")
        return f"{r.get('device')}: {what} ↔ {values.endpoint(r.get('peer'))}"
    if name == "landlines":
        return f"{r.get('display') or r.get('number')} ({r.get('device')})"
    if name == "operators":
        return f"{r.get('ip')} ({f(r.get('country'))})"
    return f"{r.get('kind')}: {f(r.get('value'))}"


def _source_view(src: dict[str, Any], ev: dict[str, Any]) -> dict[str, Any]:
    e = ev.get(src.get("evidence"), {})
    return {
        "evidence": src.get("evidence"),
        "sha": (e.get("sha256") or "")[:12],
        "path": e.get("path") or "",
        "member": src.get("member"),
        "frame": src.get("frame"),
        "frames": src.get("frames"),
        "count": src.get("count"),
        "line": src.get("line"),
        "offset": src.get("offset"),
        "filter": values.wireshark_filter(src),
    }


# A court report lists what a reader can read; past these, the HTML says how many rows
# are left out and where they all are (the CSV tables and findings.json hold every row).
MAX_ROWS = 2000
MAX_APPENDIX = 5000


def render_html(findings: dict, *, lang: str = "en", tz: str | None = None,
                findings_sha256: str | None = None) -> str:
    """The report as one HTML document (str)."""
    if lang not in LANGS:
        raise ValueError(f"unsupported report language {lang!r}; use one of {LANGS}")
    case = findings.get("case") or {}
    tzinfo, tz_name = values.zone(tz or case.get("timezone"))
    env = _env(lang, tzinfo)
    refs = _refs(findings)
    call_refs = {c.get("call_id"): r for c, r in zip(findings.get("calls") or [], refs["calls"])}
    chart_uris = charts.render_all(findings, tzinfo, lang) if charts.available() else None
    method = findings.get("method") or {}
    tool = findings.get("tool") or {}
    def rows(name: str) -> list[Any]:
        return (findings.get(name) or [])[:MAX_ROWS]

    def more(name: str) -> Markup:
        total = len(findings.get(name) or [])
        if total <= MAX_ROWS:
            return Markup("")
        from forensics.report.tables import FILE_NAMES

        text = label("rows_shown", lang).format(n=f"{MAX_ROWS:,}", total=f"{total:,}",
                                                file=FILE_NAMES.get(name, name))
        return Markup('<p class="note">') + text + Markup("</p>")

    appendix = _appendix(findings, refs, tzinfo)
    ctx = {
        "f": findings,
        "L": rows,
        "more": more,
        "appendix_total": len(appendix),
        "appendix_cap": MAX_APPENDIX,
        "case": case,
        "tz_name": tz_name,
        "findings_sha256": findings_sha256,
        "tool_version": method.get("tool_version") or tool.get("version"),
        "method": method,
        "refs": refs,
        "call_refs": call_refs,
        "line_display": {ll.get("number"): ll.get("display") or ll.get("number")
                         for ll in findings.get("landlines") or []},
        "summaries": _device_summaries(findings, refs),
        "complaint_totals": _complaint_totals(findings),
        "appendix": appendix[:MAX_APPENDIX],
        "charts": chart_uris,
        "warning_count": len(findings.get("warnings") or []),
        "warning_codes": sorted(
            _count(w.get("code") for w in findings.get("warnings") or []).items()
        ),
    }
    return env.get_template("report.html.j2").render(**ctx)


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for i in items:
        out[str(i)] += 1
    return dict(out)
