"""Parallel and distributed analysis of captures.

The per-capture stage is a pure function, :func:`analyse_capture`, of a picklable
:class:`CaptureTask` (the evidence file, its identity, and which part of the capture
to own); it returns a picklable :class:`CaptureResult` (engine snapshot, tagged
warnings, reader statistics).  Any executor can therefore run it: a local process
pool (``--jobs N``) or an existing Dask distributed cluster
(``--executor dask://HOST:PORT``, optional extra ``gatetrace[dask]``).

Several captures.  With ``--jobs N`` (N > 1) and more than one capture in a case,
whole captures are analysed in N worker processes (:class:`CapturePool`) and their
results enter the case in evidence order: findings are byte-identical to a
one-process run.  A single capture is not split by default (on 2 cores the split did
not pay; see docs/performance.md); ``split_min_bytes`` (an ``Options.extra`` key)
asks for the split below, and a Dask executor always splits.

How one capture is split.  Cutting a capture into byte ranges would cut RTP streams
(RFC 3550 jitter is a running estimate that cannot be resumed exactly), TCP streams
and SIP dialogs whose SDP announces media further on.  Instead every part reads the
whole file (reading is the cheap tier) and owns the flows whose direction-free
address/port hash falls to it (see :mod:`parsers.capture.engine`): frame numbers stay
global, each flow, RTP stream and TCP reassembly lives in exactly one part, and SIP
(UDP, and TCP by port or content) of other parts' flows is parsed quietly so that
SDP announcements are known everywhere at the same frame.  The merge
(:func:`parsers.capture.engine.finalise`) puts records back in frame order and
replays warnings in the order a single run emits them, so findings are
byte-identical.  Where a partition cannot promise that (SIP with SDP inside a tunnel,
SIP text on a flow already classified as media, a flow-table sweep, a full RTP
table), the engine says so and the capture is analysed again in one process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from forensics.model.core import ParseWarning
from parsers import registry
from parsers.base import ParseContext, Source
from parsers.capture.engine import Engine, finalise, merge_problems

SPLIT_MIN_BYTES = 32 * 1024 * 1024  # with a split asked for: smaller captures stay whole


@dataclass(frozen=True, slots=True)
class CaptureTask:
    """One part of one capture: everything a worker needs, and nothing else."""

    path: str  # absolute path of the evidence file (read-only; workers must see it)
    evidence_id: str
    evidence_sha256: str
    evidence_path: str  # as written in the findings
    parser: str = "capture@1"
    part: int = 0
    parts: int = 1


@dataclass(slots=True)
class CaptureResult:
    """What a worker sends back (picklable)."""

    part: int
    snapshot: dict[str, Any]
    warnings: list[tuple[tuple[int, int], ParseWarning]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)  # reader stats, suppressed counts


class _TaggedContext(ParseContext):
    """A ParseContext that notes when (engine phase, frame) each kept warning was made."""

    __slots__ = ("clock", "tags")
    clock: Callable[[], tuple[int, int]]  # (engine phase, frame) now
    tags: list[tuple[int, int]]  # one per kept warning

    def warn(self, code: str, message: str, *, frame: int | None = None, line: int | None = None,
             offset: int | None = None) -> None:
        n = len(self.warnings)
        ParseContext.warn(self, code, message, frame=frame, line=line, offset=offset)
        if len(self.warnings) > n:
            self.tags.append(self.clock())


def analyse_capture(task: CaptureTask) -> CaptureResult:
    """The per-capture stage: read the capture, run the engine on the owned flows."""
    ctx = _TaggedContext(evidence_id=task.evidence_id, evidence_sha256=task.evidence_sha256,
                         evidence_path=task.evidence_path, parser=task.parser)
    ctx.tags = []
    # reader warnings and statistics are the same in every part: part 0 reports them
    reader_ctx = ctx if task.part == 0 else ParseContext(evidence_id=task.evidence_id)
    engine = Engine(ctx, registry.DETECTORS, part=task.part, parts=task.parts)
    ctx.clock = lambda: (0, engine.frame)
    engine.read(Source.from_path(task.path, name=task.evidence_path), reader_ctx)
    ctx.clock = lambda: (1, 0)
    snap = engine.snapshot()
    return CaptureResult(part=task.part, snapshot=snap, warnings=list(zip(ctx.tags, ctx.warnings)),
                         stats=dict(ctx.stats))


def merge_results(ctx: ParseContext, results: Sequence[CaptureResult]) -> list[Any] | None:
    """Records of a capture analysed elsewhere (one result), or of a partitioned
    capture (several), or None when the parts cannot be merged exactly (the caller
    then analyses the capture in one process)."""
    results = sorted(results, key=lambda r: r.part)
    snaps = [r.snapshot for r in results]
    if len(results) > 1 and merge_problems(snaps):
        return None
    for k, v in results[0].stats.items():
        if not k.startswith("suppressed-"):
            ctx.stats[k] = v
    tagged = sorted(((t, r.part, i, w) for r in results for i, (t, w) in enumerate(r.warnings)),
                    key=lambda x: x[:3])
    for _t, _p, _i, w in tagged:
        ctx.warn(w.code, w.message, frame=w.frame, line=w.line, offset=w.offset)
    for r in results:  # warnings past a part's cap are past the merged cap as well
        for k, v in r.stats.items():
            if k.startswith("suppressed-"):
                for _ in range(v):
                    ctx.warn(k[len("suppressed-"):], "")
    probe = Engine(ctx, registry.DETECTORS)
    return finalise(ctx, snaps, probe.port_dets, probe.name_dets)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def plan(src: Source, abs_path: str | None, jobs: int, executor: str | None,
         split_min: int | None = None) -> int:
    """How many parts to cut one capture into (1: analyse it whole).

    With a Dask executor, ``jobs`` parts.  Locally, only when a split was asked for
    (``split_min`` is a size in bytes, not None), ``jobs > 1`` and the capture is at
    least ``split_min`` bytes: on a 2-core machine the split does not pay (see
    docs/performance.md), so by default ``--jobs`` spreads whole captures instead
    (:class:`CapturePool`)."""
    if abs_path is None or src.member is not None:
        return 1  # a member of a container: workers could not open it
    if executor:
        return max(1, jobs)
    if split_min is None or jobs <= 1 or src.size < split_min:
        return 1
    return jobs


def run_tasks(tasks: list[CaptureTask], jobs: int, executor: str | None) -> list[CaptureResult]:
    """Run tasks on a local process pool, or on a Dask cluster for ``dask://HOST:PORT``."""
    if executor:
        return _dask_map(executor, tasks)
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        return list(pool.map(analyse_capture, tasks))


