"""Generate a large, RTP-heavy synthetic capture for the benchmark (classic pcap).

The traffic is invented (documentation and private address ranges only) and fully
deterministic for a given ``--packets`` and ``--seed``: a VoIP gateway on a LAN
(192.168.10.20) registers with a softswitch (203.0.113.50) over SIP/UDP, places calls
(INVITE with SDP, 100/180/200, ACK, BYE) whose G.711 RTP runs both ways at 50 packets
per second with a little arrival jitter, and around it a laptop makes DNS queries,
TLS 1.2 ClientHellos with an SNI, and bulk TCP transfers.  About 94 % of the packets
are RTP, which is what a seized den's router capture looks like.

Packets are built with ``struct`` into one buffer per 20 ms tick (no scapy), so one
million packets take a few seconds.  Usage::

    python benchmarks/gen_capture.py OUT.pcap --packets 1000000
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
from pathlib import Path

GW, SS, LAPTOP, DNS_SRV = "192.168.10.20", "203.0.113.50", "192.168.10.30", "192.168.10.1"
WEB = ("198.51.100.7", "198.51.100.8", "203.0.113.80")
MAC_GW, MAC_RT, MAC_LT = b"\x02\x00\x00\x00\x10\x20", b"\x02\x00\x00\x00\x10\x01", b"\x02\x00\x00\x00\x10\x30"
TICK_NS = 20_000_000
START_NS = 1_718_000_000 * 1_000_000_000
CONCURRENT_CALLS = 40


def _ip(a: str) -> bytes:
    return bytes(int(x) for x in a.split("."))


class Writer:
    """pcap writer: one global header, then records appended to a bytearray buffer."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.buf = bytearray()
        self.count = 0
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def packet(self, ts_ns: int, src_mac: bytes, dst_mac: bytes, src: bytes, dst: bytes, proto: int,
               l4: bytes) -> None:
        ip_len = 20 + len(l4)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, self.count & 0xFFFF, 0x4000, 64, proto, 0, src, dst)
        frame_len = 14 + ip_len
        sec, ns = divmod(ts_ns, 1_000_000_000)
        self.buf += struct.pack("<IIII", sec, ns // 1000, frame_len, frame_len)
        self.buf += dst_mac + src_mac + b"\x08\x00" + ip + l4
        self.count += 1
        if len(self.buf) > (8 << 20):
            self.flush()

    def udp(self, ts_ns: int, src: tuple, dst: tuple, payload: bytes) -> None:
        l4 = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
        self.packet(ts_ns, *_macs(src[0], dst[0]), _ip(src[0]), _ip(dst[0]), 17, l4)

    def tcp(self, ts_ns: int, src: tuple, dst: tuple, seq: int, ack: int, flags: int, payload: bytes = b"") -> None:
        l4 = struct.pack("!HHIIBBHHH", src[1], dst[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 64240, 0, 0) + payload
        self.packet(ts_ns, *_macs(src[0], dst[0]), _ip(src[0]), _ip(dst[0]), 6, l4)

    def flush(self) -> None:
        self.fh.write(self.buf)
        self.buf.clear()


def _macs(src: str, dst: str) -> tuple[bytes, bytes]:
    own = {GW: MAC_GW, LAPTOP: MAC_LT}
    return own.get(src, MAC_RT), own.get(dst, MAC_RT)


def _sip(first: str, headers: list[tuple[str, str]], body: str = "") -> bytes:
    lines = [first] + [f"{k}: {v}" for k, v in headers]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def _sdp(ip: str, port: int, sess: int) -> str:
    return (f"v=0\r\no=- {sess} {sess} IN IP4 {ip}\r\ns=call\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n")


class Call:
    def __init__(self, n: int, rng: random.Random, t0: int) -> None:
        self.n = n
        self.call_id = f"bench-{n:06d}@{GW}"
        self.number = f"+86731{88000000 + n % 10000:08d}"  # Changsha fixed line
        self.gw_port = 10000 + 2 * (n % 5000)
        self.ss_port = 30000 + 2 * (n % 5000)
        self.ticks = rng.randint(1500, 6000)  # 30 s .. 120 s of media
        self.ssrc_a, self.ssrc_b = rng.getrandbits(32), rng.getrandbits(32)
        self.seq_a, self.seq_b = rng.getrandbits(16), rng.getrandbits(16)
        self.ts_a, self.ts_b = rng.getrandbits(32), rng.getrandbits(32)
        self.pt = 0 if n % 3 else 8
        self.payload = bytes([0xFF if self.pt == 0 else 0xD5]) * 160
        self.t0 = t0

    def headers(self, method: str, cseq: int, branch: str) -> list[tuple[str, str]]:
        return [("Via", f"SIP/2.0/UDP {GW}:5060;branch=z9hG4bK{branch}"),
                ("From", f"<sip:8001@{SS}>;tag=gw{self.n}"), ("To", f"<sip:{self.number}@{SS}>"),
                ("Call-ID", self.call_id), ("CSeq", f"{cseq} {method}"),
                ("Contact", f"<sip:8001@{GW}:5060>"), ("User-Agent", "FXO-4 gateway 1.0")]


def generate(path: Path, packets: int, seed: int = 8) -> int:
    rng = random.Random(seed)
    gw_sip, ss_sip = (GW, 5060), (SS, 5060)
    with open(path, "wb") as fh:
        w = Writer(fh)
        calls: list[Call] = []
        ncall = 0
        tick = 0
        reg_cseq = 0
        tcp_seq = 1000
        while w.count < packets:
            t = START_NS + tick * TICK_NS
            if tick % 3000 == 0:  # REGISTER every 60 s, with a 200 OK
                reg_cseq += 1
                hdr = [("Via", f"SIP/2.0/UDP {GW}:5060;branch=z9hG4bKr{reg_cseq}"),
                       ("From", f"<sip:8001@{SS}>;tag=r1"), ("To", f"<sip:8001@{SS}>"),
                       ("Call-ID", f"reg-1@{GW}"), ("CSeq", f"{reg_cseq} REGISTER"),
                       ("Contact", f"<sip:8001@{GW}:5060>"), ("Expires", "120"),
                       ("User-Agent", "FXO-4 gateway 1.0")]
                w.udp(t + 100_000, gw_sip, ss_sip, _sip(f"REGISTER sip:{SS} SIP/2.0", hdr))
                w.udp(t + 900_000, ss_sip, gw_sip, _sip("SIP/2.0 200 OK", hdr))
            if len(calls) < CONCURRENT_CALLS and tick % 7 == 0:
                ncall += 1
                c = Call(ncall, rng, tick + 5)
                calls.append(c)
                br = f"i{ncall}"
                inv = c.headers("INVITE", 1, br)
                w.udp(t + 200_000, gw_sip, ss_sip, _sip(f"INVITE sip:{c.number}@{SS} SIP/2.0", inv, _sdp(GW, c.gw_port, ncall)))
                w.udp(t + 1_200_000, ss_sip, gw_sip, _sip("SIP/2.0 100 Trying", inv))
                w.udp(t + 5_000_000, ss_sip, gw_sip, _sip("SIP/2.0 180 Ringing", inv))
                w.udp(t + 9_000_000, ss_sip, gw_sip, _sip("SIP/2.0 200 OK", inv, _sdp(SS, c.ss_port, ncall)))
                w.udp(t + 10_000_000, gw_sip, ss_sip, _sip(f"ACK sip:{c.number}@{SS} SIP/2.0", c.headers("ACK", 1, br + "a")))
            batch: list[tuple[int, int, Call, int]] = []
            ended = []
            for c in calls:
                if tick < c.t0:
                    continue
                batch.append((t + rng.randrange(0, 4_000_000), 0, c, 0))
                batch.append((t + rng.randrange(0, 4_000_000), 1, c, 0))
                if tick - c.t0 >= c.ticks:
                    ended.append(c)
            batch.sort(key=lambda x: (x[0], x[1], x[2].n))
            for ts, direction, c, _ in batch:
                if direction == 0:
                    hdr = struct.pack("!BBHII", 0x80, c.pt, c.seq_a & 0xFFFF, c.ts_a & 0xFFFFFFFF, c.ssrc_a)
                    c.seq_a += 1
                    c.ts_a += 160
                    w.udp(ts, (GW, c.gw_port), (SS, c.ss_port), hdr + c.payload)
                else:
                    hdr = struct.pack("!BBHII", 0x80, c.pt, c.seq_b & 0xFFFF, c.ts_b & 0xFFFFFFFF, c.ssrc_b)
                    c.seq_b += 1
                    c.ts_b += 160
                    w.udp(ts, (SS, c.ss_port), (GW, c.gw_port), hdr + c.payload)
            for c in ended:
                calls.remove(c)
                bye = c.headers("BYE", 2, f"b{c.n}")
                w.udp(t + 15_000_000, gw_sip, ss_sip, _sip(f"BYE sip:{c.number}@{SS} SIP/2.0", bye))
                w.udp(t + 16_000_000, ss_sip, gw_sip, _sip("SIP/2.0 200 OK", bye))
            if tick % 50 == 11:  # a DNS query and answer about once a second
                name = f"host{tick // 50 % 97}.example.net"
                q = struct.pack("!HHHHHH", tick & 0xFFFF, 0x0100, 1, 0, 0, 0) + _qname(name) + b"\x00\x01\x00\x01"
                a = (struct.pack("!HHHHHH", tick & 0xFFFF, 0x8180, 1, 1, 0, 0) + _qname(name) + b"\x00\x01\x00\x01"
                     + b"\xc0\x0c\x00\x01\x00\x01" + struct.pack("!IH", 300, 4) + _ip(WEB[tick % 3]))
                sp = 40000 + tick % 20000
                w.udp(t + 17_000_000, (LAPTOP, sp), (DNS_SRV, 53), q)
                w.udp(t + 18_000_000, (DNS_SRV, 53), (LAPTOP, sp), a)
            if tick % 250 == 31:  # a TLS connection with an SNI every 5 s
                sp = 50000 + tick % 10000
                cl, sv = (LAPTOP, sp), (WEB[tick % 3], 443)
                w.tcp(t + 1_000_000, cl, sv, tcp_seq, 0, 0x02)
                w.tcp(t + 2_000_000, sv, cl, 7000, tcp_seq + 1, 0x12)
                w.tcp(t + 3_000_000, cl, sv, tcp_seq + 1, 7001, 0x10)
                w.tcp(t + 3_100_000, cl, sv, tcp_seq + 1, 7001, 0x18, _client_hello(f"api{tick % 7}.example.org"))
            if tick % 10 == 3:  # a bulk TCP transfer segment every 200 ms
                sv, cl = (WEB[0], 80), (LAPTOP, 49152 + tick // 5000)
                w.tcp(t + 19_000_000, sv, cl, tcp_seq + tick * 1400, 1, 0x10, b"\x00" * 1400)
            tick += 1
        w.flush()
        return w.count


def _qname(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"


def _client_hello(sni: str) -> bytes:
    host = sni.encode()
    sni_ext = struct.pack("!HHHBH", 0, len(host) + 5, len(host) + 3, 0, len(host)) + host
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack("!H", 4) + b"\x13\x01\xc0\x2f"
            + b"\x01\x00" + struct.pack("!H", len(sni_ext)) + sni_ext)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def generate_signalling(path: Path, calls: int, seed: int = 8) -> int:
    """A signalling-only capture: ``calls`` answered calls from the same gateway, each
    INVITE (SDP) / 100 / 180 / 200 (SDP) / ACK / BYE / 200, a REGISTER every minute,
    no media, in time order.  7 SIP messages per call: it stresses SIP parsing,
    correlation and the writers rather than the per-packet path."""
    rng = random.Random(seed)
    gw_sip, ss_sip = (GW, 5060), (SS, 5060)
    events: list[tuple[int, int, tuple, tuple, bytes]] = []
    t = START_NS
    reg_cseq = 0
    for n in range(1, calls + 1):
        if n % 50 == 1:
            reg_cseq += 1
            hdr = [("Via", f"SIP/2.0/UDP {GW}:5060;branch=z9hG4bKr{reg_cseq}"),
                   ("From", f"<sip:8001@{SS}>;tag=r1"), ("To", f"<sip:8001@{SS}>"),
                   ("Call-ID", f"reg-1@{GW}"), ("CSeq", f"{reg_cseq} REGISTER"),
                   ("Contact", f"<sip:8001@{GW}:5060>"), ("Expires", "120"),
                   ("User-Agent", "FXO-4 gateway 1.0")]
            events.append((t, len(events), gw_sip, ss_sip, _sip(f"REGISTER sip:{SS} SIP/2.0", hdr)))
            events.append((t + 900_000, len(events), ss_sip, gw_sip, _sip("SIP/2.0 200 OK", hdr)))
        c = Call(n, rng, 0)
        br = f"i{n}"
        inv = c.headers("INVITE", 1, br)
        end = t + 910_000_000 + c.ticks * TICK_NS
        bye = c.headers("BYE", 2, f"b{n}")
        for ts, src, dst, msg in (
            (t + 1_000_000, gw_sip, ss_sip, _sip(f"INVITE sip:{c.number}@{SS} SIP/2.0", inv, _sdp(GW, c.gw_port, n))),
            (t + 2_000_000, ss_sip, gw_sip, _sip("SIP/2.0 100 Trying", inv)),
            (t + 300_000_000, ss_sip, gw_sip, _sip("SIP/2.0 180 Ringing", inv)),
            (t + 900_000_000, ss_sip, gw_sip, _sip("SIP/2.0 200 OK", inv, _sdp(SS, c.ss_port, n))),
            (t + 910_000_000, gw_sip, ss_sip, _sip(f"ACK sip:{c.number}@{SS} SIP/2.0", c.headers("ACK", 1, br + "a"))),
            (end, gw_sip, ss_sip, _sip(f"BYE sip:{c.number}@{SS} SIP/2.0", bye)),
            (end + 1_000_000, ss_sip, gw_sip, _sip("SIP/2.0 200 OK", bye)),
        ):
            events.append((ts, len(events), src, dst, msg))
        t += 1_200_000_000  # a new call every 1.2 s: dialogs overlap
    events.sort()
    with open(path, "wb") as fh:
        w = Writer(fh)
        for ts, _i, src, dst, msg in events:
            w.udp(ts, src, dst, msg)
        w.flush()
        return w.count


def to_pcapng(src: Path, dst: Path) -> int:
    """The same frames as pcapng, as dumpcap writes it: one section, one Ethernet
    interface with microsecond time stamps, one Enhanced Packet Block per frame."""
    n = 0
    with open(src, "rb") as fin, open(dst, "wb") as out:
        fin.read(24)
        shb_body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        out.write(struct.pack("<II", 0x0A0D0D0A, 12 + len(shb_body)) + shb_body + struct.pack("<I", 12 + len(shb_body)))
        idb_body = struct.pack("<HHI", 1, 0, 65535)
        out.write(struct.pack("<II", 1, 12 + len(idb_body)) + idb_body + struct.pack("<I", 12 + len(idb_body)))
        buf = bytearray()
        while (hdr := fin.read(16)) and len(hdr) == 16:
            sec, usec, incl, orig = struct.unpack("<IIII", hdr)
            data = fin.read(incl)
            raw = sec * 1_000_000 + usec
            pad = -incl % 4
            blen = 32 + incl + pad
            buf += struct.pack("<IIIIIII", 6, blen, 0, raw >> 32, raw & 0xFFFFFFFF, incl, orig)
            buf += data + b"\x00" * pad + struct.pack("<I", blen)
            n += 1
            if len(buf) > (8 << 20):
                out.write(buf)
                buf.clear()
        out.write(buf)
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=8)
    a = ap.parse_args(argv)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    n = generate(a.out, a.packets, a.seed)
    print(f"{a.out}: {n} packets, {a.out.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
