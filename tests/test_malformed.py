"""The malformed-evidence corpus (``tests/fixtures/malformed/``) through the real CLI.

Each file is analysed alone, as a folder case, with ``gatetrace analyze``: the run must
exit 0, write a findings.json that validates against the contract's schema, name the
damage with a located warning (evidence id plus offset, frame or line), still report
what was readable before the damage, and keep memory bounded.  The big files (60 KB
SIP header, 10 MB line, gzip and zip bombs) are generated into a temporary folder and
run in a child process so that their peak RSS can be measured on its own.

The fuzz crashes in ``fixtures/malformed/fuzz-crashes/`` are replayed against their
harness at the end of this file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from forensics.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
MALFORMED = ROOT / "tests" / "fixtures" / "malformed"
SCHEMA = json.loads((ROOT / "forensics" / "schema" / "findings.schema.json").read_text())
sys.path.insert(0, str(MALFORMED))
import make_malformed as mk

# Python allocations while analysing one small file.  Text readers call read(limit)
# with the 64 MiB text limit, and CPython reserves that buffer before shrinking it, so
# one such read alone peaks at 64 MiB in tracemalloc (untouched pages, not resident).
SMALL_PEAK = 160 * 1024 * 1024
BIG_RSS = 900 * 1024 * 1024  # peak RSS of a whole CLI process on a big file / bomb


def analyze(files: list[Path], tmp: Path, *extra: str) -> tuple[int, dict[str, Any], Path]:
    """Copy ``files`` into a fresh folder case, run the CLI on it; (rc, findings, out)."""
    case = tmp / "case"
    case.mkdir()
    for f in files:
        shutil.copy(f, case / f.name)
    out = tmp / "out"
    rc = cli_main(["analyze", str(case), "--out", str(out), "--no-pdf", "-q", *extra])
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return rc, findings, out


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One analysis first, so the embedded geo database and the report templates are
    loaded before memory is traced (tracemalloc then sees only the file's own cost)."""
    analyze([MALFORMED / "sip-invalid-utf8.pcap"], tmp_path_factory.mktemp("warm"))


def validate(findings: dict[str, Any]) -> None:
    jsonschema.validate(findings, SCHEMA)


def located(findings: dict[str, Any], code: str) -> list[dict[str, Any]]:
    """Warnings of ``code`` that name their evidence and a place in it."""
    return [w for w in findings["warnings"] if w["code"] == code and w["evidence"]
            and (w["offset"] is not None or w["frame"] is not None or w["line"] is not None)]


def ev_stats(findings: dict[str, Any], ev: str = "E1") -> dict[str, Any]:
    return next(e for e in findings["evidence"] if e["id"] == ev)["stats"]


def call_ids(findings: dict[str, Any]) -> set[str]:
    return {c["call_id"] for c in findings["calls"]}


def test_generator_is_deterministic_and_committed() -> None:
    """The committed small files are exactly what the generator writes."""
    assert mk.small() == mk.small()
    for name, data in mk.small().items():
        assert (MALFORMED / name).read_bytes() == data, f"{name}: run make_malformed.py"


FR = mk.base_frames()
OFFS = mk.pcap_offsets(FR)
PCAPNG = [len(p) for p in mk.pcapng_parts(FR)]

# name -> (warning code, where: ("offset", n) | ("frame", n) | ("any", None),
#          frames read, call ids that must still be reported)
CAPTURES: dict[str, tuple[str, tuple[str, int | None], int, set[str]]] = {
    "pcap-truncated-global-header.pcap": ("pcap-bad-header", ("offset", 0), 0, set()),
    "pcap-truncated-record-header.pcap": ("pcap-truncated-record", ("offset", 24 + sum(16 + len(f) for f in FR)), 4, {mk.CALL_ID}),
    "pcap-truncated-record-data.pcap": ("pcap-truncated-record", ("offset", OFFS[3]), 3, {mk.CALL_ID}),
    "pcap-absurd-record-length.pcap": ("pcap-bad-record-length", ("offset", OFFS[2]), 2, set()),
    "pcap-gzip-truncated.pcap.gz": ("pcap-truncated-record", ("any", None), 2, set()),
    "pcapng-bad-block-length.pcapng": ("pcapng-bad-block-length", ("offset", sum(PCAPNG[:4])), 2, set()),
    "pcapng-unknown-block.pcapng": ("pcapng-unknown-block", ("offset", sum(PCAPNG[:3])), 4, {mk.CALL_ID}),
    "pcapng-truncated-block.pcapng": ("pcapng-truncated-block", ("offset", sum(PCAPNG[:5])), 3, {mk.CALL_ID}),
    "pcapng-length-mismatch.pcapng": ("pcapng-block-length-mismatch", ("offset", sum(PCAPNG[:3])), 4, {mk.CALL_ID}),
    "pcapng-unknown-interface.pcapng": ("pcapng-unknown-interface", ("offset", sum(PCAPNG[:2])), 4, {mk.CALL_ID}),
    "sip-negative-content-length.pcap": ("sip-bad-content-length", ("frame", 1), 1, {mk.CALL_ID}),
    "sip-huge-content-length.pcap": ("sip-bad-content-length", ("frame", 2), 2, {mk.CALL_ID, "call-2@192.168.1.20"}),
    "sip-binary-junk.pcap": ("sip-bad-start-line", ("frame", 1), 3, {mk.CALL_ID}),
    "sip-invalid-utf8.pcap": ("sip-invalid-utf8", ("frame", 1), 1, {mk.CALL_ID}),
    "pcap-bit-flipped.pcap": ("sip-bad-start-line", ("frame", 2), 4, {mk.CALL_ID}),
}


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_damaged_capture(name: str, tmp_path: Path) -> None:
    code, (kind, where), frames, calls = CAPTURES[name]
    tracemalloc.start()
    try:
        rc, f, _out = analyze([MALFORMED / name], tmp_path)
        _cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rc == 0
    validate(f)
    ws = located(f, code)
    assert ws, f"no located {code} warning: {f['warnings']}"
    if kind != "any":
        assert where in [w[kind] for w in ws]
    assert ev_stats(f)["frames"] == frames  # what came before the damage is kept
    assert calls <= call_ids(f)
    assert peak < SMALL_PEAK


