"""Re-hash the evidence a findings file names: ``gatetrace verify OUT_DIR``.

Reads ``OUT_DIR/findings.json`` (contract: ``shared/spec/findings.md``).  Its
top-level ``case_root`` is the absolute path of the case folder and every
``evidence[].path`` is relative to it.  Each file is hashed again with streaming
SHA-256 (1 MiB reads, so a multi-gigabyte capture never sits in memory) and compared
with the ``sha256`` recorded at intake.  Files are opened read-only; nothing is
written.

Result per file: ``ok`` (same hash), ``changed`` (different hash), ``missing`` (not
there or not readable).  The overall answer is False on any change or absence, or
when the findings file itself cannot be read.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Streaming SHA-256 of a file, as lowercase hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def check_evidence(case_root: Path, item: dict[str, Any]) -> tuple[str, str | None]:
    """(``ok`` | ``changed`` | ``missing``, hash now or None) for one evidence entry."""
    path = case_root / str(item.get("path", ""))
    if not path.is_file():
        return "missing", None
    try:
        now = sha256_file(path)
    except OSError:
        return "missing", None
    return ("ok" if now == str(item.get("sha256", "")).lower() else "changed"), now


def verify(out_dir: Path) -> tuple[bool, list[str]]:
    """Re-hash every evidence file of ``out_dir/findings.json``; (all ok?, one line each)."""
    fpath = Path(out_dir) / "findings.json"
    try:
        findings = json.loads(fpath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return False, [f"cannot read {fpath}: {exc}"]
    if not isinstance(findings, dict):
        return False, [f"{fpath} is not a findings object"]
    root = findings.get("case_root")
    if not isinstance(root, str) or not root:
        return False, [f"{fpath} has no case_root: cannot locate the evidence"]
    case_root = Path(root)
    lines: list[str] = []
    all_ok = True
    evidence = findings.get("evidence") or []
    for item in evidence:
        if not isinstance(item, dict):
            continue
        status, now = check_evidence(case_root, item)
        ev_id = item.get("id", "?")
        rel = item.get("path", "?")
        if status == "ok":
            lines.append(f"{ev_id} ok       {rel}")
        elif status == "changed":
            all_ok = False
            lines.append(
                f"{ev_id} CHANGED  {rel}: sha256 was {item.get('sha256')}, now {now}"
            )
        else:
            all_ok = False
            lines.append(f"{ev_id} MISSING  {rel} (looked in {case_root})")
    if not evidence:
        lines.append("no evidence listed in findings.json")
    return all_ok, lines
