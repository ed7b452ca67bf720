"""Byte-accurate payloads for the detector tests and the fixture generator.

Every value is invented: documentation addresses, made-up keys, ids and names.
Layouts follow the documents cited in each detector module.
"""

from __future__ import annotations

import base64
import hashlib
import struct

# --- WireGuard --------------------------------------------------------------------
# An invented 32-byte "public key" (mac1 needs only the bytes, not a valid point).
WG_RESPONDER_PUB = bytes(range(0x20, 0x40))
WG_RESPONDER_PUB_B64 = base64.b64encode(WG_RESPONDER_PUB).decode()
WG_OTHER_PUB_B64 = base64.b64encode(bytes(range(0x40, 0x60))).decode()


def wg_mac1(msg: bytes, pub: bytes) -> bytes:
    """mac1 per the WireGuard whitepaper 5.4.4, computed here independently."""
    key = hashlib.blake2s(b"mac1----" + pub).digest()
    cut = 116 if msg[0] == 1 else 60
    return hashlib.blake2s(msg[:cut], key=key, digest_size=16).digest()


def wg_initiation(sender: int = 0x11223344, pub: bytes = WG_RESPONDER_PUB) -> bytes:
    body = b"\x01\x00\x00\x00" + struct.pack("<I", sender) + bytes([0xA5]) * 32 + bytes([0x5A]) * 48 + bytes([0x3C]) * 28
    assert len(body) == 116
    return body + wg_mac1(body, pub) + b"\x00" * 16


def wg_response(sender: int = 0x55667788, receiver: int = 0x11223344, initiator_pub: bytes = bytes(32)) -> bytes:
    body = b"\x02\x00\x00\x00" + struct.pack("<II", sender, receiver) + bytes([0x77]) * 32 + bytes([0x66]) * 16
    assert len(body) == 60
    return body + wg_mac1(body, initiator_pub) + b"\x00" * 16


