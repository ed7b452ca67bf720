"""Correlated case data → the canonical findings dict (contract gatetrace.findings/1).

Deterministic: every list is sorted by a stable key, no wall-clock time is written
unless ``SOURCE_DATE_EPOCH`` is set (then as ``generated_at``), and serialisation
(:func:`dumps`) uses sorted keys and a fixed layout.
"""

from __future__ import annotations

import json
import os
from operator import itemgetter
from typing import Any

from forensics.correlate.context import CaseData, iso
from forensics.model.core import ParseWarning, evidence_number

SCHEMA_ID = "gatetrace.findings/1"




def _k(*vals: Any) -> tuple:
    return tuple("" if v is None else v for v in vals)


SORT_KEYS = {
    "devices": lambda r: _k(not r.get("declared"), r.get("id")),
    "gateway_configs": lambda r: _k(evidence_number(r.get("evidence")), r.get("vendor")),
    "sip_registrations": lambda r: _k(r.get("device"), r.get("username"), json.dumps(r.get("registrar"), sort_keys=True), r.get("first_seen")),
    "calls": lambda r: _k(r.get("start"), r.get("call_id"), r.get("device")),
    "remote_sessions": lambda r: _k(r.get("first_seen"), r.get("tool"), json.dumps(r.get("peer"), sort_keys=True), json.dumps(r.get("sources"), sort_keys=True)),
    "tunnels": lambda r: _k(r.get("first_seen"), r.get("protocol"), json.dumps(r.get("peer"), sort_keys=True), json.dumps(r.get("sources"), sort_keys=True)),
    "landlines": lambda r: _k(r.get("number")),
    "operators": lambda r: _k(r.get("ip")),
    "complaints": lambda r: _k(r.get("case_no"), r.get("victim_number")),
    "links": lambda r: _k(r.get("kind"), str(r.get("value"))),
    "media_streams": lambda r: _k(r.get("first_seen"), json.dumps(r.get("src"), sort_keys=True)),
    "summary": lambda r: _k(r.get("device")),
    "sip_peers": lambda r: _k(r.get("device"), json.dumps(r.get("host"), sort_keys=True), json.dumps(r.get("peer"), sort_keys=True), r.get("first_seen")),
    "management": lambda r: _k(r.get("first_seen"), json.dumps(r, sort_keys=True)),
}


def _warnings(case: CaseData) -> list[dict[str, Any]]:
    ws: list[ParseWarning] = list(case.manifest.warnings)
    for ev in case.evidence:
        ws.extend(ev.warnings)
    ws.extend(case.warnings)
    ws.sort(key=lambda w: w.sort_key())
    return [w.to_json() for w in ws]


def _evidence_row(ev: Any) -> dict[str, Any]:
    stats = {k: v for k, v in ev.stats.items() if k != "traceback"}
    return {
        "id": ev.id,
        "path": ev.path,
        "sha256": ev.sha256,
        "size": ev.size,
        "kind": ev.kind if ev.kind in ("capture", "gateway_config", "host_artifact", "carrier_records", "complaints") else "unrecognised",
        "format": ev.format,
        "device": ev.device,
        "status": ev.status,
        "stats": stats,
        "warnings": [w.to_json() for w in sorted(ev.warnings, key=lambda w: w.sort_key())],
        "rehash": "ok" if ev.rehash_ok else ("changed" if ev.rehash_ok is False else "not-checked"),
        "parent": ev.parent,
        "member": ev.member,
    }


