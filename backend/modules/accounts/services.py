"""Account rules: SMS codes, logins, tokens, roles and supervisor assignments."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import jwt as pyjwt
import sqlalchemy as sa
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from backend.bootstrap import adapters
from backend.core import jurisdictions, ratelimit
from backend.core.access import PERMISSIONS, Actor, Role
from backend.core.audit import record
from backend.core.crypto import keyring, normalise_phone, phone_hash
from backend.core.db import after_commit, db, unit_of_work
from backend.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from backend.core.timeutil import utcnow
from backend.core.validators import is_valid_cn_mobile, mask_phone

from . import actor_cache
from .models import RevokedSession, SmsCode, SupervisorAssignment, User, UserRole

SMS_PURPOSES = ("login", "bind")


@dataclass(frozen=True)
class CodeIssued:
    expires_in: int
    resend_after: int


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def _cfg(key: str) -> Any:
    return current_app.config[key]


def _valid_phone(phone: str) -> str:
    phone = normalise_phone(phone or "")
    if not is_valid_cn_mobile(phone):
        raise ValidationFailed("invalid_phone", details={"fields": {"phone": ["手机号码格式不正确"]}})
    return phone


def _code_hash(phone: str, code: str) -> str:
    return keyring().lookup_hash(f"{phone}:{code}", "sms_code")


# --- SMS codes ---------------------------------------------------------------------------------------


def request_sms_code(phone: str, purpose: str, ip: str | None) -> CodeIssued:
    phone = _valid_phone(phone)
    if purpose not in SMS_PURPOSES:
        raise ValidationFailed(details={"fields": {"purpose": ["用途不正确"]}})
    ph = phone_hash(phone)
    now = utcnow()
    with unit_of_work() as uow:
        last = db.session.scalar(
            sa.select(SmsCode).where(SmsCode.phone_hash == ph).order_by(SmsCode.created_at.desc()).limit(1)
        )
        interval: timedelta = _cfg("SMS_RESEND_INTERVAL")
        if last is not None and now - last.created_at < interval:
            wait = int((interval - (now - last.created_at)).total_seconds()) + 1
            raise RateLimited("sms_too_frequent", headers={"Retry-After": str(wait)}, details={"retry_after": wait})
        sent_today = db.session.scalar(
            sa.select(sa.func.count()).where(SmsCode.phone_hash == ph, SmsCode.created_at > now - timedelta(days=1))
        )
        if sent_today >= _cfg("SMS_DAILY_LIMIT"):
            raise RateLimited("sms_daily_limit")
        if ip:
            from_ip = db.session.scalar(
                sa.select(sa.func.count()).where(SmsCode.ip == ip, SmsCode.created_at > now - timedelta(hours=1))
            )
            if from_ip >= _cfg("SMS_IP_HOURLY_LIMIT"):
                raise RateLimited("sms_ip_limit")
        code = f"{secrets.randbelow(10**6):06d}"
        ttl: timedelta = _cfg("SMS_CODE_TTL")
        db.session.add(
            SmsCode(phone_hash=ph, code_hash=_code_hash(phone, code), purpose=purpose, ip=ip, expires_at=now + ttl)
        )
        result = adapters().sms.send(phone, "login_code", {"code": code})
        if not result.ok:
            raise ServiceUnavailable(result.error or "sms_rejected", result.error_message)
        uow.commit()
    return CodeIssued(expires_in=int(ttl.total_seconds()), resend_after=int(interval.total_seconds()))


def verify_sms_code(phone: str, code: str, purpose: str) -> None:
    """Consume a code. Each wrong try counts (committed even though the request fails)."""
    ph = phone_hash(phone)
    row = db.session.scalar(
        sa.select(SmsCode)
        .where(SmsCode.phone_hash == ph, SmsCode.purpose == purpose, SmsCode.consumed_at.is_(None))
        .order_by(SmsCode.created_at.desc())
        .limit(1)
    )
    if row is None:
        raise BadRequest("code_invalid")
    if row.attempts >= _cfg("SMS_CODE_MAX_ATTEMPTS"):
        raise RateLimited("code_attempts_exceeded")
    if row.expires_at <= utcnow():
        raise BadRequest("code_expired")
    row.attempts += 1
    if not secrets.compare_digest(row.code_hash, _code_hash(phone, (code or "").strip())):
        remaining = max(_cfg("SMS_CODE_MAX_ATTEMPTS") - row.attempts, 0)
        db.session.commit()
        raise BadRequest("code_invalid", details={"remaining_attempts": remaining})
    row.consumed_at = utcnow()


# --- logins ------------------------------------------------------------------------------------------


def _issue_tokens(user: User) -> TokenPair:
    sid = str(uuid.uuid4())
    claims = {"ver": user.token_version, "sid": sid}
    access = create_access_token(identity=str(user.id), additional_claims=claims)
    refresh = create_refresh_token(identity=str(user.id), additional_claims=claims)
    expires: timedelta = _cfg("JWT_ACCESS_TOKEN_EXPIRES")
    return TokenPair(access, refresh, int(expires.total_seconds()), user)


def _find_or_create_user(phone: str) -> User:
    user = user_by_phone(phone) or create_user(phone)
    _activate_assignment(user)
    return user


def _activate_assignment(user: User) -> None:
    """A supervisor pre-assigned by the corps admin becomes one the first time that phone logs in."""
    assignment = db.session.scalar(
        sa.select(SupervisorAssignment).where(
            SupervisorAssignment.phone_hash == user.phone_hash, SupervisorAssignment.status == "pending"
        )
    )
    if assignment is None:
        return
    assignment.status = "active"
    assignment.user_id = user.id
    assignment.activated_at = utcnow()
    _apply_assignment(user, assignment)
    if not user.display_name:
        user.display_name = assignment.name


def _roles_changed(user: User) -> None:
    """Cached actors of this user are dropped once the change commits (their next request reads the roles)."""
    user_id = user.id
    after_commit(lambda: actor_cache.user_changed(user_id))


def _bump_token_version(user: User) -> None:
    """Every token issued before stops working (a role taken away, a changed jurisdiction)."""
    user.token_version += 1
    _roles_changed(user)


def _apply_assignment(user: User, assignment: SupervisorAssignment) -> None:
    user.roles = [r for r in user.roles if r.role not in (Role.SUPERVISOR, Role.CORPS_ADMIN)]
    if assignment.status == "active":
        user.roles.append(
            UserRole(
                role=assignment.role,
                jurisdiction=assignment.jurisdiction,
                permissions=sorted(assignment.permissions or []),
            )
        )
    _bump_token_version(user)


def _check_login_ip(ip: str | None) -> None:
    if ip:
        ratelimit.enforce(f"login:{ip}", _cfg("LOGIN_IP_MINUTE_LIMIT"), 60, "login_ip_limit")


def login_with_sms(phone: str, code: str, ip: str | None) -> TokenPair:
    phone = _valid_phone(phone)
    _check_login_ip(ip)
    with unit_of_work() as uow:
        verify_sms_code(phone, code, "login")
        user = _find_or_create_user(phone)
        if user.status != "active":
            raise Forbidden("account_disabled")
        user.last_login_at = utcnow()
        record("auth.login", "users", user.id, {"method": "sms"})
        uow.commit()
        return _issue_tokens(user)


class WeChatNotBound(Conflict):
    default_code = "wechat_not_bound"


def _bind_token(openid: str) -> str:
    payload = {"purpose": "wechat_bind", "openid": openid, "exp": utcnow() + timedelta(minutes=10)}
    return pyjwt.encode(payload, _cfg("JWT_SECRET_KEY"), algorithm="HS256")


def _openid_from_bind_token(token: str) -> str:
    try:
        payload = pyjwt.decode(token, _cfg("JWT_SECRET_KEY"), algorithms=["HS256"])
    except pyjwt.PyJWTError as exc:
        raise BadRequest("wechat_bind_invalid") from exc
    if payload.get("purpose") != "wechat_bind" or not payload.get("openid"):
        raise BadRequest("wechat_bind_invalid")
    return str(payload["openid"])


def login_with_wechat(js_code: str, ip: str | None) -> TokenPair:
    _check_login_ip(ip)
    session = adapters().wechat_mini.code_to_session(js_code)
    with unit_of_work() as uow:
        user = db.session.scalar(sa.select(User).where(User.wechat_openid == session.openid))
        if user is None:
            raise WeChatNotBound(details={"bind_token": _bind_token(session.openid)})
        if user.status != "active":
            raise Forbidden("account_disabled")
        user.last_login_at = utcnow()
        record("auth.login", "users", user.id, {"method": "wechat"})
        uow.commit()
        return _issue_tokens(user)


def bind_wechat(bind_token: str, phone: str, code: str, ip: str | None) -> TokenPair:
    openid = _openid_from_bind_token(bind_token)
    phone = _valid_phone(phone)
    _check_login_ip(ip)
    with unit_of_work() as uow:
        verify_sms_code(phone, code, "bind")
        user = _find_or_create_user(phone)
        if user.wechat_openid and user.wechat_openid != openid:
            raise Conflict("wechat_already_bound")
        other = db.session.scalar(sa.select(User).where(User.wechat_openid == openid, User.id != user.id))
        if other is not None:
            other.wechat_openid = None  # the WeChat account moves to the phone that proved ownership now
        user.wechat_openid = openid
        user.last_login_at = utcnow()
        record("auth.wechat_bind", "users", user.id, {"method": "wechat"})
        uow.commit()
        return _issue_tokens(user)


def refresh_access(user_id: int, claims: dict[str, Any]) -> tuple[str, int]:
    user = _live_user(user_id, claims)
    access = create_access_token(
        identity=str(user.id), additional_claims={"ver": user.token_version, "sid": claims["sid"]}
    )
    expires: timedelta = _cfg("JWT_ACCESS_TOKEN_EXPIRES")
    return access, int(expires.total_seconds())


def logout(claims: dict[str, Any]) -> None:
    """Revoke the session: its access and refresh tokens both stop working."""
    sid = claims["sid"]
    refresh_ttl: timedelta = _cfg("JWT_REFRESH_TOKEN_EXPIRES")
    expires_at = utcnow() + refresh_ttl
    actor_cache.session_revoked(sid, int(refresh_ttl.total_seconds()))
    with unit_of_work() as uow:
        if db.session.get(RevokedSession, sid) is None:
            db.session.add(RevokedSession(sid=sid, expires_at=expires_at))
        record("auth.logout", "users", claims.get("sub"))
        uow.commit()


def _revoked_in_redis(sid: str) -> bool:
    if not current_app.config.get("REDIS_URL"):
        return False
    from backend.extensions import redis_connection

    return bool(redis_connection().exists(f"revoked:{sid}"))


def is_revoked(sid: str | None) -> bool:
    if not sid:
        return True
    return _revoked_in_redis(sid) or db.session.get(RevokedSession, sid) is not None


def _live_user(user_id: int, claims: dict[str, Any]) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.status != "active":
        raise Unauthorized("token_revoked")
    if claims.get("ver") != user.token_version or is_revoked(claims.get("sid")):
        raise Unauthorized("token_revoked")
    return user


def _build_actor(user_id: int, roles: list[tuple[str, int | None, str | None, list[str] | None]]) -> Actor:
    org_ids = {org for role, org, _, _ in roles if role in (Role.ORG_ADMIN, Role.LEGAL_REP) and org}
    jurisdiction = None
    permissions: set[str] = set()
    for role, _, juris, perms in roles:
        if role in (Role.SUPERVISOR, Role.CORPS_ADMIN):
            jurisdiction = jurisdictions.CORPS if role == Role.CORPS_ADMIN else juris
            permissions |= set(perms or [])
    return Actor(
        user_id=user_id,
        roles=frozenset(role for role, _, _, _ in roles),
        org_ids=frozenset(org_ids),
        jurisdiction=jurisdiction,
        permissions=frozenset(permissions),
    )


def actor_for(user: User) -> Actor:
    return _build_actor(user.id, [(r.role, r.org_id, r.jurisdiction, r.permissions) for r in user.roles])


@dataclass(frozen=True)
class RoleView:
    role: str
    org_id: int | None
    jurisdiction: str | None
    permissions: list[str]


@dataclass(frozen=True)
class Me:
    id: int
    phone_masked: str | None
    display_name: str | None
    wechat_bound: bool
    roles: list[RoleView]
    last_login_at: datetime | None
    jurisdiction: str | None
    permissions: list[str]
    org_ids: list[int]


def _profile(
    phone: str | None,
    display_name: str | None,
    wechat_openid: str | None,
    last_login_at: datetime | None,
    roles: Sequence[tuple[str, int | None, str | None, list[str] | None]],
) -> dict[str, Any]:
    """What `/me` shows besides the actor, cached with it (JSON: the phone only masked, times as ISO text)."""
    return {
        "phone_masked": mask_phone(phone) if phone else None,
        "display_name": display_name,
        "wechat_bound": bool(wechat_openid),
        "last_login_at": last_login_at.isoformat() if last_login_at else None,
        "roles": [[role, org, juris, list(perms or [])] for role, org, juris, perms in roles],
    }


def _profile_from_db(user_id: int) -> dict[str, Any]:
    user = db.session.get(User, user_id)
    if user is None:
        raise Unauthorized("token_revoked")
    roles = [(r.role, r.org_id, r.jurisdiction, r.permissions) for r in sorted(user.roles, key=lambda r: r.id)]
    return _profile(user.phone, user.display_name, user.wechat_openid, user.last_login_at, roles)


def me(actor: Actor) -> Me:
    """Served from the cached actor and profile when the access gate found them (no database), else read."""
    assert actor.user_id is not None
    profile = actor.extra.get("profile") or _profile_from_db(actor.user_id)
    last_login = profile["last_login_at"]
    return Me(
        id=actor.user_id,
        phone_masked=profile["phone_masked"],
        display_name=profile["display_name"],
        wechat_bound=profile["wechat_bound"],
        roles=[RoleView(role, org, juris, perms) for role, org, juris, perms in profile["roles"]],
        last_login_at=datetime.fromisoformat(last_login) if last_login else None,
        jurisdiction=actor.jurisdiction,
        permissions=sorted(actor.permissions),
        org_ids=sorted(actor.org_ids),
    )


def load_actor(user_id: int, claims: dict[str, Any]) -> Actor:
    """Runs on every authenticated request: the cached actor when still trusted (one cache round trip, no
    database), else one Core query (user, roles, revocation) with no ORM objects, whose result is cached."""
    sid = claims.get("sid")
    seen_stamp: str | None = None
    if sid and isinstance(claims.get("ver"), int):
        cached, seen_stamp = actor_cache.lookup(user_id, sid, claims["ver"])
        if cached is not None:
            return cached
    if not sid:
        raise Unauthorized("token_revoked")
    stamp = actor_cache.current_stamp(user_id, seen_stamp)  # before the database is read
    revoked = sa.select(RevokedSession.sid).where(RevokedSession.sid == sid).exists()
    rows = db.session.execute(
        sa.select(
            User.status,
            User.token_version,
            User.phone,
            User.display_name,
            User.wechat_openid,
            User.last_login_at,
            UserRole.role,
            UserRole.org_id,
            UserRole.jurisdiction,
            UserRole.permissions,
            revoked.label("revoked"),
        )
        .select_from(User)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(User.id == user_id)
        .order_by(UserRole.id)
    ).all()
    if not rows:
        raise Unauthorized("token_revoked")
    first = rows[0]
    if first.status != "active" or claims.get("ver") != first.token_version or first.revoked or _revoked_in_redis(sid):
        raise Unauthorized("token_revoked")
    roles = [(r.role, r.org_id, r.jurisdiction, r.permissions) for r in rows if r.role]
    profile = _profile(first.phone, first.display_name, first.wechat_openid, first.last_login_at, roles)
    actor = _build_actor(user_id, roles)
    actor_cache.put(actor, sid, first.token_version, stamp, profile)
    return Actor(
        actor.user_id, actor.roles, actor.org_ids, actor.jurisdiction, actor.permissions, extra={"profile": profile}
    )


def purge_revoked_sessions() -> int:
    with unit_of_work() as uow:
        # A DML statement's result is a CursorResult (the typing of Session.execute does not say so).
        result = cast(
            sa.CursorResult[Any],
            db.session.execute(sa.delete(RevokedSession).where(RevokedSession.expires_at < utcnow())),
        )
        uow.commit()
    return int(result.rowcount or 0)


def decode_refresh(token: str) -> dict[str, Any]:
    return decode_token(token)


# --- roles -------------------------------------------------------------------------------------------


def grant_role(user: User, role: str, *, org_id: int | None = None) -> None:
    """Used by other modules (an organisation's legal representative, an accepted employment)."""
    if any(r.role == role and r.org_id == org_id for r in user.roles):
        return
    user.roles.append(UserRole(role=role, org_id=org_id))
    _roles_changed(user)  # a new role needs no new login: the next request sees it


def revoke_role(user: User, role: str, *, org_id: int | None = None) -> None:
    before = len(user.roles)
    user.roles = [r for r in user.roles if not (r.role == role and r.org_id == org_id)]
    if len(user.roles) != before:
        _bump_token_version(user)


def user_by_phone(phone: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.phone_hash == phone_hash(phone)))


