"""evidence → parsers → records + warnings → correlation → findings.

:func:`analyze` is the Python API the command line uses.  Each (evidence, parser)
pair runs inside a guard: an unexpected exception becomes a ``parser-crashed``
warning on that evidence (``debug=True`` re-raises it), and the run goes on.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from forensics import __version__
from forensics.correlate import RULES
from forensics.correlate.context import CaseData
from forensics.evidence import intake, rehash
from forensics.manifest import Manifest, load
from forensics.model.core import Evidence, ParseWarning, Record
from forensics.status import CaseError
from parsers import registry
from parsers.base import WrongFormat, ParseContext, Source
from parsers.capture.engine import Engine
from parsers.capture.reader import capture_format

MAX_CONTAINER_DEPTH = 4
ProgressFn = Callable[[str, int, int | None], None]


@dataclass
class Options:
    """What a run may be told besides the case."""

    lang: str | None = None  # report language: "en" | "zh" (default: case.yaml, else en)
    geoip_db: str | None = None  # an examiner's MaxMind .mmdb instead of the embedded data
    debug: bool = False  # re-raise parser crashes with their traceback
    keys: tuple[str, ...] = ()  # extra decryption keys for encrypted configs
    progress: ProgressFn | None = None  # called as (label, done_bytes, total_bytes)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    """What :func:`run` returns: the case data after correlation, for the writers."""

    manifest: Manifest
    case: CaseData
    findings: dict[str, Any]


def analyze(case: str | os.PathLike[str], options: Options | None = None) -> dict[str, Any]:
    """Analyse a case (a case.yaml or a folder) and return the findings dict."""
    return run(case, options).findings


def run(case: str | os.PathLike[str], options: Options | None = None) -> RunResult:
    opts = options or Options()
    manifest = load(case)
    evidence = intake(manifest)
    if not evidence:
        raise CaseError(f"{manifest.manifest_path or manifest.root}: the case names no evidence files")
    records: list[Record] = []
    facts: dict[str, Any] = {"timezone": manifest.timezone}
    keys = tuple(manifest.keys) + tuple(opts.keys)
    pool = _capture_pool(evidence, opts)
    members: dict[str, Source] = {}  # evidence id -> the container member it stands for
    try:
        i = 0
        while i < len(evidence):  # containers append their members as new evidence
            ev = evidence[i]
            i += 1
            if ev.status == "error":
                continue
            src = members.pop(ev.id, None) or Source.from_path(ev.abs_path, name=ev.path)
            records.extend(_process(ev, src, evidence, keys, opts, facts, depth=0, pool=pool, members=members))
    finally:
        if pool is not None:
            pool.close()
    # The closing re-hash reads every file again; it runs beside the correlation rules
    # (hashlib and file reads release the GIL), which never look at its result.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rehash") as hasher:
        rehashed = hasher.submit(rehash, evidence)
        from forensics.correlate.context import CaseData as _CD

        cdata = _CD(manifest=manifest, evidence=evidence, records=records)
        cdata.facts.update(facts)
        cdata.facts["options"] = opts
        cdata.evidence_device = {ev.id: ev.device for ev in evidence}
        for rule in RULES:
            rule(cdata)
        bad = rehashed.result()
    for ev in bad:
        cdata.warn("evidence-changed", f"{ev.path}: the file changed or vanished during the run (SHA-256 no longer matches)", ev.id)
    from forensics.report.canonical import build_findings

    findings = build_findings(cdata, tool_version=__version__)
    return RunResult(manifest=manifest, case=cdata, findings=findings)


def _ctx(ev: Evidence, parser: str, keys: tuple[str, ...]) -> ParseContext:
    return ParseContext(evidence_id=ev.id, evidence_sha256=ev.sha256, evidence_path=ev.path,
                        member=None, parser=parser, keys=keys)


def _guard(ev: Evidence, name: str, opts: Options, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except WrongFormat:
        raise
    except Exception as exc:  # the boundary: one file's crash never stops the case
        if opts.debug:
            raise
        ev.warnings.append(ParseWarning(code="parser-crashed",
                                        message=f"{name} failed on this file: {exc.__class__.__name__}: {exc}"[:500],
                                        evidence=ev.id))
        ev.stats.setdefault("traceback", traceback.format_exc(limit=3)[-800:])
        return None


def _process(ev: Evidence, src: Source, evidence: list[Evidence], keys: tuple[str, ...], opts: Options,
             facts: dict[str, Any], depth: int, pool: Any = None,
             members: dict[str, Source] | None = None) -> list[Record]:
    """Identify one evidence file by content and hand it to its reader or parser.

    Members of a container become evidence of their own, appended to ``evidence``
    (with their sources in ``members``) and processed later by :func:`run`."""
    head = src.head
    if ev.kind in ("complaints", "carrier_records"):
        return _read_list(ev, src, opts, facts)
    fmt = capture_format(head)
    if fmt is not None:
        ev.kind, ev.format = "capture", fmt
        ctx = _ctx(ev, "capture@1", keys)
        out = _guard(ev, "capture engine", opts, lambda: _run_capture(ev, src, ctx, opts, pool))
        _finish(ev, ctx, out is not None)
        return out or []
    for cont in registry.CONTAINERS:
        if not _sniff(cont.sniff, head, src.name):
            continue
        if depth >= MAX_CONTAINER_DEPTH:
            ev.warnings.append(ParseWarning(code="container-too-deep", message="containers nested too deep; not opened", evidence=ev.id))
            break
        ctx = _ctx(ev, f"{cont.name}@{cont.version}", keys)
        found = _guard(ev, cont.name, opts, lambda: list(_members(cont, src, ctx)))
        if found is None:
            continue
        ev.kind = ev.kind if ev.kind != "unrecognised" else "container"
        ev.format = cont.name
        for m in found:
            child = _member_evidence(ev, m, len(evidence) + 1)
            evidence.append(child)
            if members is not None:
                members[child.id] = m
        ev.stats["members"] = len(found)
        ev.kind = "unrecognised" if ev.kind == "container" else ev.kind
        ev.status = "parsed"
        ev.warnings.extend(ctx.warnings)
        if ctx.warnings:
            ev.status = "partial"
        ev.stats.setdefault("container", cont.name)
        return []
    for parser in registry.FILE_PARSERS:
        if not _sniff(parser.sniff, head, src.name):
            continue
        ctx = _ctx(ev, f"{parser.name}@{parser.version}", keys)
        ctx.member = src.member
        try:
            recs = _guard(ev, parser.name, opts, lambda: list(parser.parse(src, ctx)))
        except WrongFormat:
            continue
        ev.kind, ev.format = parser.kind, parser.name
        _finish(ev, ctx, recs is not None)
        return recs or []
    ev.kind, ev.status = "unrecognised", "unrecognised"
    if ev.size == 0 and ev.parent is None:
        ev.warnings.append(ParseWarning(code="evidence-empty", message=f"{ev.path}: the file is empty (0 bytes)",
                                        evidence=ev.id, offset=0))
    else:
        shown = head[:8].hex(" ")
        ev.warnings.append(ParseWarning(code="evidence-unrecognised",
                                        message=f"{ev.path}: no reader recognised this content "
                                                f"(first bytes {shown or 'none'}); listed, not analysed",
                                        evidence=ev.id, member=ev.member, offset=0))
    return []


def _members(cont: Any, src: Source, ctx: ParseContext) -> Iterator[Source]:
    yield from cont.members(src, ctx)


def _member_evidence(parent: Evidence, m: Source, n: int) -> Evidence:
    meta = m.meta or {}
    digest = meta.get("sha256")
    size = m.size
    error = None
    if not digest:
        h = hashlib.sha256()
        size = 0
        try:
            with m.open() as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
                    size += len(chunk)
            digest = h.hexdigest()
        except (OSError, ValueError) as exc:
            error = str(exc)
            digest = "0" * 64
    member = m.member or m.name
    # containers name their members "outer!inner"; in the path the outer part is the
    # parent's own path already
    inner = member
    for outer in (parent.path, os.path.basename(parent.path), parent.member or ""):
        if outer and inner.startswith(outer + "!"):
            inner = inner[len(outer) + 1 :]
            break
    ev = Evidence(id=f"E{n}", path=f"{parent.path}!{inner}", abs_path=parent.abs_path, sha256=digest,
                  size=size, device=parent.device, parent=parent.id, member=member,
                  stats={"file_system": meta} if meta else {})
    if error is not None:
        ev.status = "error"
        ev.warnings.append(ParseWarning(code="member-unreadable", message=f"{member}: cannot be read ({error})",
                                        evidence=ev.id, member=member))
    return ev


def _sniff(fn: Callable[[bytes, str], bool], head: bytes, name: str) -> bool:
    try:
        return bool(fn(head, name))
    except Exception:
        return False


def _finish(ev: Evidence, ctx: ParseContext, ok: bool) -> None:
    ctx.finish()
    ev.warnings.extend(ctx.warnings)
    for k, v in ctx.stats.items():
        ev.stats[k] = v
    if not ok:
        ev.status = "error"
    elif any(w.code != "warnings-suppressed" for w in ev.warnings):
        ev.status = "partial"
    else:
        ev.status = "parsed"


def _capture_pool(evidence: list[Evidence], opts: Options) -> Any:
    """A :class:`forensics.parallel.CapturePool` working ahead on the case's captures,
    when ``jobs`` > 1, no executor is given and the case has several captures."""
    jobs = int(opts.extra.get("jobs") or 1)
    if jobs <= 1 or opts.extra.get("executor"):
        return None
    from forensics import parallel

    tasks = []
    for ev in evidence:
        if ev.status == "error" or ev.parent is not None or ev.kind in ("complaints", "carrier_records"):
            continue
        try:
            head = Source.from_path(ev.abs_path, name=ev.path).head
        except OSError:
            continue
        if capture_format(head) is not None:
            tasks.append(parallel.CaptureTask(ev.abs_path, ev.id, ev.sha256, ev.path, "capture@1"))
    if len(tasks) < 2:
        return None
    return parallel.CapturePool(tasks, jobs)


def _run_capture(ev: Evidence, src: Source, ctx: ParseContext, opts: Options, pool: Any = None) -> list[Record]:
    """One capture: taken from the worker ``pool`` when it was analysed there, else in
    this process, or split over ``jobs`` workers / a Dask cluster (``opts.extra``:
    ``jobs``, ``executor``, ``split_min_bytes``; see forensics.parallel)."""
    from forensics import parallel

    cb = opts.progress
    if pool is not None and ev.id in pool:
        if cb is not None:
            cb(ev.path, 0, src.size)
        result = pool.take(ev.id)
        out = parallel.merge_results(ctx, [result]) if result is not None else None
        if out is not None:
            if cb is not None:
                cb(ev.path, src.size, src.size)
            return out
        return _run_serial(ev, src, ctx, opts)
    jobs = int(opts.extra.get("jobs") or 1)
    executor = opts.extra.get("executor")
    abs_path = ev.abs_path if ev.parent is None else None
    split_min = opts.extra.get("split_min_bytes")
    parts = parallel.plan(src, abs_path, jobs, executor, None if split_min is None else int(split_min))
    if parts > 1 and abs_path is not None:
        task = parallel.CaptureTask(abs_path, ev.id, ev.sha256, ev.path, ctx.parser)
        if cb is not None:
            cb(ev.path, 0, src.size)
        out = parallel.analyse_split(ctx, task, parts, jobs, executor, lambda: _run_serial(ev, src, ctx, opts))
        if cb is not None:
            cb(ev.path, src.size, src.size)
        return out
    return _run_serial(ev, src, ctx, opts)


def _run_serial(ev: Evidence, src: Source, ctx: ParseContext, opts: Options) -> list[Record]:
    engine = Engine(ctx, registry.DETECTORS)
    cb = opts.progress
    if cb is None:
        engine.read(src)
    else:
        total = src.size
        engine.read(src, progress=lambda off: cb(ev.path, min(off, total), total))
        cb(ev.path, total, total)
    return engine.finish()


def _read_list(ev: Evidence, src: Source, opts: Options, facts: dict[str, Any]) -> list[Record]:
    from forensics import lists

    data = src.read_all()
    ev.format = "csv"
    fn = lists.read_complaints if ev.kind == "complaints" else lists.read_carrier_records
    res = _guard(ev, f"{ev.kind} reader", opts, lambda: fn(data, evidence_id=ev.id, tz=facts.get("timezone") or "UTC"))
    if res is None:
        ev.status = "error"
        return []
    items, warns = res
    facts.setdefault(ev.kind, []).extend(items)
    ev.warnings.extend(warns)
    ev.stats["rows"] = len(items)
    ev.status = "partial" if warns else "parsed"
    return []
