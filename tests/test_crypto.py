import pytest

from flask_phonecapture.crypto import CryptoError, Keyring, load_keyring, new_key, parse_keyring


def ring(*kids, bits=32):
    keys = [(kid, bytes([i + 1]) * 32) for i, kid in enumerate(kids)]
    return Keyring(keys, b"\x07" * 32, bits)


def test_roundtrip_and_ciphertext_carries_key_id():
    kr = ring("k1")
    token = kr.encrypt("+79123456789", "phonecapture_contact.e164_enc.abc")
    assert token.startswith("pc1.k1.")
    assert "9123456789" not in token
    assert kr.decrypt(token, "phonecapture_contact.e164_enc.abc") == "+79123456789"


def test_nonce_is_random_so_equal_values_differ():
    kr = ring("k1")
    assert kr.encrypt("x", "t.c.1") != kr.encrypt("x", "t.c.1")


def test_ciphertext_moved_to_another_row_or_column_does_not_decrypt():
    kr = ring("k1")
    token = kr.encrypt("+79123456789", "phonecapture_contact.e164_enc.row1")
    with pytest.raises(CryptoError):
        kr.decrypt(token, "phonecapture_contact.e164_enc.row2")
    with pytest.raises(CryptoError):
        kr.decrypt(token, "phonecapture_contact.national_enc.row1")


def test_tampered_ciphertext_is_rejected():
    kr = ring("k1")
    token = kr.encrypt("secret", "t.c.1")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(CryptoError):
        kr.decrypt(flipped, "t.c.1")


def test_new_primary_key_encrypts_and_old_key_still_decrypts():
    old = ring("k1")
    token = old.encrypt("v", "t.c.1")
    rotated = Keyring([("k2", b"\x09" * 32)] + old.keys, old.index_key)
    assert rotated.decrypt(token, "t.c.1") == "v"
    assert rotated.encrypt("v", "t.c.1").startswith("pc1.k2.")


def test_blind_index_is_keyed_truncated_and_stable():
    a, b = ring("k1", bits=32), Keyring([("k1", b"\x01" * 32)], b"\x08" * 32, 32)
    assert a.blind_index("+79123456789") == a.blind_index("+79123456789")
    assert len(a.blind_index("+79123456789")) == 8  # 32 bits as hex
    assert a.blind_index("+79123456789") != b.blind_index("+79123456789")  # other key, other index
    assert a.blind_index("+79123456789", "erasure") != a.blind_index("+79123456789")


def test_code_mac_is_bound_to_its_scope():
    kr = ring("k1")
    assert kr.code_mac("v1", "123456") != kr.code_mac("v2", "123456")
    assert "123456" not in kr.code_mac("v1", "123456")


@pytest.mark.parametrize("value, message", [
    ("nocolon", "keyid:base64key"), ("k1:" + "A" * 10, "32 bytes"), ("", "empty"),
    (f"k1:{new_key()},k1:{new_key()}", "repeated"), (f"a.b:{new_key()}", "must not contain"),
])
def test_malformed_keyrings_are_explained(value, message):
    with pytest.raises(CryptoError, match=message):
        parse_keyring(value)


def test_demo_keys_are_generated_once_in_the_instance_folder(tmp_path):
    first, generated = load_keyring({}, str(tmp_path))
    second, _ = load_keyring({}, str(tmp_path))
    assert generated
    assert first.keys == second.keys and first.index_key == second.index_key
    assert (tmp_path / "phonecapture-keys.json").stat().st_mode & 0o077 == 0
