"""Content sniffing of raw and EWF images (parsers/images/raw.py, ewf.py), on
hand-made sectors: no external tool needed."""

from __future__ import annotations

import os
import struct

import pytest

if not os.environ.get("CI"):  # under CI a missing binding must fail, not skip
    pytest.importorskip("pytsk3", reason="pytsk3 not installed (pip install pytsk3)")
    pytest.importorskip(
        "pyewf", reason="pyewf not installed (pip install libewf-python)"
    )

from parsers.base import ParseContext, Source
from parsers.images import CONTAINERS, ewf, raw
from parsers.images.volumes import bare_filesystem, encryption, looks_like_table


def mbr(entries: list[tuple[int, int, int, int]], code: bytes = b"") -> bytes:
    """A 512-byte MBR: (boot flag, type, start LBA, sectors) per entry."""
    table = b"".join(
        struct.pack("<B3sB3sII", b, b"\xfe\xff\xff", t, b"\xfe\xff\xff", lba, n)
        for b, t, lba, n in entries
    )
    return code.ljust(446, b"\0") + table.ljust(64, b"\0") + b"\x55\xaa"


def test_registry_names_match_modules() -> None:
    assert [c.name for c in CONTAINERS] == ["ewf", "raw"]
    assert len({c.name for c in CONTAINERS}) == len(CONTAINERS)


def test_raw_sniffs_plausible_mbr() -> None:
    head = mbr([(0x80, 0x07, 2048, 409600), (0, 0x83, 411648, 8192)]) + bytes(512)
    assert looks_like_table(head)
    assert raw.sniff(head, "disk.bin")


def test_raw_rejects_boot_code_with_signature() -> None:
    """0x55AA alone is not enough: entries with a bad boot flag are boot code."""
    head = bytearray(mbr([]))
    head[446:510] = bytes(range(64))
    assert not looks_like_table(bytes(head))
    assert not raw.sniff(bytes(head), "x.bin")
    assert not raw.sniff(mbr([]), "empty-table.bin")  # no used entry


def test_raw_sniffs_gpt_and_bare_filesystems() -> None:
    gpt = mbr([(0, 0xEE, 1, 0xFFFFFFFF)]) + b"EFI PART" + bytes(504)
    assert raw.sniff(gpt, "gpt.img")
    ntfs = b"\xebR\x90NTFS    " + bytes(499) + b"\x55\xaa"
    assert bare_filesystem(ntfs) == "ntfs" and raw.sniff(ntfs, "c.dd")
    fat32 = bytearray(512)
    fat32[82:90] = b"FAT32   "
    fat32[510:512] = b"\x55\xaa"
    assert bare_filesystem(bytes(fat32)) == "fat"
    ext = bytearray(2048)
    ext[1024:1028] = struct.pack("<I", 2048)  # inode count
    ext[1048:1052] = struct.pack("<I", 2)  # 4 KiB blocks
    ext[1080:1082] = b"\x53\xef"
    assert bare_filesystem(bytes(ext)) == "ext" and raw.sniff(bytes(ext), "root.img")


def test_raw_sniffs_encrypted_volume_headers() -> None:
    luks = b"LUKS\xba\xbe\x00\x02" + bytes(600)
    bde = b"\xebX\x90-FVE-FS-" + bytes(499) + b"\x55\xaa"
    assert encryption(luks) == "LUKS" and raw.sniff(luks, "x")
    assert encryption(bde) == "BitLocker" and raw.sniff(bde, "x")


def test_raw_ignores_captures_and_short_input() -> None:
    assert not raw.sniff(b"\xd4\xc3\xb2\xa1" + bytes(1000), "a.pcap")
    assert not raw.sniff(b"\x55\xaa", "tiny")
    assert not raw.sniff(b"", "")


def test_ewf_claims_only_the_first_segment() -> None:
    seg1 = ewf.EVF1 + b"\x01" + struct.pack("<H", 1) + b"\0\0"
    seg2 = ewf.EVF1 + b"\x01" + struct.pack("<H", 2) + b"\0\0"
    ex01 = ewf.EVF2 + b"\x02\x01" + b"\x01\x00" + struct.pack("<I", 1) + bytes(16)
    assert ewf.sniff(seg1, "x.E01")
    assert not ewf.sniff(seg2, "x.E02")
    assert ewf.sniff(ex01, "x.Ex01")
    assert not ewf.sniff(b"EVF", "short")
    assert not raw.sniff(seg1 + bytes(600), "x.E01")


def test_logical_ewf_is_reported_not_read() -> None:
    l01 = ewf.LVF1 + b"\x01" + struct.pack("<H", 1) + b"\0\0" + bytes(100)
    assert ewf.sniff(l01, "files.L01")
    ctx = ParseContext(evidence_id="E7")
    out = list(ewf.CONTAINER.members(Source.from_bytes(l01, "files.L01"), ctx))
    assert out == []
    assert [(w.code, w.offset) for w in ctx.warnings] == [
        ("image-unsupported-format", 0)
    ]
