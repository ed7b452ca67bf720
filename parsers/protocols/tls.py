"""TLS handshake metadata: ClientHello (SNI, ALPN, versions, ciphers) and the server
certificate names of TLS <= 1.2.

Formats: RFC 8446 section 4.1.2 (ClientHello) and 4.2 (extensions), RFC 6066
section 3 (server_name, type 0), RFC 7301 (ALPN, type 16), RFC 8446 4.2.1
(supported_versions, type 43), RFC 5246 section 7.4.2 (Certificate, handshake type
11), X.509 DER per RFC 5280 section 4.1 (subject CN ``2.5.4.3``, O ``2.5.4.10``,
subjectAltName ``2.5.29.17`` dNSName [2]).

Why not ``dpkt.ssl``: the capture engine hands over the first TCP segments without
reassembly, so a ClientHello or a certificate chain is often cut at a segment
boundary.  dpkt's ``TLSRecord`` raises ``NeedData`` on any truncated record and
gives nothing, whereas the SNI and ALPN sit early in the hello and a certificate's
subject early in its DER.  These parsers read as far as the bytes go, mark the
result ``truncated`` and never raise.  GREASE values (RFC 8701) are skipped in the
cipher list.  Verified on the AnyDesk and OpenVPN corpus captures and on
constructed hellos in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

_GREASE = {0x0A0A + 0x1010 * i for i in range(16)}


@dataclass(frozen=True, slots=True)
class ClientHello:
    """What a TLS ClientHello says before encryption starts."""

    version: int  # legacy_version of the hello (0x0303 for TLS 1.2 and 1.3)
    sni: str | None  # server_name host_name, lower case, as sent
    alpn: tuple[str, ...]  # ALPN protocol names in the client's order
    supported_versions: tuple[int, ...]  # from extension 43 (TLS 1.3 clients)
    ciphers: tuple[int, ...]  # cipher suites without GREASE values
    truncated: bool  # the hello was cut before its end (fields may be missing)


def _handshake_bytes(payload: bytes) -> tuple[bytes, bool]:
    """Concatenated handshake-record bodies at the start of ``payload`` and whether
    the last record was cut.  Empty when the payload is not a TLS handshake record."""
    out = bytearray()
    off = 0
    while off + 5 <= len(payload):
        ctype, major = payload[off], payload[off + 1]
        if ctype != 0x16 or major != 0x03 or payload[off + 2] > 0x04:
            break
        rlen = int.from_bytes(payload[off + 3 : off + 5], "big")
        if rlen == 0 or rlen > 18432:  # 2^14 + 2048 (RFC 5246 6.2.3)
            break
        body = payload[off + 5 : off + 5 + rlen]
        out += body
        if len(body) < rlen:
            return bytes(out), True
        off += 5 + rlen
    return bytes(out), False


class _Reader:
    """Bounds-checked cursor; every read past the end sets ``short``."""

    def __init__(self, data: bytes) -> None:
        self.d, self.o, self.short = data, 0, False

    def take(self, n: int) -> bytes:
        if self.o + n > len(self.d):
            self.short = True
            chunk = self.d[self.o :]
            self.o = len(self.d)
            return chunk
        chunk = self.d[self.o : self.o + n]
        self.o += n
        return chunk

    def u(self, n: int) -> int:
        raw = self.take(n)
        return int.from_bytes(raw, "big") if len(raw) == n else -1

    def vec(self, lenbytes: int) -> bytes:
        n = self.u(lenbytes)
        return b"" if n < 0 else self.take(n)


def parse_client_hello(payload: bytes) -> ClientHello | None:
    """The ClientHello at the start of a TCP payload, or None if there is none."""
    try:
        return _parse_client_hello(payload)
    except Exception:  # noqa: BLE001 - never raise on evidence
        return None


def _parse_client_hello(payload: bytes) -> ClientHello | None:
    hs, cut = _handshake_bytes(payload)
    if len(hs) < 6 or hs[0] != 0x01:
        return None
    hlen = int.from_bytes(hs[1:4], "big")
    r = _Reader(hs[4 : 4 + hlen])
    cut = cut or len(hs) < 4 + hlen
    version = r.u(2)
    if version < 0x0300 or version > 0x0304:
        return None
    r.take(32)  # random
    r.vec(1)  # legacy_session_id
    raw_ciphers = r.vec(2)
    ciphers = tuple(
        c
        for c in (int.from_bytes(raw_ciphers[i : i + 2], "big") for i in range(0, len(raw_ciphers) - 1, 2))
        if c not in _GREASE
    )
    r.vec(1)  # compression methods
    sni: str | None = None
    alpn: list[str] = []
    versions: list[int] = []
    exts = _Reader(r.vec(2)) if not r.short else _Reader(b"")
    while not exts.short and exts.o + 4 <= len(exts.d):
        etype = exts.u(2)
        body = exts.vec(2)
        if etype == 0:  # server_name: list of (type, name)
            sr = _Reader(body)
            names = _Reader(sr.vec(2))
            while names.o + 3 <= len(names.d) and sni is None:
                ntype, name = names.u(1), names.vec(2)
                if ntype == 0 and name:
                    sni = name.decode("ascii", "replace").lower()
        elif etype == 16:  # ALPN
            ar = _Reader(_Reader(body).vec(2))
            while ar.o < len(ar.d) and not ar.short:
                name = ar.vec(1)
                if name:
                    alpn.append(name.decode("ascii", "replace"))
        elif etype == 43:  # supported_versions
            vr = _Reader(_Reader(body).vec(1))
            while vr.o + 2 <= len(vr.d):
                v = vr.u(2)
                if v not in _GREASE:
                    versions.append(v)
    return ClientHello(
        version=version,
        sni=sni,
        alpn=tuple(alpn),
        supported_versions=tuple(versions),
        ciphers=ciphers,
        truncated=cut or r.short or exts.short,
    )


# --- certificates -----------------------------------------------------------------

_OID_CN = bytes.fromhex("550403")
_OID_O = bytes.fromhex("55040a")
_OID_SAN = bytes.fromhex("551d11")


def _tlv(d: bytes, o: int) -> tuple[int, int, int] | None:
    """(tag, start of value, end of value) of the DER element at ``o``; the end may
    lie beyond ``d`` when the data is cut."""
    if o + 2 > len(d):
        return None
    tag, n = d[o], d[o + 1]
    o += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or o + k > len(d):
            return None
        n = int.from_bytes(d[o : o + k], "big")
        o += k
    return tag, o, o + n


def _children(d: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    o = start
    while o < min(end, len(d)):
        t = _tlv(d, o)
        if t is None:
            break
        out.append(t)
        o = t[2]
    return out


def _name_attrs(d: bytes, start: int, end: int) -> list[tuple[str, str]]:
    """("CN"|"O", value) pairs of an X.501 Name (SEQUENCE OF SET OF AttributeTypeAndValue)."""
    out = []
    for _t, s, e in _children(d, start, end):  # each RDN SET
        for _t2, s2, e2 in _children(d, s, e):  # AttributeTypeAndValue SEQUENCE
            parts = _children(d, s2, e2)
            if len(parts) < 2 or parts[0][0] != 0x06:
                continue
            oid = d[parts[0][1] : parts[0][2]]
            val = d[parts[1][1] : parts[1][2]]
            key = {_OID_CN: "CN", _OID_O: "O"}.get(oid)
            if key:
                enc = "utf-16-be" if parts[1][0] == 0x1E else "utf-8"
                out.append((key, val.decode(enc, "replace")))
    return out


def _cert_names(der: bytes) -> tuple[list[tuple[str, str]], list[str]]:
    """(subject attributes, SAN dNSNames) of one certificate, as far as readable."""
    cert = _tlv(der, 0)
    if cert is None or cert[0] != 0x30:
        return [], []
    tbs = _tlv(der, cert[1])
    if tbs is None or tbs[0] != 0x30:
        return [], []
    fields = _children(der, tbs[1], tbs[2])
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    # serial, signature, issuer, validity, subject, spki, [3] extensions
    subject = _name_attrs(der, fields[4][1], fields[4][2]) if len(fields) > 4 else []
    sans: list[str] = []
    for tag, s, e in fields[6:]:
        if tag != 0xA3:
            continue
        for _t, es, ee in _children(der, s, e):  # Extensions SEQUENCE
            for _t2, xs, xe in _children(der, es, ee):  # Extension
                parts = _children(der, xs, xe)
                if parts and der[parts[0][1] : parts[0][2]] == _OID_SAN:
                    octets = parts[-1]
                    inner = _tlv(der, octets[1])
                    if inner:
                        for gt, gs, ge in _children(der, inner[1], inner[2]):
                            if gt == 0x82:  # dNSName
                                sans.append(der[gs:ge].decode("ascii", "replace"))
    return subject, sans


def parse_server_certificates(payload: bytes) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Subject attributes (("O", ..), ("CN", ..)) of each certificate in a TLS <= 1.2
    Certificate message found in the server's first records; () if none."""
    try:
        return tuple(tuple(s) for s, _ in _certificates(payload))
    except Exception:  # noqa: BLE001
        return ()


def parse_server_certificate_names(payload: bytes) -> tuple[str, ...]:
    """Subject CN and SAN dNSNames of the server (leaf) certificate, in that order;
    () when no Certificate message is readable in ``payload``."""
    try:
        certs = _certificates(payload)
    except Exception:  # noqa: BLE001
        return ()
    if not certs:
        return ()
    subject, sans = certs[0]
    names = [v for k, v in subject if k == "CN"]
    names += [s for s in sans if s not in names]
    return tuple(names)


def _certificates(payload: bytes) -> list[tuple[list[tuple[str, str]], list[str]]]:
    hs, _cut = _handshake_bytes(payload)
    o = 0
    while o + 4 <= len(hs):
        htype, hlen = hs[o], int.from_bytes(hs[o + 1 : o + 4], "big")
        if htype == 11:  # Certificate
            body = hs[o + 4 : o + 4 + hlen]
            r = _Reader(body)
            chain = r.vec(3)
            out = []
            cr = _Reader(chain)
            while cr.o + 3 <= len(cr.d):
                der = cr.vec(3)
                if not der:
                    break
                out.append(_cert_names(der))
            return out
        o += 4 + hlen
    return []
