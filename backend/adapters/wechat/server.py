"""Official-account server endpoint logic (URL verification, incoming messages, replies), framework-free.

WeChat signs every push with the token configured on mp.weixin.qq.com. In plaintext mode the query carries
`signature` = SHA1(sorted(token, timestamp, nonce)); in safe mode (encrypt_type=aes) the body is AES-encrypted
with the EncodingAESKey and `msg_signature` also covers the ciphertext."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as EchoStrCrypto
from wechatpy.events import BaseEvent
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage, UnknownMessage
from wechatpy.replies import BaseReply
from wechatpy.utils import check_signature

from backend.adapters.wechat.base import WeChatError

# WeChat's documented answer when there is nothing to reply (an empty body would also do).
NO_REPLY = b"success"


class SubscribeMessageEvent(BaseEvent):
    """Subscription-notice events of the official account, which wechatpy 1.8.18 leaves as UnknownMessage:
    subscribe_msg_popup_event (user accepted/rejected templates), subscribe_msg_change_event, and
    subscribe_msg_sent_event (delivery result of a sent notice)."""

    _CONTAINERS = {
        "subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
        "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
        "subscribe_msg_sent_event": "SubscribeMsgSentEvent",
    }

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(message)
        self.event = str(message["Event"]).lower()

    @property
    def subscribes(self) -> list[dict[str, Any]]:
        """One dict per template (TemplateId, SubscribeStatusString or MsgID/ErrorCode/ErrorStatus, …)."""
        container = self._data.get(self._CONTAINERS[self.event]) or {}
        items = container.get("List", [])
        return list(items) if isinstance(items, list) else [items]


def _upgrade_unknown(message: BaseMessage) -> BaseMessage:
    if isinstance(message, UnknownMessage):
        event = str(message._data.get("Event", "")).lower()
        if event in SubscribeMessageEvent._CONTAINERS:
            return SubscribeMessageEvent(message._data)
    return message


class OfficialServer:
    def __init__(self, token: str, appid: str, encoding_aes_key: str | None = None) -> None:
        if not token:
            raise WeChatError("wechat_not_configured")
        self.token = token
        self.appid = appid
        self.encoding_aes_key = encoding_aes_key or None
        self.crypto = WeChatCrypto(token, encoding_aes_key, appid) if self.encoding_aes_key else None

    @staticmethod
    def is_safe_mode(query: Mapping[str, str]) -> bool:
        return query.get("encrypt_type") == "aes" or "msg_signature" in query

    def verify_url(self, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """Answer WeChat's GET verification; returns the body to send back."""
        try:
            check_signature(self.token, signature, timestamp, nonce)
            return echostr
        except InvalidSignatureException:
            pass
        # Some WeChat callbacks (the WeCom-style receive-id scheme in data/wechat/crypto_params.json) sign the
        # echostr too and send it encrypted; the plain answer is the decrypted echostr.
        if self.encoding_aes_key:
            try:
                crypto = EchoStrCrypto(self.token, self.encoding_aes_key, self.appid)
                return str(crypto.check_signature(signature, timestamp, nonce, echostr))
            except Exception as exc:  # wrong signature, another app's receive-id, or a corrupt echostr
                raise WeChatError("wechat_bad_signature") from exc
        raise WeChatError("wechat_bad_signature")

    def parse(self, body: bytes, query: Mapping[str, str]) -> BaseMessage:
        """Verify and parse a POSTed push; returns a wechatpy message or event object."""
        if self.is_safe_mode(query):
            xml = self._decrypt(body, query)
        else:
            try:
                check_signature(
                    self.token, query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
                )
            except InvalidSignatureException as exc:
                raise WeChatError("wechat_bad_signature") from exc
            xml = body.decode("utf-8", errors="replace")
        try:
            return _upgrade_unknown(parse_message(xml))
        except Exception as exc:  # malformed XML or a push without MsgType
            raise WeChatError("wechat_bad_message") from exc

    def _decrypt(self, body: bytes, query: Mapping[str, str]) -> str:
        if self.crypto is None:
            raise WeChatError("wechat_not_configured")
        try:
            envelope = xmltodict.parse(body)["xml"]
        except Exception as exc:
            raise WeChatError("wechat_bad_message") from exc
        if not isinstance(envelope, dict) or "Encrypt" not in envelope:
            raise WeChatError("wechat_bad_message")
        try:
            return str(
                self.crypto.decrypt_message(
                    envelope,
                    query.get("msg_signature", ""),
                    query.get("timestamp", ""),
                    query.get("nonce", ""),
                )
            )
        except (InvalidSignatureException, InvalidAppIdException) as exc:
            raise WeChatError("wechat_bad_signature") from exc
        except Exception as exc:  # signed but not decryptable: corrupt ciphertext or wrong key
            raise WeChatError("wechat_bad_message") from exc

    def render_reply(self, reply: BaseReply | str | None, query: Mapping[str, str]) -> bytes:
        """Body of the HTTP answer to a push: the reply XML, encrypted in safe mode, or "success" for none."""
        if reply is None:
            return NO_REPLY
        xml = reply.render() if isinstance(reply, BaseReply) else reply
        if self.is_safe_mode(query):
            if self.crypto is None:
                raise WeChatError("wechat_not_configured")
            # WeChat accepts the push's own nonce and timestamp for the reply envelope.
            xml = self.crypto.encrypt_message(xml, query.get("nonce", ""), query.get("timestamp") or None)
        return str(xml).encode("utf-8")
