"""Single-process, partitioned (process pool) and Dask runs give byte-identical findings.

The demo case and a generated RTP-heavy capture (benchmarks/gen_capture.py, 30,000
packets: SIP dialogs with SDP, RTP both ways with jitter, DNS, TLS, bulk TCP) are each
analysed in one process, split over 2 and 3 worker processes, and on a Dask
LocalCluster; the canonical findings.json text must be the same.  A case of three
captures (one gzipped, one truncated) is spread over worker processes, whole captures
per worker, and must give the same findings as one process.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from benchmarks.gen_capture import generate
from forensics import parallel
from forensics.pipeline import Options, analyze
from forensics.report.canonical import dumps
from parsers.capture.engine import merge_problems, owner_of

_GENERATED: dict[str, int] = {}
DEMO = Path(__file__).resolve().parent / "fixtures" / "demo-case" / "case.yaml"


def _findings(case: Path, **extra) -> str:
    return dumps(analyze(case, Options(extra=dict(extra))))


@pytest.fixture(scope="module")
def generated_case(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gen")
    _GENERATED["packets"] = generate(root / "den.pcap", 30_000, seed=3)
    return root


def test_owner_is_direction_free_and_spreads():
    a, b = bytes([192, 168, 10, 20]), bytes([203, 0, 113, 50])
    owners = set()
    for port in range(10000, 10040, 2):
        assert owner_of(a, b, port, 30000 + port, 2) == owner_of(b, a, 30000 + port, port, 2)
        owners.add(owner_of(a, b, port, 30000 + port, 2))
    assert owners == {0, 1}  # even RTP ports on one address pair still spread


def test_parts_merge_exactly_on_generated_capture(generated_case):
    path = str(generated_case / "den.pcap")
    results = [parallel.analyse_capture(parallel.CaptureTask(path, "E1", "0" * 64, "den.pcap", part=k, parts=2))
               for k in range(2)]
    snaps = [r.snapshot for r in results]
    assert merge_problems(snaps) == []  # no fallback: the partition itself is exact
    assert all(s["records"] for s in snaps)  # both parts did real work
    assert sum(s["stats"]["frames"] for s in snaps) == _GENERATED["packets"] >= 30_000  # each frame once


@pytest.mark.parametrize("case", ["demo", "generated"])
def test_single_equals_parallel(case, generated_case):
    path = DEMO if case == "demo" else generated_case
    single = _findings(path, jobs=1)
    assert '"media_streams"' in single
    assert _findings(path, jobs=2, split_min_bytes=0) == single
    assert _findings(path, jobs=3, split_min_bytes=0) == single


def test_single_equals_dask(generated_case):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        addr = cluster.scheduler_address.replace("tcp://", "dask://")
        for path in (DEMO, generated_case):
            assert _findings(path, jobs=2, executor=addr) == _findings(path, jobs=1)


def test_fallback_when_sdp_inside_a_tunnel(monkeypatch, generated_case):
    """A partition that reports it cannot be exact is replaced by a single run."""
    calls = []
    real = parallel.merge_results

    def refuse(ctx, results):
        calls.append(len(results))
        return None

    monkeypatch.setattr(parallel, "merge_results", refuse)
    assert _findings(generated_case, jobs=2, split_min_bytes=0) == _findings(generated_case, jobs=1)
    assert calls == [2]
    monkeypatch.setattr(parallel, "merge_results", real)


def test_cli_rejects_bad_executor(tmp_path):
    from forensics.cli import main

    assert main(["analyze", str(DEMO), "--out", str(tmp_path), "--executor", "spark://x", "-q"]) == 2
    assert main(["analyze", str(DEMO), "--out", str(tmp_path), "--jobs", "0", "-q"]) == 2


@pytest.fixture(scope="module")
def three_captures(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("three")
    generate(root / "den-a.pcap", 8_000, seed=1)
    generate(root / "den-b.tmp", 5_000, seed=2)
    (root / "den-b.pcap.gz").write_bytes(gzip.compress((root / "den-b.tmp").read_bytes(), mtime=0))
    (root / "den-b.tmp").unlink()
    generate(root / "den-c.pcap", 12_000, seed=4)
    data = (root / "den-c.pcap").read_bytes()
    (root / "den-c.pcap").write_bytes(data[:-30])  # the last record is cut: a reader warning
    return root


def test_captures_spread_over_processes(three_captures, monkeypatch):
    single = _findings(three_captures, jobs=1)
    assert '"pcap-truncated-record"' in single and '"media_streams"' in single
    pools = []
    real = parallel.CapturePool

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, tasks, jobs):
            pools.append(([t.evidence_path for t in tasks], jobs))
            super().__init__(tasks, jobs)

    monkeypatch.setattr(parallel, "CapturePool", Spy)
    assert _findings(three_captures, jobs=2) == single
    assert _findings(three_captures, jobs=3) == single
    assert [sorted(p) for p, _ in pools] == [["den-a.pcap", "den-b.pcap.gz", "den-c.pcap"]] * 2
    assert [j for _, j in pools] == [2, 3]


def test_failed_worker_falls_back_to_this_process(three_captures, monkeypatch):
    monkeypatch.setattr(parallel.CapturePool, "take", lambda self, evidence_id: None)
    assert _findings(three_captures, jobs=2) == _findings(three_captures, jobs=1)


def test_one_capture_is_not_split_by_default(generated_case, monkeypatch):
    def no_split(*a, **k):
        raise AssertionError("a single capture was split without being asked")

    monkeypatch.setattr(parallel, "analyse_split", no_split)
    assert '"media_streams"' in _findings(generated_case, jobs=2)
    src = parallel.Source.from_path(str(generated_case / "den.pcap"))
    assert parallel.plan(src, str(generated_case / "den.pcap"), 2, None) == 1
    assert parallel.plan(src, str(generated_case / "den.pcap"), 2, None, split_min=0) == 2
