"""verify(): re-hash the evidence named by findings.json."""

from __future__ import annotations

import hashlib
import json

from forensics.verify import verify


def make_case(tmp_path, files: dict[str, bytes]):
    case = tmp_path / "case"
    out = tmp_path / "out"
    out.mkdir()
    evidence = []
    for i, (rel, data) in enumerate(files.items(), 1):
        p = case / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        evidence.append({"id": f"E{i}", "path": rel, "sha256": hashlib.sha256(data).hexdigest(),
                         "size": len(data), "kind": "capture", "status": "parsed"})
    (out / "findings.json").write_text(
        json.dumps({"case_root": str(case), "evidence": evidence}), encoding="utf-8")
    return case, out


FILES = {"evidence/a.pcap": b"\xd4\xc3\xb2\xa1" + bytes(range(256)) * 20,
         "evidence/子目录/gw.xml": b"<cfg><sip server='203.0.113.5'/></cfg>\n"}


def test_all_ok(tmp_path):
    _, out = make_case(tmp_path, FILES)
    ok, lines = verify(out)
    assert ok
    assert lines == ["E1 ok       evidence/a.pcap", "E2 ok       evidence/子目录/gw.xml"]


def test_one_byte_change_detected(tmp_path):
    case, out = make_case(tmp_path, FILES)
    p = case / "evidence/a.pcap"
    data = bytearray(p.read_bytes())
    data[1000] ^= 0x01
    p.write_bytes(bytes(data))
    ok, lines = verify(out)
    assert not ok
    assert lines[0].startswith("E1 CHANGED  evidence/a.pcap: sha256 was ")
    assert hashlib.sha256(bytes(data)).hexdigest() in lines[0]
    assert lines[1].startswith("E2 ok")


def test_missing_file_detected(tmp_path):
    case, out = make_case(tmp_path, FILES)
    (case / "evidence/子目录/gw.xml").unlink()
    ok, lines = verify(out)
    assert not ok
    assert lines[1].startswith("E2 MISSING  evidence/子目录/gw.xml")


def test_unreadable_findings(tmp_path):
    ok, lines = verify(tmp_path)
    assert not ok and "cannot read" in lines[0]
    (tmp_path / "findings.json").write_text("{}", encoding="utf-8")
    ok, lines = verify(tmp_path)
    assert not ok and "case_root" in lines[0]


def test_large_file_streamed(tmp_path):
    data = b"x" * (3 * (1 << 20) + 7)  # spans several 1 MiB reads
    _, out = make_case(tmp_path, {"big.bin": data})
    assert verify(out)[0]
