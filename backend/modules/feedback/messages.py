"""Chinese text of the feedback module's codes (API answers and the client's H5 pages)."""

from backend.core.messages import register

from .models import FeedbackFlag

FLAG_NAMES: dict[str, str] = FeedbackFlag.labels()

register(
    {
        "feedback_not_found": "从业反馈不存在",
        "project_not_found": "项目不存在",
        "feedback_team_on_site": "仍有服务人员在现场未签退，全部签退后再生成反馈",
        "feedback_no_new_visits": "没有尚未反馈的现场服务记录",
        "feedback_not_pending": "只有待确认的从业反馈可以重新发送",
        "feedback_link_invalid": "链接无效，请通过公众号消息或短信中的链接打开",
        "feedback_link_used": "该链接已被使用，请联系服务机构重新发送",
        "feedback_other_contact": "该从业反馈仅限本项目委托单位联系人查看和确认",
        "feedback_already_answered": "该从业反馈已处理，不能重复提交",
        "feedback_window_closed": "确认期限已过，不能再提交",
        "defect_not_found": "隐患记录不存在",
        "defect_not_repaired": "该隐患尚未维修，暂不能确认整改",
        "wechat_oauth_failed": "微信授权失败，请重新打开链接",
        "form_expired": "页面已过期，请刷新后重试",
        "wechat_only": "请在微信中打开此页面",
    }
)
