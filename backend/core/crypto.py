"""Personal data at rest: AES-GCM with key ids (so keys rotate), keyed hashes for look-ups, masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.types import TypeDecorator

_PREFIX = "v1"


class DecryptionError(Exception):
    pass


@dataclass
class Keyring:
    """keys: key id -> 32-byte AES key. active: the id new data is encrypted with."""

    keys: dict[str, bytes]
    active: str
    hash_key: bytes

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ValueError(f"active key id {self.active!r} is not in the keyring")
        for kid, key in self.keys.items():
            if len(key) != 32:
                raise ValueError(f"key {kid!r} must be 32 bytes (AES-256)")
            if ":" in kid:
                raise ValueError("key ids may not contain ':'")
        if len(self.hash_key) < 32:
            raise ValueError("the look-up hash key must be at least 32 bytes")

    def encrypt(self, plaintext: bytes, aad: bytes = b"") -> str:
        nonce = os.urandom(12)
        ciphertext = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext, aad or None)
        return f"{_PREFIX}:{self.active}:{base64.urlsafe_b64encode(nonce + ciphertext).decode()}"

    def decrypt(self, token: str, aad: bytes = b"") -> bytes:
        try:
            prefix, kid, body = token.split(":", 2)
        except ValueError as exc:
            raise DecryptionError("malformed ciphertext") from exc
        if prefix != _PREFIX or kid not in self.keys:
            raise DecryptionError(f"unknown key id {kid!r}")
        raw = base64.urlsafe_b64decode(body.encode())
        try:
            return AESGCM(self.keys[kid]).decrypt(raw[:12], raw[12:], aad or None)
        except Exception as exc:  # InvalidTag: tampered or wrong key
            raise DecryptionError("ciphertext failed authentication") from exc

    def key_id_of(self, token: str) -> str:
        return token.split(":", 2)[1]

    def lookup_hash(self, value: str, purpose: str = "") -> str:
        """Deterministic keyed hash for uniqueness and look-ups; the value itself is never stored in clear."""
        msg = f"{purpose}\x00{value}".encode()
        return hmac.new(self.hash_key, msg, hashlib.sha256).hexdigest()


_keyring: Keyring | None = None


def set_keyring(keyring: Keyring) -> None:
    global _keyring
    _keyring = keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise RuntimeError("the encryption keyring is not configured (create_app sets it)")
    return _keyring


def parse_keys(spec: str) -> dict[str, bytes]:
    """'k1:<base64>,k2:<base64>' -> {'k1': b'...', 'k2': b'...'}"""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kid, _, b64 = part.partition(":")
        keys[kid] = base64.b64decode(b64)
    return keys


def new_key_b64() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-11:] if digits.startswith("86") and len(digits) == 13 else digits


def phone_hash(phone: str) -> str:
    return keyring().lookup_hash(normalise_phone(phone), "phone")


def id_number_hash(id_number: str) -> str:
    return keyring().lookup_hash(id_number.strip().upper(), "id_number")


class EncryptedText(TypeDecorator[str]):
    """A text column stored as AES-GCM ciphertext; the ORM sees plaintext."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(value.encode("utf-8"))

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value).decode("utf-8")


class EncryptedBytes(TypeDecorator[bytes]):
    """Binary secrets (face encodings) stored as AES-GCM ciphertext text."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(bytes(value))

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> bytes | None:
        if value is None:
            return None
        return keyring().decrypt(value)
