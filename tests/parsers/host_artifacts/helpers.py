"""Shared test helpers for the host-artifact parsers: run a parser on a fixture, build
the canonical JSON (records plus warnings) and compare it with its golden file.

``GATETRACE_UPDATE_GOLDEN=1`` rewrites the golden files instead of comparing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from parsers.base import FileParser, ParseContext, Source

TESTS = Path(__file__).resolve().parents[2]
FIXTURES = TESTS / "fixtures" / "host_artifacts"
GOLDEN = TESTS / "golden" / "host_artifacts"


def fixture(rel: str) -> Path:
    return FIXTURES / rel


def run(parser: FileParser, rel: str | Path) -> tuple[list, ParseContext]:
    """Parse one fixture (path relative to the fixtures folder) fully."""
    path = Path(rel) if Path(rel).is_absolute() else FIXTURES / rel
    src = Source.from_path(str(path), name=str(rel))
    ctx = ParseContext(evidence_id="E1", parser=f"{parser.name}@{parser.version}")
    records = list(parser.parse(src, ctx))
    ctx.finish()
    return records, ctx


def run_bytes(parser: FileParser, data: bytes, name: str) -> tuple[list, ParseContext]:
    src = Source.from_bytes(data, name=name)
    ctx = ParseContext(evidence_id="E1", parser=f"{parser.name}@{parser.version}")
    records = list(parser.parse(src, ctx))
    ctx.finish()
    return records, ctx


def canonical(records: list, ctx: ParseContext) -> dict[str, Any]:
    return {
        "records": [r.to_json() for r in records],
        "warnings": [w.to_json() for w in ctx.warnings],
    }


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def check_golden(parser: FileParser, rel: str) -> dict[str, Any]:
    """Parse ``rel`` and compare with ``golden/host_artifacts/<rel>.json``."""
    records, ctx = run(parser, rel)
    text = dumps(canonical(records, ctx))
    gold = GOLDEN / f"{rel}.json"
    if os.environ.get("GATETRACE_UPDATE_GOLDEN") == "1":
        gold.parent.mkdir(parents=True, exist_ok=True)
        gold.write_text(text, encoding="utf-8")
    assert gold.exists(), f"missing golden file {gold}; run with GATETRACE_UPDATE_GOLDEN=1"
    assert text == gold.read_text(encoding="utf-8"), f"output differs from {gold}"
    return json.loads(text)


def sniff_file(parser: FileParser, rel: str) -> bool:
    path = FIXTURES / rel
    src = Source.from_path(str(path), name=path.name)
    return parser.sniff(src.head, path.name)
