"""The report as a reader sees it: a browser screenshot and the printed PDF.

Needs Debian ``chromium``, ``poppler-utils`` (pdftoppm, pdftotext) and
``fonts-noto-cjk``.  Outside CI a missing tool skips the test; under CI (``CI`` set)
it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from PIL import Image

from forensics.report import pdf as pdfmod
from forensics.report import write_report
from forensics.report.html import render_html


def need(*names: str) -> str:
    for n in names:
        path = shutil.which(n)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail(f"{names[0]} is required under CI")
    pytest.skip(f"{names[0]} not installed")


def nontrivial(png) -> None:
    im = Image.open(png).convert("RGB")
    w, h = im.size
    assert w >= 400 and h >= 400
    counts = im.getcolors(maxcolors=w * h)  # [(pixels, (r, g, b)), ...]
    assert len(counts) > 20, "page looks blank"
    dark = sum(n for n, rgb in counts if sum(rgb) < 384)
    assert dark > 0.005 * w * h, "almost no ink on the page"


def test_chromium_screenshot(findings, tmp_path):
    browser = need("chromium", "chromium-browser", "google-chrome")
    page = tmp_path / "report.html"
    page.write_text(render_html(findings, lang="zh"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,3000",
         f"--screenshot={shot}", page.as_uri()],
        check=True, capture_output=True, timeout=180,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    nontrivial(shot)


def test_pdf_pages_and_chinese_text(findings, tmp_path):
    pdftoppm = need("pdftoppm")
    pdftotext = need("pdftotext")
    result = write_report(findings, tmp_path, lang="zh", tz=None, findings_sha256="cd" * 32)
    assert result["pdf"] == tmp_path / "report.pdf", result["pdf_error"]
    assert result["pdf_error"] is None
    subprocess.run([pdftoppm, "-r", "60", "-png", str(result["pdf"]), str(tmp_path / "p")],
                   check=True, capture_output=True, timeout=180)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 3
    nontrivial(pages[0])
    text = subprocess.run([pdftotext, "-enc", "UTF-8", str(result["pdf"]), "-"], check=True,
                          capture_output=True, timeout=120).stdout.decode("utf-8")
    for word in ("电子数据检验报告", "证据清单", "固定电话线路", "湖南省湘潭市", "柬埔寨"):
        assert word in text, word
    assert "第 1 页，共" in text  # page numbers from the @page margin box
    # the hostile User-Agent is printed as text (the narrow cell may wrap it)
    assert "<script>alert(1)</script>" in "".join(text.split())


def test_write_report_outputs(findings, tmp_path):
    result = write_report(findings, tmp_path, lang="en", tz="Asia/Shanghai",
                          findings_sha256="ef" * 32, pdf=False)
    assert result["html"] == tmp_path / "report.html"
    assert result["pdf"] is None and result["pdf_error"] == "PDF not requested"
    assert "ef" * 32 in result["html"].read_text(encoding="utf-8")
    assert (tmp_path / "tables" / "calls.csv") in result["tables"]


def test_pdf_reports_missing_weasyprint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    assert pdfmod.render_pdf("<p>x</p>", tmp_path / "r.pdf") is False
    assert "not installed" in (pdfmod.pdf_error() or "")
    assert not (tmp_path / "r.pdf").exists()
    result = write_report({"case": {"id": "X"}}, tmp_path, lang="en")
    assert result["pdf"] is None and "WeasyPrint" in result["pdf_error"]
    assert result["html"].is_file()