def build_findings(case: CaseData, *, tool_version: str) -> dict[str, Any]:
    m = case.manifest
    out: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "tool": {"name": "gatetrace", "version": tool_version},
        "case": {
            "id": m.case_id,
            "examiner": m.examiner,
            "timezone": m.timezone,
            "home_country": m.home_country,
            "language": m.language,
        },
        "case_root": str(m.root),
        "evidence": [_evidence_row(ev) for ev in sorted(case.evidence, key=lambda e: evidence_number(e.id))],
    }
    for name, rows in case.out.items():
        if name == "evidence":
            continue
        key = SORT_KEYS.get(name)
        out[name] = sorted(rows, key=key) if key else list(rows)
    for name in ("devices", "gateway_configs", "sip_registrations", "calls", "remote_sessions", "tunnels",
                 "landlines", "operators", "complaints"):
        out.setdefault(name, [])
    out["warnings"] = _warnings(case)
    out["method"] = case.facts.get("method", {"tool_version": tool_version})
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde and sde.isdecimal():
        out["generated_at"] = iso(int(sde) * 1_000_000_000)
    return out


# --- serialisation -----------------------------------------------------------------
#
# The reference text is ``json.dumps(value, indent=2, sort_keys=True,
# ensure_ascii=False) + "\n"``.  With an indent the standard library encodes through a
# chain of Python generators, one small string at a time, which is slow on large case
# files.  :class:`_Writer` produces the very same text in two passes:
#
# 1. A walk over the value builds a *template* (the layout: brackets, newlines,
#    indentation, quoted keys, with "%" doubled) in which every scalar is a "%s"
#    placeholder, and collects the scalars themselves in order.  A dict's sorted key
#    order and its key texts are worked out once per key tuple and depth (a
#    :class:`_Plan`) and reused for every dict of the same shape, so a dict or list
#    whose members are all scalars costs a few C-level calls, whatever its size.
# 2. Every ~16k scalars, one call of the json package's C encoder writes all of them as
#    a flat list with a control character as separator (it never occurs raw in encoded
#    text: json escapes control characters), the text is split on it and
#    ``template % texts`` fills the placeholders.
#
# The rules are the reference encoder's: the same isinstance tests (str, int, float and
# their subclasses are scalars, None/True/False literals; list and tuple, dict),
# ``int.__repr__`` / ``float.__repr__`` for numbers and NaN/Infinity/-Infinity (what
# the C encoder writes too), "{}" and "[]" for empty containers, items sorted as
# ``sorted(d.items())`` (for unique str keys the same order as ``sorted(keys)``) and
# non-str keys turned into text after sorting (float, True/False, None, int).  Whatever
# the writer does not handle (other types, cycles, unsortable keys, nesting too deep,
# ...) raises, and :func:`dumps` then hands the whole value to ``json.dumps``, so the
# result, or the error, is the reference one.

# The json package's string quoting and its C encoder (None without the C extension).
_quote = json.encoder.encode_basestring
_make_c_encoder = getattr(json.encoder, "c_make_encoder", None)

_LEAF_TYPES = frozenset((str, int, float, bool, type(None)))  # exact types
_STR_ONLY = frozenset((str,))
_FLUSH_AT = 16384  # scalars per fill-in pass; keeps the working set small
_SPLIT = "\x00"
_scalar_encoder = (
    _make_c_encoder(None, None, _quote, None, ": ", _SPLIT, False, False, True)
    if _make_c_encoder is not None
    else None
)
_POS_INF = float("inf")
_NEG_INF = -_POS_INF
_int_text = int.__repr__
_float_repr = float.__repr__
_NO_PLAN = object()


class _Unhandled(Exception):
    """A value the fast writer leaves to json.dumps."""


def _float_text(x: float) -> str:
    if x != x:  # noqa: PLR0124 - true only for NaN
        return "NaN"
    if x == _POS_INF:
        return "Infinity"
    if x == _NEG_INF:
        return "-Infinity"
    return _float_repr(x)


def _scalar_text(value: Any) -> str | None:
    """A scalar's text (json's checks, in json's order); None for a list, tuple or
    dict; raises :class:`_Unhandled` for anything else."""
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return _int_text(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, (list, tuple, dict)):
        return None
    raise _Unhandled


