"""The court report as PDF, printed from the same HTML by WeasyPrint.

WeasyPrint (https://doc.courtbouillon.org/weasyprint/) lays out the HTML with its
print CSS (A4, page numbers in the margin boxes, repeated table headers) and needs
the Pango system libraries.  Chinese text prints when a CJK font is installed; the
CSS asks for "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC" and
"WenQuanYi" (Debian: ``fonts-noto-cjk``), and fontconfig picks the first present.

When WeasyPrint or its libraries are missing the PDF is skipped, not the run:
:func:`render_pdf` returns False and :func:`pdf_error` says why, so the caller can
report "only HTML written".
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

_last_error: str | None = None


def pdf_error() -> str | None:
    """Why the last :func:`render_pdf` call wrote nothing (None after a success)."""
    return _last_error


def render_pdf(html: str, out_path: Path | str) -> bool:
    """Write ``out_path`` from ``html``; False when no PDF engine is available."""
    global _last_error
    _last_error = None
    try:
        from weasyprint import HTML
    except ImportError as exc:  # not installed
        _last_error = f"WeasyPrint is not installed ({exc})"
        return False
    except OSError as exc:  # installed, but Pango/GObject libraries are missing
        _last_error = f"WeasyPrint cannot load its system libraries ({exc})"
        return False
    out = Path(out_path)
    tmp = out.with_name(out.name + ".part")
    try:
        # base_url stays None: the report has no external assets to resolve.
        HTML(string=html).write_pdf(str(tmp))
        tmp.replace(out)
    except Exception as exc:  # a layout failure must not lose the HTML report
        log.debug("PDF rendering failed", exc_info=True)
        _last_error = f"PDF rendering failed: {type(exc).__name__}: {exc}"
        tmp.unlink(missing_ok=True)
        return False
    return True
