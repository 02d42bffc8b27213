"""The authenticated read path: verified tokens and actors are cached, and nothing about a token's validity,
revocation or the user's roles and profile is served stale."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from backend.core.timeutil import epoch_seconds
from tests.builders.accounts import make_user, sms_login


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def _statements() -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs."""
    from backend.core.db import db

    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _tokens(app: Any) -> Any:
    from backend.core.api import VerifiedTokens

    return VerifiedTokens.of(app)


# --- verified tokens ---------------------------------------------------------------------------------------


def test_the_token_cache_is_on_only_while_no_per_request_jwt_loader_is_registered(app: Any) -> None:
    """Cached tokens skip flask-jwt-extended's blocklist, user lookup, custom verification and key lookup; revocation
    is the actor loader's job. Registering one of those loaders must switch the cache off."""
    from backend.core.api import VerifiedTokens

    assert _tokens(app).enabled
    manager = app.extensions["flask-jwt-extended"]
    saved = app.extensions.pop("verified_tokens")
    manager._token_in_blocklist_callback = lambda header, data: False
    try:
        assert not VerifiedTokens.of(app).enabled
    finally:
        from flask_jwt_extended import default_callbacks

        manager._token_in_blocklist_callback = default_callbacks.default_blocklist_callback
        app.extensions["verified_tokens"] = saved


def test_a_verified_token_is_reused_and_an_altered_one_is_verified_again(app: Any, client: Any, ctx: Any) -> None:
    login = make_user(roles=("practitioner",))
    assert client.get("/api/v1/me", headers=login.headers).status_code == 200
    assert _tokens(app).get(login.access_token) is not None
    assert client.get("/api/v1/me", headers=login.headers).status_code == 200

    head, payload, signature = login.access_token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    r = client.get("/api/v1/me", headers=_bearer(forged))
    assert r.status_code == 401 and r.get_json()["code"] == "token_invalid"
    assert _tokens(app).get(forged) is None
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer  {login.access_token}"})
    assert r.status_code == 200  # an odd but valid header goes the slow way and still works


def test_refresh_tokens_are_never_cached_and_stay_refused(app: Any, client: Any, ctx: Any) -> None:
    login = make_user()
    for _ in range(2):
        r = client.get("/api/v1/me", headers=_bearer(login.refresh_token))
        assert r.status_code == 401
    assert _tokens(app).get(login.refresh_token) is None


def test_a_cached_token_stops_working_when_it_expires(app: Any, client: Any, ctx: Any, clock: Any) -> None:
    from flask_jwt_extended import create_access_token, decode_token

    user = make_user()
    claims = decode_token(user.access_token)
    token = create_access_token(
        identity=str(user.user_id),
        additional_claims={"sid": claims["sid"], "ver": claims["ver"]},
        expires_delta=timedelta(seconds=2),
    )
    exp = decode_token(token)["exp"]
    assert exp - epoch_seconds() < 3
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    assert _tokens(app).get(token) is not None
    clock.shift(max(exp - epoch_seconds(), 0) + 0.05)  # travel past the expiry instead of sleeping
    r = client.get("/api/v1/me", headers=_bearer(token))
    assert r.status_code == 401 and r.get_json()["code"] == "token_expired"


def test_the_token_cache_is_bounded_and_drops_expired_entries_first() -> None:
    from backend.core.api import VerifiedTokens

    tokens = VerifiedTokens(enabled=True, leeway=0)
    tokens.MAX_ENTRIES = 3
    past, future = epoch_seconds() - 10, epoch_seconds() + 600
    tokens.put("old", {"type": "access", "exp": past}, {})
    tokens.put("a", {"type": "access", "exp": future}, {})
    tokens.put("b", {"type": "access", "exp": future}, {})
    tokens.put("c", {"type": "access", "exp": future}, {})  # full: the expired one goes
    assert [tokens.get(k) is not None for k in ("old", "a", "b", "c")] == [False, True, True, True]
    tokens.put("d", {"type": "access", "exp": future}, {})  # full of live ones: start again
    assert tokens.get("a") is None and tokens.get("d") is not None
    tokens.put("r", {"type": "refresh", "exp": future}, {})
    tokens.put("x", {"type": "access"}, {})  # no expiry: never cached
    assert tokens.get("r") is None and tokens.get("x") is None
    off = VerifiedTokens(enabled=False, leeway=0)
    off.put("a", {"type": "access", "exp": future}, {})
    assert off.get("a") is None


def test_logout_revokes_a_cached_token_at_once(app: Any, client: Any, ctx: Any) -> None:
    tokens = sms_login(client, "13812349001")
    h = _bearer(tokens["access_token"])
    for _ in range(2):
        assert client.get("/api/v1/me", headers=h).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 200
    assert _tokens(app).get(tokens["access_token"]) is not None  # still a well-signed token …
    r = client.get("/api/v1/me", headers=h)  # … of a revoked session
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"


