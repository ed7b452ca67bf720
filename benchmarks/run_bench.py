"""``make bench``: throughput and peak memory of ``gatetrace analyze`` on a large
generated capture, against tshark's SIP field export and a dpkt decode loop.

Generates ``bench-out/bench-<N>.pcap`` (benchmarks/gen_capture.py; kept for reuse,
git-ignored), then runs each tool as a child process and reads its wall time and
peak resident set size from ``os.wait4`` (for gatetrace with worker processes this
is the largest single process).  Prints packets/s, MB/s, wall time, peak RSS and the
ratios.  Not a test: the figures depend on the machine and its load.

    python benchmarks/run_bench.py [--packets 1000000] [--pcapng] [--signalling CALLS] [--jobs N]
                                   [--no-tshark] [--no-dpkt]

Before the timed runs the package's modules are byte-compiled and gatetrace analyses
the bundled demo case once (untimed), so the timed run sees what an installed tool
sees: compiled modules and its compiled report template; the capture is read once
(untimed) so that every tool finds it in the page cache.  ``--pcapng`` runs on the
same frames written as pcapng (one Enhanced Packet Block per frame, as dumpcap does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench-out"
sys.path.insert(0, str(ROOT))

from benchmarks.gen_capture import generate, generate_signalling, to_pcapng  # noqa: E402

# the fields of the corpus oracles (*.tshark.tsv, see ../shared/corpus/INDEX.md)
TSHARK_FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ip.dst", "sip.Method", "sip.Status-Code",
                 "sip.from.user", "sip.to.user", "sip.Call-ID", "sip.User-Agent"]

DPKT_LOOP = r"""
import sys, dpkt
n = 0
reader = dpkt.pcapng.Reader if sys.argv[1].endswith(".pcapng") else dpkt.pcap.Reader
with open(sys.argv[1], "rb") as fh:
    for ts, buf in reader(fh):
        eth = dpkt.ethernet.Ethernet(buf)
        ip = eth.data
        if isinstance(ip, dpkt.ip.IP):
            l4 = ip.data
            if isinstance(l4, (dpkt.udp.UDP, dpkt.tcp.TCP)):
                n += l4.sport > 0
print(n)
"""


def timed(cmd: list[str], stdout=subprocess.DEVNULL) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MB, exit status) of one child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL, cwd=ROOT)
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    return wall, ru.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=None, help="passed to gatetrace (default: its own)")
    ap.add_argument("--no-tshark", action="store_true")
    ap.add_argument("--no-dpkt", action="store_true")
    ap.add_argument("--pcapng", action="store_true", help="the same frames as pcapng")
    ap.add_argument("--signalling", type=int, metavar="CALLS",
                    help="instead: a SIP-only capture of CALLS answered calls (7 messages each)")
    a = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    cap = OUT / (f"sip-{a.signalling}.pcap" if a.signalling else f"bench-{a.packets}.pcap")
    if not cap.exists():
        t = time.perf_counter()
        n = generate_signalling(cap, a.signalling) if a.signalling else generate(cap, a.packets)
        print(f"generated {cap.relative_to(ROOT)}: {n} packets in {time.perf_counter() - t:.1f} s")
    if a.pcapng:
        ng = cap.with_suffix(".pcapng")
        if not ng.exists():
            to_pcapng(cap, ng)
        cap = ng
    case = OUT / f"case-{cap.stem}{'-ng' if a.pcapng else ''}"
    case.mkdir(exist_ok=True)
    ev = case / cap.name
    if not ev.exists():
        os.link(cap, ev)
    size_mb = cap.stat().st_size / 1e6
    py = sys.executable
    subprocess.run([py, "-m", "compileall", "-q", "forensics", "parsers"], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL)
    subprocess.run([py, "-m", "forensics", "analyze", "tests/fixtures/demo-case/case.yaml", "--out",
                    str(OUT / "warm-up"), "--no-pdf", "-q"], cwd=ROOT, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with open(cap, "rb") as fh:
        while fh.read(1 << 24):
            pass
    version = subprocess.run([py, "-m", "forensics", "--version"], cwd=ROOT, capture_output=True,
                             text=True).stdout.strip()
    rows = []
    cmd = [py, "-m", "forensics", "analyze", str(case), "--out", str(OUT / f"report-{a.packets}"), "--no-pdf", "-q"]
    if a.jobs:
        cmd += ["--jobs", str(a.jobs)]
    rows.append(("gatetrace analyze", *timed(cmd)))
    if not a.no_tshark and shutil.which("tshark"):
        tcmd = ["tshark", "-n", "-r", str(cap), "-Y", "sip", "-T", "fields", "-E", "header=y"]
        for f in TSHARK_FIELDS:
            tcmd += ["-e", f]
        rows.append(("tshark -T fields (SIP)", *timed(tcmd)))
    if not a.no_dpkt:
        rows.append(("dpkt decode loop", *timed([py, "-c", DPKT_LOOP, str(cap)])))
    frames = _count_records(cap)  # after the runs: a forked child would inherit this memory
    print(f"\n{version}")
    print(f"capture: {cap.relative_to(ROOT)}  {frames} packets  {size_mb:.1f} MB  "
          f"cpus={os.cpu_count()}  load={os.getloadavg()[0]:.2f}")
    print(f"{'tool':<24}{'wall s':>9}{'packets/s':>12}{'MB/s':>9}{'peak RSS MB':>13}{'exit':>6}")
    for name, wall, rss, rc in rows:
        print(f"{name:<24}{wall:>9.2f}{frames / wall:>12,.0f}{size_mb / wall:>9.1f}{rss:>13}{rc:>6}")
    ours = rows[0][1]
    for name, wall, _rss, _rc in rows[1:]:
        print(f"gatetrace is {wall / ours:.1f}x faster than {name}")
    return 0


def _count_records(path: Path) -> int:
    """Packets in a capture written by gen_capture (pcap) or to_pcapng (EPBs only)."""
    import struct

    n = 0
    with open(path, "rb") as fh:
        if path.suffix == ".pcapng":
            while (hdr := fh.read(8)) and len(hdr) == 8:
                btype, blen = struct.unpack("<II", hdr)
                fh.seek(blen - 8, 1)
                n += btype == 6
            return n
        fh.seek(24)
        while (hdr := fh.read(16)) and len(hdr) == 16:
            fh.seek(struct.unpack_from("<I", hdr, 8)[0], 1)
            n += 1
    return n


if __name__ == "__main__":
    sys.exit(main())
