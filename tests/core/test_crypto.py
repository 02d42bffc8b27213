"""Personal data encryption: AES-GCM with key ids, tamper detection, rotation to a new key."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.crypto import DecryptionError, Keyring, keyring, set_keyring
from tests.builders.accounts import make_user


def test_round_trip_and_tamper_detection() -> None:
    ring = Keyring(keys={"a": b"\x01" * 32}, active="a", hash_key=b"\x02" * 32)
    token = ring.encrypt(b"310101199001011234")
    assert token.startswith("v1:a:") and "310101" not in token
    assert ring.decrypt(token) == b"310101199001011234"
    body = bytearray(base64.urlsafe_b64decode(token.split(":", 2)[2]))
    body[-1] ^= 1
    with pytest.raises(DecryptionError):
        ring.decrypt("v1:a:" + base64.urlsafe_b64encode(bytes(body)).decode())
    with pytest.raises(DecryptionError):
        ring.decrypt(token.replace("v1:a:", "v1:zz:"))
    assert ring.lookup_hash("13800138000", "phone") == ring.lookup_hash("13800138000", "phone")
    assert ring.lookup_hash("13800138000", "phone") != ring.lookup_hash("13800138000", "id_number")


def test_rotation_reencrypts_old_rows_and_keeps_them_readable(app: Any, ctx: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import User

    old = keyring()
    login = make_user(phone="13900001111")
    raw = db.session.execute(sa.text("SELECT phone FROM users WHERE id = :i"), {"i": login.user_id}).scalar_one()
    assert raw.startswith("v1:k1:")
    new_key = b"\x07" * 32
    set_keyring(Keyring(keys={**old.keys, "k2": new_key}, active="k2", hash_key=old.hash_key))
    try:
        result = app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "users: 1" in result.output
        raw = db.session.execute(sa.text("SELECT phone FROM users WHERE id = :i"), {"i": login.user_id}).scalar_one()
        assert raw.startswith("v1:k2:")
        db.session.expire_all()
        assert db.session.get(User, login.user_id).phone == "13900001111"
        # a second run has nothing left to do
        assert "共 0 行" in app.test_cli_runner().invoke(args=["keys", "rotate"]).output
    finally:
        set_keyring(old)