def test_truncated_capture_keeps_registration(tmp_path: Path) -> None:
    """Cut inside frame 3 (the INVITE): the REGISTER of frame 1 is still reported."""
    rc, f, _ = analyze([MALFORMED / "pcap-absurd-record-length.pcap"], tmp_path)
    assert rc == 0
    assert [r["username"] for r in f["sip_registrations"]] == ["073158880009"]
    assert f["evidence"][0]["status"] == "partial"


def test_gzip_capture_cut(tmp_path: Path) -> None:
    rc, f, _ = analyze([MALFORMED / "pcap-gzip-truncated.pcap.gz"], tmp_path)
    assert rc == 0
    validate(f)
    assert [w["code"] for w in f["warnings"] if w["code"].startswith("capture-")] == ["capture-gzip-truncated"]
    assert f["evidence"][0]["format"] == "pcap.gz"


@pytest.mark.parametrize("name", ["capture-zero-length.pcap", "capture-wrong-magic.pcap", "empty.txt"])
def test_not_evidence_of_any_known_format(name: str, tmp_path: Path) -> None:
    rc, f, _ = analyze([MALFORMED / name], tmp_path)
    assert rc == 0
    validate(f)
    ev = f["evidence"][0]
    assert (ev["status"], ev["kind"], ev["rehash"]) == ("unrecognised", "unrecognised", "ok")


@pytest.mark.parametrize("name,code", [("capture-zero-length.pcap", "evidence-empty"),
                                       ("capture-wrong-magic.pcap", "evidence-unrecognised")])
def test_unrecognised_file_is_warned(name: str, code: str, tmp_path: Path) -> None:
    _rc, f, _ = analyze([MALFORMED / name], tmp_path)
    assert [(w["code"], w["offset"]) for w in f["warnings"] if w["evidence"] == "E1"] == [(code, 0)]
    assert f["evidence"][0]["status"] == "unrecognised"


