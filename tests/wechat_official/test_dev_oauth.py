"""The development stand-in for WeChat's authorize page: asks which simulated WeChat user is signing in, then sends
the simulator's code to the callback; refuses what WeChat refuses (another appid, a foreign redirect domain)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.documents.builders import make_world
from tests.feedback.builders import link_in_sms, local_path

PATH = "/wx/dev/connect/oauth2/authorize"


def _authorize_query(client: Any) -> dict[str, str]:
    from backend.modules.feedback import services

    world = make_world()
    services.create_monthly_feedback(world.project.id, world.year, world.month)
    first = client.get(local_path(link_in_sms("13916668888")))
    assert urlsplit(first.headers["Location"]).path == PATH
    return {k: v[0] for k, v in parse_qs(urlsplit(first.headers["Location"]).query).items()}


def test_stand_in_asks_who_signs_in_then_redirects_with_a_code(client: Any, ctx: Any) -> None:
    query = _authorize_query(client)
    form = client.get(PATH, query_string=query)
    assert form.status_code == 200 and 'name="user"' in form.get_data(as_text=True)
    back = client.get(PATH, query_string={**query, "user": "contact-1"})
    assert back.status_code == 302
    target = urlsplit(back.headers["Location"])
    assert target.path == "/wx/oauth/callback"
    assert parse_qs(target.query)["state"] == [query["state"]] and parse_qs(target.query)["code"]


def test_stand_in_refuses_another_app_or_a_foreign_redirect(client: Any, ctx: Any) -> None:
    query = _authorize_query(client)
    for bad in ({"appid": "wx0000000000000000"}, {"redirect_uri": "https://evil.example/wx/oauth/callback"}):
        r = client.get(PATH, query_string={**query, **bad, "user": "contact-1"})
        assert r.status_code == 400 and "微信授权失败" in r.get_data(as_text=True)


def test_stand_in_is_absent_with_the_real_wechat_or_in_production() -> None:
    from flask import Flask

    import wechat_official

    for settings, present in (
        ({"WECHAT_BACKEND": "simulator", "ENV_NAME": "embedded"}, True),
        ({"WECHAT_BACKEND": "wechat", "ENV_NAME": "embedded"}, False),
        ({"WECHAT_BACKEND": "simulator", "ENV_NAME": "production"}, False),
    ):
        app = Flask(__name__)
        app.config.update(settings)
        wechat_official.register(app)
        assert ("wechat_official_dev" in app.blueprints) is present, settings


def test_only_the_simulator_sends_the_browser_to_the_stand_in() -> None:
    from backend.adapters.wechat import make_official_account

    def sink(channel: str, recipient: str, payload: dict[str, Any]) -> None:
        raise AssertionError("nothing is sent")

    callback = "https://fire.example.cn/wx/oauth/callback"
    simulated = make_official_account({"WECHAT_BACKEND": "simulator"}, sink)
    assert simulated.oauth_authorize_url(callback, "s1").startswith(PATH + "?appid=")
    real = make_official_account(
        {"WECHAT_BACKEND": "wechat", "WECHAT_OFFICIAL_APPID": "wx1a2b3c4d5e6f7788", "WECHAT_OFFICIAL_SECRET": "x"}, sink
    )
    assert real.oauth_authorize_url(callback, "s1").startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
