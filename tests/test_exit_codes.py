"""Exit behaviour of ``gatetrace analyze`` (``forensics/status.py``, ``forensics/cli.py``).

Warnings never change the exit status of a completed analysis; ``--strict`` makes them
fatal (3); ``--debug`` shows tracebacks; problems with the case itself give a one-line
message and status 1, command-line problems status 2.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forensics.cli import main
from forensics.status import ExitStatus

ROOT = Path(__file__).resolve().parents[1]
MALFORMED = ROOT / "tests" / "fixtures" / "malformed"
DEMO = ROOT / "tests" / "fixtures" / "demo-case"
WARNED = MALFORMED / "sip-invalid-utf8.pcap"  # one sip-invalid-utf8 warning, nothing else


def _case(tmp: Path, *files: Path) -> Path:
    case = tmp / "case"
    case.mkdir()
    for f in files:
        shutil.copy(f, case / f.name)
    return case


def _run(case: Path | str, tmp: Path, *extra: str) -> int:
    return main(["analyze", str(case), "--out", str(tmp / "out"), "--no-pdf", "-q", *extra])


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_exit_status_values() -> None:
    """The documented statuses (cli EPILOG) are the enum's."""
    assert (ExitStatus.OK, ExitStatus.ERROR, ExitStatus.USAGE, ExitStatus.WARNINGS,
            ExitStatus.VERIFY_FAILED, ExitStatus.INTERRUPTED) == (0, 1, 2, 3, 4, 130)


def test_warnings_do_not_change_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(_case(tmp_path, WARNED), tmp_path) == ExitStatus.OK
    f = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert [w["code"] for w in f["warnings"]] == ["sip-invalid-utf8"]
    assert "gatetrace: 1 warning(s)" in capsys.readouterr().err


def test_strict_makes_warnings_fatal(tmp_path: Path) -> None:
    assert _run(_case(tmp_path, WARNED), tmp_path, "--strict") == ExitStatus.WARNINGS
    assert (tmp_path / "out" / "findings.json").is_file()  # outputs are still written


def test_strict_without_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(DEMO / "case.yaml", tmp_path, "--strict") == ExitStatus.OK
    assert "warning" not in capsys.readouterr().err


def test_missing_case_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path / "nowhere", tmp_path) == ExitStatus.ERROR
    assert "no such file or folder" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_invalid_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("case: X-1\ndevices: [\n  - id: GW-1\n    kind: : voip\n")
    assert _run(case, tmp_path) == ExitStatus.ERROR
    line = _one_line(capsys.readouterr().err)
    assert "not valid YAML at line" in line and "case.yaml" in line


def test_unknown_manifest_key_is_a_warning(tmp_path: Path) -> None:
    case = _case(tmp_path, MALFORMED / "config-gbk.txt")
    (case / "case.yaml").write_text("case: X-2\ncolour: blue\ndevices:\n"
                                    "  - id: GW-1\n    kind: voip_gateway\n    evidence: [config-gbk.txt]\n")
    assert _run(case, tmp_path) == ExitStatus.OK
    f = json.loads((tmp_path / "out" / "findings.json").read_text())
    (w,) = f["warnings"]
    assert w["code"] == "manifest-unknown-key" and "'colour'" in w["message"]
    assert _run(case, tmp_path, "--strict") == ExitStatus.WARNINGS


def test_case_without_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty-case"
    empty.mkdir()
    assert _run(empty, tmp_path) == ExitStatus.ERROR
    assert "names no evidence files" in _one_line(capsys.readouterr().err)


def test_manifest_names_missing_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("case: X-3\ncaptures: [lost.pcap]\n")
    assert _run(case, tmp_path) == ExitStatus.ERROR
    assert "evidence 'lost.pcap' does not exist" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("argv", [[], ["analyze"], ["analyse", "x"], ["analyze", "x", "--bogus"]])
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == ExitStatus.USAGE


# --- a crashing parser, with and without --debug -------------------------------------

_CRASHING = """
import sys
sys.path.insert(0, {root!r})
from parsers import registry
from parsers.base import FileParser

def parse(src, ctx):
    raise RuntimeError("boom from the test parser")
    yield

registry.FILE_PARSERS = (FileParser(name="crashy", version=1, kind="gateway_config",
                                    sniff=lambda head, name: True, parse=parse),)
from forensics.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _crash_run(tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    case = _case(tmp, MALFORMED / "config-gbk.txt")
    return subprocess.run([sys.executable, "-c", _CRASHING.format(root=str(ROOT)), "analyze", str(case),
                           "--out", str(tmp / "out"), "--no-pdf", "-q", *extra],
                          capture_output=True, text=True, timeout=300, check=False)


def test_parser_crash_becomes_warning(tmp_path: Path) -> None:
    proc = _crash_run(tmp_path)
    assert proc.returncode == ExitStatus.OK
    assert "Traceback" not in proc.stderr
    f = json.loads((tmp_path / "out" / "findings.json").read_text())
    (w,) = f["warnings"]
    assert w["code"] == "parser-crashed" and w["evidence"] == "E1"
    assert "RuntimeError: boom from the test parser" in w["message"]
    assert f["evidence"][0]["status"] == "error"


def test_debug_shows_traceback(tmp_path: Path) -> None:
    proc = _crash_run(tmp_path, "--debug")
    assert proc.returncode != ExitStatus.OK
    assert "Traceback (most recent call last)" in proc.stderr
    assert "RuntimeError: boom from the test parser" in proc.stderr
    assert 'in parse' in proc.stderr  # the frame of the failing parser is shown


def test_debug_shows_traceback_of_case_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "forensics", "analyze", str(tmp_path / "nowhere"),
                           "--debug", "-q"], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert proc.returncode != ExitStatus.OK
    assert "Traceback" in proc.stderr and "CaseError" in proc.stderr
