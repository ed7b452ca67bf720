"""The reference documents stay true to the code.

``docs/warning-codes.md`` must list every warning code the code can emit — with the
location it carries and the modules that emit it — and nothing more.  Codes are read
from the source with :mod:`ast`, not from a hand-kept list: every call of a warning
helper (``ctx.warn``, ``case.warn``, ``self._warn``, ``_warn_frame``, ``warning``,
``ParseWarning`` and any local helper with a ``code`` parameter, such as
``forensics/manifest.py``'s ``_warn``) under ``forensics/`` and ``parsers/``.  A code
given as an f-string is a *pattern*; its expansions are found from the constant
arguments passed to the enclosing function, and the document must list exactly those.

``docs/record-kinds.md`` must list every ``KIND`` of every ``Record`` subclass, each
with its fields and the modules that build it.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("forensics", "parsers")
WARNING_DOC = ROOT / "docs" / "warning-codes.md"
KINDS_DOC = ROOT / "docs" / "record-kinds.md"
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Names of the calls that emit a warning.  Local helpers whose signature has a
# ``code`` parameter are found per module on top of these.
WARN_CALLS = {"warn", "_warn", "_warn_frame", "warning", "ParseWarning"}
# ``log.warning(...)`` and friends are the standard logging module, not a code.
LOGGERS = {"log", "logger", "logging", "_log", "LOG"}
# ``CaseData.warn(code, message, evidence)``: the receivers used for the case context.
CASE_RECEIVERS = {"case", "cdata"}
LOCATIONS = ("frame", "line", "offset")


# --- collecting codes from the source ---------------------------------------------


@dataclass
class Code:
    """One code (or f-string pattern) as found in the source."""

    code: str
    pattern: bool = False  # built with an f-string; ``code`` then holds "{name}" parts
    modules: set[str] = field(default_factory=set)  # "parsers/capture/pcap.py"
    where: set[str] = field(default_factory=set)  # frame | line | offset | file | case
    expansions: set[str] = field(default_factory=set)  # concrete codes of a pattern


@dataclass
class Scan:
    codes: dict[str, Code] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)  # "path:line: expression"
    stats_patterns: set[str] = field(default_factory=set)


def _py_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _call_name(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return None


def _receiver(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        return f.value.id
    return None


def _maybe_none(expr: ast.expr) -> bool:
    """True if a location argument can evaluate to None (``x if c else None``, ``x or None``)."""
    for n in ast.walk(expr):
        if isinstance(n, ast.Constant) and n.value is None:
            return True
    return False


def _pattern_text(node: ast.JoinedStr) -> str:
    parts = []
    for v in node.values:
        if isinstance(v, ast.Constant):
            parts.append(str(v.value))
        else:
            parts.append("{" + ast.unparse(v.value) + "}")  # type: ignore[attr-defined]
    return "".join(parts)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, pos = "", 0
    for m in re.finditer(r"\{[^{}]*\}", pattern):
        out += re.escape(pattern[pos : m.start()]) + r"[a-z0-9]+(?:-[a-z0-9]+)*"
        pos = m.end()
    return re.compile(out + re.escape(pattern[pos:]) + "$")


def _emits(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True if the function itself calls a warning emitter (a forwarding helper)."""
    return any(
        isinstance(n, ast.Call)
        and _call_name(n) in WARN_CALLS
        and _receiver(n) not in LOGGERS
        for n in ast.walk(fn)
    )


def _is_replay(arg: ast.expr | None) -> bool:
    """A code taken from a warning already made: ``w.code`` of a ParseWarning, or a
    ``suppressed-<code>`` counter with its prefix cut off (``k[len("suppressed-"):]``).
    Such calls re-emit codes collected at their origin (e.g. forensics/parallel.py
    merging the warnings of capture parts)."""
    if isinstance(arg, ast.Attribute) and arg.attr == "code":
        return True
    return isinstance(arg, ast.Subscript) and "suppressed-" in ast.unparse(arg.slice)


