"""WireGuard wg-quick configs and the X25519 public-key derivation."""

import base64

from parsers.host_artifacts import wireguard

from .helpers import canonical, check_golden, dumps, run, sniff_file


def test_x25519_rfc7748_vector():
    # RFC 7748 §6.1, Alice's key pair
    priv = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    pub = bytes.fromhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    assert wireguard.x25519_base(priv) == pub
    # Bob's
    priv = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    pub = bytes.fromhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    assert wireguard.x25519_base(priv) == pub


def test_sniff():
    assert sniff_file(wireguard.PARSER, "wireguard/wg-op.conf")
    assert not sniff_file(wireguard.PARSER, "negative_settings.ini")
    assert not sniff_file(wireguard.PARSER, "openvpn/op-hk.ovpn")


def test_peers_keys_and_derived_public_key():
    recs, ctx = run(wireguard.PARSER, "wireguard/wg-op.conf")
    (cfg,) = recs
    assert [(p.host, p.port, p.transport, p.public_key) for p in cfg.peers] == [
        ("203.0.113.20", 51820, "udp", "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="),
        ("2001:db8::20", 51821, "udp", "not-a-key"),
    ]
    priv = base64.b64decode("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=")
    assert cfg.local_public_key == base64.b64encode(wireguard.x25519_base(priv)).decode()
    assert cfg.local_public_key != "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
    assert cfg.secret_names == ("PrivateKey", "PresharedKey")
    assert [(w.code, w.line) for w in ctx.warnings] == [("wireguard-bad-key", 14)]
    out = dumps(canonical(recs, ctx))
    assert "yAnz5TF+lXXJte14tji3zlMNq" not in out
    assert "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" not in out


def test_golden():
    check_golden(wireguard.PARSER, "wireguard/wg-op.conf")
