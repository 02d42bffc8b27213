"""WeChat adapter: mini-program, official account and server messages, all through wechatpy."""

from backend.adapters.wechat.base import (
    MiniProgram,
    MiniSession,
    OfficialAccount,
    SendResult,
    WeChatError,
)
from backend.adapters.wechat.client import WeChatMiniProgram, WeChatOfficialAccount
from backend.adapters.wechat.server import NO_REPLY, OfficialServer, SubscribeMessageEvent
from backend.adapters.wechat.simulator import (
    WeChatSimulator,
    make_mini_program,
    make_official_account,
    simulator_authorize_redirect,
    simulator_issue_login_code,
    simulator_openid,
    simulator_unionid,
)

__all__ = [
    "NO_REPLY",
    "MiniProgram",
    "MiniSession",
    "OfficialAccount",
    "OfficialServer",
    "SendResult",
    "SubscribeMessageEvent",
    "WeChatError",
    "WeChatMiniProgram",
    "WeChatOfficialAccount",
    "WeChatSimulator",
    "make_mini_program",
    "make_official_account",
    "simulator_authorize_redirect",
    "simulator_issue_login_code",
    "simulator_openid",
    "simulator_unionid",
]