class _Module(ast.NodeVisitor):
    def __init__(self, rel: str, tree: ast.Module, scan: Scan) -> None:
        self.rel, self.scan = rel, scan
        self.stack: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        # local helpers with a ``code`` parameter: name -> (params, defaults by name)
        self.helpers: dict[str, tuple[list[str], dict[str, ast.expr]]] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(n.name, n)
                params = [a.arg for a in n.args.posonlyargs + n.args.args]
                kwonly = [a.arg for a in n.args.kwonlyargs]
                if ("code" in params or "code" in kwonly) and _emits(n):
                    defaults = dict(
                        zip(
                            params[len(params) - len(n.args.defaults) :],
                            n.args.defaults,
                        )
                    )
                    defaults.update(
                        {
                            a.arg: d
                            for a, d in zip(n.args.kwonlyargs, n.args.kw_defaults)
                            if d is not None
                        }
                    )
                    self.helpers[n.name] = (params + kwonly, defaults)
        self.tree = tree

    def _local_helper(self, name: str) -> bool:
        """A module-level helper with a ``code`` parameter (not the context's own warn)."""
        return name in self.helpers and name not in ("warn", "ParseWarning")

    # enclosing function, for forwarding helpers and f-string expansion
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.stack.append(node)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and str(first.value).startswith(
            "suppressed-"
        ):
            self.scan.stats_patterns.add(_pattern_text(node))
        self.generic_visit(node)

    def _code_arg(self, node: ast.Call, name: str) -> ast.expr | None:
        for k in node.keywords:
            if k.arg == "code":
                return k.value
        if self._local_helper(name):
            params, defaults = self.helpers[name]
            shift = (
                1
                if params
                and params[0] in ("self", "cls")
                and isinstance(node.func, ast.Attribute)
                else 0
            )
            idx = params.index("code") - shift
            if 0 <= idx < len(node.args):
                return node.args[idx]
            return defaults.get("code")
        args = node.args
        f = node.func
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and f.value.id[:1].isupper()
            and args
            and isinstance(args[0], ast.Name)
            and args[0].id == "self"
        ):
            args = args[1:]  # ParseContext.warn(self, code, ...): an unbound call
        return args[0] if args else None

    def _where(self, node: ast.Call, name: str) -> set[str]:
        where: set[str] = set()
        none_possible = False
        for k in node.keywords:
            if k.arg in LOCATIONS:
                where.add(k.arg)
                none_possible |= _maybe_none(k.value)
        # reassembler callbacks: warn(code, message, frame)
        if (
            name in ("_warn", "_warn_frame")
            and len(node.args) >= 3
            and not self._local_helper(name)
        ):
            where.add("frame")
            none_possible |= _maybe_none(node.args[2])
        if not where or none_possible:
            rec = _receiver(node)
            if name == "warn" and rec in CASE_RECEIVERS:
                evidence = len(node.args) >= 3 or any(
                    k.arg == "evidence" for k in node.keywords
                )
                where.add("file" if evidence else "case")
            elif name == "ParseWarning" or self._local_helper(name):
                evidence = any(k.arg == "evidence" for k in node.keywords)
                where.add("file" if evidence else "case")
            else:
                where.add("file")
        return where

    def _expansions(self, node: ast.JoinedStr) -> set[str]:
        """Concrete codes of an f-string whose holes are parameters of the enclosing
        function, from the constant arguments of that function's calls in the module."""
        fn = self.stack[-1] if self.stack else None
        holes = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        if fn is None or len(holes) != 1 or not isinstance(holes[0], ast.Name):
            return set()
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        hole = holes[0].id
        if hole not in params:
            return set()
        idx = params.index(hole)
        values: set[str] = set()
        for call in ast.walk(self.tree):
            if isinstance(call, ast.Call) and _call_name(call) == fn.name:
                arg = next((k.value for k in call.keywords if k.arg == hole), None)
                if arg is None and idx < len(call.args):
                    arg = call.args[idx]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    values.add(arg.value)
        return {
            "".join(
                v if isinstance(p, ast.FormattedValue) else str(p.value)
                for p in node.values
            )  # type: ignore[attr-defined]
            for v in values
        }

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if (
            name is not None
            and (name in WARN_CALLS or self._local_helper(name))
            and _receiver(node) not in LOGGERS
        ):
            self._record(node, name)  # type: ignore[arg-type]
        self.generic_visit(node)

    def _record(self, node: ast.Call, name: str) -> None:
        arg = self._code_arg(node, name)
        where = self._where(node, name)
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            c = self.scan.codes.setdefault(arg.value, Code(arg.value))
        elif isinstance(arg, ast.JoinedStr):
            text = _pattern_text(arg)
            c = self.scan.codes.setdefault(text, Code(text, pattern=True))
            c.expansions |= self._expansions(arg)
        elif (
            isinstance(arg, ast.Name)
            and arg.id == "code"
            and self.stack
            and "code"
            in [
                a.arg for a in self.stack[-1].args.args + self.stack[-1].args.kwonlyargs
            ]
        ):
            return  # a forwarding helper: its callers are collected instead
        elif _is_replay(arg):
            return  # an existing warning (or suppressed count) passed on unchanged
        else:
            shown = ast.unparse(arg) if arg is not None else "<no code>"
            self.scan.unresolved.append(
                f"{self.rel}:{node.lineno}: {name}({shown}, ...)"
            )
            return
        c.modules.add(self.rel)
        c.where |= where


