"""Projects API: registration, publicity, maintenance plans, check-in/out, work records, defects.

Check-ins and photos are multipart/form-data with the file in `photo` (wx.uploadFile); all else is JSON.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.core.access import PUBLIC, Role
from backend.core.api import Blueprint, current_actor
from backend.core.pagination import page_schema

from . import catalogue
from .schemas import (
    CancelSchema,
    CatalogueQuerySchema,
    CatalogueSchema,
    CheckInFormSchema,
    ChecklistQuerySchema,
    CheckOutSchema,
    DefectQuerySchema,
    DefectSchema,
    JurisdictionCorrectionSchema,
    MonthlyChecklistSchema,
    PhotoFileSchema,
    PlanCreateSchema,
    PlanItemSchema,
    PlanItemUpdateSchema,
    PlanSchema,
    PlanUpdateSchema,
    ProjectCreateSchema,
    ProjectDetailSchema,
    ProjectListItemSchema,
    ProjectQuerySchema,
    ProjectStateSchema,
    ProjectUpdateSchema,
    ProjectVisitQuerySchema,
    PublicProjectQuerySchema,
    PublicProjectSchema,
    RecordCreateSchema,
    RepairCreateSchema,
    RepairSchema,
    RepairVerificationSchema,
    StoredPhotoSchema,
    SupplementSchema,
    VisitQuerySchema,
    VisitSchema,
    WorkRecordSchema,
)
from .services import checkin, listing, plans, records, registration, status

blp = Blueprint(
    "projects", __name__, url_prefix="/api/v1", description="移动执业：项目登记、信息公示、维保计划与现场执业"
)
public_blp = Blueprint(
    "projects-public", __name__, url_prefix="/api/v1/public", description="公开查询：信息公示中的项目"
)

ORG = (Role.ORG_ADMIN, Role.LEGAL_REP)
SUPERVISORS = (Role.SUPERVISOR, Role.CORPS_ADMIN)
EVERYONE = (Role.PRACTITIONER, *ORG, *SUPERVISORS)


@blp.route("/catalogue")
class Catalogue(MethodView):
    @blp.access(PUBLIC)
    @blp.arguments(CatalogueQuerySchema, location="query")
    @blp.response(200, CatalogueSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """维保项目目录：消防设施系统、维保项目、频次与标准条款（GB 25201）"""
        return catalogue.get(args.get("version", catalogue.CURRENT_VERSION))


# ----------------------------------------------------------------------------------------------------
# Projects


@blp.route("/projects")
class Projects(MethodView):
    @blp.access(*EVERYONE)
    @blp.arguments(ProjectQuerySchema, location="query")
    @blp.response(200, page_schema(ProjectListItemSchema, "ProjectPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """项目列表：从业人员看本人参与的，机构看本机构的，监督管理人员看辖区内的"""
        return listing.list_projects(current_actor(), args)

    @blp.access(*ORG)
    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, ProjectStateSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """项目登记：委托单位、建筑、坐标（WGS-84/GCJ-02/BD-09 或按地址定位）、电子围栏、合同期、项目负责人与成员"""
        return registration.register_project(current_actor(), data)


@blp.route("/projects/<int:project_id>")
class ProjectResource(MethodView):
    @blp.access(*EVERYONE)
    @blp.response(200, ProjectDetailSchema)
    def get(self, project_id: int) -> Any:
        """项目详情及最近的现场签到（人脸距离、距围栏距离仅监督管理人员和本机构可见）"""
        return listing.project_detail(current_actor(), project_id)

    @blp.access(*ORG)
    @blp.arguments(ProjectUpdateSchema)
    @blp.response(200, ProjectStateSchema)
    def patch(self, data: dict[str, Any], project_id: int) -> Any:
        """修改项目信息（委托单位、建筑、合同期、项目负责人与成员）"""
        return registration.update_project(current_actor(), project_id, data)


@blp.route("/projects/<int:project_id>/publish")
class Publish(MethodView):
    @blp.access(*ORG)
    @blp.response(200, ProjectStateSchema)
    def post(self, project_id: int) -> Any:
        """信息公示：项目进入公开列表和委托单位视图"""
        return status.publish(current_actor(), project_id)


@blp.route("/projects/<int:project_id>/conclude")
class Conclude(MethodView):
    @blp.access(*ORG)
    @blp.response(200, ProjectStateSchema)
    def post(self, project_id: int) -> Any:
        """项目完结（须无人仍在现场）"""
        return status.conclude(current_actor(), project_id)


@blp.route("/projects/<int:project_id>/archive")
class Archive(MethodView):
    @blp.access(*ORG)
    @blp.response(200, ProjectStateSchema)
    def post(self, project_id: int) -> Any:
        """项目归档"""
        return status.archive(current_actor(), project_id)


@blp.route("/projects/<int:project_id>/cancel")
class Cancel(MethodView):
    @blp.access(*ORG)
    @blp.arguments(CancelSchema)
    @blp.response(200, ProjectStateSchema)
    def post(self, data: dict[str, Any], project_id: int) -> Any:
        """撤销项目（尚未开始现场服务的）"""
        return status.cancel(current_actor(), project_id, data["reason"])


@blp.route("/projects/<int:project_id>/supplement")
class Supplement(MethodView):
    @blp.access(*ORG)
    @blp.arguments(SupplementSchema)
    @blp.response(200, ProjectStateSchema)
    def post(self, data: dict[str, Any], project_id: int) -> Any:
        """历史导入项目补充信息：项目坐标与电子围栏、委托单位联系人（维保计划另行制定）"""
        return registration.supplement_project(current_actor(), project_id, data)


@blp.route("/projects/<int:project_id>/jurisdiction")
class Jurisdiction(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(JurisdictionCorrectionSchema)
    @blp.response(200, ProjectStateSchema)
    def put(self, data: dict[str, Any], project_id: int) -> Any:
        """更正项目所属区，标记化工区、水上、轨道交通（本区支队或总队）"""
        return registration.correct_jurisdiction(current_actor(), project_id, data)


# ----------------------------------------------------------------------------------------------------
# Maintenance plans


@blp.route("/projects/<int:project_id>/plan")
class Plan(MethodView):
    @blp.access(*EVERYONE)
    @blp.response(200, PlanSchema)
    def get(self, project_id: int) -> Any:
        """维保计划"""
        return plans.get_plan(current_actor(), project_id)

    @blp.access(*ORG)
    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    def post(self, data: dict[str, Any], project_id: int) -> Any:
        """按目录为建筑已有的消防设施系统生成合同期内的维保计划"""
        return plans.generate_plan(current_actor(), project_id, data["tolerance_days"])

    @blp.access(*ORG)
    @blp.arguments(PlanUpdateSchema)
    @blp.response(200, PlanSchema)
    def patch(self, data: dict[str, Any], project_id: int) -> Any:
        """修改维保计划的容差天数"""
        return plans.update_plan(current_actor(), project_id, data["tolerance_days"])


@blp.route("/projects/<int:project_id>/plan/items/<int:item_id>")
class PlanItemResource(MethodView):
    @blp.access(*ORG)
    @blp.arguments(PlanItemUpdateSchema)
    @blp.response(200, PlanItemSchema)
    def patch(self, data: dict[str, Any], project_id: int, item_id: int) -> Any:
        """启用/停用维保项目，调整应做月份"""
        return plans.update_item(current_actor(), project_id, item_id, **data)


@blp.route("/projects/<int:project_id>/plan/checklist")
class Checklist(MethodView):
    @blp.access(*EVERYONE)
    @blp.arguments(ChecklistQuerySchema, location="query")
    @blp.response(200, MonthlyChecklistSchema)
    def get(self, args: dict[str, Any], project_id: int) -> Any:
        """月度维保清单：应做、已做、未做，容差期外完成的标记"""
        return plans.checklist(current_actor(), project_id, args["month"])


# ----------------------------------------------------------------------------------------------------
# On-site practice


@blp.route("/projects/<int:project_id>/check-ins")
class CheckIns(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(CheckInFormSchema, location="form")
    @blp.arguments(PhotoFileSchema, location="files")
    @blp.response(201, VisitSchema)
    @blp.alt_response(200, schema=VisitSchema, description="同一幂等键再次提交：返回第一次的结果")
    @blp.alt_response(422, description="签到被拒绝：code=check_in_rejected，details.reasons 列出全部原因")
    def post(self, form: dict[str, Any], files: dict[str, Any], project_id: int) -> Any:
        """现场签到（multipart/form-data：photo 为现场照片）：人脸、电子围栏、异地签到、移动速度、照片重复、设备共用"""
        result = checkin.check_in(current_actor(), project_id, form, files["photo"].read())
        return result.visit, 200 if result.replayed else 201

    @blp.access(*EVERYONE)
    @blp.arguments(ProjectVisitQuerySchema, location="query")
    @blp.response(200, page_schema(VisitSchema, "ProjectVisitPage"))
    def get(self, args: dict[str, Any], project_id: int) -> Any:
        """项目的现场签到记录（含被拒绝的）"""
        return listing.list_project_visits(current_actor(), project_id, args)


@blp.route("/visits")
class Visits(MethodView):
    @blp.access(*EVERYONE)
    @blp.arguments(VisitQuerySchema, location="query")
    @blp.response(200, page_schema(VisitSchema, "VisitPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """现场签到列表：从业人员看本人的，机构看本机构的，监督管理人员看辖区内的"""
        return listing.list_visits(current_actor(), args)


@blp.route("/visits/<int:visit_id>")
class VisitResource(MethodView):
    @blp.access(*EVERYONE)
    @blp.response(200, VisitSchema)
    def get(self, visit_id: int) -> Any:
        """现场签到详情及工作记录"""
        return listing.visit_detail(current_actor(), visit_id)


@blp.route("/visits/<int:visit_id>/check-out")
class CheckOut(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(CheckOutSchema)
    @blp.response(200, VisitSchema)
    def post(self, data: dict[str, Any], visit_id: int) -> Any:
        """现场签退（带位置）；重复提交返回第一次签退的结果"""
        return checkin.check_out(current_actor(), visit_id, data)


@blp.route("/projects/<int:project_id>/photos")
class Photos(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(PhotoFileSchema, location="files")
    @blp.response(201, StoredPhotoSchema)
    def post(self, files: dict[str, Any], project_id: int) -> Any:
        """上传工作照片（multipart/form-data：photo）；返回的ID用于工作记录和维修记录"""
        return records.upload_photo(current_actor(), project_id, files["photo"].read())


@blp.route("/visits/<int:visit_id>/records")
class Records(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(RecordCreateSchema)
    @blp.response(201, WorkRecordSchema)
    @blp.alt_response(200, schema=WorkRecordSchema, description="同一幂等键再次提交：返回第一次的结果")
    def post(self, data: dict[str, Any], visit_id: int) -> Any:
        """填写工作记录（按维保计划项：正常、发现故障/隐患、已当场修复）"""
        result = records.add_record(current_actor(), visit_id, data)
        return result.record, 200 if result.replayed else 201


@blp.route("/records/<int:record_id>/photos")
class RecordPhotos(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(PhotoFileSchema, location="files")
    @blp.response(201, WorkRecordSchema)
    @blp.alt_response(200, schema=WorkRecordSchema, description="同一照片再次提交：记录不变")
    def post(self, files: dict[str, Any], record_id: int) -> Any:
        """为本人的工作记录补充一张照片（multipart/form-data：photo；离线记录先提交记录、再逐张提交照片）"""
        result = records.attach_photo(current_actor(), record_id, files["photo"].read())
        return result.record, 200 if result.replayed else 201


@blp.route("/projects/<int:project_id>/defects")
class Defects(MethodView):
    @blp.access(*EVERYONE)
    @blp.arguments(DefectQuerySchema, location="query")
    @blp.response(200, DefectSchema(many=True))
    def get(self, args: dict[str, Any], project_id: int) -> Any:
        """故障/隐患及其维修记录"""
        return records.list_defects(current_actor(), project_id, args.get("status"))


@blp.route("/defects/<int:defect_id>/repairs")
class Repairs(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(RepairCreateSchema)
    @blp.response(201, RepairSchema)
    def post(self, data: dict[str, Any], defect_id: int) -> Any:
        """提交维修记录（附照片），待机构核实"""
        return records.add_repair(current_actor(), defect_id, data)


@blp.route("/repairs/<int:repair_id>/verification")
class RepairVerification(MethodView):
    @blp.access(*ORG)
    @blp.arguments(RepairVerificationSchema)
    @blp.response(200, RepairSchema)
    def post(self, data: dict[str, Any], repair_id: int) -> Any:
        """机构核实维修记录：通过则关闭故障/隐患，不通过则重新打开"""
        return records.verify_repair(current_actor(), repair_id, data["approved"], data.get("note"))


# ----------------------------------------------------------------------------------------------------
# Publicity


@public_blp.route("/projects")
class PublicProjects(MethodView):
    @public_blp.access(PUBLIC)
    @public_blp.arguments(PublicProjectQuerySchema, location="query")
    @public_blp.response(200, page_schema(PublicProjectSchema, "PublicProjectPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """信息公示中的项目（不含个人信息）"""
        return listing.list_public_projects(args)


@public_blp.route("/projects/<int:project_id>")
class PublicProject(MethodView):
    @public_blp.access(PUBLIC)
    @public_blp.response(200, PublicProjectSchema)
    def get(self, project_id: int) -> Any:
        """公示项目详情（不含个人信息）"""
        return listing.public_project(project_id)
