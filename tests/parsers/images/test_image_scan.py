"""Disk images end to end: raw, split raw, E01, GPT with encrypted volumes, a bad
partition table and a truncated E01, all built at test time by
``tests/fixtures/images/make_images.py`` (needs dosfstools, mtools, e2fsprogs,
ewf-tools; ntfs-3g optional).  Without the tools the tests skip, except under CI.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from pathlib import Path
from typing import Any

import pytest

if not os.environ.get("CI"):  # under CI a missing binding must fail, not skip
    pytest.importorskip("pytsk3", reason="pytsk3 not installed (pip install pytsk3)")
    pytest.importorskip(
        "pyewf", reason="pyewf not installed (pip install libewf-python)"
    )

from parsers.base import ParseContext, Source
from parsers.images import CONTAINERS, ewf, raw

HERE = Path(__file__).resolve()
MAKER = HERE.parents[2] / "fixtures" / "images" / "make_images.py"


def _load_maker() -> Any:
    spec = importlib.util.spec_from_file_location("make_images", MAKER)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


mi = _load_maker()


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    missing = mi.missing_tools()
    if missing:
        msg = "image tools missing: " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(msg + " (apt: dosfstools mtools e2fsprogs ewf-tools ntfs-3g)")
        pytest.skip(msg)
    return mi.build(tmp_path_factory.mktemp("images"))


def scan(path: Path | Source, **options: Any) -> tuple[list[Source], ParseContext]:
    src = path if isinstance(path, Source) else Source.from_path(str(path))
    ctx = ParseContext(evidence_id="E1", options=options)
    found = [c for c in CONTAINERS if c.sniff(src.head, src.name)]
    assert len(found) == 1, f"{src.name}: sniffed by {[c.name for c in found]}"
    return list(found[0].members(src, ctx)), ctx


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


MBR_EXPECTED = {
    # member path: (content, deleted)
    "p1/fat16/Users/gw/Documents/notes.txt": (mi.SHARE_LINK, False),
    "p1/fat16/Users/gw/Desktop/cap1.pcap": (mi.pcap_bytes(2), False),
    "p1/fat16/Users/gw/Desktop/old.pcap": (mi.pcap_bytes(3, tag=7), True),
    "p1/fat16/Users/gw/AppData/Roaming/AnyDesk/ad.trace": (mi.AD_TRACE, False),
    "p2/ext4/home/op/tv/Connections_incoming.txt": (mi.TV_INCOMING, True),
    "p2/ext4/home/op/frp/frpc.toml": (mi.FRPC, False),
    "p2/ext4/home/op/.ssh/known_hosts": (mi.KNOWN_HOSTS, False),
    "p2/ext4/etc/wireguard/wg0.conf": (mi.WG_CONF, False),
}

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


def test_raw_image_members_paths_meta_and_hashes(images: dict[str, Path]) -> None:
    image = images["mbr.raw"]
    before = sha(image.read_bytes())
    members, ctx = scan(image)
    got = {m.member: m for m in members}
    assert sorted(got) == sorted(MBR_EXPECTED)  # readme.txt files are not members
    for path, (content, deleted) in MBR_EXPECTED.items():
        m = got[path]
        meta = m.meta or {}
        assert meta["deleted"] is deleted, path
        assert meta["sha256"] == sha(content), path
        assert meta["size"] == m.size == len(content)
        assert meta["partition"] == int(path[1])
        assert meta["fs"] == path.split("/")[1]
        assert meta["path"] == "/" + path.split("/", 2)[2]
        assert isinstance(meta["inode"], int) and meta["inode"] > 0
        assert ISO.match(meta["mtime"]), meta["mtime"]
        for key in ("crtime", "atime", "ctime"):
            assert meta[key] is None or ISO.match(meta[key])
        with m.open() as fh:
            assert fh.read() == content
    assert (
        got["p1/fat16/Users/gw/Documents/notes.txt"].meta["reason"]
        == "proxy share link"
    )
    assert got["p2/ext4/etc/wireguard/wg0.conf"].meta["reason"] == "wireguard config"
    assert ctx.warnings == []
    assert ctx.stats["image-partitions"] == 2
    assert ctx.stats["image-members"] == 8
    assert ctx.stats["image-deleted-members"] == 2
    assert sha(image.read_bytes()) == before  # evidence untouched


def test_member_stream_seeks_and_reads_in_pieces(images: dict[str, Path]) -> None:
    members, _ = scan(images["mbr.raw"])
    m = next(x for x in members if x.member.endswith("old.pcap"))
    data = mi.pcap_bytes(3, tag=7)
    assert m.head == data
    with m.open() as fh:
        assert fh.read(24) == data[:24]
        fh.seek(100)
        assert fh.read(10) == data[100:110]
        fh.seek(-4, os.SEEK_END)
        assert fh.read() == data[-4:]


def _summary(members: list[Source]) -> list[tuple[str | None, str | None, bool]]:
    return [
        (m.member, (m.meta or {})["sha256"], (m.meta or {})["deleted"]) for m in members
    ]


def test_e01_split_raw_and_raw_yield_the_same(images: dict[str, Path]) -> None:
    from_raw, _ = scan(images["mbr.raw"])
    from_e01, ctx_e01 = scan(images["mbr.E01"])
    from_split, ctx_split = scan(images["mbr.001"])
    assert _summary(from_e01) == _summary(from_raw)
    assert _summary(from_split) == _summary(from_raw)
    assert ctx_e01.warnings == [] and ctx_split.warnings == []
    assert ctx_e01.stats["image-ewf-segments"] == 1
    assert ctx_split.stats["image-split-pieces"] == 5
    assert not any(
        c.sniff(
            Source.from_path(str(images["mbr.raw"].with_suffix(".002"))).head, "mbr.002"
        )
        for c in CONTAINERS
    )


def test_image_held_in_memory_and_member_chain(images: dict[str, Path]) -> None:
    """An image that is itself a container member has no disk path: read as a stream,
    and member paths are chained after the outer member."""
    src = Source.from_bytes(
        images["mbr.raw"].read_bytes(), "case.zip", member="disk/mbr.raw"
    )
    members, ctx = scan(src)
    assert sorted(m.member or "" for m in members) == sorted(
        f"disk/mbr.raw!{p}" for p in MBR_EXPECTED
    )
    assert {m.name for m in members} == set(MBR_EXPECTED)
    assert ctx.warnings == []


def test_sniff_limit_option_drops_content_only_members(images: dict[str, Path]) -> None:
    members, _ = scan(images["mbr.raw"], image_sniff_limit=10)
    paths = {m.member for m in members}
    assert "p1/fat16/Users/gw/Documents/notes.txt" not in paths  # kept by content only
    assert "p2/ext4/etc/wireguard/wg0.conf" in paths  # kept by path


def test_gpt_with_encrypted_volumes(images: dict[str, Path]) -> None:
    members, ctx = scan(images["gpt.raw"])
    assert [(w.code, w.offset) for w in ctx.warnings] == [
        ("image-encrypted-volume", 2048 * 512),
        ("image-encrypted-volume", 4096 * 512),
    ]
    assert "LUKS" in ctx.warnings[0].message and "BitLocker" in ctx.warnings[1].message
    got = {m.member: (m.meta or {})["sha256"] for m in members}
    assert got["p3/fat16/Capture/lan.pcap"] == sha(mi.pcap_bytes(1, tag=3))
    if "p4/ntfs/ad.trace" in got or not mi.missing_tools(optional=True):
        assert got["p4/ntfs/ad.trace"] == sha(mi.AD_TRACE)
        assert got["p4/ntfs/capture.pcapng"] == sha(mi.PCAPNG_SHB)
        assert len(got) == 3


def test_bare_filesystem_is_partition_zero(images: dict[str, Path]) -> None:
    members, ctx = scan(images["bare_fat.raw"])
    assert [m.member for m in members] == ["p0/fat16/frpc.ini"]
    assert (members[0].meta or {})["partition"] == 0
    assert ctx.warnings == []


def test_bad_partition_table_is_reported_and_the_rest_scanned(
    images: dict[str, Path],
) -> None:
    """badmbr.raw: entry 2 (type 0x07) starts at LBA 16384 with 409600 sectors in a
    10 MiB image; entry 1 is a good FAT16."""
    members, ctx = scan(images["badmbr.raw"])
    codes = [(w.code, w.offset) for w in ctx.warnings]
    assert codes == [
        ("image-bad-partition-table", 16384 * 512),
        ("image-unsupported-filesystem", 16384 * 512),
    ]
    assert "218103808" in ctx.warnings[0].message
    assert [m.member for m in members] == ["p1/fat16/Capture/lan.pcap"]


def test_truncated_e01_is_reported_and_readable_part_scanned(
    images: dict[str, Path],
) -> None:
    members, ctx = scan(images["trunc.E01"])
    codes = [w.code for w in ctx.warnings]
    assert codes[0] == "image-truncated"
    assert "segment 5 (trunc.E05)" in ctx.warnings[0].message
    assert set(codes[1:]) == {"image-read-error"}
    assert [m.member for m in members] == ["p0/fat16/frpc.ini"]
    assert (members[0].meta or {})["sha256"] is not None


def test_missing_last_segment_is_truncation(
    images: dict[str, Path], tmp_path: Path
) -> None:
    seg = images["trunc.E01"].parent
    for name in ("trunc.E01", "trunc.E02"):
        (tmp_path / name).write_bytes((seg / name).read_bytes())
    ctx = ParseContext(evidence_id="E2")
    list(ewf.CONTAINER.members(Source.from_path(str(tmp_path / "trunc.E01")), ctx))
    assert ctx.warnings[0].code == "image-truncated"
    assert "later segments are missing" in ctx.warnings[0].message


def test_bare_luks_volume(tmp_path: Path) -> None:
    p = tmp_path / "luks.img"
    p.write_bytes(mi.luks2_header() + bytes(1024 * 1024))
    members, ctx = scan(p)
    assert members == []
    assert [(w.code, w.offset) for w in ctx.warnings] == [("image-encrypted-volume", 0)]


def test_unknown_bytes_with_signature_warn_bad_table(tmp_path: Path) -> None:
    """A GPT signature over garbage: TSK finds no volume system; reported, and offset
    0 is still tried as a bare file system."""
    p = tmp_path / "junk.img"
    p.write_bytes(
        bytes(446)
        + bytes(range(64))
        + b"\x55\xaa"
        + b"EFI PART"
        + bytes(2 * 1024 * 1024)
    )
    ctx = ParseContext(evidence_id="E3")
    assert raw.sniff(p.read_bytes()[:65536], "junk.img")
    assert list(raw.CONTAINER.members(Source.from_path(str(p)), ctx)) == []
    assert [w.code for w in ctx.warnings] == [
        "image-bad-partition-table",
        "image-unsupported-filesystem",
    ]
