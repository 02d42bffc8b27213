"""The API shell: one error shape for everything, and the access gate every operation declares."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, current_app, g, jsonify, request
from flask_jwt_extended import default_callbacks, get_jwt, get_jwt_header, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from backend.core.timeutil import epoch_seconds

from .access import ANONYMOUS, AUTHENTICATED, PUBLIC, REFRESH, ROLE_NAMES, Actor
from .errors import STATUS_CODES, DomainError, Forbidden, Unauthorized, error_body
from .field_messages import translate
from .messages import message_for

log = logging.getLogger(__name__)

ActorLoader = Callable[[int, dict[str, Any]], Actor]
_actor_loader: ActorLoader | None = None


def set_actor_loader(loader: ActorLoader) -> None:
    """The accounts module tells core how to turn a verified token into an Actor."""
    global _actor_loader
    _actor_loader = loader


def current_actor() -> Actor:
    return getattr(g, "actor", ANONYMOUS)


class VerifiedTokens:
    """Access tokens flask-jwt-extended has fully verified (signature, claims, type), by their exact text.

    Verifying a token costs more than the rest of a cached request (flask-jwt-extended decodes it four times, PyJWT
    checks the base64 alphabet character by character and probes the HMAC key as a DER key each time). The same
    text verified with the same key gives the same result, so a token seen before is only checked again for expiry
    here; any other text (a forged or altered token included) goes through the full verification. Revocation is not
    decided here: the actor loader checks session, token version and user stamp on every request. Used only while
    the JWT manager has no loader that must run per request (blocklist, user lookup, custom verification or key
    lookup); one cache per app, bounded, and an entry never outlives its token."""

    MAX_ENTRIES = 10_000

    def __init__(self, enabled: bool, leeway: float) -> None:
        self.enabled = enabled
        self.leeway = leeway
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float, dict[str, Any], dict[str, Any]]] = {}

    @classmethod
    def of(cls, app: Flask) -> VerifiedTokens:
        found = app.extensions.get("verified_tokens")
        if found is None:
            manager = app.extensions["flask-jwt-extended"]
            enabled = (
                list(app.config["JWT_TOKEN_LOCATION"]) == ["headers"]
                and manager._user_lookup_callback is None
                and manager._token_in_blocklist_callback is default_callbacks.default_blocklist_callback
                and manager._token_verification_callback is default_callbacks.default_token_verification_callback
                and manager._decode_key_callback is default_callbacks.default_decode_key_callback
            )
            found = app.extensions["verified_tokens"] = cls(enabled, float(app.config["JWT_DECODE_LEEWAY"]))
        return found

    def get(self, token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        found = self._data.get(token)
        if found is None:
            return None
        deadline, claims, header = found
        if epoch_seconds() >= deadline:  # expired: the full verification answers token_expired
            self._data.pop(token, None)
            return None
        return dict(claims), dict(header)

    def put(self, token: str, claims: dict[str, Any], header: dict[str, Any]) -> None:
        exp = claims.get("exp")
        if not self.enabled or claims.get("type") != "access" or not isinstance(exp, int | float):
            return
        with self._lock:
            if len(self._data) >= self.MAX_ENTRIES:
                now = epoch_seconds()
                for key in [k for k, v in self._data.items() if v[0] <= now]:
                    del self._data[key]
                if len(self._data) >= self.MAX_ENTRIES:
                    self._data.clear()
            # PyJWT refuses a token once exp <= now - leeway
            self._data[token] = (float(exp) + self.leeway, dict(claims), dict(header))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def _bearer_token() -> str | None:
    """The token of a plain `Authorization: Bearer <token>` header (anything else is left to flask-jwt-extended)."""
    if request.method == "OPTIONS":
        return None
    header = request.headers.get(current_app.config["JWT_HEADER_NAME"])
    prefix = current_app.config["JWT_HEADER_TYPE"] + " "
    if not header or not header.startswith(prefix) or prefix == " ":
        return None
    token = header[len(prefix) :]
    if "," in token or token.split(None, 1) != [token]:  # empty, padded, or more than one part
        return None
    return token


def _verified_claims(optional: bool) -> dict[str, Any]:
    """The verified claims of the request's token ({} when there is none and it is optional); raises otherwise."""
    token = _bearer_token()
    tokens = VerifiedTokens.of(current_app._get_current_object())  # type: ignore[attr-defined]
    if token is not None and tokens.enabled:
        hit = tokens.get(token)
        if hit is not None:
            claims, header = hit
            # what verify_jwt_in_request leaves for get_jwt() and get_jwt_header()
            g._jwt_extended_jwt = claims
            g._jwt_extended_jwt_header = header
            g._jwt_extended_jwt_user = None
            g._jwt_extended_jwt_location = "headers"
            return claims
    verify_jwt_in_request(optional=optional)
    claims = get_jwt()
    if token is not None and claims:
        tokens.put(token, claims, get_jwt_header())
    return claims


