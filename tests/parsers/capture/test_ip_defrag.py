"""IPv4/IPv6 fragment reassembly: synthetic fragments, scapy's fragmenters, real captures."""

from __future__ import annotations

import csv
import struct
from pathlib import Path

import dpkt
import pytest

from parsers.capture.ip_defrag import Defragmenter

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
SEC = 1_000_000_000
SRC4, DST4 = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20])
KEY = (4, SRC4, DST4, b"\x12\x34", 17)


class Warnings(list):
    def __call__(self, code: str, message: str, frame: int | None = None) -> None:
        self.append((code, message, frame))

    def codes(self) -> list[str]:
        return [w[0] for w in self]


@pytest.fixture
def warns() -> Warnings:
    return Warnings()


def datagram(n: int = 3000) -> bytes:
    return bytes((i * 7 + i // 256) & 0xFF for i in range(n))


def test_in_order_two_fragments(warns):
    d = Defragmenter(warns)
    data = datagram(1977)
    assert d.feed(KEY, 0, True, data[:1480], 1, 10) is None
    assert d.pending == 1
    whole, frames = d.feed(KEY, 1480, False, data[1480:], 2, 20)
    assert whole == data and frames == (1, 2)
    assert (d.reassembled, d.dropped, d.pending) == (1, 0, 0)
    assert warns == []


def test_out_of_order_three_fragments(warns):
    d = Defragmenter(warns)
    data = datagram(3000)
    assert d.feed(KEY, 2000, False, data[2000:], 7, 1) is None
    assert d.feed(KEY, 0, True, data[:1000], 8, 2) is None
    whole, frames = d.feed(KEY, 1000, True, data[1000:2000], 9, 3)
    assert whole == data and frames == (7, 8, 9)
    assert warns == []


def test_identical_duplicate_is_counted_not_warned(warns):
    d = Defragmenter(warns)
    data = datagram(2000)
    d.feed(KEY, 0, True, data[:1000], 1, 1)
    assert d.feed(KEY, 0, True, data[:1000], 2, 2) is None
    # partial overlap with the same bytes (refragmented on other boundaries)
    assert d.feed(KEY, 504, True, data[504:1200], 3, 3) is None
    whole, frames = d.feed(KEY, 1200, False, data[1200:], 4, 4)
    assert whole == data and frames == (1, 2, 3, 4)
    assert d.duplicates == 1 and warns == []


def test_overlap_with_different_bytes_keeps_first_and_warns(warns):
    d = Defragmenter(warns)
    data = datagram(2000)
    d.feed(KEY, 0, True, data[:1200], 5, 1)
    forged = b"X" * 400  # bytes 1000-1400: 200 conflicting, 200 new
    d.feed(KEY, 1000, True, forged, 6, 2)
    whole, _ = d.feed(KEY, 1400, False, data[1400:], 7, 3)
    assert whole == data[:1200] + b"X" * 200 + data[1400:]
    assert warns.codes() == ["ip-fragment-overlap"]
    _code, message, frame = warns[0]
    assert frame == 6
    assert "192.0.2.10 -> 198.51.100.20 id 0x1234 proto 17" in message


def test_conflicting_final_fragments_keep_first_end(warns):
    d = Defragmenter(warns)
    data = datagram(1600)
    d.feed(KEY, 1000, True, data[1000:1600], 1, 1)  # reaches 1600
    d.feed(KEY, 800, False, data[800:1200], 2, 2)  # says the datagram ends at 1200
    whole, _ = d.feed(KEY, 0, True, data[:800], 3, 3)
    assert whole == data[:1200]
    assert warns.codes() == ["ip-fragment-overlap"]


def test_missing_fragment_times_out(warns):
    d = Defragmenter(warns)
    data = datagram(3000)
    d.feed(KEY, 0, True, data[:1000], 11, 0)
    d.feed(KEY, 2000, False, data[2000:], 12, 1 * SEC)
    assert d.expire(30 * SEC) == 0  # exactly 30 s old: still kept
    assert d.expire(31 * SEC) == 1
    assert (d.pending, d.dropped, d.reassembled) == (0, 1, 0)
    assert warns.codes() == ["ip-fragment-timeout"]
    _code, message, frame = warns[0]
    assert frame == 11 and "2000 of 3000 bytes in frames 11,12" in message


def test_late_fragment_after_timeout_starts_afresh(warns):
    """feed() sweeps by itself, so a 40 s late fragment cannot complete an old datagram."""
    d = Defragmenter(warns)
    data = datagram(2000)
    d.feed(KEY, 0, True, data[:1000], 1, 0)
    assert d.feed(KEY, 1000, False, data[1000:], 2, 40 * SEC) is None
    assert warns.codes() == ["ip-fragment-timeout"] and d.pending == 1
    d.flush_all()
    assert warns.codes() == ["ip-fragment-timeout"] * 2
    assert "at end of capture" in warns[1][1] and warns[1][2] == 2


def test_too_large_datagram_dropped_once(warns):
    d = Defragmenter(warns)
    d.feed(KEY, 0, True, b"a" * 1480, 1, 0)
    assert d.feed(KEY, 65528, False, b"b" * 100, 2, 1) is None  # ends at 65628 > 65535
    assert d.feed(KEY, 1480, True, b"c" * 1480, 3, 2) is None  # rest of it: ignored
    assert warns.codes() == ["ip-fragment-too-large"]
    assert warns[0][2] == 2 and "65628" in warns[0][1]
    assert (d.pending, d.dropped) == (0, 1)


def test_table_full_evicts_oldest(warns):
    d = Defragmenter(warns, max_pending=2)
    for ident in range(3):
        d.feed((4, SRC4, DST4, ident, 17), 0, True, b"x" * 8, 100 + ident, ident)
    assert d.pending == 2
    assert warns.codes() == ["ip-fragment-table-full"]
    assert warns[0][2] == 100 and "id 0x0" in warns[0][1]
    # the survivors still complete
    assert d.feed((4, SRC4, DST4, 2, 17), 8, False, b"y", 200, 5) == (
        b"x" * 8 + b"y",
        (102, 200),
    )


def test_atomic_fragment_passes_through(warns):
    d = Defragmenter(warns)
    assert d.feed(KEY, 0, False, b"whole", 3, 0) == (b"whole", (3,))
    assert d.pending == 0 and warns == []


def test_scapy_ipv4_fragments_shuffled(warns):
    """scapy's own fragmenter is the oracle: 8-byte units, MF flag, offsets."""
    from scapy.layers.inet import IP, UDP, fragment

    sip = b"INVITE sip:100@203.0.113.5 SIP/2.0\r\n" + b"a=x\r\n" * 900
    pkt = (
        IP(src="192.0.2.1", dst="203.0.113.5", id=4242)
        / UDP(sport=5060, dport=5060)
        / sip
    )
    frags = fragment(pkt, fragsize=1000)
    assert len(frags) == 5
    d = Defragmenter(warns)
    order = [3, 0, 4, 1, 2]
    result = None
    for n, i in enumerate(order, 1):
        raw = bytes(frags[i])
        ihl = (raw[0] & 15) * 4
        fl = struct.unpack(">H", raw[6:8])[0]
        key = (4, raw[12:16], raw[16:20], raw[4:6], raw[9])
        result = d.feed(key, (fl & 0x1FFF) * 8, bool(fl & 0x2000), raw[ihl:], n, n)
        assert (result is None) == (n < 5)
    whole, frames = result
    assert whole == bytes(pkt[UDP]) and frames == (1, 2, 3, 4, 5)
    assert warns == []


def test_scapy_ipv6_fragments(warns):
    from scapy.layers.inet import UDP
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6

    sip = b"SIP/2.0 200 OK\r\n" + b"Via: SIP/2.0/UDP [2001:db8::1]\r\n" * 100
    pkt = (
        IPv6(src="2001:db8::1", dst="2001:db8::2")
        / IPv6ExtHdrFragment(id=0xABCDEF)
        / UDP(sport=5060, dport=5060)
        / sip
    )
    frags = fragment6(pkt, 1280)
    assert len(frags) == 3
    d = Defragmenter(warns)
    out = None
    for n, f in enumerate(reversed(frags), 1):
        fh = f[IPv6ExtHdrFragment]
        key = (6, bytes(f)[8:24], bytes(f)[24:40], fh.id, fh.nh)
        out = d.feed(key, fh.offset * 8, bool(fh.m), bytes(fh.payload), n, n)
    whole, frames = out
    assert whole == bytes(pkt[UDP]) and frames == (1, 2, 3)
    assert whole[8:22] == b"SIP/2.0 200 OK"


# --- real captures ------------------------------------------------------------------


def _tshark_rows(path: Path) -> list[dict[str, str]]:
    with open(str(path) + ".tshark.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _walk(
    path: Path, link_len: int
) -> tuple[list[tuple[int, bytes]], Defragmenter, Warnings]:
    """SIP messages (frame, UDP payload) of a capture, fragments reassembled on the way."""
    warns = Warnings()
    d = Defragmenter(warns)
    msgs: list[tuple[int, bytes]] = []
    with open(path, "rb") as fh:
        for frame, (ts, buf) in enumerate(dpkt.pcap.Reader(fh), 1):
            ts_ns = round(ts * SEC)
            ip = (
                dpkt.ethernet.Ethernet(buf).data
                if link_len == 14
                else dpkt.sll.SLL(buf).data
            )
            raw = buf[link_len:]
            if isinstance(ip, dpkt.ip.IP):
                if ip.mf or ip.offset:
                    key = (4, ip.src, ip.dst, ip.id, ip.p)
                    done = d.feed(
                        key,
                        ip.offset * 8,
                        bool(ip.mf),
                        raw[ip.hl * 4 : ip.len],
                        frame,
                        ts_ns,
                    )
                    if done:
                        msgs.append((done[1][-1], done[0][8:]))
                elif isinstance(ip.data, dpkt.udp.UDP):
                    msgs.append((frame, bytes(ip.data.data)))
            elif isinstance(ip, dpkt.ip6.IP6):
                fh6 = ip.extension_hdrs.get(44)
                if fh6 is not None:
                    assert (
                        raw[6] == 44
                    )  # fragment header right after the fixed header here
                    end = 40 + ip.plen
                    key = (6, ip.src, ip.dst, fh6.id, fh6.nxt)
                    done = d.feed(
                        key,
                        fh6.frag_off * 8,
                        bool(fh6.m_flag),
                        raw[48:end],
                        frame,
                        ts_ns,
                    )
                    if done:
                        msgs.append((done[1][-1], done[0][8:]))
                elif isinstance(ip.data, dpkt.udp.UDP):
                    msgs.append((frame, bytes(ip.data.data)))
    d.flush_all()
    return [(f, m) for f, m in msgs if m[:1].isalpha()], d, warns


def _start_matches(msg: bytes, row: dict[str, str]) -> bool:
    first = msg.split(b"\r\n", 1)[0].decode()
    if row["sip.Method"]:
        return first.startswith(row["sip.Method"] + " ") and first.endswith(" SIP/2.0")
    return first.startswith(f"SIP/2.0 {row['sip.Status-Code']} ")


def test_corpus_ipv4_fragmented_invite():
    path = CORPUS / "packetnet" / "udp-ip-fragmented.pcap"
    if not path.exists():
        pytest.skip("shared corpus absent")
    msgs, d, warns = _walk(path, 14)
    rows = _tshark_rows(path)
    assert len(msgs) == len(rows) == 13
    assert [f for f, _ in msgs] == [int(r["frame.number"]) for r in rows]
    assert all(_start_matches(m, r) for (_, m), r in zip(msgs, rows))
    # PacketDotNet's IPPacketTest: UDP length 1977 for the reassembled INVITE
    first = msgs[0][1]
    assert len(first) + 8 == 1977
    assert first.startswith(b"INVITE sip:92970;phone-context=cdp.udp@cs1000.com:5060;")
    assert b"Content-Type: multipart/mixed" in first
    assert (d.fragments, d.reassembled, d.dropped) == (2, 1, 0) and warns == []


def test_corpus_ipv6_fragmented_sip():
    path = CORPUS / "sngrep" / "ipv6frag.pcap"
    if not path.exists():
        pytest.skip("shared corpus absent")
    msgs, d, warns = _walk(path, 16)
    rows = _tshark_rows(path)
    assert len(msgs) == len(rows) == 32
    assert [f for f, _ in msgs] == [int(r["frame.number"]) for r in rows]
    assert all(_start_matches(m, r) for (_, m), r in zip(msgs, rows))
    assert msgs[0][1].startswith(
        b"INVITE sip:08019200028@[fd17:625c:f037:2:a00:27ff:feb9:4222]:25060 SIP/2.0"
    )
    assert msgs[0][1].endswith(b"\r\n")
    assert (d.fragments, d.reassembled, d.dropped) == (4, 2, 0) and warns == []