# --- cached actor and profile ------------------------------------------------------------------------------


def test_me_from_the_cache_needs_no_database_and_equals_the_database_answer(client: Any, ctx: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import User

    login = make_user(roles=("org_admin", "legal_rep", "practitioner"), org_id=7, name="王 测试")
    user = db.session.get(User, login.user_id)
    user.wechat_openid = "o-test"
    db.session.commit()
    first = client.get("/api/v1/me", headers=login.headers).get_json()
    with _statements() as statements:
        second = client.get("/api/v1/me", headers=login.headers).get_json()
    assert statements == []
    assert first == second
    assert second["display_name"] == "王 测试" and second["wechat_bound"] is True
    assert [(r["role"], r["org_id"]) for r in second["roles"]] == [
        ("org_admin", 7),
        ("legal_rep", 7),
        ("practitioner", None),
    ]
    assert second["org_ids"] == [7]


def test_a_change_to_the_user_by_any_module_shows_in_the_next_me(client: Any, ctx: Any) -> None:
    """The real-name module sets display names straight on the user row: the cached profile must not hide it."""
    from backend.core.db import db
    from backend.modules.accounts.models import User

    login = make_user(roles=("practitioner",))
    assert client.get("/api/v1/me", headers=login.headers).get_json()["display_name"] is None
    user = db.session.get(User, login.user_id)
    user.display_name = "李 四"
    db.session.commit()
    assert client.get("/api/v1/me", headers=login.headers).get_json()["display_name"] == "李 四"

    user = db.session.get(User, login.user_id)
    user.wechat_openid = "o-later"
    db.session.commit()
    assert client.get("/api/v1/me", headers=login.headers).get_json()["wechat_bound"] is True


def test_a_rolled_back_change_keeps_the_cache(client: Any, ctx: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import User

    login = make_user()
    client.get("/api/v1/me", headers=login.headers)
    user = db.session.get(User, login.user_id)
    user.display_name = "不会提交"
    db.session.flush()
    db.session.rollback()
    with _statements() as statements:
        assert client.get("/api/v1/me", headers=login.headers).get_json()["display_name"] is None
    assert statements == []


def test_a_role_added_outside_the_accounts_services_is_seen_at_once(client: Any, ctx: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import UserRole

    login = make_user(roles=("practitioner",))
    r = client.get("/api/v1/admin/supervisors", headers=login.headers)
    assert r.status_code == 403
    db.session.add(UserRole(user_id=login.user_id, role="corps_admin", jurisdiction="corps", permissions=[]))
    db.session.commit()
    assert client.get("/api/v1/admin/supervisors", headers=login.headers).status_code == 200
    me = client.get("/api/v1/me", headers=login.headers).get_json()
    assert me["jurisdiction"] == "corps" and "corps_admin" in [r["role"] for r in me["roles"]]


def test_an_actor_loaded_while_the_user_changes_is_not_trusted(ctx: Any) -> None:
    """The stamp is read before the database: a change committing in between leaves an entry that never matches."""
    from backend.core.access import Actor
    from backend.modules.accounts import actor_cache

    actor, stamp = actor_cache.lookup(42, "sid-1", 1)
    assert actor is None and stamp is None
    stamp = actor_cache.current_stamp(42, stamp)
    actor_cache.user_changed(42)  # commits between the stamp read and the cache write
    actor_cache.put(Actor(42, frozenset({"practitioner"})), "sid-1", 1, stamp, {"roles": []})
    assert actor_cache.lookup(42, "sid-1", 1)[0] is None

    stamp = actor_cache.current_stamp(42, actor_cache.lookup(42, "sid-1", 1)[1])
    actor_cache.put(Actor(42, frozenset({"practitioner"})), "sid-1", 1, stamp, {"roles": []})
    cached = actor_cache.lookup(42, "sid-1", 1)[0]
    assert cached is not None and cached.roles == {"practitioner"}
    assert actor_cache.lookup(42, "sid-1", 2)[0] is None  # another token version
    actor_cache.session_revoked("sid-1", 60)
    assert actor_cache.lookup(42, "sid-1", 1)[0] is None


def test_a_disabled_user_is_refused_at_once(client: Any, ctx: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import User

    login = make_user(roles=("practitioner",))
    assert client.get("/api/v1/me", headers=login.headers).status_code == 200
    user = db.session.get(User, login.user_id)
    user.status = "disabled"
    db.session.commit()
    r = client.get("/api/v1/me", headers=login.headers)
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"
