"""Single-process, partitioned (process pool) and Dask runs give byte-identical findings.

The demo case and a generated RTP-heavy capture (benchmarks/gen_capture.py, 30,000
packets: SIP dialogs with SDP, RTP both ways with jitter, DNS, TLS, bulk TCP) are each
analysed in one process, split over 2 and 3 worker processes, and on a Dask
LocalCluster; the canonical findings.json text must be the same.
"""

from __future__ import annotations

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
