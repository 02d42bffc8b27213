"""Offline-verifiable signed tokens for the anti-counterfeit QR code of conclusion documents.

A token is a JWS in compact serialisation (RFC 7515) signed with Ed25519 ("EdDSA", RFC 8037):
``base64url(header) "." base64url(claims) "." base64url(signature)``. The header carries only ``alg`` and
``kid``, the claims are short JSON with sorted keys, so a token is under 300 characters and fits a QR code
that a phone reads from paper. Anyone holding the public key (published as an OKP JWK) can verify it without
calling the system, with this module or any JOSE library.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import DomainError

ALGORITHM = "EdDSA"
TOKEN_QUERY_PARAM = "t"

# Report-token codes are distinct from the login-token codes ("token_invalid" means a bad login JWT).
_TOKEN_MESSAGES: dict[str, str] = {
    "report_token_invalid": "二维码签名校验未通过，该文件可能被伪造或篡改",
    "report_token_unknown_key": "二维码签名密钥未知，无法核验该文件",
    "report_token_malformed": "二维码内容格式不正确，无法核验",
}


class TokenInvalid(DomainError):
    """A QR token that cannot be trusted; ``code`` says why."""

    status = 422
    default_code = "report_token_invalid"
    INVALID = "report_token_invalid"
    UNKNOWN_KEY = "report_token_unknown_key"
    MALFORMED = "report_token_malformed"

    def __init__(self, code: str = INVALID, detail: str = "") -> None:
        super().__init__(code, _TOKEN_MESSAGES[code], {"reason": detail} if detail else None)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(segment: str) -> bytes:
    """Strict base64url: a segment that does not re-encode to itself is rejected, so that the unused low
    bits of the last character cannot be flipped without changing the decoded bytes unnoticed."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenInvalid(TokenInvalid.MALFORMED, "base64") from exc
    if _b64encode(raw) != segment:
        raise TokenInvalid(TokenInvalid.MALFORMED, "base64")
    return raw


def _json_segment(data: dict[str, Any]) -> str:
    return _b64encode(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(segment).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TokenInvalid(TokenInvalid.MALFORMED, "json") from exc
    if not isinstance(value, dict):
        raise TokenInvalid(TokenInvalid.MALFORMED, "json")
    return value


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def _load_public_key(public_pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(public_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the verification key must be an Ed25519 public key")
    return key


def public_jwk(public_pem: bytes, kid: str) -> dict[str, str]:
    """The public key as an OKP JWK (RFC 8037) for the well-known key endpoint."""
    raw = _load_public_key(public_pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64encode(raw), "kid": kid, "alg": ALGORITHM, "use": "sig"}


class TokenSigner:
    """Signs claims with the current private key; ``key_id`` names the key so verifiers can pick it."""

    def __init__(self, private_key_pem: bytes, key_id: str) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be an Ed25519 private key")
        if not key_id:
            raise ValueError("key_id must not be empty")
        self._key = key
        self.key_id = key_id

    @property
    def public_key_pem(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any]) -> str:
        signing_input = f"{_json_segment({'alg': ALGORITHM, 'kid': self.key_id})}.{_json_segment(claims)}"
        return f"{signing_input}.{_b64encode(self._key.sign(signing_input.encode('ascii')))}"


class TokenVerifier:
    """Verifies tokens with public keys only; keeping retired keys here keeps old paper documents valid."""

    def __init__(self, public_keys: dict[str, bytes]) -> None:
        self._keys = {kid: _load_public_key(pem) for kid, pem in public_keys.items()}

    def verify(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or not token.isascii():
            raise TokenInvalid(TokenInvalid.MALFORMED, "not ascii")
        parts = token.strip().split(".")
        if len(parts) != 3 or not all(parts):
            raise TokenInvalid(TokenInvalid.MALFORMED, "segments")
        header_segment, claims_segment, signature_segment = parts
        header = _json_object(header_segment)
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise TokenInvalid(TokenInvalid.MALFORMED, "header")
        key = self._keys.get(header["kid"])
        if key is None:
            raise TokenInvalid(TokenInvalid.UNKNOWN_KEY, header["kid"])
        try:
            signature = _b64decode(signature_segment)
        except TokenInvalid as exc:
            # A damaged signature is a failed signature, not a format problem the reader can fix.
            raise TokenInvalid(TokenInvalid.INVALID, "signature encoding") from exc
        try:
            key.verify(signature, f"{header_segment}.{claims_segment}".encode("ascii"))
        except InvalidSignature as exc:
            raise TokenInvalid(TokenInvalid.INVALID, "signature") from exc
        return _json_object(claims_segment)


def digest_claim(content_sha256_hex: str) -> str:
    """A SHA-256 hex digest as it appears in the claims: base64url of the 32 bytes, 21 characters shorter than
    hex, which keeps the QR one version smaller."""
    raw = bytes.fromhex(content_sha256_hex)
    if len(raw) != 32:
        raise ValueError("expected a SHA-256 digest (64 hex digits)")
    return _b64encode(raw)


def document_claims(report_number: str, doc_type: str, content_sha256: str, issued_at: datetime) -> dict[str, Any]:
    """The minimal claims of a conclusion document: what a reader needs to match paper against the record.

    ``content_sha256`` is the hex digest of the document's content (not of the PDF, which contains this
    token); it is carried whole, so nobody can prepare two contents that share a signed digest.
    """
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    return {
        "no": report_number,
        "typ": doc_type,
        "sha": digest_claim(content_sha256),
        "iat": int(issued_at.timestamp()),
    }


def build_qr_payload(verification_url: str, token: str) -> str:
    """The QR text: the verification URL with the token as a query parameter, so a phone camera opens the
    public page while an offline verifier can still take the token out of it."""
    separator = "&" if urlsplit(verification_url).query else "?"
    return f"{verification_url}{separator}{urlencode({TOKEN_QUERY_PARAM: token})}"


def token_from_payload(payload: str) -> str:
    """The token inside a scanned QR payload (or the payload itself if it is a bare token)."""
    values = parse_qs(urlsplit(payload.strip()).query).get(TOKEN_QUERY_PARAM)
    if values:
        return values[0]
    if payload.count(".") == 2 and "/" not in payload:
        return payload.strip()
    raise TokenInvalid(TokenInvalid.MALFORMED, "no token in payload")
