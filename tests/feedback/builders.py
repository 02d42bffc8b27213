"""Builders for the feedback and official-account tests (the organisation, people and project come from
tests.documents.builders): today's visits, the development outbox, and the OAuth dance of the H5 page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from backend.core.timeutil import utcnow
from tests.clock import travel_to
from tests.documents.builders import World, local, make_records, make_visit


def visits_today(world: World, *, still_on_site: bool = False) -> list[Any]:
    """This morning's visit by both engineers (the tech lead may still be on site), with records."""
    start = utcnow() - timedelta(hours=5)
    lead = make_visit(world.project, world.lead, start, minutes=120)
    tech = make_visit(
        world.project, world.tech, start + timedelta(minutes=10), minutes=100, checked_out=not still_on_site
    )
    key = f"{start.year:04d}-{start.month:02d}"
    make_records(lead, world.plan_items[:5], key)
    return [lead, tech]


def reported_at_the_time(world: World) -> None:
    """The visit feedback the periodic job made for the world's visits the day after them (the 10th of last
    month), as it would have in service: without it those visits are still unreported and, from the 1st to
    the 9th, within the 30-day look-back, so they would join today's group."""
    from backend.modules.feedback import services

    with travel_to(local(world.year, world.month, 11, 9)):
        services.collect_visit_feedback(world.project.id)


def outbox(channel: str) -> list[Any]:
    from backend.core.db import db
    from backend.core.outbox import OutboxMessage

    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id))
    )


def link_in_sms(phone: str) -> str:
    (message,) = [m for m in outbox("sms") if m.recipient == phone][-1:]
    match = re.search(r"https?://\S+/wx/feedback/\d+\?k=[\w.\-]+", message.payload["text"])
    assert match, message.payload["text"]
    return match.group(0)


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def open_via_oauth(client: Any, url: str, seed: str) -> Any:
    """Follow the page -> authorize -> callback -> page redirects as WeChat's browser would, with the development
    stand-in (wechat_official/dev.py) serving open.weixin.qq.com's authorize page for the user of `seed`."""
    first = client.get(local_path(url))
    assert first.status_code == 302, first.get_data(as_text=True)
    authorize = urlsplit(first.headers["Location"])
    assert authorize.path == "/wx/dev/connect/oauth2/authorize", authorize
    query = parse_qs(authorize.query)
    assert query["scope"] == ["snsapi_base"]
    back = client.get(authorize.path, query_string={**{k: v[0] for k, v in query.items()}, "user": seed})
    assert back.status_code == 302, back.get_data(as_text=True)
    callback = client.get(local_path(back.headers["Location"]))
    assert callback.status_code == 302, callback.get_data(as_text=True)
    return client.get(callback.headers["Location"])


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no form on the page"
    return match.group(1)
