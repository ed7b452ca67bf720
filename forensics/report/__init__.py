"""Report renderers: findings dict → report.html, report.pdf and tables/*.csv.

The report layer sees only the findings (``shared/spec/findings.md``); it never
reads evidence.  :func:`write_report` is what the pipeline calls at the end of a
run; the pieces (:mod:`.html`, :mod:`.pdf`, :mod:`.tables`, :mod:`.charts`) can be
used on their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forensics.report import pdf as _pdf
from forensics.report.html import render_html
from forensics.report.tables import write_tables

__all__ = ["render_html", "write_report", "write_tables"]


def write_report(
    findings: dict,
    out_dir: Path,
    *,
    lang: str = "en",
    tz: str | None = None,
    findings_sha256: str | None = None,
    pdf: bool = True,
) -> dict[str, Any]:
    """Write ``report.html``, ``report.pdf`` (when possible) and ``tables/*.csv``.

    Returns ``{"html": path, "pdf": path | None, "pdf_error": str | None,
    "tables": [paths]}``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = render_html(findings, lang=lang, tz=tz, findings_sha256=findings_sha256)
    html_path = out_dir / "report.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path: Path | None = None
    pdf_error: str | None = None
    if pdf:
        candidate = out_dir / "report.pdf"
        if _pdf.render_pdf(html, candidate):
            pdf_path = candidate
        else:
            pdf_error = _pdf.pdf_error()
    else:
        pdf_error = "PDF not requested"
    tables = write_tables(findings, out_dir)
    return {"html": html_path, "pdf": pdf_path, "pdf_error": pdf_error, "tables": tables}
