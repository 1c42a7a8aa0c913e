"""The class password: stored only as a salted scrypt hash, in a file only its owner can read."""

from __future__ import annotations

import base64
import os

import pytest

from marl_tui.serving.passwords import (
    SCHEME,
    PasswordFileError,
    hash_password,
    load_password_hash,
    save_password_hash,
    verify_password,
)


@pytest.fixture(scope="module")
def stored() -> str:
    """One hash of "correct horse", shared: each scrypt costs about 50 ms."""
    return hash_password("correct horse")


def test_the_password_verifies_and_nothing_else_does(stored):
    assert verify_password("correct horse", stored)
    assert verify_password("correct horse", stored + "\n")  # as read back from the file
    for wrong in ("correct horse ", "Correct horse", "correct", ""):
        assert not verify_password(wrong, stored)


def test_the_hash_names_its_scheme_and_cost_and_hides_the_password(stored):
    scheme, n, r, p, salt, key = stored.split("$")
    assert (scheme, n, r, p) == (SCHEME, str(2**14), "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(key)) == 32
    assert "correct" not in stored


def test_each_hash_has_its_own_salt(stored):
    again = hash_password("correct horse")
    assert again != stored and again.split("$")[4] != stored.split("$")[4]
    assert verify_password("correct horse", again)
    salt = b"0123456789abcdef"
    assert hash_password("x", salt=salt) == hash_password("x", salt=salt)


def _with_field(stored: str, index: int, value: str) -> str:
    fields = stored.split("$")
    fields[index] = value
    return "$".join(fields)


@pytest.mark.parametrize("make", [
    lambda s: "",
    lambda s: "correct horse",
    lambda s: _with_field(s, 0, "bcrypt"),
    lambda s: _with_field(s, 0, "SCRYPT"),
    lambda s: s.rsplit("$", 1)[0],
    lambda s: s + "$extra",
    lambda s: _with_field(s, 4, "not*base64"),
    lambda s: _with_field(s, 5, "AAA"),
    lambda s: _with_field(s, 5, ""),
    lambda s: _with_field(s, 1, "many"),
    lambda s: _with_field(s, 1, "1000"),  # not a power of two
    lambda s: _with_field(s, 2, "8.0"),
    lambda s: _with_field(s, 5, base64.b64encode(b"\0" * 32).decode()),
    lambda s: _with_field(s, 5, s.split("$")[5][:20]),  # truncated key: a shorter dklen
], ids=["empty", "plaintext", "other scheme", "scheme case", "too few fields", "too many fields",
        "bad base64 salt", "bad base64 key", "empty key", "non-integer N", "N not a power of 2",
        "non-integer r", "tampered key", "truncated key"])
def test_a_malformed_or_tampered_hash_never_verifies_and_never_raises(stored, make):
    assert verify_password("correct horse", make(stored)) is False


@pytest.mark.parametrize(("index", "value"), [
    (1, "-16384"), (1, str(2**70)), (3, "-1"), (3, str(2**70)),
], ids=["negative N", "huge N", "negative p", "huge p"])
def test_out_of_range_cost_parameters_never_verify_and_never_raise(stored, index, value):
    assert verify_password("correct horse", _with_field(stored, index, value)) is False


def test_saved_hash_is_private_verifies_and_holds_no_plaintext(tmp_path):
    path = tmp_path / "config" / "marl-tui" / "class-password"
    previous = os.umask(0)  # even a permissive umask must not loosen the file
    try:
        save_password_hash(path, "correct horse")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o600
    raw = path.read_bytes()
    assert b"correct" not in raw and b"horse" not in raw
    assert verify_password("correct horse", load_password_hash(path))
    assert [p.name for p in path.parent.iterdir()] == ["class-password"]


def test_a_new_password_replaces_the_old_file_atomically(tmp_path):
    path = tmp_path / "class-password"
    save_password_hash(path, "first")
    with path.open() as reader:  # a server reading the old file while the teacher sets a new one
        save_password_hash(path, "second")
        old = reader.read().strip()
    assert verify_password("first", old) and not verify_password("second", old)
    new = load_password_hash(path)
    assert verify_password("second", new) and not verify_password("first", new)
    assert [p.name for p in tmp_path.iterdir()] == ["class-password"]


def test_a_stale_temporary_file_does_not_loosen_the_mode(tmp_path):
    """A `.tmp` left by an interrupted run (here mode 644) must not hand its mode to the new file."""
    path = tmp_path / "class-password"
    stale = tmp_path / "class-password.tmp"
    stale.write_text("half-written\n")
    stale.chmod(0o644)
    save_password_hash(path, "correct horse")
    assert path.stat().st_mode & 0o777 == 0o600
    assert verify_password("correct horse", load_password_hash(path))


def test_an_empty_password_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "class-password"
    with pytest.raises(PasswordFileError, match="must not be empty"):
        save_password_hash(path, "")
    assert not path.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644, 0o666])
def test_a_file_others_can_access_is_refused_with_the_fix(tmp_path, stored, mode):
    path = tmp_path / "class-password"
    path.write_text(stored + "\n")
    path.chmod(mode)
    with pytest.raises(PasswordFileError) as refused:
        load_password_hash(path)
    assert f"mode {mode:o}" in str(refused.value)
    assert f"chmod 600 {path}" in str(refused.value)


@pytest.mark.parametrize("text", ["", "correct horse\n", "scrypt$16384$8$1\n", "bcrypt$1$2$3$4$5\n"])
def test_a_file_without_a_hash_is_refused(tmp_path, text):
    path = tmp_path / "class-password"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(PasswordFileError, match="does not hold a password hash.*--set-password"):
        load_password_hash(path)


def test_a_missing_or_unreadable_file_is_a_password_file_error(tmp_path):
    with pytest.raises(PasswordFileError, match="cannot read the password file .*missing"):
        load_password_hash(tmp_path / "missing")
    with pytest.raises(PasswordFileError, match="cannot read"):
        load_password_hash(tmp_path)  # a folder


def test_load_returns_the_hash_without_surrounding_whitespace(tmp_path, stored):
    path = tmp_path / "class-password"
    path.write_text(f"\n  {stored}  \n")
    path.chmod(0o600)
    assert load_password_hash(path) == stored
