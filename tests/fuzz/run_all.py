"""Run every fuzz harness of ``harnesses.py`` with atheris (libFuzzer), one at a time.

    python tests/fuzz/run_all.py --seconds 60            # every harness, 60 s each
    python tests/fuzz/run_all.py --seconds 300 --only sip capture
    python tests/fuzz/run_all.py --list

Each harness runs in its own process (libFuzzer ends the process when it stops) with
coverage instrumentation of ``parsers`` and ``forensics``, a seed corpus written from
the committed fixtures, a per-input timeout and an RSS limit.  The working folder
(``--work``, default a folder under the system temp directory) holds the growing
corpora and any crash inputs; nothing is written into the repository.  A summary line
per harness gives executions, executions per second, coverage and crashes; ``--json``
writes the same as a file.  Exit status 1 when any harness crashed.

A crash input becomes a fixture in ``tests/fixtures/malformed/fuzz-crashes/`` with a
regression test in ``tests/test_malformed.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_STAT = re.compile(r"^stat::(\w+):\s*(\d+)", re.MULTILINE)
_COV = re.compile(r"cov: (\d+) ft: (\d+)")


def _child(name: str, seconds: int, corpus: Path, artifacts: Path, max_len: int) -> None:
    """Inside the fuzzing process: instrument, load the harness, hand over to libFuzzer."""
    import atheris

    sys.path.insert(0, str(ROOT))
    with atheris.instrument_imports(include=["parsers", "forensics"]):
        from tests.fuzz import harnesses
    target = harnesses.TARGETS[name]
    args = [sys.argv[0], str(corpus), f"-max_total_time={seconds}", "-timeout=20",
            "-rss_limit_mb=3072", f"-max_len={max_len}", "-print_final_stats=1",
            f"-artifact_prefix={artifacts}/", "-close_fd_mask=1"]
    atheris.Setup(args, target)
    atheris.Fuzz()


def _write_seeds(name: str, corpus: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.fuzz import harnesses

    corpus.mkdir(parents=True, exist_ok=True)
    n = 0
    for s in harnesses.seeds(name):
        p = corpus / ("seed-" + hashlib.sha1(s).hexdigest()[:16])
        if not p.exists():
            p.write_bytes(s)
            n += 1
    return n


def _run_one(name: str, seconds: int, work: Path, max_len: int) -> dict:
    corpus = work / "corpus" / name
    artifacts = work / "artifacts" / name
    artifacts.mkdir(parents=True, exist_ok=True)
    _write_seeds(name, corpus)
    before = set(artifacts.iterdir())
    t0 = time.monotonic()
    cmd = [sys.executable, __file__, "--child", name, "--seconds", str(seconds),
           "--work", str(work), "--max-len", str(max_len)]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                          timeout=seconds * 3 + 120, cwd=ROOT, check=False)
    wall = time.monotonic() - t0
    log = proc.stderr
    (work / "logs").mkdir(exist_ok=True)
    (work / "logs" / f"{name}.log").write_text(log[-200_000:])
    stats = {k: int(v) for k, v in _STAT.findall(log)}
    cov = _COV.findall(log)
    crashes = sorted(str(p) for p in set(artifacts.iterdir()) - before)
    return {
        "harness": name,
        "seconds": round(wall, 1),
        "executions": stats.get("number_of_executed_units", 0),
        "exec_per_second": stats.get("average_exec_per_sec", 0),
        "peak_rss_mb": stats.get("peak_rss_mb", 0),
        "coverage": int(cov[-1][0]) if cov else 0,
        "features": int(cov[-1][1]) if cov else 0,
        "corpus": sum(1 for _ in corpus.iterdir()),
        "crashes": crashes,
        "returncode": proc.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=60, help="fuzzing time per harness")
    ap.add_argument("--only", nargs="*", metavar="NAME", help="run these harnesses only")
    ap.add_argument("--skip", nargs="*", default=[], metavar="NAME", help="leave these out")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "gatetrace-fuzz"),
                    help="corpora, crash inputs and logs (outside the repository)")
    ap.add_argument("--max-len", type=int, default=65536, help="largest input libFuzzer builds")
    ap.add_argument("--json", metavar="FILE", help="also write the summary as JSON")
    ap.add_argument("--list", action="store_true", help="list the harnesses and exit")
    ap.add_argument("--repro", nargs=2, metavar=("NAME", "FILE"),
                    help="run one harness on one input and show the traceback")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    work = Path(args.work)
    if args.child:
        _child(args.child, args.seconds, work / "corpus" / args.child, work / "artifacts" / args.child,
               args.max_len)
        return 0
    sys.path.insert(0, str(ROOT))
    from tests.fuzz.harnesses import TARGETS

    if args.repro:
        name, path = args.repro
        TARGETS[name](Path(path).read_bytes())
        print(f"{name}: {path}: no failure")
        return 0
    if args.list:
        print("\n".join(TARGETS))
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("run_all: atheris is not installed (pip install atheris)", file=sys.stderr)
        return 1
    names = [n for n in (args.only or list(TARGETS)) if n not in set(args.skip)]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        print(f"run_all: unknown harness(es): {', '.join(unknown)}", file=sys.stderr)
        return 2
    results = []
    t_all = time.monotonic()
    print(f"{'harness':32} {'sec':>6} {'execs':>10} {'exec/s':>7} {'cov':>6} {'rss':>5} crashes")
    for name in names:
        r = _run_one(name, args.seconds, work, args.max_len)
        results.append(r)
        print(f"{name:32} {r['seconds']:6.0f} {r['executions']:10d} {r['exec_per_second']:7d} "
              f"{r['coverage']:6d} {r['peak_rss_mb']:5d} {len(r['crashes'])}"
              + ("".join(f"\n    crash: {c}" for c in r["crashes"])), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    total = sum(r["executions"] for r in results)
    print(f"total: {len(results)} harnesses, {total} executions, "
          f"{time.monotonic() - t_all:.0f} s wall")
    return 1 if any(r["crashes"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
