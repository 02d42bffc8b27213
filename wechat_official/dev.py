"""Development stand-in for WeChat's web authorisation page (open.weixin.qq.com/connect/oauth2/authorize), which
a browser cannot reach outside WeChat: the developer says which WeChat user they are, and the simulator's code for
that user goes back to the callback as WeChat would send it. Registered only while WECHAT_BACKEND is
"simulator" and outside production (wechat_official.register)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request

from backend.adapters.wechat import simulator_authorize_redirect
from backend.bootstrap import adapters
from backend.modules.feedback.links import public_base_url

dev_bp = Blueprint("wechat_official_dev", __name__, template_folder="templates")

SCOPES = ("snsapi_base", "snsapi_userinfo")


def _own_origin(url: str) -> bool:
    """WeChat only redirects to the account's configured authorisation domain; here, our public origin."""
    target, ours = urlsplit(url), urlsplit(public_base_url())
    return (target.scheme, target.netloc) == (ours.scheme, ours.netloc)


@dev_bp.get("/wx/dev/connect/oauth2/authorize")
def oauth_authorize() -> Any:
    args = request.args
    redirect_uri = args.get("redirect_uri", "")
    valid = (
        args.get("appid") == adapters().wechat_official.appid
        and args.get("response_type") == "code"
        and args.get("scope") in SCOPES
        and _own_origin(redirect_uri)
    )
    if not valid:
        text = "授权请求参数错误（appid、scope 或 redirect_uri 与公众号配置不符）。"
        return render_template("wechat_official/message.html", title="微信授权失败", text=text), 400
    user = args.get("user", "").strip()
    if not user:
        return render_template("wechat_official/dev_authorize.html", args=args)
    return redirect(simulator_authorize_redirect(redirect_uri, args.get("state", ""), user))
