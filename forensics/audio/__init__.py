"""Audio of RTP media: G.711 decoding and per-direction WAV export."""
