"""H5 pages: the client contact's feedback page (WeChat OAuth snsapi_base identifies the contact by openid;
plain HTML forms, a little JS) and the public verification page that a report's QR code opens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, session, url_for

from backend.adapters.wechat import WeChatError
from backend.bootstrap import adapters
from backend.core.errors import DomainError, ValidationFailed
from backend.core.messages import message_for
from backend.core.signing import TokenInvalid
from backend.core.timeutil import to_local
from backend.modules.documents import verification
from backend.modules.feedback import contact
from backend.modules.feedback.links import public_base_url

pages_bp = Blueprint(
    "wechat_official_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/wx/static",
)

OPENID_KEY = "wx_openid"
STATE_KEY = "wx_oauth_state"
NEXT_KEY = "wx_next"
CSRF_KEY = "wx_csrf"
DONE_NOTICES = {
    "confirmed": "已确认，感谢您的评价！",
    "disputed": "已提交异议，服务机构和监督管理部门将收到您的意见。",
    "rectified": "已确认该隐患整改完成。",
}


@pages_bp.after_request
def _page_headers(response: Response) -> Response:
    # Personal pages: never cached by the WeChat browser or a proxy; no framing by other sites.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
    )
    return response


def _message_page(title: str, text: str, status: int) -> tuple[str, int]:
    return render_template("wechat_official/message.html", title=title, text=text), status


def _error_page(exc: DomainError) -> tuple[str, int]:
    return _message_page("无法完成操作", exc.message, exc.status)


# --- WeChat OAuth (snsapi_base: no consent screen, only the openid) ---------------------------------------


def _csrf_token() -> str:
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(24)
    return str(session[CSRF_KEY])


def _start_oauth() -> Any:
    state = secrets.token_urlsafe(16)
    session[STATE_KEY] = state
    session[NEXT_KEY] = request.full_path
    callback = public_base_url() + url_for(".oauth_callback")
    return redirect(adapters().wechat_official.oauth_authorize_url(callback, state, "snsapi_base"))


def _safe_next(target: str | None) -> str:
    """Only back to our own pages: the stored target must be a local /wx/ path (no open redirect)."""
    if not target:
        return url_for(".message_home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/wx/"):
        return url_for(".message_home")
    return target


@pages_bp.get("/wx/oauth/callback")
def oauth_callback() -> Any:
    expected = session.pop(STATE_KEY, None)
    state = request.args.get("state", "")
    if not expected or not hmac.compare_digest(str(expected), state):
        return _message_page("页面已过期", message_for("wechat_oauth_failed"), 400)
    try:
        openid = adapters().wechat_official.oauth_openid(request.args.get("code", ""))
    except WeChatError as exc:
        current_app.logger.warning("OAuth code refused: %s", exc.code)
        status = 400 if exc.code in ("wechat_invalid_code", "wechat_code_used", "wechat_user_blocked") else 503
        return _message_page("微信授权失败", exc.message, status)
    session[OPENID_KEY] = openid
    return redirect(_safe_next(session.pop(NEXT_KEY, None)))


@pages_bp.get("/wx/")
def message_home() -> Any:
    return _message_page("上海消防公众服务平台", "请通过公众号消息或短信中的链接打开从业反馈。", 200)


# --- feedback -------------------------------------------------------------------------------------------


@pages_bp.get("/wx/feedback/<int:feedback_id>")
def feedback_page(feedback_id: int) -> Any:
    openid = session.get(OPENID_KEY)
    if not openid:
        return _start_oauth()
    try:
        page = contact.open_feedback(feedback_id, request.args.get("k"), openid)
    except DomainError as exc:
        return _error_page(exc)
    return render_template(
        "wechat_official/feedback.html",
        page=page,
        csrf_token=_csrf_token(),
        notice=DONE_NOTICES.get(request.args.get("done", "")),
    )


def _rating(raw: str | None, *, required: bool) -> int | None:
    if not raw:
        if required:
            raise ValidationFailed("validation_error", "请选择1至5星的评分")
        return None
    if raw not in {"1", "2", "3", "4", "5"}:
        raise ValidationFailed("validation_error", "评分应为1至5星")
    return int(raw)


def _text(raw: str | None, *, limit: int, required: str | None = None) -> str:
    value = (raw or "").strip()
    if required and len(value) < 2:
        raise ValidationFailed("validation_error", required)
    if len(value) > limit:
        raise ValidationFailed("validation_error", f"内容不能超过{limit}字")
    return value


def _answer(feedback_id: int, done: str, action: Callable[[str], Any]) -> Any:
    """Shared by every form: the contact must have come through OAuth, the form must be ours (CSRF)."""
    openid = session.get(OPENID_KEY)
    if not openid:
        return redirect(url_for(".feedback_page", feedback_id=feedback_id))
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, str(session.get(CSRF_KEY, ""))):
        return _message_page("页面已过期", message_for("form_expired"), 400)
    try:
        action(openid)
    except DomainError as exc:
        return _error_page(exc)
    return redirect(url_for(".feedback_page", feedback_id=feedback_id, done=done), code=303)


@pages_bp.post("/wx/feedback/<int:feedback_id>/confirm")
def feedback_confirm(feedback_id: int) -> Any:
    form = request.form
    return _answer(
        feedback_id,
        "confirmed",
        lambda openid: contact.confirm(
            feedback_id,
            openid,
            _rating(form.get("rating"), required=True) or 0,
            _text(form.get("comment"), limit=500),
        ),
    )


@pages_bp.post("/wx/feedback/<int:feedback_id>/dispute")
def feedback_dispute(feedback_id: int) -> Any:
    form = request.form
    return _answer(
        feedback_id,
        "disputed",
        lambda openid: contact.dispute(
            feedback_id,
            openid,
            _text(form.get("reason"), limit=500, required="请填写异议理由"),
            _rating(form.get("rating"), required=False),
            _text(form.get("comment"), limit=500),
        ),
    )


@pages_bp.post("/wx/feedback/<int:feedback_id>/defects/<int:defect_id>/confirm")
def defect_confirm(feedback_id: int, defect_id: int) -> Any:
    return _answer(
        feedback_id, "rectified", lambda openid: contact.confirm_rectification(feedback_id, openid, defect_id)
    )


# --- public verification --------------------------------------------------------------------------------


@pages_bp.get("/verify")
def verify_page() -> Any:
    token = request.args.get("t", "").strip()
    if not token:
        return render_template("wechat_official/verify.html", result=None, error=None)
    try:
        result = verification.verify_token(token)
    except TokenInvalid as exc:
        return render_template("wechat_official/verify.html", result=None, error=exc.message), 422
    return render_template("wechat_official/verify.html", result=result, error=None)


@pages_bp.post("/verify")
def verify_upload() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("wechat_official/verify.html", result=None, error="请选择要核验的 PDF 文件"), 400
    try:
        result = verification.verify_pdf(upload.read(), request.remote_addr)
    except DomainError as exc:
        return render_template("wechat_official/verify.html", result=None, error=exc.message), exc.status
    return render_template("wechat_official/verify.html", result=result, error=None)


@pages_bp.app_template_filter("wx_datetime")
def _format_datetime(value: datetime | None) -> str:
    return f"{to_local(value):%Y-%m-%d %H:%M}" if value else "—"


@pages_bp.app_template_filter("wx_date")
def _format_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"
