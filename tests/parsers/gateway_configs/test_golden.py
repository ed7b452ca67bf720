"""Golden files: every gateway fixture → records (``to_json``) + warning codes.

Set ``GATETRACE_UPDATE_GOLDEN=1`` to rewrite ``tests/golden/gateway_configs/*.json``.
"""

from __future__ import annotations

import pytest
from gw_helpers import EXPECTED, GOLDEN, canonical, dumps, update_golden


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_golden(fixture: str) -> None:
    got = dumps(canonical(fixture))
    path = GOLDEN / f"{fixture}.json"
    if update_golden() or not path.exists():
        if not update_golden():
            pytest.fail(f"missing golden {path.name}; run with GATETRACE_UPDATE_GOLDEN=1")
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_claimed_by_expected_parser(fixture: str) -> None:
    assert canonical(fixture)["parser"] == EXPECTED[fixture]
