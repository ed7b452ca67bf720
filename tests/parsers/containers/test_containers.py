"""Containers: members read in memory, limits, unsafe paths, truncation."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import pytest

from parsers.base import ParseContext, Source
from parsers.containers import (
    CONTAINERS,
    gzip_wrapper,
    sevenzip,
    tar_archive,
    zip_archive,
)
from parsers.containers._limits import MAX_RATIO

CFG = b'TELPORT="1"\r\nSIP_CONFIG_MODE="LINE_MODE"\r\n'


def _members(mod, data: bytes, name: str, keys=()):
    ctx = ParseContext(evidence_id="E1", keys=keys)
    src = Source.from_bytes(data, name)
    assert mod.CONTAINER.sniff(src.head, name)
    out = [(m.name, m.member, m.read_all()) for m in mod.members(src, ctx)]
    return out, [w.code for w in ctx.warnings]


def _zip(entries: dict[str, bytes]) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in entries.items():
            zf.writestr(n, d)
    return bio.getvalue()


def test_zip_members_and_unsafe_path(tmp_path) -> None:
    data = _zip({"cfg/goip.txt": CFG, "../../etc/evil.txt": b"x", "/abs.txt": b"y"})
    out, codes = _members(zip_archive, data, "backup.zip")
    assert out[0] == ("cfg/goip.txt", "backup.zip!cfg/goip.txt", CFG)
    assert [o[0] for o in out] == ["cfg/goip.txt", "../../etc/evil.txt", "/abs.txt"]
    assert codes == ["container-unsafe-path", "container-unsafe-path"]
    assert list(tmp_path.iterdir()) == []


def test_zip_bomb_ratio_limit() -> None:
    data = _zip({"bomb.txt": b"\0" * (MAX_RATIO * 2000)})
    out, codes = _members(zip_archive, data, "bomb.zip")
    assert out == [] and codes == ["container-limit"]


def test_zip_truncated() -> None:
    data = _zip({"a.txt": CFG * 50})
    out, codes = _members(zip_archive, data[: len(data) // 2], "cut.zip")
    assert out == [] and codes == ["container-truncated"]


def test_gzip_name_and_truncation() -> None:
    bio = io.BytesIO()
    with gzip.GzipFile(filename="goip.txt", mode="wb", fileobj=bio, mtime=0) as gz:
        gz.write(CFG * 100)
    data = bio.getvalue()
    out, codes = _members(gzip_wrapper, data, "x.gz")
    assert out == [("goip.txt", "x.gz!goip.txt", CFG * 100)] and codes == []
    out, codes = _members(gzip_wrapper, data[:30], "x.gz")
    assert codes == ["container-truncated"]


def test_tar_members() -> None:
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w") as tf:
        for n, d in (("etc/cfg.txt", CFG), ("../up.txt", b"z")):
            ti = tarfile.TarInfo(n)
            ti.size = len(d)
            tf.addfile(ti, io.BytesIO(d))
    data = bio.getvalue()
    out, codes = _members(tar_archive, data, "dump.tar")
    assert [o[1] for o in out] == ["dump.tar!etc/cfg.txt", "dump.tar!../up.txt"]
    assert codes == ["container-unsafe-path"]
    out, codes = _members(tar_archive, data[:700], "dump.tar")
    assert "container-truncated" in codes


def test_sevenzip_with_and_without_key() -> None:
    py7zr = pytest.importorskip("py7zr")
    bio = io.BytesIO()
    with py7zr.SevenZipFile(bio, "w", password="case-key") as z:
        z.writestr(b";Board: MP-118\n", "ini.ini")
    data = bio.getvalue()
    out, codes = _members(sevenzip, data, "pkg.7z")
    assert out == [] and codes == ["container-encrypted"]
    out, codes = _members(sevenzip, data, "pkg.7z", keys=("wrong", "case-key"))
    assert out == [("ini.ini", "pkg.7z!ini.ini", b";Board: MP-118\n")] and codes == []


def test_registry() -> None:
    assert [c.name for c in CONTAINERS] == ["zip_archive", "sevenzip", "tar_archive",
                                           "gzip_wrapper"]
    assert not any(c.sniff(CFG, "x.txt") for c in CONTAINERS)
