"""Disk images through the whole pipeline: a raw image, the same disk as E01, and the same
files given as a folder yield the same findings, and records from an image carry the
chain image → partition → file system → file."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from forensics.pipeline import analyze

_spec = importlib.util.spec_from_file_location(
    "make_images", Path(__file__).resolve().parent / "fixtures" / "images" / "make_images.py")
mi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mi)  # type: ignore[union-attr]

DROP = {"sources", "evidence", "config_evidence"}


def _norm(rows):
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in sorted(v.items()) if k not in DROP}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v
    return sorted((clean(r) for r in rows), key=repr)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    missing = mi.missing_tools()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"image tools missing under CI: {missing}")
        pytest.skip(f"image tools missing: {missing}")
    return mi.build(tmp_path_factory.mktemp("imgs"))


def _case(tmp_path, name, files):
    d = tmp_path / name
    d.mkdir()
    for rel, src in files.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, bytes):
            p.write_bytes(src)
        else:
            shutil.copyfile(src, p)
    return d


def test_raw_e01_and_folder_agree(images, tmp_path):
    raw = analyze(_case(tmp_path, "raw", {"disk.raw": images["mbr.raw"]}))
    e01 = analyze(_case(tmp_path, "e01", {"disk.E01": images["mbr.E01"]}))
    files = {f"fat/{k}": v for k, v in mi.FAT_FILES.items()} | {f"ext/{k}": v for k, v in mi.EXT_FILES.items()}
    folder = analyze(_case(tmp_path, "folder", files))
    for name in ("remote_sessions", "tunnels", "operators"):
        assert _norm(raw[name]) == _norm(e01[name]) == _norm(folder[name]), name
    assert raw["remote_sessions"] and raw["tunnels"]
    # the same member files, with the same hashes, from the raw image and the E01
    mem = lambda f: sorted((e["member"], e["sha256"]) for e in f["evidence"] if e.get("parent"))  # noqa: E731
    assert mem(raw) == mem(e01) and len(mem(raw)) >= 8


def test_image_provenance_chain(images, tmp_path):
    f = analyze(_case(tmp_path, "raw", {"disk.raw": images["mbr.raw"]}))
    by_member = {e["member"]: e for e in f["evidence"] if e.get("member")}
    ad = next(e for m, e in by_member.items() if m.endswith("AnyDesk/ad.trace"))
    assert ad["parent"] == "E1" and ad["path"].startswith("disk.raw!p1/fat")
    fs = ad["stats"]["file_system"]
    assert fs["partition"] == 1 and fs["fs"].startswith("fat") and fs["deleted"] is False
    assert fs["sha256"] == ad["sha256"] and fs["mtime"]
    deleted = [e for e in by_member.values() if e["stats"]["file_system"].get("deleted")]
    assert {e["member"].rsplit("/", 1)[-1] for e in deleted} >= {"old.pcap"}
    rs = next(r for r in f["remote_sessions"] if r["tool"] == "anydesk")
    assert rs["sources"][0]["evidence"] == ad["id"]