def _key_text(key: Any) -> str:
    """A dict key as json turns it into a string (before quoting)."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float_text(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return _int_text(key)
    raise _Unhandled


def _scalar_texts(scalars: list) -> list[str]:
    if not scalars:
        return []
    if _scalar_encoder is None:
        return [_scalar_text(v) for v in scalars]  # type: ignore[misc]
    return "".join(_scalar_encoder(scalars, 0))[1:-1].split(_SPLIT)


def _template_key(key: Any) -> str:
    return _quote(_key_text(key)).replace("%", "%%") + ": "


class _Level:
    """Layout strings and caches of one nesting depth."""

    __slots__ = ("_child", "dict_close", "flat_lists", "inner", "list_close", "list_open", "plans", "sep")

    def __init__(self, nl: str) -> None:  # nl: newline + indentation of the brackets
        self.inner = nl + "  "
        self.sep = "," + self.inner
        self.dict_close = nl + "}"
        self.list_open = "[" + self.inner
        self.list_close = nl + "]"
        self.plans: dict[tuple, Any] = {}  # key tuple -> _Plan, or _NO_PLAN
        self.flat_lists: dict[int, str] = {}  # length -> template of a list of scalars
        self._child: _Level | None = None

    @property
    def child(self) -> _Level:
        if self._child is None:
            self._child = _Level(self.inner)
        return self._child


class _Plan:
    """Dicts with one tuple of keys (all exact ``str``) at one depth: their values in
    sorted key order in one C call, and the template piece in front of each value.

    Plans are found by the dict's key tuple; a dict whose keys merely compare equal to
    a plan's (str subclasses) is written with the plan's key order and text, which is
    json's as long as such a subclass keeps str's ordering."""

    __slots__ = ("close", "flat", "leaf_prefixes", "prefixes", "steps", "tails", "values")

    def __init__(self, keys: list[str], level: _Level) -> None:
        self.values: Any  # dict -> tuple of its values in sorted key order
        if len(keys) > 1:
            self.values = itemgetter(*keys)
        else:
            only = keys[0]
            self.values = lambda d: (d[only],)
        sep = level.sep
        heads = [_quote(k).replace("%", "%%") + ": " for k in keys]
        self.prefixes = ["{" + level.inner + heads[0]] + [sep + h for h in heads[1:]]
        self.leaf_prefixes = [p + "%s" for p in self.prefixes]
        self.close = level.dict_close
        self.flat = "".join(self.leaf_prefixes) + self.close  # all values scalars
        self.steps: dict[tuple, list[tuple[str, int, int]]] = {}  # value types -> steps
        self.tails: dict[tuple, str] = {}

    def make_steps(self, types: tuple) -> list[tuple[str, int, int]]:
        """For values of these types (not all scalars): one step per non-scalar value i,
        (template up to and including its prefix, first index of the scalars before it,
        i); the template after the last one goes to ``tails``."""
        steps = []
        text = ""
        lo = 0
        for i, (t, leaf_pre, pre) in enumerate(zip(types, self.leaf_prefixes, self.prefixes)):
            if t in _LEAF_TYPES:
                text += leaf_pre
            else:
                steps.append((text + pre, lo, i))
                text = ""
                lo = i + 1
        self.tails[types] = text + self.close
        return steps


class _Writer:
    """One serialisation: the template and scalars not yet filled in, the text done."""

    def __init__(self) -> None:
        self.template: list[str] = []
        self.scalars: list[Any] = []
        self.done: list[str] = []

    def flush(self) -> None:
        texts = _scalar_texts(self.scalars)
        self.done.append("".join(self.template) % tuple(texts))
        self.template.clear()
        self.scalars.clear()

    def write(self, value: Any) -> str:
        self.value(value, _Level("\n"), "")
        self.flush()
        self.done.append("\n")
        return "".join(self.done)

    def value(self, value: Any, level: _Level, pre: str) -> None:
        """``pre`` + any value (``level``: its depth)."""
        template = self.template
        t = type(value)
        if t in _LEAF_TYPES or isinstance(value, (str, int, float)):
            template.append(pre + "%s")
            self.scalars.append(value)
        elif isinstance(value, (list, tuple)):
            template.append(pre)
            if not value:
                template.append("[]")
            elif t is list or t is tuple:
                self.list(value, level)
            else:
                self.list(list(value), level)
        elif isinstance(value, dict):
            template.append(pre)
            if value:
                self.dict(value, level)
            else:
                template.append("{}")
        else:
            raise _Unhandled

    def general_dict(self, d: Any, level: _Level) -> None:
        """A non-empty dict the json way: sort the items, then coerce the keys."""
        pre = "{" + level.inner
        child = level.child
        for key, value in sorted(d.items()):
            self.value(value, child, pre + _template_key(key))
            pre = level.sep
        self.template.append(level.dict_close)

    def dict(self, d: Any, level: _Level) -> None:
        """A non-empty dict."""
        if type(d) is not dict:
            return self.general_dict(d, level)
        shape = tuple(d)
        plan: Any = level.plans.get(shape)
        if plan is None:
            plan = _Plan(sorted(shape), level) if _STR_ONLY.issuperset(map(type, shape)) else _NO_PLAN
            level.plans[shape] = plan
        if plan is _NO_PLAN:
            return self.general_dict(d, level)
        values = plan.values(d)
        if _LEAF_TYPES.issuperset(map(type, values)):
            self.template.append(plan.flat)
            self.scalars.extend(values)
            return
        types = tuple(map(type, values))
        steps = plan.steps.get(types)
        if steps is None:
            steps = plan.steps[types] = plan.make_steps(types)
        template_append = self.template.append
        scalars_extend = self.scalars.extend
        child = level.child
        for text, lo, i in steps:
            template_append(text)
            scalars_extend(values[lo:i])
            v = values[i]
            t = type(v)
            if t is dict:
                if v:
                    self.dict(v, child)
                else:
                    template_append("{}")
            elif t is list:
                if v:
                    self.list(v, child)
                else:
                    template_append("[]")
            else:
                self.value(v, child, "")
        template_append(plan.tails[types])
        scalars_extend(values[steps[-1][2] + 1:])

    def list(self, seq: list | tuple, level: _Level) -> None:
        """A non-empty list or tuple."""
        template_append = self.template.append
        scalars = self.scalars
        if _LEAF_TYPES.issuperset(map(type, seq)):
            n = len(seq)
            text = level.flat_lists.get(n)
            if text is None:
                text = level.list_open + "%s" + (level.sep + "%s") * (n - 1) + level.list_close
                level.flat_lists[n] = text
            template_append(text)
            scalars.extend(seq)
            return
        scalars_append = scalars.append
        child = level.child
        pre = level.list_open
        sep = level.sep
        for v in seq:
            t = type(v)
            if t is dict:
                template_append(pre)
                if v:
                    self.dict(v, child)
                else:
                    template_append("{}")
            elif t in _LEAF_TYPES:
                template_append(pre + "%s")
                scalars_append(v)
            elif t is list:
                template_append(pre)
                if v:
                    self.list(v, child)
                else:
                    template_append("[]")
            else:
                self.value(v, child, pre)
            pre = sep
            if len(scalars) > _FLUSH_AT:
                self.flush()
        template_append(level.list_close)


def _fast_dumps(value: Any) -> str:
    text = _scalar_text(value)
    if text is not None:
        return text + "\n"
    return _Writer().write(value)


def dumps(findings: dict[str, Any]) -> str:
    """The byte-stable serialisation written to findings.json.

    Exactly ``json.dumps(findings, indent=2, sort_keys=True, ensure_ascii=False) + "\\n"``
    (same text, same errors), written by a faster encoder.
    """
    try:
        return _fast_dumps(findings)
    except Exception:  # noqa: BLE001 - unsupported value, cycle, unsortable keys, too deep, ...
        return json.dumps(findings, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
