"""The Ed25519 key that signs report QR tokens, and the public keys that verify them.

Configuration: REPORT_SIGNING_KEY_PEM (PKCS#8 private key) in production; REPORT_SIGNING_KEY_ID optionally
names it (default: its RFC 7638 thumbprint); REPORT_SIGNING_RETIRED_KEYS holds earlier public keys (PEM; a
kid -> PEM dict, or a list) so that documents printed before a key rotation still verify. Embedded and
testing runs without a configured key generate one once and keep it under the instance folder, beside the
other generated secrets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app

from backend.core.signing import TokenSigner, TokenVerifier, generate_keypair, public_jwk

KEY_FILE = "report_signing_key.pem"


@dataclass(frozen=True)
class SigningKeys:
    signer: TokenSigner
    verifier: TokenVerifier
    public_keys: dict[str, bytes]  # kid -> public PEM, current first

    @property
    def key_id(self) -> str:
        return self.signer.key_id

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(pem, kid) for kid, pem in self.public_keys.items()]}


def key_thumbprint(public_pem: bytes) -> str:
    """RFC 7638 thumbprint of the OKP JWK, shortened: a stable kid that needs no configuration."""
    jwk = public_jwk(public_pem, "x")
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:16]


def public_pem_of(private_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _instance_key(app: Flask) -> bytes:
    """Generate the key once; O_EXCL makes two processes starting together agree on one key."""
    path = Path(app.instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        private_pem, _ = generate_keypair()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(private_pem)
    return path.read_bytes()


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _build(app: Flask) -> SigningKeys:
    configured = app.config.get("REPORT_SIGNING_KEY_PEM")
    if not configured and app.config.get("ENV_NAME") == "production":
        # Every web and worker process must sign with the same key; a generated one would differ per host.
        raise RuntimeError("production configuration is missing: REPORT_SIGNING_KEY_PEM")
    private_pem = _as_bytes(configured) if configured else _instance_key(app)
    public_pem = public_pem_of(private_pem)
    kid = app.config.get("REPORT_SIGNING_KEY_ID") or key_thumbprint(public_pem)
    public_keys = {kid: public_pem}
    retired = app.config.get("REPORT_SIGNING_RETIRED_KEYS") or {}
    if not isinstance(retired, dict):  # a plain list of PEMs: each named by its thumbprint
        retired = {key_thumbprint(_as_bytes(pem)): pem for pem in retired}
    for retired_kid, pem in retired.items():
        public_keys.setdefault(retired_kid, _as_bytes(pem))
    return SigningKeys(TokenSigner(private_pem, kid), TokenVerifier(public_keys), public_keys)


def signing_keys() -> SigningKeys:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    keys = app.extensions.get("report_signing_keys")
    if keys is None:
        keys = app.extensions["report_signing_keys"] = _build(app)
    return keys
