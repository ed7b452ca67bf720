"""Shared fixtures for the report tests: the sample findings and the schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "fixtures" / "report" / "sample_findings.json"
SCHEMA_CANDIDATES = (
    REPO / "forensics" / "schema" / "findings.schema.json",
    REPO / ".." / "shared" / "spec" / "findings.schema.json",
)

_LOADED = json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def findings() -> dict:
    """A fresh deep copy of the sample findings (tests may change it)."""
    return copy.deepcopy(_LOADED)


@pytest.fixture
def empty_findings() -> dict:
    """The smallest valid findings: every list empty."""
    lists = ("evidence", "devices", "gateway_configs", "sip_registrations", "calls",
             "remote_sessions", "tunnels", "landlines", "operators", "complaints",
             "warnings")
    out = {"schema": "gatetrace.findings/1", "tool": {"name": "gatetrace", "version": "0.1.0"},
           "case": {"id": "EMPTY-1"}}
    out.update({k: [] for k in lists})
    return out


@pytest.fixture
def schema() -> dict:
    """The findings JSON Schema: the repository's copy, else the shared spec's."""
    for p in SCHEMA_CANDIDATES:
        if p.is_file():
            return json.loads(p.read_text(encoding="utf-8"))
    raise AssertionError(f"findings schema not found in {SCHEMA_CANDIDATES}")
