"""Evidence integrity: a full run never writes to, next to or under the evidence.

The demo case and the whole malformed corpus are copied into a case folder that is then
made read-only; every file is hashed before and after ``gatetrace analyze``.  Because
the tests may run as root (which ignores file modes), an audit hook (PEP 578) also
records every attempt to open a file under the case folder for writing, and every
create, rename, remove or mode change there, while the analysis runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from forensics.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "tests" / "fixtures" / "demo-case"
MALFORMED = ROOT / "tests" / "fixtures" / "malformed"

_WATCH: dict[str, Any] = {"root": None, "events": []}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                "os.truncate", "os.utime", "os.link", "os.symlink", "shutil.rmtree",
                "shutil.copyfile", "shutil.move"}


def _under(path: Any) -> bool:
    root = _WATCH["root"]
    if root is None or path is None or isinstance(path, int):
        return False
    try:
        p = os.path.abspath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return p == root or p.startswith(root + os.sep)


def _hook(event: str, args: tuple) -> None:
    if _WATCH["root"] is None:
        return
    if event == "open" and len(args) >= 3:
        path, mode, flags = args[0], args[1], args[2]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing and _under(path):
            _WATCH["events"].append((event, os.fsdecode(path), mode, flags))
    elif event in _PATH_EVENTS and args and any(_under(a) for a in args[:2]):
        _WATCH["events"].append((event, *[str(a) for a in args[:2]]))


sys.addaudithook(_hook)  # hooks cannot be removed; it is idle while root is None


@contextmanager
def watching(folder: Path) -> Iterator[list]:
    _WATCH["root"], _WATCH["events"] = str(folder.resolve()), []
    try:
        yield _WATCH["events"]
    finally:
        _WATCH["root"] = None


def snapshot(folder: Path) -> dict[str, tuple[str, int, int, int]]:
    """Every entry under ``folder``: sha256 (files), size, mode, mtime (ns)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else "-"
            out[str(p.relative_to(folder))] = (digest, st.st_size, st.st_mode, st.st_mtime_ns)
    return out


def make_read_only(folder: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
        for name in filenames:
            os.chmod(Path(dirpath) / name, 0o444)
        os.chmod(dirpath, 0o555)


def make_writable(folder: Path) -> None:
    for dirpath, _d, filenames in os.walk(folder):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(Path(dirpath) / name, 0o644)


@pytest.fixture
def demo_case(tmp_path: Path) -> Iterator[Path]:
    case = tmp_path / "demo"
    shutil.copytree(DEMO, case, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    make_read_only(case)
    yield case
    make_writable(case)


@pytest.fixture
def malformed_case(tmp_path: Path) -> Iterator[Path]:
    """Every committed malformed file (and the fuzz crash inputs) in one folder case."""
    case = tmp_path / "malformed"
    shutil.copytree(MALFORMED, case, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    make_read_only(case)
    yield case
    make_writable(case)


def _analyze(case: Path, out: Path, *extra: str) -> tuple[int, list, dict[str, Any]]:
    with watching(case) as events:
        rc = main(["analyze", str(case), "--out", str(out), "-q", *extra])
    return rc, list(events), json.loads((out / "findings.json").read_text(encoding="utf-8"))


def test_audit_hook_sees_writes(tmp_path: Path) -> None:
    """The watcher is only useful if it notices a write: check it does."""
    with watching(tmp_path) as events:
        (tmp_path / "x.txt").write_text("x")
        os.remove(tmp_path / "x.txt")
    assert [e[0] for e in events] == ["open", "os.remove"]


def test_demo_case_untouched(demo_case: Path, tmp_path: Path) -> None:
    before = snapshot(demo_case)
    rc, events, f = _analyze(demo_case / "case.yaml", tmp_path / "out")  # with the PDF
    assert rc == 0
    assert events == []
    assert snapshot(demo_case) == before
    # every evidence file's hash in the findings equals the file's own hash
    files = {e["path"]: e["sha256"] for e in f["evidence"] if e["parent"] is None}
    assert len(files) == 5
    for rel, digest in files.items():
        assert before[rel][0] == digest
        assert all(e["rehash"] == "ok" for e in f["evidence"] if e["parent"] is None)
    assert main(["verify", str(tmp_path / "out")]) == 0


def test_malformed_corpus_untouched(malformed_case: Path, tmp_path: Path) -> None:
    before = snapshot(malformed_case)
    rc, events, f = _analyze(malformed_case, tmp_path / "out", "--no-pdf")
    assert rc == 0
    assert events == []
    assert snapshot(malformed_case) == before
    top = [e for e in f["evidence"] if e["parent"] is None]
    assert len(top) == sum(1 for v in before.values() if v[0] != "-")
    assert {e["rehash"] for e in top} == {"ok"}
    members = [e for e in f["evidence"] if e["parent"] is not None]
    assert {e["format"] for e in members} == {"dbl_goip", "wireguard"}  # zip and tar read in memory


def test_default_output_is_not_next_to_evidence(demo_case: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --out, reports go under ./reports of the working folder, never the case."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = snapshot(demo_case)
    with watching(demo_case) as events:
        assert main(["analyze", str(demo_case), "-q", "--no-pdf"]) == 0
    assert list(events) == [] and snapshot(demo_case) == before
    assert (work / "reports" / "DEMO-2024-0817" / "findings.json").is_file()


def test_output_inside_case_is_outside_evidence_scope(tmp_path: Path) -> None:
    """A changed evidence file during the run is caught by the end-of-run re-hash."""
    from forensics import pipeline
    from forensics.evidence import sha256_file

    case = tmp_path / "case"
    case.mkdir()
    shutil.copy(MALFORMED / "config-gbk.txt", case / "cfg.txt")
    real = pipeline.rehash

    def tamper(evidence: list) -> list:
        (case / "cfg.txt").write_bytes(b"changed")
        return real(evidence)

    orig = sha256_file(case / "cfg.txt")[0]
    pipeline.rehash = tamper
    try:
        f = pipeline.analyze(case)
    finally:
        pipeline.rehash = real
    assert f["evidence"][0]["sha256"] == orig
    assert f["evidence"][0]["rehash"] != "ok"
    assert [w["code"] for w in f["warnings"]] == ["evidence-changed"]
