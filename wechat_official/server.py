"""WeChat's server endpoint for the official account: GET URL verification, POST pushes (plaintext or safe
mode), with the signature checked on every request (a bad one gets 403)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply

from backend.adapters.wechat import OfficialServer, WeChatError
from backend.modules.feedback import official

log = logging.getLogger(__name__)

server_bp = Blueprint("wechat_official_server", __name__)

ERROR_STATUS = {"wechat_bad_signature": 403, "wechat_bad_message": 400, "wechat_not_configured": 503}
USER_MESSAGE_TYPES = ("image", "voice", "video", "shortvideo", "location", "link")


def _server() -> OfficialServer:
    config = current_app.config
    return OfficialServer(
        config["WECHAT_OFFICIAL_TOKEN"], config["WECHAT_OFFICIAL_APPID"], config.get("WECHAT_OFFICIAL_AES_KEY")
    )


def _refusal(exc: WeChatError) -> Response:
    status = ERROR_STATUS.get(exc.code, 400)
    log.warning("official account push refused (%s) from %s", exc.code, request.remote_addr)
    return Response(exc.message, status=status, mimetype="text/plain")


@server_bp.get("/wechat/official")
def verify_url() -> Response:
    """WeChat's check when the server URL is configured: echo echostr if the signature is ours."""
    args = request.args
    try:
        echo = _server().verify_url(
            args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""), args.get("echostr", "")
        )
    except WeChatError as exc:
        return _refusal(exc)
    return Response(echo, mimetype="text/plain")


def _event_reply(message: BaseMessage) -> str | None:
    openid = message.source
    event = message.event
    if event == "subscribe":
        return official.follower_subscribed(openid, None)
    if event == "subscribe_scan":
        return official.follower_subscribed(openid, message.scene_id)
    if event == "scan":
        return official.scanned(openid, message.scene_id)
    if event == "unsubscribe":
        official.follower_unsubscribed(openid)
    elif event == "templatesendjobfinish":
        official.template_delivery(str(message.id), str(message.status or ""))
    return None


def reply_for(message: BaseMessage) -> str | None:
    """The text to answer a push with, or None (WeChat then gets "success")."""
    if message.type == "event":
        return _event_reply(message)
    if message.type == "text":
        return official.text_received(message.source, message.content)
    if message.type in USER_MESSAGE_TYPES:
        return official.HELP
    return None


@server_bp.post("/wechat/official")
def receive() -> Response:
    server = _server()
    try:
        message = server.parse(request.get_data(), request.args)
    except WeChatError as exc:
        return _refusal(exc)
    text = reply_for(message)
    reply = TextReply(content=text, message=message) if text else None
    body = server.render_reply(reply, request.args)
    return Response(body, mimetype="application/xml" if reply is not None else "text/plain")
