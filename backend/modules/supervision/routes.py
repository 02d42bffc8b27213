from __future__ import annotations

from typing import Any

from flask import Response, send_file
from flask.views import MethodView

from backend.core.access import PUBLIC, Role
from backend.core.api import Blueprint, current_actor
from backend.core.files import StoredFile, path_for
from backend.core.pagination import page_schema

from . import inspections, penalties, rules, spot_checks
from .schemas import (
    FollowUpCreateSchema,
    InspectionCreateSchema,
    InspectionQuerySchema,
    InspectionSchema,
    LiveVisitQuerySchema,
    LiveVisitSchema,
    MySpotCheckQuerySchema,
    PenaltyCreateSchema,
    PenaltyQuerySchema,
    PenaltySchema,
    PhotoUploadSchema,
    PublicPenaltyQuerySchema,
    PublicPenaltySchema,
    RandomSpotCheckSchema,
    SpotCheckAnswerSchema,
    SpotCheckBatchSchema,
    SpotCheckCreateSchema,
    SpotCheckQuerySchema,
    SpotCheckSchema,
    SupervisionRulesSchema,
)

blp = Blueprint(
    "supervision", __name__, url_prefix="/api/v1/supervision", description="监督检查：现场检查、实时抽查、行政处罚"
)
public_blp = Blueprint(
    "supervision-public", __name__, url_prefix="/api/v1/public", description="公开信息：行政处罚公示"
)

SUPERVISORS = (Role.SUPERVISOR, Role.CORPS_ADMIN)
SUPERVISORS_AND_ORGS = (Role.SUPERVISOR, Role.CORPS_ADMIN, Role.ORG_ADMIN, Role.LEGAL_REP)
IMAGE_RESPONSE = {
    "200": {
        "description": "照片原图",
        "content": {mime: {"schema": {"type": "string", "format": "binary"}} for mime in ("image/jpeg", "image/png")},
    }
}