def _dask_map(executor: str, tasks: list[CaptureTask]) -> list[CaptureResult]:
    if not executor.startswith("dask://"):
        raise ValueError(f"unknown executor '{executor}' (expected dask://HOST:PORT)")
    try:
        from distributed import Client
    except ImportError as exc:  # optional extra
        raise RuntimeError("--executor dask:// needs the 'dask' extra: pip install 'gatetrace[dask]'") from exc
    client = Client("tcp://" + executor[len("dask://"):], set_as_default=False)
    try:
        futures = client.map(analyse_capture, tasks, pure=False)
        return client.gather(futures)
    finally:
        client.close()


def analyse_split(ctx: ParseContext, task: CaptureTask, parts: int, jobs: int, executor: str | None,
                  serial: Callable[[], list[Any]]) -> list[Any]:
    """Analyse one capture in ``parts`` parts; fall back to ``serial`` when the merge
    could not be exact."""
    tasks = [CaptureTask(task.path, task.evidence_id, task.evidence_sha256, task.evidence_path,
                         task.parser, k, parts) for k in range(parts)]
    results = run_tasks(tasks, jobs, executor)
    out = merge_results(ctx, results)
    if out is None:
        return serial()
    return out


class CapturePool:
    """Whole captures analysed ahead of the pipeline in a local process pool.

    The pipeline reads evidence in order; a case with several captures submits them
    all at once (in evidence order) and then :meth:`take` s each result where the
    capture's turn comes, so records, warnings and statistics enter the case in the
    same order as in a one-process run.  Any failure in a worker (a crash, a killed
    process) is reported as None, and the caller analyses that capture itself.
    """

    def __init__(self, tasks: Sequence[CaptureTask], jobs: int) -> None:
        self._pool = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(tasks))))
        self._futures: dict[str, Future[CaptureResult]] = {
            t.evidence_id: self._pool.submit(analyse_capture, t) for t in tasks}

    def __contains__(self, evidence_id: str) -> bool:
        return evidence_id in self._futures

    def take(self, evidence_id: str) -> CaptureResult | None:
        fut = self._futures.pop(evidence_id, None)
        if fut is None:
            return None
        try:
            return fut.result()
        except Exception:  # the capture is analysed again in the calling process
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
