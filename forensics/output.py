"""Write a run's outputs: findings.json, the report (HTML/PDF) and the CSV tables."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from forensics.report.canonical import dumps


def write_outputs(findings: dict[str, Any], out_dir: Path, *, lang: str, tz: str | None,
                  pdf: bool = True) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = dumps(findings)
    data = text.encode("utf-8")
    (out_dir / "findings.json").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    from forensics.report import write_report

    shown = findings
    if "generated_at" not in findings:
        # findings.json stays free of wall-clock time (same evidence, same bytes); the
        # report still says when it was made.  SOURCE_DATE_EPOCH fixes both.
        import datetime as _dt

        now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        shown = dict(findings, generated_at=now)
    written = write_report(shown, out_dir, lang=lang, tz=tz, findings_sha256=digest, pdf=pdf)
    written["findings"] = out_dir / "findings.json"
    written["findings_sha256"] = digest
    return written
