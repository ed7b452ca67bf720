"""WireGuard tunnel configurations in the ``wg-quick`` format (``[Interface]`` /
``[Peer]``), as written by wg-quick and exported by WireGuard for Windows.

Sources: wg(8) and wg-quick(8) manual pages (keys ``PrivateKey``, ``ListenPort``,
``Address``, ``DNS``, ``PublicKey``, ``PresharedKey``, ``Endpoint``, ``AllowedIPs``,
``PersistentKeepalive``), RFC 7748 §5 (X25519) for deriving the public key;
``shared/spec/remote-tunnel-signatures.md`` §B2.  Fixtures:
``tests/fixtures/host_artifacts/wireguard/``.

The interface's public key is *computed* from ``PrivateKey`` (X25519 with base point 9),
so a captured handshake response can be matched to this laptop (its mac1 is keyed
with the initiator's public key); the private and preshared keys themselves are
reduced to :class:`Secret`.  ``.conf.dpapi`` files (WireGuard for Windows store) are
encrypted and not read here.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from forensics.model.core import Record
from forensics.model.remote import TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, ini_sections, read_text, split_hostport

NAME = "wireguard"
P = 2**255 - 19
A24 = 121665


def x25519_base(scalar: bytes) -> bytes:
    """X25519(k, 9): the public key of a Curve25519 private key (RFC 7748 §5)."""
    k = bytearray(scalar)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    n = int.from_bytes(k, "little")
    x1, x2, z2, x3, z3, swap = 9, 1, 0, 9, 1, 0
    for t in reversed(range(255)):
        bit = (n >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % P, (x2 - z2) % P
        aa, bb = a * a % P, b * b % P
        e = (aa - bb) % P
        c, d = (x3 + z3) % P, (x3 - z3) % P
        da, cb = d * a % P, c * b % P
        x3, z3 = (da + cb) ** 2 % P, x1 * (da - cb) ** 2 % P
        x2, z2 = aa * bb % P, e * (aa + A24 * e) % P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P - 2, P) % P).to_bytes(32, "little")


def _key(value: str) -> bytes | None:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def sniff(head: bytes, name: str) -> bool:
    try:
        text = head_text(head)
        return bool(re.search(r"(?mi)^\s*\[Interface\]\s*$", text)
                    and re.search(r"(?mi)^\s*(PrivateKey|PublicKey|Endpoint)\s*=", text))
    except Exception:
        return False


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    sections = ini_sections(text)
    if not any(s.lower() == "interface" for s, _, _ in sections):
        raise WrongFormat("no [Interface] section")
    bag = SecretBag()
    detail: list[tuple[str, str]] = []
    peers: list[TunnelPeer] = []
    local_pub = None
    first = 1
    for section, sline, items in sections:
        kv = {k.lower(): (v, n) for k, v, n in items}
        if section.lower() == "interface":
            first = sline
            if "privatekey" in kv:
                v, n = kv["privatekey"]
                bag.add("PrivateKey", v)
                raw = _key(v)
                if raw is None:
                    ctx.warn("wireguard-bad-key", "PrivateKey is not 32 bytes of base64", line=n)
                else:
                    local_pub = base64.b64encode(x25519_base(raw)).decode()
            for k in ("Address", "ListenPort", "DNS", "MTU", "Table"):
                if k.lower() in kv:
                    detail.append((k, kv[k.lower()][0]))
        elif section.lower() == "peer":
            pub = kv.get("publickey", (None, None))[0]
            if pub is not None and _key(pub) is None:
                ctx.warn("wireguard-bad-key", "peer PublicKey is not 32 bytes of base64", line=kv["publickey"][1])
            if "presharedkey" in kv:
                bag.add("PresharedKey", kv["presharedkey"][0])
            host, port = (split_hostport(kv["endpoint"][0]) if "endpoint" in kv else ("", None))
            pdetail = tuple((k, kv[k.lower()][0]) for k in ("AllowedIPs", "PersistentKeepalive") if k.lower() in kv)
            peers.append(TunnelPeer(host=host, port=port, transport="udp", public_key=pub,
                                    detail=pdetail + (("line", str(sline)),)))
        elif section:
            ctx.warn("wireguard-unknown-section", f"section [{section}] ignored", line=sline)
    yield TunnelConfig(prov=ctx.prov(line=first), protocol=NAME, peers=tuple(peers),
                       local_public_key=local_pub, detail=tuple(detail), **bag.fields())


PARSER = FileParser(name="wireguard", version=1, kind="host_artifact", sniff=sniff, parse=parse)