# --- users -------------------------------------------------------------------------------------------
# Users are created here only: other modules (an organisation's administrators, the go-live import, the demo
# data) call these rather than adding User rows of their own. A user made before its first login is found by
# that login, roles and all, as supervisor pre-assignments are.


def _new_user(phone: str, display_name: str | None) -> User:
    return User(phone=phone, phone_hash=phone_hash(phone), display_name=display_name, roles=[])


def create_user(phone: str, display_name: str | None = None) -> User:
    """A new account for a phone that has none (the caller has looked), flushed so it has its id."""
    user = _new_user(phone, display_name)
    db.session.add(user)
    db.session.flush()
    return user


def create_users(people: Iterable[tuple[str, str | None]]) -> list[User]:
    """New accounts for (phone, display name) pairs that have none, in one flush (a batch import)."""
    users = [_new_user(phone, name) for phone, name in people]
    if users:
        db.session.add_all(users)
        db.session.flush()
    return users


def ensure_user_for_phone(phone: str, display_name: str | None = None) -> User:
    """The account of that phone, created now if it never logged in; a missing display name is filled in."""
    user = user_by_phone(phone)
    if user is None:
        return create_user(phone, display_name)
    if display_name and not user.display_name:
        user.display_name = display_name
    return user


# --- supervisor assignments (corps admin) -----------------------------------------------------------


