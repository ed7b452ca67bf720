"""Console output: a rich progress bar on stderr while captures are read, and the
end-of-run summary table."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console as RichConsole
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table


class Console:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.err = RichConsole(stderr=True)
        self.out = RichConsole(file=sys.stdout)

    @contextlib.contextmanager
    def progress(self) -> Iterator[Any]:
        if self.quiet:
            yield None
            return
        bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                       TransferSpeedColumn(), TimeRemainingColumn(), console=self.err, transient=True)
        tasks: dict[str, Any] = {}

        def cb(label: str, done: int, total: int | None) -> None:
            t = tasks.get(label)
            if t is None:
                t = tasks[label] = bar.add_task(label[-40:], total=total)
            bar.update(t, completed=done)

        with bar:
            yield cb

    def summary(self, f: dict[str, Any], out: Path, written: dict[str, Any]) -> None:
        if self.quiet:
            return
        t = Table(title=f"gatetrace — case {f['case']['id']}", show_lines=False)
        t.add_column("device", overflow="fold")
        t.add_column("landlines", no_wrap=True, min_width=14)
        for col in ("overseas operators", "calls (answered)", "remote / tunnels", "complaints"):
            t.add_column(col, overflow="fold")
        for s in f.get("summary", []):
            ops = ", ".join(f"{cc}: {len(v)}" for cc, v in s["operators_by_country"].items()) or "-"
            t.add_row(s["device"], "\n".join(s["landlines"]) or "-", ops, f"{s['calls']} ({s['answered']})",
                      f"{s['remote_sessions']} / {s['tunnels']}", str(s["complaints"]))
        self.out.print(t)
        ev = f["evidence"]
        self.out.print(f"evidence: {len(ev)} file(s), {sum(1 for e in ev if e['status'] in ('parsed', 'partial'))} read, "
                       f"{sum(1 for e in ev if e['status'] == 'unrecognised')} unrecognised; "
                       f"calls: {len(f['calls'])}; registrations: {len(f['sip_registrations'])}; "
                       f"operators: {len(f['operators'])} ({sum(1 for o in f['operators'] if o['overseas'])} overseas); "
                       f"warnings: {len(f['warnings'])}")
        self.out.print(f"findings: {written['findings']}  (sha256 {written['findings_sha256'][:16]}…)")
        if written.get("html"):
            self.out.print(f"report:   {written['html']}")
        if written.get("pdf"):
            self.out.print(f"pdf:      {written['pdf']}")
        elif written.get("pdf_error"):
            self.out.print(f"pdf:      not written ({written['pdf_error']}); only HTML was written")
