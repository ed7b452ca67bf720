"""G.711 µ-law / A-law tables against known vectors and the compression rules."""

from __future__ import annotations

import struct

import pytest

from forensics.audio import g711


@pytest.mark.parametrize(
    "code, value",
    [(0xFF, 0), (0x00, -32124), (0x80, 32124), (0x7F, 0), (0xEF, 132), (0x6F, -132)],
)
def test_ulaw_vectors(code, value):
    assert g711.ULAW_TO_LINEAR[code] == value
    assert g711.ulaw_decode(bytes([code])) == struct.pack("<h", value)


@pytest.mark.parametrize(
    "code, value",
    [(0xD5, 8), (0x55, -8), (0xAA, 32256), (0x2A, -32256), (0xC5, 264), (0xF5, 528)],
)
def test_alaw_vectors(code, value):
    assert g711.ALAW_TO_LINEAR[code] == value
    assert g711.alaw_decode(bytes([code])) == struct.pack("<h", value)


def test_tables_are_odd_symmetric_and_monotonic():
    # sign bit flips the sign of the level; within a sign, codes are ordered by level
    for c in range(128):
        assert g711.ULAW_TO_LINEAR[c] == -g711.ULAW_TO_LINEAR[c | 0x80]
        assert g711.ALAW_TO_LINEAR[c ^ 0x55] == -g711.ALAW_TO_LINEAR[(c | 0x80) ^ 0x55]
    pos_u = [g711.ULAW_TO_LINEAR[0xFF - i] for i in range(128)]  # 0xFF..0x80 rising
    pos_a = [g711.ALAW_TO_LINEAR[(0x80 | i) ^ 0x55] for i in range(128)]
    assert pos_u == sorted(pos_u) and len(set(pos_u)) == 128
    assert pos_a == sorted(pos_a) and len(set(pos_a)) == 128


def test_decode_length_and_byte_order():
    pcm = g711.ulaw_decode(bytes([0x00, 0xFF, 0x80]))
    assert pcm == b"\x84\x82\x00\x00\x7c\x7d"  # -32124, 0, 32124 little-endian
    assert len(g711.alaw_decode(bytes(range(256)))) == 512


def test_encode_decode_round_trip():
    for c in range(256):
        assert g711.alaw_encode_sample(g711.ALAW_TO_LINEAR[c]) == c
        if c != 0x7F:  # µ-law "negative zero" re-encodes as 0xFF
            assert g711.ulaw_encode_sample(g711.ULAW_TO_LINEAR[c]) == c
    assert g711.ulaw_encode_sample(0) == 0xFF
    assert (
        g711.ulaw_encode_sample(32767) == 0x80
        and g711.ulaw_encode_sample(-32768) == 0x00
    )
    assert (
        g711.alaw_encode_sample(32767) == 0xAA
        and g711.alaw_encode_sample(-32768) == 0x2A
    )


def test_encoder_error_bounded_by_step_size():
    # quantisation error never exceeds half the widest step (µ-law 1024, A-law 1024)
    for x in range(-32768, 32768, 7):
        assert abs(g711.ULAW_TO_LINEAR[g711.ulaw_encode_sample(x)] - x) <= 1024
        assert abs(g711.ALAW_TO_LINEAR[g711.alaw_encode_sample(x)] - x) <= 1024


def test_same_as_audioop_when_available():
    """Python ≤ 3.12 ships audioop, an independent implementation: compare all inputs."""
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import audioop  # type: ignore[import-not-found]
    except ImportError:  # removed in Python 3.13; the vectors above still apply
        return
    codes = bytes(range(256))
    assert g711.ulaw_decode(codes) == audioop.ulaw2lin(codes, 2)
    assert g711.alaw_decode(codes) == audioop.alaw2lin(codes, 2)
    lin = struct.pack("<65536h", *range(-32768, 32768))
    samples = range(-32768, 32768)
    assert g711.ulaw_encode(samples) == audioop.lin2ulaw(lin, 2)
    assert g711.alaw_encode(samples) == audioop.lin2alaw(lin, 2)