def _validate_assignment(jurisdiction: str, role: str, permissions: list[str]) -> None:
    if not jurisdictions.is_known(jurisdiction):
        raise ValidationFailed("jurisdiction_unknown", details={"fields": {"jurisdiction": ["管辖范围不存在"]}})
    if role not in (Role.SUPERVISOR, Role.CORPS_ADMIN):
        raise ValidationFailed(details={"fields": {"role": ["只能分配监督管理人员或总队管理员"]}})
    if role == Role.CORPS_ADMIN and jurisdiction != jurisdictions.CORPS:
        raise ValidationFailed(details={"fields": {"jurisdiction": ["总队管理员的管辖范围必须为总队"]}})
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise ValidationFailed("permission_unknown", details={"fields": {"permissions": unknown}})


def create_assignment(
    actor: Actor,
    *,
    phone: str,
    name: str,
    jurisdiction: str,
    role: str = "supervisor",
    permissions: list[str] | None = None,
) -> SupervisorAssignment:
    phone = _valid_phone(phone)
    permissions = sorted(set(permissions or []))
    _validate_assignment(jurisdiction, role, permissions)
    with unit_of_work() as uow:
        ph = phone_hash(phone)
        if db.session.scalar(sa.select(SupervisorAssignment.id).where(SupervisorAssignment.phone_hash == ph)):
            raise Conflict("supervisor_exists")
        assignment = SupervisorAssignment(
            phone=phone,
            phone_hash=ph,
            name=name,
            role=role,
            jurisdiction=jurisdiction,
            permissions=permissions,
            created_by=actor.user_id,
        )
        db.session.add(assignment)
        existing = db.session.scalar(sa.select(User).where(User.phone_hash == ph))
        if existing is not None:  # already a user (a practitioner, say): the role applies at once
            _activate_assignment(existing)
        uow.commit()
        return assignment


