"""Signed QR tokens: round trip, tampering, foreign keys, garbage, interoperability with a JOSE library."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from backend.core.signing import (
    TokenInvalid,
    TokenSigner,
    TokenVerifier,
    build_qr_payload,
    document_claims,
    generate_keypair,
    public_jwk,
    token_from_payload,
)
from backend.core.timeutil import SHANGHAI

KID = "2025-01"
URL = "https://xfjg.example.gov.cn/verify"


@pytest.fixture(scope="module")
def keypair() -> tuple[bytes, bytes]:
    return generate_keypair()


@pytest.fixture(scope="module")
def claims() -> dict[str, object]:
    return document_claims(
        report_number="WB-310104-2025-000123",
        doc_type="WB",
        content_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        issued_at=datetime(2025, 3, 28, 16, 30, tzinfo=SHANGHAI),
    )


@pytest.fixture(scope="module")
def token(keypair: tuple[bytes, bytes], claims: dict[str, object]) -> str:
    return TokenSigner(keypair[0], KID).sign(claims)


def verifier_for(public_pem: bytes) -> TokenVerifier:
    return TokenVerifier({KID: public_pem})


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_round_trip_returns_the_signed_claims(keypair, claims, token) -> None:
    assert verifier_for(keypair[1]).verify(token) == claims
    assert claims["iat"] == 1743150600  # 2025-03-28 16:30 CST = 08:30 UTC


def test_token_is_compact_url_safe_and_fits_a_qr(token) -> None:
    assert token.count(".") == 2
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len(token) < 300


def test_every_single_character_change_is_rejected(keypair, token) -> None:
    verifier = verifier_for(keypair[1])
    header_end = token.index(".")
    for position, original in enumerate(token):
        if original == ".":
            continue
        replacement = "B" if original != "B" else "C"
        tampered = token[:position] + replacement + token[position + 1 :]
        with pytest.raises(TokenInvalid) as caught:
            verifier.verify(tampered)
        if position > header_end:
            # Claims and signature are covered by the signature: tampering there is a forgery, not a typo.
            assert caught.value.code == "report_token_invalid", position
        else:
            assert caught.value.code in {"report_token_malformed", "report_token_unknown_key", "report_token_invalid"}


def test_token_signed_by_another_key_is_invalid(keypair, claims) -> None:
    other_private, _ = generate_keypair()
    forged = TokenSigner(other_private, KID).sign(claims)
    with pytest.raises(TokenInvalid) as caught:
        verifier_for(keypair[1]).verify(forged)
    assert caught.value.code == "report_token_invalid"


def test_token_with_unknown_key_id_names_the_problem(keypair, claims) -> None:
    other_private, _ = generate_keypair()
    foreign = TokenSigner(other_private, "someone-else").sign(claims)
    with pytest.raises(TokenInvalid) as caught:
        verifier_for(keypair[1]).verify(foreign)
    assert caught.value.code == "report_token_unknown_key"


def test_edited_claims_with_the_original_signature_are_invalid(keypair, claims, token) -> None:
    header, _, signature = token.split(".")
    edited = b64({**claims, "no": "WB-310104-2025-000124"})
    with pytest.raises(TokenInvalid) as caught:
        verifier_for(keypair[1]).verify(f"{header}.{edited}.{signature}")
    assert caught.value.code == "report_token_invalid"


def test_unsigned_alg_none_token_is_refused(keypair, claims) -> None:
    unsigned = f"{b64({'alg': 'none', 'kid': KID})}.{b64(claims)}."
    with pytest.raises(TokenInvalid) as caught:
        verifier_for(keypair[1]).verify(unsigned)
    assert caught.value.code == "report_token_malformed"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "a.b",
        "a.b.c.d",
        "!!!.###.$$$",
        "5LiK5rW3.5LiK5rW3.5LiK5rW3",
        "上海.消防.印章",
        "eyJ.eyJ.AAAA",
    ],
)
def test_garbage_is_malformed(keypair, garbage: str) -> None:
    with pytest.raises(TokenInvalid) as caught:
        verifier_for(keypair[1]).verify(garbage)
    assert caught.value.code == "report_token_malformed"
    assert caught.value.message  # a Chinese sentence the public page can show


def test_verifier_keeps_retired_keys_valid(claims) -> None:
    old_private, old_public = generate_keypair()
    new_private, new_public = generate_keypair()
    verifier = TokenVerifier({"2024-01": old_public, "2025-01": new_public})
    assert verifier.verify(TokenSigner(old_private, "2024-01").sign(claims)) == claims
    assert verifier.verify(TokenSigner(new_private, "2025-01").sign(claims)) == claims


def test_standard_jose_library_verifies_with_the_published_jwk(keypair, claims, token) -> None:
    jwk = public_jwk(keypair[1], KID)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["kid"] == KID
    assert len(base64.urlsafe_b64decode(jwk["x"] + "=")) == 32
    assert jwt.get_unverified_header(token)["kid"] == KID
    assert jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"]) == claims


def test_qr_payload_carries_url_and_token(token) -> None:
    payload = build_qr_payload(URL, token)
    assert payload == f"{URL}?t={token}"
    assert token_from_payload(payload) == token
    assert token_from_payload(build_qr_payload(f"{URL}?lang=zh", token)) == token
    assert token_from_payload(token) == token
    with pytest.raises(TokenInvalid) as caught:
        token_from_payload(URL)
    assert caught.value.code == "report_token_malformed"


def test_non_ed25519_keys_are_refused() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    private_pem = ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError):
        TokenSigner(private_pem, KID)
    with pytest.raises(ValueError):
        TokenVerifier({KID: public_pem})


def test_document_claims_require_an_aware_time() -> None:
    with pytest.raises(ValueError):
        document_claims("WB-1", "WB", "00" * 32, datetime(2025, 3, 28, 16, 30))
