"""What the official account 「上海消防公众服务平台」 hears: follows and unfollows, QR scans (a scene may
bind the scanner as a project's client contact), text messages (answered with help or the pending feedback
links), and WeChat's delivery report of each template message (TEMPLATESENDJOBFINISH)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.db import db, unit_of_work
from backend.core.timeline import append_event
from backend.core.timeutil import utcnow
from backend.modules.projects.queries import Project, project_by_id

from .links import feedback_page_path, public_base_url, read_binding_scene
from .models import Feedback, OfficialFollower, OfficialMessage

WELCOME = (
    "欢迎关注上海消防公众服务平台。\n"
    "消防技术服务机构为贵单位提供维护保养、检测或评估服务后，将通过本公众号向您推送从业反馈，"
    "请及时确认并评价。\n回复“反馈”查看待确认的从业反馈。"
)
HELP = (
    "您好，这里是上海消防公众服务平台。\n"
    "· 回复“反馈”：查看待您确认的从业反馈\n"
    "· 扫描结论文件或维保标识上的二维码：核验真伪\n"
    "· 消防安全隐患举报投诉电话：96119"
)
NO_PENDING = "目前没有待您确认的从业反馈。"
FEEDBACK_KEYWORDS = ("反馈", "确认", "评价")


def _follower(openid: str) -> OfficialFollower:
    follower = db.session.scalar(sa.select(OfficialFollower).where(OfficialFollower.openid == openid))
    if follower is None:
        follower = OfficialFollower(openid=openid, subscribed=False)
        db.session.add(follower)
    return follower


def _bind_by_scene(openid: str, scene: str | None) -> Project | None:
    project_id = read_binding_scene(scene)
    project = project_by_id(project_id) if project_id is not None else None
    if project is None:
        return None
    if project.client_contact_openid != openid:
        project.client_contact_openid = openid
        append_event(
            "project.client_contact_bound",
            "委托单位联系人扫码绑定公众号",
            org_id=project.org_id,
            project_id=project.id,
            district_code=project.district_code,
            special_zone=project.special_zone,
            visibility="org",
            data={"via": "qr_scene"},
            is_trial=project.is_trial,
        )
    return project


def _bound_reply(project: Project) -> str:
    return f"您已绑定为“{project.name}”的委托单位联系人，今后该项目的从业反馈将通过本公众号推送给您。"


def follower_subscribed(openid: str, scene: str | None) -> str:
    """A follow, possibly by scanning a parametric QR code (EventKey qrscene_<scene>)."""
    with unit_of_work() as uow:
        follower = _follower(openid)
        follower.subscribed = True
        follower.subscribed_at = utcnow()
        follower.last_scene = (scene or None) and scene[:64]
        project = _bind_by_scene(openid, scene)
        uow.commit()
    return WELCOME + ("\n\n" + _bound_reply(project) if project is not None else "")


def follower_unsubscribed(openid: str) -> None:
    with unit_of_work() as uow:
        follower = _follower(openid)
        follower.subscribed = False
        follower.unsubscribed_at = utcnow()
        uow.commit()


def scanned(openid: str, scene: str | None) -> str:
    """A follower scanned a parametric QR code."""
    with unit_of_work() as uow:
        follower = _follower(openid)
        follower.subscribed = True
        follower.last_scene = (scene or None) and scene[:64]
        project = _bind_by_scene(openid, scene)
        uow.commit()
    return _bound_reply(project) if project is not None else HELP


def _pending_links(openid: str) -> list[str]:
    stmt = (
        sa.select(Feedback, Project.name)
        .join(Project, Project.id == Feedback.project_id)
        .where(Project.client_contact_openid == openid, Feedback.status == "pending")
        .order_by(Feedback.id)
        .limit(5)
    )
    return [
        f"{name}（{feedback.period_start:%m月%d日}）：{public_base_url()}{feedback_page_path(feedback.id)}"
        for feedback, name in db.session.execute(stmt)
    ]


def text_received(openid: str, content: str) -> str:
    if any(word in (content or "") for word in FEEDBACK_KEYWORDS):
        links = _pending_links(openid)
        return "待您确认的从业反馈：\n" + "\n".join(links) if links else NO_PENDING
    return HELP


def template_delivery(msgid: str, status: str) -> bool:
    """Record WeChat's delivery report on the sent message; False when the message is not one of ours."""
    with unit_of_work() as uow:
        message = db.session.scalar(
            sa.select(OfficialMessage).where(
                OfficialMessage.channel == "wechat_template", OfficialMessage.external_id == str(msgid)
            )
        )
        if message is None:
            return False
        if status == "success":
            message.status = "delivered"
        elif "user block" in status:
            message.status = "user_blocked"
        else:
            message.status = "failed"
        message.error = None if status == "success" else status[:200]
        message.status_at = utcnow()
        uow.commit()
    return True