def scan_codes() -> Scan:
    scan = Scan()
    for path in _py_files():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        _Module(rel, tree, scan).visit(tree)
    return scan


# --- reading the warning document -----------------------------------------------


@dataclass
class DocEntry:
    code: str
    area: str
    where: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    expansions: set[str] = field(default_factory=set)
    text: str = ""


_HEAD = re.compile(r"^### `([^`]+)`\s*$")
_WHERE = re.compile(r"^\*Location:\*\s*(.+?)\s*·\s*\*Emitted by:\*\s*(.+)$")
_EXPANDS = re.compile(r"^\*Expands to:\*\s*(.+)$")


def read_warning_doc(text: str | None = None) -> dict[str, DocEntry]:
    text = WARNING_DOC.read_text(encoding="utf-8") if text is None else text
    out: dict[str, DocEntry] = {}
    area, cur = "", None
    for line in text.splitlines():
        if line.startswith("## "):
            area, cur = line[3:].strip(), None
            continue
        if m := _HEAD.match(line):
            assert m.group(1) not in out, f"{m.group(1)} documented twice"
            cur = out[m.group(1)] = DocEntry(m.group(1), area)
            continue
        if cur is None:
            continue
        if m := _WHERE.match(line):
            cur.where = {w.strip() for w in m.group(1).split(",")}
            cur.modules = set(re.findall(r"`([^`]+\.py)`", m.group(2)))
        elif m := _EXPANDS.match(line):
            cur.expansions = set(re.findall(r"`([^`]+)`", m.group(1)))
        else:
            cur.text += line + "\n"
    return out


@pytest.fixture(scope="module")
def scan() -> Scan:
    return scan_codes()


@pytest.fixture(scope="module")
def doc() -> dict[str, DocEntry]:
    return read_warning_doc()


def test_every_code_argument_is_resolved(scan: Scan) -> None:
    """A code built any other way than a literal, an f-string or a forwarded ``code``
    parameter could not be checked against the document."""
    assert scan.unresolved == []


def test_the_scan_finds_the_known_helpers(scan: Scan) -> None:
    """Guards the scanner itself: one code from each kind of emitter."""
    for code, module in (
        ("pcap-truncated-record", "parsers/capture/pcap.py"),  # ctx.warn
        ("tcp-stream-gap", "parsers/capture/tcp_reassembly.py"),  # self._warn callback
        ("manifest-unknown-key", "forensics/manifest.py"),  # helper default argument
        ("manifest-bad-value", "forensics/manifest.py"),  # helper positional argument
        ("parser-crashed", "forensics/pipeline.py"),  # ParseWarning(code=...)
        ("attribution-conflict", "forensics/correlate/devices.py"),  # case.warn
        ("warnings-suppressed", "parsers/base.py"),
    ):
        assert module in scan.codes[code].modules, code
    assert "%s: %s" not in scan.codes  # log.warning is not a code
    assert scan.codes["{what}-extra-cells"].expansions == {
        "complaints-extra-cells",
        "carrier-extra-cells",
    }
    assert scan.codes["tcp-stream-gap"].where == {"frame"}
    assert scan.codes["evidence-changed"].where == {"file"}
    assert scan.codes["manifest-unknown-key"].where == {"case"}


