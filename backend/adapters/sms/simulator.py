"""Local SMS gateway: renders the text, applies the frequency limits carriers impose, and hands the message to
an outbox sink (the admin pages show the outbox) instead of a phone."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from typing import Any

from backend.core.timeutil import epoch_seconds
from backend.core.validators import is_valid_cn_mobile, normalize_cn_mobile

from .base import SmsResult, render_sms

OutboxSink = Callable[..., None]  # called as sink(channel="sms", recipient=phone, payload={...})
DAY_SECONDS = 24 * 3600


class SmsSimulator:
    """Implements ``SmsGateway``. Limits as commercial gateways apply them to verification codes: one
    message of a template per number per ``min_interval_seconds``, at most ``daily_limit`` a day."""

    def __init__(
        self,
        outbox_sink: OutboxSink,
        *,
        min_interval_seconds: float = 60.0,
        daily_limit: int = 20,
        clock: Callable[[], float] = epoch_seconds,
    ) -> None:
        self._sink = outbox_sink
        self.min_interval_seconds = min_interval_seconds
        self.daily_limit = daily_limit
        self._clock = clock
        self._lock = threading.Lock()
        self._last_sent: dict[tuple[str, str], float] = {}
        self._sent_today: dict[str, deque[float]] = defaultdict(deque)

    def send(self, phone: str, template: str, params: Mapping[str, Any]) -> SmsResult:
        text = render_sms(template, params)  # a programming error raises before any limit is spent
        number = normalize_cn_mobile(phone)
        if not is_valid_cn_mobile(number):
            return SmsResult(False, None, "sms_invalid_phone")
        with self._lock:
            now = self._clock()
            sent = self._sent_today[number]
            while sent and now - sent[0] >= DAY_SECONDS:
                sent.popleft()
            last = self._last_sent.get((number, template))
            if (last is not None and now - last < self.min_interval_seconds) or len(sent) >= self.daily_limit:
                return SmsResult(False, None, "sms_rate_limited")
            self._last_sent[(number, template)] = now
            sent.append(now)
        message_id = f"sim-{uuid.uuid4().hex}"
        self._sink(
            channel="sms",
            recipient=number,
            payload={"template": template, "params": dict(params), "text": text, "message_id": message_id},
        )
        return SmsResult(True, message_id)