def wg_transport(receiver: int = 0x55667788, counter: int = 0, plain: int = 0) -> bytes:
    pad = -(-plain // 16) * 16
    return b"\x04\x00\x00\x00" + struct.pack("<IQ", receiver, counter) + bytes([0x99]) * (pad + 16)


# --- OpenVPN ----------------------------------------------------------------------
OVPN_CLIENT_SID = bytes.fromhex("1a2b3c4d5e6f7081")
OVPN_SERVER_SID = bytes.fromhex("9f8e7d6c5b4a3928")
NET_TIME = 1_714_700_000  # 2024-05-03


def ovpn_client_reset(tls_auth: bool = False) -> bytes:
    if tls_auth:  # HMAC-SHA1 (20), replay packet id 1, net time
        return (b"\x38" + OVPN_CLIENT_SID + bytes([0xC3]) * 20 + struct.pack(">II", 1, NET_TIME)
                + b"\x00" + struct.pack(">I", 0))
    return b"\x38" + OVPN_CLIENT_SID + b"\x00" + struct.pack(">I", 0)


def ovpn_server_reset() -> bytes:
    return (b"\x40" + OVPN_SERVER_SID + b"\x01" + struct.pack(">I", 0) + OVPN_CLIENT_SID
            + struct.pack(">I", 0))


def tcp_framed(pkt: bytes) -> bytes:
    return struct.pack(">H", len(pkt)) + pkt


# --- IKE / ESP --------------------------------------------------------------------
IKE_ISPI = bytes.fromhex("c0ffee0011223344")


def _payload(next_type: int, body: bytes) -> bytes:
    return struct.pack(">BBH", next_type, 0, 4 + len(body)) + body


def ikev1_aggressive(identity: bytes = b"vpn@op-group.example") -> bytes:
    # SA (1) -> KE (4) -> Nonce (10) -> ID (5) -> Vendor ID (13)
    sa = _payload(4, struct.pack(">II", 1, 1) + bytes(8))
    ke = _payload(10, bytes([0x42]) * 128)
    nonce = _payload(5, bytes([0x24]) * 20)
    ident = _payload(13, bytes([3, 17, 0x01, 0xF4]) + identity)  # ID_USER_FQDN, UDP/500
    vid = _payload(0, bytes.fromhex("afcad71368a1f1c96b8696fc77570100"))  # RFC 3706 DPD
    body = sa + ke + nonce + ident + vid
    hdr = IKE_ISPI + bytes(8) + bytes([1, 0x10, 4, 0]) + struct.pack(">II", 0, 28 + len(body))
    return hdr + body


def ikev2_sa_init() -> bytes:
    sa = _payload(34, bytes([0]) * 40)  # SA -> KE
    ke = _payload(40, struct.pack(">HH", 19, 0) + bytes([0x33]) * 64)  # KE -> Nonce
    nonce = _payload(0, bytes([0x44]) * 32)
    body = sa + ke + nonce
    hdr = IKE_ISPI + bytes(8) + bytes([33, 0x20, 34, 0x08]) + struct.pack(">II", 0, 28 + len(body))
    return hdr + body


def esp(spi: int = 0x0A0B0C0D, seq: int = 1) -> bytes:
    return struct.pack(">II", spi, seq) + bytes([0xE5]) * 48


# --- L2TP / PPTP ------------------------------------------------------------------
def _avp(attr: int, value: bytes, mandatory: bool = True) -> bytes:
    return struct.pack(">HHH", (0x8000 if mandatory else 0) | (6 + len(value)), 0, attr) + value


def l2tp_sccrq(host: bytes = b"op-lac-01", vendor: bytes = b"MikroTik") -> bytes:
    avps = (_avp(0, struct.pack(">H", 1)) + _avp(2, struct.pack(">H", 0x0100)) + _avp(7, host)
            + _avp(8, vendor, False) + _avp(9, struct.pack(">H", 4242)))
    return struct.pack(">HHHHHH", 0xC802, 12 + len(avps), 0, 0, 0, 0) + avps


def pptp_sccrq(host: bytes = b"op-pptp-client", vendor: bytes = b"Microsoft Windows NT") -> bytes:
    msg = struct.pack(">HHIHH", 156, 1, 0x1A2B3C4D, 1, 0)
    msg += struct.pack(">HHIIHH", 0x0100, 0, 1, 1, 1, 0x0A28)  # version, framing, bearer, chans, fw
    msg += host.ljust(64, b"\x00") + vendor.ljust(64, b"\x00")
    assert len(msg) == 156
    return msg


def pptp_gre(call_id: int = 0x4A2F, seq: int = 1) -> bytes:
    ppp = b"\xff\x03\xc0\x21" + bytes(12)
    return struct.pack(">BBHHHI", 0x30, 0x01, 0x880B, len(ppp), call_id, seq) + ppp


# --- remote control ---------------------------------------------------------------
def _tls_record(hs_type: int, body: bytes) -> bytes:
    hs = bytes([hs_type]) + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def client_hello(sni: str | None = None, alpn: tuple[str, ...] = ()) -> bytes:
    exts = b""
    if sni is not None:
        name = sni.encode()
        entry = b"\x00" + struct.pack(">H", len(name)) + name
        exts += struct.pack(">HH", 0, len(entry) + 2) + struct.pack(">H", len(entry)) + entry
    if alpn:
        lst = b"".join(bytes([len(a)]) + a.encode() for a in alpn)
        exts += struct.pack(">HH", 16, len(lst) + 2) + struct.pack(">H", len(lst)) + lst
    sv = b"\x04\x0a\x0a\x03\x04"  # GREASE, TLS 1.3
    exts += struct.pack(">HH", 43, len(sv)) + sv
    ciphers = struct.pack(">HHHH", 0x0A0A, 0x1301, 0x1302, 0xC02F)
    body = (b"\x03\x03" + bytes([0x11]) * 32 + b"\x00" + struct.pack(">H", len(ciphers)) + ciphers
            + b"\x01\x00" + struct.pack(">H", len(exts)) + exts)
    return _tls_record(1, body)


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _name(*attrs: tuple[bytes, str]) -> bytes:
    return _der(0x30, b"".join(
        _der(0x31, _der(0x30, _der(0x06, oid) + _der(0x0C, val.encode()))) for oid, val in attrs))


CN, O, C = bytes.fromhex("550403"), bytes.fromhex("55040a"), bytes.fromhex("550406")


def certificate(subject: bytes, issuer: bytes, sans: tuple[str, ...] = ()) -> bytes:
    """A structurally valid X.509 DER (dummy key and signature)."""
    alg = _der(0x30, _der(0x06, bytes.fromhex("2a864886f70d01010b")) + b"\x05\x00")
    validity = _der(0x30, _der(0x17, b"240101000000Z") + _der(0x17, b"340101000000Z"))
    spki = _der(0x30, alg + _der(0x03, b"\x00" + bytes(64)))
    tbs = _der(0xA0, _der(0x02, b"\x02")) + _der(0x02, b"\x01\x23") + alg + issuer + validity + subject + spki
    if sans:
        gn = b"".join(_der(0x82, s.encode()) for s in sans)
        ext = _der(0x30, _der(0x06, bytes.fromhex("551d11")) + _der(0x04, _der(0x30, gn)))
        tbs += _der(0xA3, _der(0x30, ext))
    return _der(0x30, _der(0x30, tbs) + alg + _der(0x03, b"\x00" + bytes(32)))


def server_flight(certs: tuple[bytes, ...]) -> bytes:
    """ServerHello + Certificate (TLS 1.2) in one segment."""
    hello = b"\x03\x03" + bytes([0x22]) * 32 + b"\x00" + b"\xc0\x2f" + b"\x00" + b"\x00\x00"
    chain = b"".join(len(c).to_bytes(3, "big") + c for c in certs)
    return _tls_record(2, hello) + _tls_record(11, len(chain).to_bytes(3, "big") + chain)


ANYNET_RELAY = certificate(_name((C, "DE"), (O, "philandro Software GmbH"), (CN, "AnyNet Relay")),
                           _name((CN, "AnyNet Root CA"), (O, "philandro Software GmbH"), (C, "DE")))
OTHER_CERT = certificate(_name((CN, "www.example.com")), _name((CN, "Example CA")),
                         sans=("www.example.com", "example.com"))

TV_HELLO = b"\x17\x24\x0a\x20\x00" + bytes(range(32))
TV_KEEPALIVE = b"\x17\x24\x1b\x00\x00"


def rdp_cr(user: str | None = "opuser", protocols: int = 3) -> bytes:
    body = b"\x00\x00\x00\x00\x00"  # dst-ref, src-ref, class
    if user is not None:
        body += f"Cookie: mstshash={user}\r\n".encode()
    body += struct.pack("<BBHI", 1, 0, 8, protocols)
    x224 = bytes([len(body) + 1, 0xE0]) + body
    return b"\x03\x00" + struct.pack(">H", 4 + len(x224)) + x224


RADMIN_HELLO = bytes.fromhex("01000000010000000808")
SSH_CLIENT = b"SSH-2.0-PuTTY_Release_0.78\r\n"
SSH_SERVER = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n"

# --- proxies ----------------------------------------------------------------------
SOCKS5_GREETING = b"\x05\x01\x00"


def socks5_connect_domain(host: bytes = b"sw.example-op.net", port: int = 5060) -> bytes:
    return b"\x05\x01\x00\x03" + bytes([len(host)]) + host + struct.pack(">H", port)


def socks4a(host: bytes = b"pbx.example-op.net", port: int = 5060, user: bytes = b"op") -> bytes:
    return b"\x04\x01" + struct.pack(">H", port) + b"\x00\x00\x00\x01" + user + b"\x00" + host + b"\x00"


HTTP_CONNECT = (b"CONNECT 203.0.113.50:5061 HTTP/1.1\r\nHost: 203.0.113.50:5061\r\n"
                b"Proxy-Authorization: Basic " + base64.b64encode(b"opuser:S3cretPw") + b"\r\n\r\n")

# --- tunnels without a standard -----------------------------------------------------
def n2n_register_super(community: bytes = b"opsnet") -> bytes:
    return bytes([3, 2]) + struct.pack(">H", 5) + community.ljust(20, b"\x00") + bytes([0x5E]) * 40


ZT_SRC, ZT_DST = bytes.fromhex("89e92ceee5"), bytes.fromhex("1d71939404")


def zerotier_hello() -> bytes:
    head = bytes([0x10] * 8) + ZT_DST + ZT_SRC + bytes([0x00]) + bytes(8) + bytes([0x01])
    body = bytes([11, 1, 12]) + struct.pack(">HQ", 8, 1_714_700_000_000) + ZT_SRC + b"\x00" + bytes(64)
    return head + body


TAILSCALE_DISCO = b"TS\xf0\x9f\x92\xac" + bytes(range(32)) + bytes([0xD1]) * 24 + bytes([0xB0]) * 40

# --- management ---------------------------------------------------------------------
TR069_INFORM = (
    b"POST /acs HTTP/1.1\r\nHost: acs.example-op.net:7547\r\nContent-Type: text/xml; charset=utf-8\r\n"
    b"SOAPAction: \"\"\r\nContent-Length: 0\r\n\r\n"
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
    b'xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap:Body><cwmp:Inform>'
    b"<DeviceId><Manufacturer>Example GW</Manufacturer><OUI>00A0B1</OUI>"
    b"<ProductClass>FXO-8</ProductClass><SerialNumber>GW0001234</SerialNumber></DeviceId>"
    b"<Event><EventStruct><EventCode>1 BOOT</EventCode></EventStruct>"
    b"<EventStruct><EventCode>2 PERIODIC</EventCode></EventStruct></Event>"
    b"</cwmp:Inform></soap:Body></soap:Envelope>"
)
GOIP_KEEPALIVE = (b"req:27;id:gw01;pass:S3cret;num:;signal:29;gsm_status:LOGIN;voip_status:LOGOUT;"
                  b"voip_state:IDLE;remain_time:-1;imei:867495000000011;imsi:460001234567890;"
                  b"iccid:89860000000000000001;pro:CHINA MOBILE;idle:11;disable_status:0;SMS_LOGIN:N;"
                  b"SMB_LOGIN:;CELLINFO:LAC:7E5,CELL ID:5E5B;CGATT:Y;")
GOIP_REG_REPLY = b"reg:27;status:200;"

FRP_LOGIN_JSON = (b'{"version":"0.49.0","hostname":"","os":"windows","arch":"amd64","user":"",'
                  b'"privilege_key":"0123456789abcdef0123456789abcdef","timestamp":1714700000,'
                  b'"run_id":"","pool_count":1}')
FRP_LOGIN = b"o" + struct.pack(">Q", len(FRP_LOGIN_JSON)) + FRP_LOGIN_JSON
RUSTDESK_REGISTER_PEER = b"\x32" + bytes([len(b"\x0a\x09912345678\x10\x00")]) + b"\x0a\x09912345678\x10\x00"


def todesk_login() -> bytes:
    f2 = b"912345678"
    f4 = b"4.7.2.0"
    body = (b"\x01\x0a\x20" + b"0123456789abcdef0123456789abcdef" + b"\x12" + bytes([len(f2)]) + f2
            + b"\x18\x01\x22" + bytes([len(f4)]) + f4 + b"\x3a\x3f" + bytes([0x61]) * 63
            + b"\x42\x24" + b"6f1c2b0e-3d4a-4e55-9a0b-1c2d3e4f5a6b" + bytes(32))
    return b"\x00\x00\x00" + bytes([len(body) + 1]) + body


# --- negatives ------------------------------------------------------------------------
HTTP_GET = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\n\r\n"
QUIC_INITIAL = bytes([0xC3]) + b"\x00\x00\x00\x01" + b"\x08" + bytes(range(8)) + b"\x00" + b"\x00" + b"\x44\xd0" + bytes([0x5C]) * 1180
SIP_REGISTER = (b"REGISTER sip:198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.10.20:5060;branch=z9hG4bK1\r\n"
                b"From: <sip:8001@198.51.100.7>;tag=1\r\nTo: <sip:8001@198.51.100.7>\r\nCall-ID: 1@192.168.10.20\r\n"
                b"CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")
DNS_QUERY = bytes.fromhex("abcd01000001000000000000") + b"\x07example\x03com\x00\x00\x01\x00\x01"