def resolve_actor(optional: bool) -> Actor:
    try:
        claims = _verified_claims(optional)
    except (JWTExtendedException, PyJWTError):
        if optional:
            return ANONYMOUS
        raise
    if not claims:
        return ANONYMOUS
    if claims.get("type") != "access":
        raise Unauthorized("token_invalid")
    assert _actor_loader is not None, "no actor loader registered"
    return _actor_loader(int(claims["sub"]), claims)


class ErrorSchema(ma.Schema):
    """The one error shape (documented as every operation's default response)."""

    code = ma.fields.String(required=True, metadata={"description": "稳定的机器可读错误码，例如 code_invalid"})
    message = ma.fields.String(required=True, metadata={"description": "中文错误提示"})
    details = ma.fields.Dict(required=True, metadata={"description": "字段错误等详细信息"})


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: ids fit a 64-bit integer column, so a larger number is a 404 like any unknown
    id (not an overflow in the database driver); the bound is published in the OpenAPI document."""

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max)


MAX_ID = 2**63 - 1


def install_bounded_ints(app: Flask, api: flask_smorest.Api) -> None:
    """Before the blueprints are registered: every `<int:…>` route uses the bounded converter."""
    from flask_smorest.spec.plugins import integerconverter2paramschema

    app.url_map.converters["int"] = BoundedIntConverter
    api.register_converter(BoundedIntConverter, integerconverter2paramschema)


class Api(flask_smorest.Api):
    """flask-smorest Api answering every HTTP error as {code, message, details}."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        status = error.code or 500
        code = STATUS_CODES.get(status, "bad_request")
        details: dict[str, Any] = {}
        data = getattr(error, "data", None) or {}
        if "messages" in data:
            details = {"fields": translate(data["messages"])}
        elif "errors" in data:
            details = {"fields": translate(data["errors"])}
        headers = dict(data.get("headers") or {})
        if status == 405:
            allow = dict(error.get_headers()).get("Allow")
            if allow:
                headers["Allow"] = allow
        if status >= 500:
            log.error("HTTP %s: %s", status, error)
        return error_body(code, message_for(code), details), status, headers


# The one Api, initialised by create_app (it lives here rather than in backend.extensions, which imports nothing of
# ours: core may use the extensions, never the other way round).
api = Api()


