"""The ``gatetrace`` command line: a thin layer over :mod:`forensics.pipeline`.

Problems with the case or the command line give a one-line message and an exit
status (:class:`forensics.status.ExitStatus`); a traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import Any

from forensics import __version__
from forensics.status import CaseError, ExitStatus

DESCRIPTION = """\
gatetrace reads the evidence of a telecom-fraud case — packet captures (pcap, pcapng,
gzipped), VoIP-gateway configuration dumps, files from seized laptops (remote-control
logs, VPN configs), complaint and carrier lists, disk images — and shows which seized
device served which landlines, which overseas operators controlled it, and which
calls it carried.  Evidence files are hashed (SHA-256) before they are read and are
never written to."""

EPILOG = """\
examples:
  gatetrace analyze cases/XT-2025-0821/case.yaml
      analyse the case its manifest describes; writes reports/XT-2025-0821/
  gatetrace analyze ./evidence-folder --out /tmp/out --lang zh
      a folder without a manifest: every file in it is evidence
  gatetrace verify reports/XT-2025-0821
      re-hash the evidence named in findings.json; non-zero exit on any change
  gatetrace audio case.yaml --call 'a84b4c76e66710@pc33' --out /tmp/audio
      write the G.711 audio of one call, one WAV per direction

exit status: 0 analysis complete (warnings are reported, not fatal), 1 could not run,
2 usage error, 3 warnings under --strict, 4 verify found a change, 130 interrupted."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gatetrace", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    from parsers.capture import accel

    p.add_argument("--version", action="version", version=f"gatetrace {__version__} ({accel.describe()})")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    a = sub.add_parser("analyze", help="analyse a case and write findings, report and tables",
                       description="Analyse a case: CASE is a case.yaml, or a folder (its case.yaml if "
                                   "present, otherwise every file below it is evidence).")
    a.add_argument("case", metavar="CASE", help="case.yaml or evidence folder")
    a.add_argument("--out", metavar="DIR", help="output folder (default: reports/<case-id>/)")
    a.add_argument("--lang", choices=("en", "zh"), help="report language (default: case.yaml 'language:', else en)")
    a.add_argument("--geoip-db", metavar="MMDB", help="use this MaxMind .mmdb instead of the embedded database")
    a.add_argument("--key", action="append", default=[], metavar="KEY",
                   help="a decryption key for encrypted gateway configs (repeatable; also case.yaml 'keys:')")
    a.add_argument("--no-pdf", action="store_true", help="write the HTML report only")
    a.add_argument("--strict", action="store_true", help="exit 3 when the analysis produced warnings")
    a.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    a.add_argument("--debug", action="store_true", help="show tracebacks; parser crashes stop the run")
    a.add_argument("--jobs", "-j", type=int, metavar="N",
                   help="worker processes: several captures are analysed side by side "
                        "(default: the number of CPUs; 1: one process)")
    a.add_argument("--executor", metavar="dask://HOST:PORT",
                   help="run the capture stage on an existing Dask distributed cluster")
    v = sub.add_parser("verify", help="re-hash the evidence a findings.json names",
                       description="Re-hash every evidence file named in OUT_DIR/findings.json and compare "
                                   "with the recorded SHA-256; exit 4 on any change or missing file.")
    v.add_argument("out_dir", metavar="OUT_DIR")
    v.add_argument("--debug", action="store_true")
    au = sub.add_parser("audio", help="export the audio of one call as WAV files",
                        description="Write each direction of a G.711 (PCMU/PCMA) call as a WAV file. "
                                    "Other codecs are named, not decoded.")
    au.add_argument("case", metavar="CASE")
    au.add_argument("--call", required=True, metavar="CALL-ID", help="SIP Call-ID of the call")
    au.add_argument("--out", required=True, metavar="DIR")
    au.add_argument("--debug", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else ExitStatus.USAGE
    if not args.command:
        parser.print_help()
        return ExitStatus.USAGE
    try:
        if args.command == "analyze":
            return _analyze(args)
        if args.command == "verify":
            return _verify(args)
        if args.command == "audio":
            return _audio(args)
    except KeyboardInterrupt:
        print("gatetrace: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except CaseError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"gatetrace: {exc}", file=sys.stderr)
        return ExitStatus.ERROR
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        print(f"gatetrace: {exc.__class__.__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return ExitStatus.ERROR
    return ExitStatus.USAGE


def _analyze(args: Any) -> int:
    from forensics.console import Console
    from forensics.output import write_outputs
    from forensics.pipeline import Options, run

    # A run keeps hundreds of thousands of small, acyclic record objects alive; with the
    # default thresholds the cyclic collector re-walks them thousands of times (a fifth
    # of the time of a signalling-heavy capture).  Modules loaded so far are set aside
    # and young collections run every 50,000 allocations instead of 700.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

    con = Console(quiet=args.quiet)
    from forensics.parallel import default_jobs

    opts = Options(geoip_db=args.geoip_db, debug=args.debug, keys=tuple(args.key))
    if args.jobs is not None and args.jobs < 1:
        print("gatetrace: --jobs must be at least 1", file=sys.stderr)
        return ExitStatus.USAGE
    if args.executor and not args.executor.startswith("dask://"):
        print("gatetrace: --executor must look like dask://HOST:PORT", file=sys.stderr)
        return ExitStatus.USAGE
    opts.extra["jobs"] = args.jobs or default_jobs()
    if args.executor:
        opts.extra["executor"] = args.executor
    with con.progress() as progress:
        opts.progress = progress
        result = run(args.case, opts)
    f = result.findings
    result.case.records.clear()  # the writers need only the findings: free the records first
    result.case._by_type = None
    for w in result.manifest.warnings:
        print(f"gatetrace: warning: {w.message}", file=sys.stderr)
    changed = [e for e in f["evidence"] if e.get("rehash") == "changed"]
    for e in changed:
        print(f"gatetrace: EVIDENCE CHANGED DURING THE RUN: {e['path']} (SHA-256 no longer {e['sha256'][:16]}…)",
              file=sys.stderr)
    lang = args.lang or (result.manifest.language if result.manifest.language in ("en", "zh") else None) or "en"
    out = Path(args.out) if args.out else Path("reports") / _safe(result.manifest.case_id)
    written = write_outputs(f, out, lang=lang, tz=result.manifest.timezone, pdf=not args.no_pdf)
    con.summary(f, out, written)
    n_warn = len(f["warnings"])
    if n_warn:
        print(f"gatetrace: {n_warn} warning(s); see the report's warnings section", file=sys.stderr)
    if args.strict and n_warn:
        return ExitStatus.WARNINGS
    return ExitStatus.OK


def _safe(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return keep or "case"


def _verify(args: Any) -> int:
    from forensics.verify import verify

    out = Path(args.out_dir)
    if not (out / "findings.json").is_file():
        raise CaseError(f"{out}: no findings.json here")
    ok, lines = verify(out)
    for line in lines:
        print(line)
    return ExitStatus.OK if ok else ExitStatus.VERIFY_FAILED


def _audio(args: Any) -> int:
    from forensics.audio.export import export_call_audio
    from forensics.pipeline import Options, run

    result = run(args.case, Options(debug=args.debug))
    calls = [c for c in result.findings["calls"] if c["call_id"] == args.call]
    if not calls:
        raise CaseError(f"no call with Call-ID '{args.call}' in this case")
    streams = [s for s in result.findings.get("media_streams", []) if s.get("call_id") == args.call]
    if not streams:
        raise CaseError(f"call '{args.call}' has no RTP media in the captures")
    ev_ids = {s["sources"][0]["evidence"] for s in streams if s.get("sources")}
    paths = [e["path"] for e in result.findings["evidence"] if e["id"] in ev_ids]
    root = Path(result.findings["case_root"])
    written = export_call_audio([str(root / p) for p in paths], streams, Path(args.out))
    for w in written:
        print(w)
    return ExitStatus.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
