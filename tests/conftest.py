"""Shared test configuration: the repository on the path, the corpus location."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()


def corpus_path(rel: str) -> Path:
    """A file of the shared corpus; skips when the corpus folder is absent (never in CI)."""
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared corpus is missing at {CORPUS}")
        pytest.skip("shared corpus not present")
    p = CORPUS / rel
    assert p.is_file(), f"corpus file missing: {p}"
    return p