class Blueprint(flask_smorest.Blueprint):
    def access(self, *roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare who may call an operation. Checked before arguments are parsed, so a stranger gets 401/403,
        never a validation error that leaks the shape of the input."""
        if not roles:
            raise ValueError("declare at least one role, PUBLIC or AUTHENTICATED")
        public = PUBLIC in roles

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if REFRESH in roles:
                    verify_jwt_in_request(refresh=True)
                    return func(*args, **kwargs)
                actor = resolve_actor(optional=public)
                g.actor = actor
                if not public:
                    if actor.is_anonymous:
                        raise Unauthorized()
                    if AUTHENTICATED not in roles and not actor.has_role(*roles):
                        # details.gate lets the access-matrix tests tell the role gate from object checks
                        raise Forbidden(details={"gate": "role"})
                return func(*args, **kwargs)

            wrapper._access_roles = tuple(roles)  # type: ignore[attr-defined]
            names = (
                "公开"
                if public
                else "登录用户"
                if AUTHENTICATED in roles
                else "、".join(ROLE_NAMES.get(r, r) for r in roles)
            )
            if REFRESH in roles:
                names = "持有刷新令牌"
            doc: dict[str, Any] = {"x-roles": list(roles), "security": [] if public else [{"bearerAuth": []}]}
            wrapped = self.doc(**doc)(wrapper)
            wrapped.__doc__ = (func.__doc__ or "").rstrip() + f"\n\n可访问角色：{names}"
            return wrapped

        return decorator


def _token_error(code: str) -> Any:
    response = jsonify(error_body(code))
    response.status_code = 401
    return response


def register_jwt_loaders(jwt: Any) -> None:
    """flask-jwt-extended answers 422 for a bad token by default; every token problem is a 401 here."""
    jwt.unauthorized_loader(lambda reason: _token_error("unauthorized"))
    jwt.invalid_token_loader(lambda reason: _token_error("token_invalid"))
    jwt.expired_token_loader(lambda header, data: _token_error("token_expired"))
    jwt.revoked_token_loader(lambda header, data: _token_error("token_revoked"))
    jwt.needs_fresh_token_loader(lambda header, data: _token_error("token_invalid"))
    jwt.token_verification_failed_loader(lambda header, data: _token_error("token_invalid"))
    jwt.user_lookup_error_loader(lambda header, data: _token_error("token_revoked"))


# Adapters raise their own exceptions with a stable `code` and a Chinese `message` (they know nothing of HTTP).
# Here each class gets its HTTP status: a default, and overrides by code.
ADAPTER_ERRORS: dict[type[Exception], tuple[int, dict[str, int]]] = {}


def register_adapter_error(exc_class: type[Exception], status: int, by_code: dict[str, int] | None = None) -> None:
    ADAPTER_ERRORS[exc_class] = (status, by_code or {})


def _adapter_error_response(exc: Exception) -> Any:
    for cls in type(exc).__mro__:
        if cls in ADAPTER_ERRORS:
            default, by_code = ADAPTER_ERRORS[cls]
            code = str(getattr(exc, "code", "bad_request"))
            status = by_code.get(code, default)
            details = getattr(exc, "details", None) or {}
            response = jsonify(error_body(code, getattr(exc, "message", None) or message_for(code), details))
            response.status_code = status
            return response
    return None


def _out_of_range(exc: BaseException) -> bool:
    """SQLite refuses an integer beyond 64 bits with OverflowError; PostgreSQL with SQLSTATE 22003."""
    if isinstance(exc, OverflowError):
        return True
    if isinstance(exc, sa_exc.StatementError):
        orig = exc.orig
        return isinstance(orig, OverflowError) or getattr(orig, "sqlstate", None) == "22003"
    return False


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Any:
        response = jsonify(exc.to_dict())
        response.status_code = exc.status
        for key, value in exc.headers.items():
            response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return exc
        if _out_of_range(exc):
            # A number in the request larger than its column holds (an id beyond 64 bits, say): the request's
            # fault, not the system's. Nothing was written: the statement failed, the transaction is rolled back.
            from .db import db

            db.session.rollback()
            response = jsonify(error_body("value_out_of_range"))
            response.status_code = 422
            return response
        adapted = _adapter_error_response(exc)
        if adapted is not None:
            if adapted.status_code >= 500:
                log.warning("outside system error: %s", exc)
            return adapted
        log.exception("unhandled error")
        response = jsonify(error_body("internal_error"))
        response.status_code = 500
        return response
