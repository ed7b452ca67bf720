"""``parsers/registry.py`` as a whole: the house-style rules every entry must keep.

* names are unique within each tuple, and each spec's ``name`` is its module's file stem;
* every file parser and container accepts (``sniff``) at least one committed file under
  ``tests/fixtures/``, and every network detector fires on at least one committed
  capture there (payload ``sniff``, or its DNS/SNI names or ports through the engine);
* generic fallbacks sort after every specific parser (priority ≥ 90);
* every detector's category is one of ``parsers.base.CATEGORIES``.

Known gaps are listed below by name with the reason, as strict xfails: when a gap is
closed the test passes unexpectedly and fails, so the entry must be removed.
"""

from __future__ import annotations

import dataclasses
import types
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from parsers import (
    containers,
    gateway_configs,
    host_artifacts,
    images,
    protocols,
    registry,
)
from parsers.base import (
    CATEGORIES,
    Container,
    FileParser,
    ParseContext,
    Protocol,
    Source,
)
from parsers.capture.engine import Engine
from parsers.capture.reader import capture_format, iter_frames

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

# Whole-file parsers whose sniff accepts broad classes of text.  They must sort after
# every specific parser (registry.FILE_PARSERS is ordered by priority).
GENERIC_FALLBACKS = {
    "generic",  # gateway_configs: keyword-based "looks like a gateway dump"
    "share_links",  # host_artifacts: any text holding a vmess://, ss://, ... link
}

# Entries without a committed fixture, by (tuple, name), with the reason.  Strict xfails.
NO_FIXTURE: dict[tuple[str, str], str] = {}

# Disk images are not committed (megabytes each): tests/fixtures/images/make_images.py
# writes them at test time (tests/parsers/images/test_image_scan.py), with tools such
# as mkfs.vfat and ewfacquire.  The generator is the fixture; it must name the files.
GENERATED = {
    "ewf": ("images/make_images.py", "mbr.E01"),
    "raw": ("images/make_images.py", "mbr.raw"),
}

# A spec's name differs from its module's stem on purpose: none at present.
NAME_EXCEPTIONS: dict[str, str] = {}

# The family packages, and the attribute each module ends with.
FAMILIES = (
    (containers, "CONTAINER"),
    (images, "CONTAINER"),
    (gateway_configs, "PARSER"),
    (host_artifacts, "PARSER"),
    (protocols, "PROTOCOL"),
)

ALL = (
    [("CONTAINERS", s) for s in registry.CONTAINERS]
    + [("FILE_PARSERS", s) for s in registry.FILE_PARSERS]
    + [("DETECTORS", s) for s in registry.DETECTORS]
)


def _ids(entries: list) -> list[str]:
    return [f"{t}:{s.name}" for t, s in entries]


def _module_of(spec: object) -> types.ModuleType:
    """The family module whose PARSER / CONTAINER / PROTOCOL is this very spec."""
    found = []
    for pkg, attr in FAMILIES:
        for mod in vars(pkg).values():
            if isinstance(mod, types.ModuleType) and getattr(mod, attr, None) is spec:
                found.append(mod)
    assert len(found) == 1, f"{spec!r} is the spec of {len(found)} modules"
    return found[0]


def _params(entries: list) -> list:
    """pytest params of (tuple name, spec), with a strict xfail on NO_FIXTURE entries."""
    out = []
    for tuple_name, spec in entries:
        gap = NO_FIXTURE.get((tuple_name, spec.name))
        marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
        out.append(
            pytest.param(tuple_name, spec, id=f"{tuple_name}:{spec.name}", marks=marks)
        )
    return out


@cache
def _fixture_files() -> tuple[tuple[str, bytes], ...]:
    """(path relative to tests/fixtures, first bytes) of every committed fixture file;
    generator scripts and provenance notes are not fixtures."""
    out = []
    for p in sorted(FIXTURES.rglob("*")):
        if (
            p.is_file()
            and p.suffix not in (".py", ".md")
            and "__pycache__" not in p.parts
        ):
            out.append(
                (p.relative_to(FIXTURES).as_posix(), Source.from_path(str(p)).head)
            )
    return tuple(out)


@cache
def _detector_hits() -> dict[str, list[str]]:
    """Detector name -> captures under tests/fixtures on which it fired.

    Every capture is run once through the real engine with every detector, each
    detector's sniff wrapped to note a hit; detections the engine makes from names or
    ports are matched by protocol name."""
    hits: dict[str, set[str]] = {d.name: set() for d in registry.DETECTORS}
    current = [""]

    def wrap(d: Protocol) -> Protocol:
        if d.sniff is None:
            return d
        inner = d.sniff

        def sniff(payload: bytes, sport: int, dport: int, fwd: bool):  # type: ignore[no-untyped-def]
            det = inner(payload, sport, dport, fwd)
            if det is not None:
                hits[d.name].add(current[0])
            return det

        return dataclasses.replace(d, sniff=sniff)

    detectors = tuple(wrap(d) for d in registry.DETECTORS)
    for rel, head in _fixture_files():
        if capture_format(head) is None:
            continue
        current[0] = rel
        ctx = ParseContext(evidence_id="E1", parser="capture@1")
        engine = Engine(ctx, detectors)
        engine.feed(iter_frames(Source.from_path(str(FIXTURES / rel), name=rel), ctx))
        for rec in engine.finish():
            for det in getattr(rec, "detections", ()):
                if det.protocol in hits:
                    hits[det.protocol].add(rel)
    return {k: sorted(v) for k, v in hits.items()}