def test_codes_are_kebab_case(scan: Scan) -> None:
    bad = []
    for c in scan.codes.values():
        for code in sorted(c.expansions) if c.pattern else [c.code]:
            if not KEBAB.match(code):
                bad.append(code)
        if c.pattern and not c.expansions:
            bad.append(f"{c.code} (no expansion found)")
    assert bad == []


def test_every_code_is_documented(scan: Scan, doc: dict[str, DocEntry]) -> None:
    missing = sorted(set(scan.codes) - set(doc))
    assert missing == [], f"add these to {WARNING_DOC.name}: {missing}"


def test_no_documented_code_is_gone(scan: Scan, doc: dict[str, DocEntry]) -> None:
    allowed = set(scan.codes) | scan.stats_patterns
    assert sorted(set(doc) - allowed) == []


def test_documented_locations_and_modules_match(
    scan: Scan, doc: dict[str, DocEntry]
) -> None:
    wrong = []
    for code, c in sorted(scan.codes.items()):
        d = doc.get(code)
        if d is None:
            continue
        if d.where != c.where:
            wrong.append(
                f"{code}: location documented {sorted(d.where)}, code gives {sorted(c.where)}"
            )
        if d.modules != c.modules:
            wrong.append(
                f"{code}: emitters documented {sorted(d.modules)}, code has {sorted(c.modules)}"
            )
    assert wrong == []


def test_patterns_list_their_expansions(scan: Scan, doc: dict[str, DocEntry]) -> None:
    for code, c in scan.codes.items():
        if c.pattern and code in doc:
            assert doc[code].expansions == c.expansions, code
            rx = _pattern_regex(code)
            assert all(rx.match(e) for e in c.expansions), code
    for p in scan.stats_patterns:
        assert p in doc, f"document the counter pattern {p}"
        assert doc[p].expansions, p


def test_every_entry_says_what_it_means_and_what_to_do(
    doc: dict[str, DocEntry],
) -> None:
    thin = [
        c
        for c, d in doc.items()
        if len(d.text.split()) < 12 or not d.where or not d.area
    ]
    assert thin == []


def test_the_document_parser_reads_the_format() -> None:
    sample = (
        "## Lists\n\n### `{what}-x`\n*Location:* line · *Emitted by:* `a/b.py`, `c.py`\n"
        "*Expands to:* `p-x`, `q-x`\n\nMeans something.\n"
    )
    d = read_warning_doc(sample)["{what}-x"]
    assert (d.area, d.where, d.modules, d.expansions) == (
        "Lists",
        {"line"},
        {"a/b.py", "c.py"},
        {"p-x", "q-x"},
    )
    assert _pattern_regex("{what}-x").match("complaints-x") and not _pattern_regex(
        "{what}-x"
    ).match("x")


# --- record kinds ----------------------------------------------------------------


def _import_all() -> None:
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        for info in pkgutil.walk_packages(mod.__path__, prefix=f"{pkg}."):
            if info.name.endswith("__main__"):
                continue
            importlib.import_module(info.name)


@cache
def record_classes() -> dict[str, type]:
    """KIND -> class, for every subclass of Record defined under forensics/ and parsers/."""
    from forensics.model.core import Record

    _import_all()
    found: dict[str, list[type]] = defaultdict(list)
    todo = list(Record.__subclasses__())
    seen: set[type] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        # slots=True dataclasses replace the class they decorate; the discarded
        # original can still be listed by __subclasses__(), so keep the module's own
        public = getattr(sys.modules.get(cls.__module__), cls.__name__, None) is cls
        if cls.__module__.split(".")[0] in PACKAGES and public:
            found[cls.__dict__.get("KIND", "<inherited>")].append(cls)
    dup = {k: [c.__qualname__ for c in v] for k, v in found.items() if len(v) > 1}
    assert not dup, f"KIND shared by several classes: {dup}"
    return {k: v[0] for k, v in found.items()}