def _image(stored: StoredFile) -> Response:
    response = send_file(path_for(stored.sha256), mimetype=stored.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/rules")
class Rules(MethodView):
    @blp.access(PUBLIC)
    @blp.response(200, SupervisionRulesSchema)
    def get(self) -> Any:
        """检查表（第二十二、二十三条）与处罚依据及罚款幅度（第二十六～三十条）"""
        return rules.catalogue()


# --- inspections ------------------------------------------------------------------------------------------


@blp.route("/inspections")
class Inspections(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.arguments(InspectionQuerySchema, location="query")
    @blp.response(200, page_schema(InspectionSchema, "InspectionPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """现场检查列表（监督人员：辖区内；机构：本机构被检查记录）"""
        return inspections.list_inspections(current_actor(), args)

    @blp.access(*SUPERVISORS)
    @blp.arguments(InspectionCreateSchema)
    @blp.response(201, InspectionSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """录入现场检查：检查表、发现、检查人员位置、结论与整改期限"""
        return inspections.record_inspection(current_actor(), data)


@blp.route("/inspections/<int:inspection_id>")
class InspectionDetail(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.response(200, InspectionSchema)
    def get(self, inspection_id: int) -> Any:
        """现场检查详情，含跟踪记录和照片"""
        return inspections.get_inspection(current_actor(), inspection_id)


@blp.route("/inspections/<int:inspection_id>/follow-ups")
class InspectionFollowUps(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(FollowUpCreateSchema)
    @blp.response(201, InspectionSchema)
    def post(self, data: dict[str, Any], inspection_id: int) -> Any:
        """追加整改跟踪记录（整改完成或案件办结即结案）"""
        return inspections.add_follow_up(current_actor(), inspection_id, data)


@blp.route("/inspections/<int:inspection_id>/photos")
class InspectionPhotos(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(PhotoUploadSchema)
    @blp.response(201, InspectionSchema)
    def post(self, data: dict[str, Any], inspection_id: int) -> Any:
        """上传一张检查照片（JSON，照片为 base64）"""
        return inspections.add_photo(
            current_actor(), inspection_id, data["photo"], data["caption"], data["follow_up_id"]
        )


@blp.route("/inspections/<int:inspection_id>/photos/<int:photo_id>")
class InspectionPhotoFile(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.doc(responses=IMAGE_RESPONSE)
    def get(self, inspection_id: int, photo_id: int) -> Any:
        """查看检查照片"""
        return _image(inspections.photo_file(current_actor(), inspection_id, photo_id))


# --- spot checks ------------------------------------------------------------------------------------------


@blp.route("/live-visits")
class LiveVisits(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(LiveVisitQuerySchema, location="query")
    @blp.response(200, page_schema(LiveVisitSchema, "LiveVisitPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """辖区内当前签到在岗的从业人员（实时）"""
        return spot_checks.live_visits(current_actor(), args)


@blp.route("/spot-checks")
class SpotChecks(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(SpotCheckQuerySchema, location="query")
    @blp.response(200, page_schema(SpotCheckSchema, "SpotCheckPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """实时抽查记录（辖区内）"""
        return spot_checks.list_spot_checks(current_actor(), args)

    @blp.access(*SUPERVISORS)
    @blp.arguments(SpotCheckCreateSchema)
    @blp.response(201, SpotCheckSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """对一名签到在岗的从业人员发起实时抽查（订阅消息或短信通知，限时答复）"""
        return spot_checks.issue_spot_check(current_actor(), data["visit_id"], data.get("deadline_minutes"))


@blp.route("/spot-checks/random")
class RandomSpotChecks(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(RandomSpotCheckSchema)
    @blp.response(201, SpotCheckBatchSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """按比例随机抽取签到在岗的从业人员发起实时抽查"""
        return spot_checks.issue_random_spot_checks(current_actor(), data)


@blp.route("/spot-checks/<int:spot_check_id>")
class SpotCheckDetail(MethodView):
    @blp.access(Role.SUPERVISOR, Role.CORPS_ADMIN, Role.PRACTITIONER)
    @blp.response(200, SpotCheckSchema)
    def get(self, spot_check_id: int) -> Any:
        """实时抽查详情（监督人员：辖区内；从业人员：本人）"""
        return spot_checks.get_spot_check(current_actor(), spot_check_id)


@blp.route("/spot-checks/<int:spot_check_id>/photo")
class SpotCheckPhoto(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.doc(responses=IMAGE_RESPONSE)
    def get(self, spot_check_id: int) -> Any:
        """查看抽查答复照片（需“查看个人信息”权限，记入审计日志）"""
        return _image(spot_checks.answer_photo(current_actor(), spot_check_id))


@blp.route("/my/spot-checks")
class MySpotChecks(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(MySpotCheckQuerySchema, location="query")
    @blp.response(200, page_schema(SpotCheckSchema, "MySpotCheckPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """我的实时抽查（默认待答复）"""
        return spot_checks.my_spot_checks(current_actor(), args)


@blp.route("/my/spot-checks/<int:spot_check_id>/answer")
class SpotCheckAnswer(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(SpotCheckAnswerSchema)
    @blp.response(200, SpotCheckSchema)
    def post(self, data: dict[str, Any], spot_check_id: int) -> Any:
        """答复实时抽查：现场人脸照片（base64）和定位，须在期限内"""
        return spot_checks.answer_spot_check(current_actor(), spot_check_id, data)


# --- penalties --------------------------------------------------------------------------------------------


@blp.route("/penalties")
class Penalties(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.arguments(PenaltyQuerySchema, location="query")
    @blp.response(200, page_schema(PenaltySchema, "PenaltyPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """行政处罚列表（监督人员：辖区内；机构：本机构）"""
        return penalties.list_penalties(current_actor(), args)

    @blp.access(*SUPERVISORS)
    @blp.arguments(PenaltyCreateSchema)
    @blp.response(201, PenaltySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """录入行政处罚决定（需“录入行政处罚”权限；罚款金额须在法定幅度内）"""
        return penalties.issue_penalty(current_actor(), data)


@blp.route("/penalties/<int:penalty_id>")
class PenaltyDetail(MethodView):
    @blp.access(*SUPERVISORS_AND_ORGS)
    @blp.response(200, PenaltySchema)
    def get(self, penalty_id: int) -> Any:
        """行政处罚详情"""
        return penalties.get_penalty(current_actor(), penalty_id)


@public_blp.route("/penalties")
class PublicPenalties(MethodView):
    @public_blp.access(PUBLIC)
    @public_blp.arguments(PublicPenaltyQuerySchema, location="query")
    @public_blp.response(200, page_schema(PublicPenaltySchema, "PublicPenaltyPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """行政处罚信息公示"""
        return penalties.public_penalties(args)
