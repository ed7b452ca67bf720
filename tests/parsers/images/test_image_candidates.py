"""Selection rules for files inside disk images (parsers/images/candidates.py)."""

from __future__ import annotations

import os

import pytest

if not os.environ.get("CI"):  # under CI a missing binding must fail, not skip
    pytest.importorskip("pytsk3", reason="pytsk3 not installed (pip install pytsk3)")
    pytest.importorskip(
        "pyewf", reason="pyewf not installed (pip install libewf-python)"
    )

from parsers.images import candidates as c

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("path", "size", "why"),
    [
        ("/Users/x/AppData/Roaming/AnyDesk/ad.trace", 50 * MIB, "anydesk trace"),
        ("/ProgramData/AnyDesk/ad_svc.trace", 10, "anydesk trace"),
        (
            "/Program Files (x86)/TeamViewer/Connections_incoming.txt",
            10,
            "teamviewer incoming",
        ),
        (
            "/Program Files/TeamViewer/TeamViewer15_Logfile_OLD.log",
            10,
            "teamviewer log",
        ),
        ("/Program Files/ToDesk/config.ini", 10, "todesk config"),
        (
            "/Users/x/AppData/Roaming/RustDesk/config/peers/123456789.toml",
            10,
            "rustdesk peer",
        ),
        ("/etc/wireguard/wg0.conf", 10, "wireguard config"),
        ("/Users/x/OpenVPN/config/hk.ovpn", 10, "openvpn profile"),
        ("/tools/frpc.toml", 10, "frp client config"),
        ("/Users/x/.ssh/known_hosts", 10, "ssh known hosts"),
        ("/Windows/System32/config/SOFTWARE", 200 * MIB, "registry hive"),
        ("/Users/x/NTUSER.DAT", 9 * MIB, "registry hive"),
        ("/Users/x/Desktop/trace.PCAPNG", 3000 * MIB, "capture"),
        ("/backup/gw.cfg", 1000, "config file"),
        ("/backup/export.reg", 1000, "registry export"),
    ],
)
def test_path_rules_keep_known_artifacts(path: str, size: int, why: str) -> None:
    assert c.path_rule(path, size) == why


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("/backup/huge.xml", 5 * MIB + 1),  # generic rule: over 5 MiB
        ("/Windows/WinSxS/amd64_x/manifest.xml", 100),  # generic rule skipped
        ("/Windows/System32/drivers/etc/hosts.ini", 100),
        ("/Users/x/Documents/report.docx", 100),
        ("/Users/x/AppData/Roaming/AnyDesk/user.conf.bak", 100),
    ],
)
def test_path_rules_leave_the_rest(path: str, size: int) -> None:
    assert c.path_rule(path, size) is None


def test_specific_rule_wins_inside_windows_folder() -> None:
    p = "/Windows/SysWOW64/config/systemprofile/AppData/Local/ToDesk/config.ini"
    assert c.path_rule(p, 100) == "todesk config"
    assert c.path_rule("/Windows/System32/rserver30/Radm_log.htm", 100) == "radmin log"


@pytest.mark.parametrize(
    ("head", "why"),
    [
        (b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00", "capture"),
        (b"\x4d\x3c\xb2\xa1", "capture"),
        (b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00", "capture"),
        (b"[Interface]\nPrivateKey = x\n", "wireguard config"),
        (b"notes\nvless://uuid@203.0.113.8:443\n", "proxy share link"),
        (
            b"\xff\xfe"
            + "Windows Registry Editor Version 5.00\r\n".encode("utf-16-le"),
            "registry export",
        ),
        (b"<?xml version='1.0'?><gs_provision version=\"1\">", "grandstream config"),
    ],
)
def test_content_rules(head: bytes, why: str) -> None:
    assert c.content_rule(head) == why


def test_content_rules_ignore_ordinary_text() -> None:
    assert c.content_rule(b"Dear customer, your invoice is attached.\n") is None
    assert c.content_rule(b"MZ\x90\x00" + bytes(100)) is None


def test_may_sniff_limits() -> None:
    assert c.may_sniff("/a/b.bin", 100, 16 * MIB)
    assert not c.may_sniff("/a/b.bin", 16 * MIB + 1, 16 * MIB)
    assert not c.may_sniff("/a/empty", 0, 16 * MIB)
    assert not c.may_sniff("/Windows/WinSxS/x/y.dll", 100, 16 * MIB)
