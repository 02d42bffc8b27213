"""The report signing key: configured in production, generated once under the instance folder otherwise,
named by its thumbprint, and retired keys still verify the documents they signed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from backend.core.signing import TokenInvalid, TokenSigner, generate_keypair
from backend.modules.documents.keys import KEY_FILE, _build, key_thumbprint


def test_production_refuses_to_run_without_a_configured_key(tmp_path: Path) -> None:
    app = Flask(__name__, instance_path=str(tmp_path))
    app.config["ENV_NAME"] = "production"
    with pytest.raises(RuntimeError, match="REPORT_SIGNING_KEY_PEM"):
        _build(app)
    assert not (tmp_path / KEY_FILE).exists()


def test_embedded_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    app = Flask(__name__, instance_path=str(tmp_path))
    first = _build(app)
    second = _build(app)
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert first.key_id == second.key_id == key_thumbprint(first.public_keys[first.key_id])
    token = first.signer.sign({"no": "WB-310104-2026-000001"})
    assert second.verifier.verify(token)["no"] == "WB-310104-2026-000001"


def test_configured_key_signs_and_retired_keys_still_verify(tmp_path: Path) -> None:
    old_private, old_public = generate_keypair()
    new_private, _ = generate_keypair()
    old_token = TokenSigner(old_private, key_thumbprint(old_public)).sign({"no": "WB-310104-2025-000123"})
    app = Flask(__name__, instance_path=str(tmp_path))
    app.config.update(REPORT_SIGNING_KEY_PEM=new_private.decode(), REPORT_SIGNING_RETIRED_KEYS=[old_public.decode()])
    keys = _build(app)
    assert keys.verifier.verify(old_token)["no"] == "WB-310104-2025-000123"
    assert {jwk["kid"] for jwk in keys.jwks()["keys"]} == {keys.key_id, key_thumbprint(old_public)}
    app.config["REPORT_SIGNING_RETIRED_KEYS"] = []
    with pytest.raises(TokenInvalid) as caught:
        _build(app).verifier.verify(old_token)
    assert caught.value.code == "report_token_unknown_key"
    assert not (tmp_path / KEY_FILE).exists()
