"""G.711 µ-law and A-law companding (ITU-T Recommendation G.711, 11/1988).

Decoding is table driven: the 256-entry tables are computed at import from the
expansion rules of G.711 (tables 2a and 2b), scaled to 16-bit linear PCM:

* µ-law: the code word is inverted; sign bit 7, segment (exponent) bits 6–4,
  step (mantissa) bits 3–0; magnitude ``((mantissa << 3) + 0x84) << exponent`` − 0x84.
  0xFF → 0, 0x00 → −32124, 0x80 → +32124.
* A-law: even bits are inverted (XOR 0x55); bit 7 set means positive; magnitude
  ``(mantissa << 4) + 8`` for segment 0, else ``((mantissa << 4) + 0x108) << (seg − 1)``.
  0xD5 → +8, 0x55 → −8, 0xAA → +32256, 0x2A → −32256.

The encoders (the compression rules, same recommendation) exist for building test
signals.  16-bit input is first cut to G.711's 14-bit (µ-law) or 13-bit (A-law) uniform
code by dropping low bits (two's complement, so towards −∞); the result equals Python's
former ``audioop.lin2ulaw``/``lin2alaw`` for all 65,536 inputs, and every decoded level
encodes back to its own code word (except µ-law's negative zero 0x7F, which becomes 0xFF).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

_ULAW_BIAS = 0x84  # 132: 33 in G.711's 14-bit scale, times 4
_ULAW_CLIP = 32635  # largest magnitude that still fits after the bias


def _ulaw_expand(code: int) -> int:
    u = ~code & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _ULAW_BIAS) << exponent) - _ULAW_BIAS
    return -magnitude if u & 0x80 else magnitude


def _alaw_expand(code: int) -> int:
    a = code ^ 0x55
    segment = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = (mantissa << 4) + 8
    if segment:
        magnitude = (magnitude + 0x100) << (segment - 1)
    return magnitude if a & 0x80 else -magnitude


ULAW_TO_LINEAR: tuple[int, ...] = tuple(_ulaw_expand(c) for c in range(256))
ALAW_TO_LINEAR: tuple[int, ...] = tuple(_alaw_expand(c) for c in range(256))
# Little-endian 16-bit sample bytes per code word, for direct WAV output.
_ULAW_LE: tuple[bytes, ...] = tuple(struct.pack("<h", v) for v in ULAW_TO_LINEAR)
_ALAW_LE: tuple[bytes, ...] = tuple(struct.pack("<h", v) for v in ALAW_TO_LINEAR)


def ulaw_decode(data: bytes) -> bytes:
    """µ-law code words → 16-bit little-endian linear PCM (2 bytes per input byte)."""
    t = _ULAW_LE
    return b"".join([t[c] for c in data])


def alaw_decode(data: bytes) -> bytes:
    """A-law code words → 16-bit little-endian linear PCM."""
    t = _ALAW_LE
    return b"".join([t[c] for c in data])


def ulaw_encode_sample(x: int) -> int:
    """One 16-bit linear sample → µ-law code word."""
    v = x >> 2  # G.711 µ-law input: 14-bit two's complement
    sign = 0x80 if v < 0 else 0
    mag = min(-v if v < 0 else v, _ULAW_CLIP >> 2) + (_ULAW_BIAS >> 2)
    exponent = max(mag.bit_length() - 6, 0)  # the bias (33) makes mag >= 2**5
    mantissa = (mag >> (exponent + 1)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def alaw_encode_sample(x: int) -> int:
    """One 16-bit linear sample → A-law code word."""
    v = x >> 3  # G.711 A-law input: 13-bit, negative levels mirrored around -1/2
    sign = 0x80 if v >= 0 else 0
    mag = min(v if v >= 0 else -v - 1, 0xFFF)
    if mag < 32:
        segment, mantissa = 0, mag >> 1
    else:
        segment = mag.bit_length() - 5
        mantissa = (mag >> segment) & 0x0F
    return (sign | (segment << 4) | mantissa) ^ 0x55


def ulaw_encode(samples: Iterable[int]) -> bytes:
    return bytes(ulaw_encode_sample(s) for s in samples)


def alaw_encode(samples: Iterable[int]) -> bytes:
    return bytes(alaw_encode_sample(s) for s in samples)
