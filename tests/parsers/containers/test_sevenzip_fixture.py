"""The committed 7-Zip fixture ``tests/fixtures/containers/config-package.7z``: its
generator, the ``sevenzip`` container on it, and the pipeline on a folder case
holding it (the member is analysed as a gateway configuration)."""

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import py7zr
import pytest

from forensics.pipeline import analyze
from parsers.base import ParseContext, Source
from parsers.containers import sevenzip

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ARCHIVE = FIXTURES / "containers" / "config-package.7z"
INI = FIXTURES / "gateway_configs" / "audiocodes-mp118-fxo.ini"


def _generator():
    spec = importlib.util.spec_from_file_location("make_7z", FIXTURES / "containers" / "make_7z.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generator_reproduces_the_committed_archive(tmp_path):
    written = _generator().write(tmp_path)
    assert written.name == ARCHIVE.name
    assert written.read_bytes() == ARCHIVE.read_bytes(), (
        "config-package.7z differs from what make_7z.py writes now (py7zr output changed?): regenerate it")


def test_archive_members_and_fixed_times():
    with py7zr.SevenZipFile(ARCHIVE) as arc:
        infos = arc.list()
        assert [(i.filename, i.uncompressed, i.is_directory) for i in infos] == [("ini.ini", INI.stat().st_size, False)]
        assert infos[0].creationtime.isoformat() == "2024-05-03T01:33:20+00:00"
    assert ARCHIVE.read_bytes()[:6] == b"7z\xbc\xaf\x27\x1c" and ARCHIVE.stat().st_size < 5000


def test_container_reads_the_member():
    src = Source.from_path(str(ARCHIVE), name="case/config-package.7z")
    assert sevenzip.sniff(src.head, src.name)
    ctx = ParseContext(evidence_id="E1", parser="sevenzip@1")
    out = [(m.name, m.member, m.read_all()) for m in sevenzip.members(src, ctx)]
    assert out == [("ini.ini", "config-package.7z!ini.ini", INI.read_bytes())]
    assert ctx.warnings == []


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    case = tmp_path_factory.mktemp("case7z")
    shutil.copyfile(ARCHIVE, case / ARCHIVE.name)
    return analyze(case)


def test_pipeline_reports_the_member_as_gateway_config(findings):
    archive, member = findings["evidence"]
    assert (archive["id"], archive["path"], archive["format"], archive["parent"]) == (
        "E1", "config-package.7z", "sevenzip", None)
    assert archive["stats"]["members"] == 1 and archive["warnings"] == []
    assert archive["sha256"] == hashlib.sha256(ARCHIVE.read_bytes()).hexdigest()
    assert (member["id"], member["kind"], member["format"], member["parent"]) == (
        "E2", "gateway_config", "audiocodes", "E1")
    assert member["member"] == "config-package.7z!ini.ini"
    assert member["path"].startswith("config-package.7z!") and member["path"].endswith("!ini.ini")
    assert member["sha256"] == hashlib.sha256(INI.read_bytes()).hexdigest() and member["size"] == INI.stat().st_size
    assert {w["member"] for w in member["warnings"]} <= {"config-package.7z!ini.ini"}


def test_pipeline_gateway_config_row_cites_the_member(findings):
    row, = findings["gateway_configs"]
    assert (row["vendor"], row["model"], row["serial"], row["firmware"]) == (
        "AudioCodes", "MP-118 FXO", "4051234", "6.60A.367.005")
    assert (row["evidence"], row["member"]) == ("E2", "config-package.7z!ini.ini")
    assert "203.0.113.66" in {s["host"] for s in row["sip_servers"]}
    text = json.dumps(findings, ensure_ascii=False)
    assert "present" in json.dumps(row["accounts"][0]["password"])  # stated, never printed
    for line in INI.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if "password" in key.lower() and value.strip().strip("'\""):
            assert value.strip().strip("'\"") not in text, key


def test_member_evidence_path_names_the_archive_once(findings):
    assert findings["evidence"][1]["path"] == "config-package.7z!ini.ini"