# --- names -------------------------------------------------------------------------


@pytest.mark.parametrize("tuple_name", ["CONTAINERS", "FILE_PARSERS", "DETECTORS"])
def test_names_unique_within_each_tuple(tuple_name: str) -> None:
    names = [s.name for s in getattr(registry, tuple_name)]
    assert names, tuple_name
    assert [n for n, k in Counter(names).items() if k > 1] == []


def test_tuples_hold_the_right_spec_types() -> None:
    assert all(isinstance(s, Container) for s in registry.CONTAINERS)
    assert all(isinstance(s, FileParser) for s in registry.FILE_PARSERS)
    assert all(isinstance(s, Protocol) for s in registry.DETECTORS)


def test_every_family_module_is_registered() -> None:
    """A module that ends in a spec but is missing from its family tuple is dead code."""
    listed = {id(s) for _, s in ALL}
    for pkg, attr in FAMILIES:
        for name, mod in vars(pkg).items():
            spec = (
                getattr(mod, attr, None) if isinstance(mod, types.ModuleType) else None
            )
            if spec is not None:
                assert id(spec) in listed, (
                    f"{pkg.__name__}.{name}.{attr} is not in the registry"
                )


@pytest.mark.parametrize(("tuple_name", "spec"), ALL, ids=_ids(ALL))
def test_name_equals_module_stem(tuple_name: str, spec: object) -> None:
    mod = _module_of(spec)
    stem = Path(mod.__file__ or "").stem
    assert spec.name == NAME_EXCEPTIONS.get(stem, stem)  # type: ignore[attr-defined]


# --- fixtures ------------------------------------------------------------------------

SNIFFED = [(t, s) for t, s in ALL if t != "DETECTORS"]


@pytest.mark.parametrize(("tuple_name", "spec"), _params(SNIFFED))
def test_a_committed_fixture_is_accepted_by_sniff(
    tuple_name: str, spec: FileParser | Container
) -> None:
    if spec.name in GENERATED:
        script, output = GENERATED[spec.name]
        text = (FIXTURES / script).read_text(encoding="utf-8")
        assert output in text, f"{script} no longer writes {output}"
        return
    accepted = [rel for rel, head in _fixture_files() if spec.sniff(head, rel)]
    assert accepted, f"no file under tests/fixtures/ is accepted by {spec.name}.sniff()"


DETECTED = [(t, s) for t, s in ALL if t == "DETECTORS"]


@pytest.mark.parametrize(("tuple_name", "spec"), _params(DETECTED))
def test_a_committed_capture_triggers_the_detector(
    tuple_name: str, spec: Protocol
) -> None:
    found = _detector_hits()[spec.name]
    assert found, f"no capture under tests/fixtures/ makes {spec.name} fire"


def test_known_gaps_name_registered_entries() -> None:
    assert set(NO_FIXTURE) <= {(t, s.name) for t, s in ALL}
    assert set(GENERATED) <= {s.name for s in registry.CONTAINERS}
    assert GENERIC_FALLBACKS <= {s.name for s in registry.FILE_PARSERS}


# --- order and categories ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "generic",
        "share_links",  # any text holding a proxy link: sniffs after the specific parsers
    ],
)
def test_generic_fallbacks_have_priority_90_or_more(name: str) -> None:
    spec = next(p for p in registry.FILE_PARSERS if p.name == name)
    assert spec.priority >= 90
    specific = [p for p in registry.FILE_PARSERS if p.name not in GENERIC_FALLBACKS]
    order = [p.name for p in registry.FILE_PARSERS]
    assert all(order.index(name) > order.index(p.name) for p in specific)


def test_only_generic_fallbacks_use_priority_90_or_more() -> None:
    high = {p.name for p in registry.FILE_PARSERS if p.priority >= 90}
    assert high <= GENERIC_FALLBACKS


def test_file_parsers_are_sorted_by_priority() -> None:
    prios = [p.priority for p in registry.FILE_PARSERS]
    assert prios == sorted(prios)


@pytest.mark.parametrize(
    "spec", registry.DETECTORS, ids=[d.name for d in registry.DETECTORS]
)
def test_detector_category_is_known(spec: Protocol) -> None:
    assert spec.category in CATEGORIES
    assert spec.transports <= {"udp", "tcp"}
    assert spec.sniff is not None or spec.names or spec.port_confidence, (
        "cannot detect anything"
    )