@pytest.mark.parametrize("name", ["xml-entity-expansion.xml", "xml-external-entity.xml"])
def test_hostile_xml(name: str, tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        rc, f, _ = analyze([MALFORMED / name], tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rc == 0
    validate(f)
    assert [w["code"] for w in f["warnings"]] == ["xml-forbidden-construct"]
    assert f["warnings"][0]["evidence"] == "E1"
    assert "root:" not in json.dumps(f)  # /etc/passwd was never fetched
    assert peak < SMALL_PEAK


@pytest.mark.parametrize("name", ["zip-traversal.zip", "tar-traversal.tar"])
def test_archive_member_paths_escape(name: str, tmp_path: Path) -> None:
    """``../`` and absolute member names: warned, read in memory, nothing extracted."""
    rc, f, _ = analyze([MALFORMED / name], tmp_path)
    assert rc == 0
    validate(f)
    unsafe = [w for w in f["warnings"] if w["code"] == "container-unsafe-path"]
    assert [w["evidence"] for w in unsafe] == ["E1", "E1"]
    assert "../../../../tmp/gatetrace-escape/gw-syscfg.txt" in unsafe[0]["message"]
    formats = {e["format"] for e in f["evidence"] if e["parent"] == "E1"}
    assert formats == {"dbl_goip", "wireguard"}  # the members were still read
    assert [g["evidence"] for g in f["gateway_configs"]] == ["E2"]
    assert not Path("/tmp/gatetrace-escape").exists()
    assert not Path("/etc/gatetrace-abs").exists()
    assert sorted(p.name for p in (tmp_path / "case").iterdir()) == [name]


@pytest.mark.parametrize("name", ["config-gbk.txt", "config-invalid-utf8.txt", "wireguard-utf16.conf"])
def test_text_encodings(name: str, tmp_path: Path) -> None:
    rc, f, _ = analyze([MALFORMED / name], tmp_path)
    assert rc == 0
    validate(f)
    ev = f["evidence"][0]
    assert ev["status"] == "parsed"
    if name == "wireguard-utf16.conf":
        assert [t["peer"]["ip"] for t in f["tunnels"]] == ["198.51.100.44"]
    else:
        (cfg,) = f["gateway_configs"]
        assert "203.0.113.5" in json.dumps(cfg)
    if name == "config-gbk.txt":
        assert "长沙线路九" in json.dumps(f, ensure_ascii=False)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be opened: evidence-unreadable, the rest of the case goes on."""
    case = tmp_path / "case"
    case.mkdir()
    shutil.copy(MALFORMED / "sip-invalid-utf8.pcap", case / "a.pcap")
    locked = case / "b-locked.txt"
    locked.write_bytes(mk.DBL_CONFIG.encode())
    real_open = os.open

    def deny(path: Any, flags: int, *a: Any, **k: Any) -> int:
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *a, **k)

    if os.geteuid() == 0:  # root reads mode-000 files: refuse the open instead
        monkeypatch.setattr(os, "open", deny)
    else:
        locked.chmod(0)
    try:
        rc = cli_main(["analyze", str(case), "--out", str(tmp_path / "out"), "--no-pdf", "-q"])
    finally:
        locked.chmod(0o644)
    assert rc == 0
    f = json.loads((tmp_path / "out" / "findings.json").read_text())
    validate(f)
    (w,) = [w for w in f["warnings"] if w["code"] == "evidence-unreadable"]
    assert w["evidence"] == "E2" and "b-locked.txt" in w["message"]
    assert mk.CALL_ID in call_ids(f)


# --- big files and bombs (generated, measured in a child process) -------------------

_CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
from forensics.cli import main
rc = main(["analyze", sys.argv[1], "--out", sys.argv[2], "--no-pdf", "-q"])
print(json.dumps({{"rc": rc, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def analyze_child(name: str, tmp: Path) -> tuple[int, dict[str, Any], int]:
    case = tmp / "case"
    case.mkdir()
    mk.write_big(name, case)
    out = tmp / "out"
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT)), str(case), str(out)],
                          capture_output=True, text=True, timeout=600, cwd=tmp, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    return res["rc"], json.loads((out / "findings.json").read_text()), res["maxrss_kb"] * 1024


def test_sixty_kilobyte_sip_header(tmp_path: Path) -> None:
    rc, f, rss = analyze_child("sip-60k-header.pcap", tmp_path)
    assert rc == 0
    validate(f)
    assert call_ids(f) == {mk.CALL_ID}
    assert rss < BIG_RSS


def test_ten_megabyte_line(tmp_path: Path) -> None:
    rc, f, rss = analyze_child("line-10mb.txt", tmp_path)
    assert rc == 0
    validate(f)
    assert f["evidence"][0]["size"] == 20 + 10 * (1 << 20)
    assert rss < BIG_RSS
    assert "x" * 64 not in json.dumps(f)  # the value is not copied into the findings


def test_gzip_bomb(tmp_path: Path) -> None:
    rc, f, rss = analyze_child("gzip-bomb.bin.gz", tmp_path)
    assert rc == 0
    validate(f)
    limit = [w for w in f["warnings"] if w["code"] == "container-limit"]
    assert limit and limit[0]["evidence"] == "E1"
    assert rss < BIG_RSS


def test_zip_bomb(tmp_path: Path) -> None:
    rc, f, rss = analyze_child("zip-bomb.zip", tmp_path)
    assert rc == 0
    validate(f)
    limit = [w for w in f["warnings"] if w["code"] == "container-limit"]
    assert limit and "firmware/config.bin" in limit[0]["message"]
    assert [e["format"] for e in f["evidence"] if e["parent"] == "E1"] == ["dbl_goip"]  # the rest is read
    assert rss < BIG_RSS


# --- crashes found by the fuzzers ---------------------------------------------------

CRASHES = MALFORMED / "fuzz-crashes"


def _harness(name: str) -> Any:
    from tests.fuzz import harnesses

    return harnesses.TARGETS[name].__wrapped__  # unguarded: known crashes raise too


@pytest.mark.parametrize("fixture", sorted(p.name for p in CRASHES.glob("*.bin")
                                            if p.name.startswith(("parser_", "container_", "capture_"))))
def test_fuzz_crash_fixed(fixture: str) -> None:
    """Each input once crashed (or, ``*-timeout``, hung) its parser; fixed since."""
    t0 = time.monotonic()
    _harness(fixture.split("-", 1)[0])((CRASHES / fixture).read_bytes())
    assert time.monotonic() - t0 < 10


def test_fuzz_crash_sip_unclosed_name_addr() -> None:
    """Found by the fuzzer: a '>' before the only '<' made split_name_addr raise."""
    _harness("sip")((CRASHES / "sip-unclosed-angle-after-gt.bin").read_bytes())


@pytest.mark.parametrize("name", ["sip-unclosed-name-addr.pcap", "sip-unicode-digits.pcap"])
def test_sip_message_with_odd_header_is_kept(name: str, tmp_path: Path) -> None:
    rc, f, _ = analyze([MALFORMED / name], tmp_path)
    assert rc == 0
    assert ev_stats(f)["sip_messages"] == 1
    assert not [w for w in f["warnings"] if w["code"] == "packet-decode-error"]
