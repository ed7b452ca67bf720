"""Property-based pass over every fuzz harness (the short fuzzing run of the suite).

For each entry of ``harnesses.TARGETS`` hypothesis feeds inputs of three shapes: raw
bytes, a committed seed cut short at any point, and a seed with bytes overwritten and
a random chunk spliced in.  The property is the harness's own: no exception other than
the contract allows (see ``harnesses.py``).  The long coverage-guided runs are
``tests/fuzz/run_all.py`` (``make fuzz``).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fuzz import harnesses

SETTINGS = settings(max_examples=200, deadline=2000, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def _seeds(name: str) -> tuple[bytes, ...]:
    return tuple(s for s in harnesses.seeds(name) if s) or (b"\0",)


def _mutated(name: str) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        seed = bytearray(draw(st.sampled_from(_seeds(name))))
        shape = draw(st.sampled_from(("cut", "flip", "splice")))
        if shape == "cut":
            return bytes(seed[: draw(st.integers(0, len(seed)))])
        if shape == "flip":
            for _ in range(draw(st.integers(1, 16))):
                seed[draw(st.integers(0, len(seed) - 1))] = draw(st.integers(0, 255))
            return bytes(seed)
        at = draw(st.integers(0, len(seed)))
        return bytes(seed[:at]) + draw(st.binary(max_size=256)) + bytes(seed[at:])

    return build()


@pytest.mark.parametrize("name", sorted(harnesses.TARGETS))
def test_harness_holds(name: str) -> None:
    target = harnesses.TARGETS[name]

    @SETTINGS
    @given(st.one_of(st.binary(max_size=2048), _mutated(name)))
    def prop(data: bytes) -> None:
        target(data)

    prop()


@SETTINGS
@given(st.text(max_size=200), st.text(max_size=200), st.text(max_size=40))
def test_sip_header_values(display: str, user_agent: str, content_length: str) -> None:
    """Any text in From display name, User-Agent and Content-Length: parsed or warned."""
    msg = (f'INVITE sip:1@203.0.113.5 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n'
           f'From: "{display}" <sip:2@192.0.2.1>;tag=1\r\nTo: <sip:1@203.0.113.5>\r\n'
           f'Call-ID: h@192.0.2.1\r\nCSeq: 1 INVITE\r\nUser-Agent: {user_agent}\r\n'
           f'Content-Length: {content_length}\r\n\r\n').encode("utf-8", "surrogatepass")
    harnesses.TARGETS["sip"](msg)


def test_every_registered_parser_has_a_harness() -> None:
    from parsers import registry

    names = set(harnesses.TARGETS)
    assert {f"parser_{p.name}" for p in registry.FILE_PARSERS} <= names
    assert {f"container_{c.name}" for c in registry.CONTAINERS} <= names
    assert {f"detector_{d.name}" for d in registry.DETECTORS if d.sniff} <= names
    assert {"capture", "engine_frames", "sip", "tls", "dns"} <= names


def test_contract_violation_is_caught() -> None:
    """The harness wrapper only masks listed crashes: an unlisted one propagates."""
    def boom(data: bytes) -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        harnesses._guarded(boom)(b"")


def test_fixed_crash_stays_fixed() -> None:
    """The fuzzer's SIP crash (a '>' before the only '<') no longer raises, even unguarded."""
    crash = (ROOT / "tests" / "fixtures" / "malformed" / "fuzz-crashes" / "sip-unclosed-angle-after-gt.bin").read_bytes()
    harnesses.TARGETS["sip"].__wrapped__(crash)