def producers(classes: dict[str, type]) -> dict[str, set[str]]:
    """KIND -> the modules under parsers/ and forensics/ that construct the class."""
    by_name = {cls.__name__: kind for kind, cls in classes.items()}
    out: dict[str, set[str]] = defaultdict(set)
    for path in _py_files():
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                if name in by_name:
                    out[by_name[name]].add(rel)
    return out


_KIND_HEAD = re.compile(r"^## `([^`]+)` — `([A-Za-z_]+)`")
_FIELD = re.compile(r"^\| `([a-z_0-9]+)` \|")
_PRODUCED = re.compile(r"^\*Built by:\*\s*(.+)$")


def read_kinds_doc() -> dict[str, dict]:
    out: dict[str, dict] = {}
    cur = None
    for line in KINDS_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## ") and not _KIND_HEAD.match(line):
            cur = None  # a section that is not a record kind (e.g. the parts)
        elif m := _KIND_HEAD.match(line):
            assert m.group(1) not in out, f"{m.group(1)} documented twice"
            cur = out[m.group(1)] = {
                "class": m.group(2),
                "fields": [],
                "built_by": set(),
            }
        elif cur is not None and (m := _FIELD.match(line)):
            cur["fields"].append(m.group(1))
        elif cur is not None and (m := _PRODUCED.match(line)):
            cur["built_by"] = set(re.findall(r"`([^`]+\.py)`", m.group(1)))
    return out


@pytest.fixture(scope="module")
def kinds() -> dict[str, type]:
    return record_classes()


def test_kinds_are_unique_and_named(kinds: dict[str, type]) -> None:
    assert "<inherited>" not in kinds, "a Record subclass without its own KIND"
    assert "record" not in kinds
    for kind in kinds:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", kind), kind
    assert {"sip.message", "net.flow", "gateway.config", "list.complaint"} <= set(kinds)


def test_every_kind_is_documented_with_its_fields(kinds: dict[str, type]) -> None:
    doc = read_kinds_doc()
    assert sorted(doc) == sorted(kinds)
    for kind, cls in kinds.items():
        assert doc[kind]["class"] == cls.__name__, kind
        fields = [f.name for f in dataclasses.fields(cls)]
        assert doc[kind]["fields"] == fields, (
            f"{kind}: fields in the document differ from {cls.__name__}"
        )


@cache
def _built_by() -> dict[str, set[str]]:
    return producers(record_classes())


# Record kinds defined and read by correlation, but built by no module yet.
NOT_BUILT_YET: dict[str, str] = {}


def _kind_params() -> list:
    return [
        pytest.param(
            k,
            marks=[pytest.mark.xfail(strict=True, reason=NOT_BUILT_YET[k])]
            if k in NOT_BUILT_YET
            else [],
        )
        for k in sorted(record_classes())
    ]


@pytest.mark.parametrize("kind", _kind_params())
def test_every_kind_is_built_somewhere(kind: str) -> None:
    assert _built_by()[kind], f"nothing under forensics/ or parsers/ builds {kind}"


def test_documented_producers_match_the_code(kinds: dict[str, type]) -> None:
    doc = read_kinds_doc()
    wrong = {
        k: sorted(_built_by()[k]) for k in kinds if doc[k]["built_by"] != _built_by()[k]
    }
    assert wrong == {}, "update *Built by:* in record-kinds.md"


def test_record_fields_all_carry_provenance(kinds: dict[str, type]) -> None:
    for kind, cls in kinds.items():
        assert "prov" in {f.name for f in dataclasses.fields(cls)}, kind
        assert inspect.isclass(cls) and cls.__dataclass_params__.frozen, kind  # type: ignore[attr-defined]
