"""The command line: help that teaches, usage errors, audio export."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

from forensics.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "tests" / "fixtures" / "demo-case" / "case.yaml"


def test_help_names_every_command_and_the_exit_codes(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("analyze", "verify", "audio", "exit status", "examples", "case.yaml"):
        assert word in out


def test_analyze_help_explains_options(capsys):
    assert main(["analyze", "--help"]) == 0
    out = capsys.readouterr().out
    for opt in ("--out", "--lang", "--geoip-db", "--strict", "--debug", "--no-pdf", "--key"):
        assert opt in out


def test_usage_error_exit_2(capsys):
    assert main(["analyze"]) == 2
    assert main(["frobnicate"]) == 2
    assert main([]) == 2


def test_python_dash_m(tmp_path):
    res = subprocess.run([sys.executable, "-m", "forensics", "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("gatetrace ")


def test_missing_case_is_one_line_exit_1(capsys, tmp_path):
    assert main(["analyze", str(tmp_path / "nope.yaml"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.yaml" in err[0] and "Traceback" not in err[0]


def test_audio_export_of_a_demo_call(tmp_path, capsys):
    assert main(["audio", str(DEMO), "--call", "5a17-demo-call-0@103.216.48.10", "--out", str(tmp_path)]) == 0
    wavs = sorted(tmp_path.glob("*.wav"))
    assert len(wavs) == 2
    for w in wavs:
        with wave.open(str(w)) as fh:
            assert (fh.getframerate(), fh.getsampwidth(), fh.getnchannels()) == (8000, 2, 1)
            assert fh.getnframes() == 40 * 160  # 40 PCMA packets of 20 ms
    assert main(["audio", str(DEMO), "--call", "no-such-call", "--out", str(tmp_path)]) == 1