def update_assignment(
    actor: Actor,
    assignment_id: int,
    *,
    jurisdiction: str | None = None,
    permissions: list[str] | None = None,
    name: str | None = None,
    status: str | None = None,
) -> SupervisorAssignment:
    with unit_of_work() as uow:
        assignment = db.session.get(SupervisorAssignment, assignment_id)
        if assignment is None:
            raise NotFound()
        if assignment.user_id is not None and assignment.user_id == actor.user_id:
            raise Forbidden("cannot_change_self")
        new_jurisdiction = jurisdiction or assignment.jurisdiction
        new_permissions = sorted(set(permissions if permissions is not None else assignment.permissions or []))
        _validate_assignment(new_jurisdiction, assignment.role, new_permissions)
        assignment.jurisdiction = new_jurisdiction
        assignment.permissions = new_permissions
        if name:
            assignment.name = name
        if status == "revoked":
            assignment.status = "revoked"
        elif status == "active" and assignment.status == "revoked":
            assignment.status = "active" if assignment.user_id else "pending"
        if assignment.user_id is not None:
            user = db.session.get(User, assignment.user_id)
            assert user is not None
            _apply_assignment(user, assignment)  # role change: the user's old tokens stop working
        uow.commit()
        return assignment


def list_assignments(limit: int, cursor: str | None) -> Any:
    from backend.core.pagination import keyset_page

    return keyset_page(
        db.session, sa.select(SupervisorAssignment), [SupervisorAssignment.id], limit=limit, cursor=cursor
    )


def create_corps_admin(phone: str, name: str) -> SupervisorAssignment:
    """Bootstrap: the first corps admin comes from the command line, not the API."""
    phone = _valid_phone(phone)
    with unit_of_work() as uow:
        ph = phone_hash(phone)
        assignment = db.session.scalar(sa.select(SupervisorAssignment).where(SupervisorAssignment.phone_hash == ph))
        if assignment is None:
            assignment = SupervisorAssignment(
                phone=phone,
                phone_hash=ph,
                name=name,
                role=Role.CORPS_ADMIN,
                jurisdiction=jurisdictions.CORPS,
                permissions=sorted(PERMISSIONS),
            )
            db.session.add(assignment)
        existing = db.session.scalar(sa.select(User).where(User.phone_hash == ph))
        if existing is not None and assignment.status == "pending":
            _activate_assignment(existing)
        uow.commit()
        return assignment


def masked_phone_of(user: User) -> str | None:
    return mask_phone(user.phone)


def session_expiry(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(claims["exp"]).astimezone()
