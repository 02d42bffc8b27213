"""Real-name authentication API: organisations, practitioners, employment, faces, the public directory.

Uploads are multipart form data (wx.uploadFile sends them so): field `file` for organisation documents,
`photo` for face photos, `signature` for the handwritten signature.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest.fields import Upload

from backend.core.access import AUTHENTICATED, PUBLIC, Role
from backend.core.api import Blueprint, current_actor
from backend.core.files import StoredFile
from backend.core.pagination import page_schema
from backend.core.schemas import BaseSchema

from . import services
from .schemas import (
    AltIdentityApproveSchema,
    AltIdentityRequestSchema,
    AltIdentityRevokeSchema,
    CertificateDeclareSchema,
    CertificateSchema,
    ConditionReportSchema,
    ConsentGiveSchema,
    ConsentSchema,
    DeregisterSchema,
    EmploymentSchema,
    EndEmploymentSchema,
    EquipmentListSchema,
    FaceEnrolmentSchema,
    FacePhotoUploadSchema,
    FaceStatusSchema,
    FaceVerificationSchema,
    FileUploadSchema,
    InviteSchema,
    OrgAdminAddSchema,
    OrgAdminSchema,
    OrgDetailSchema,
    OrgListArgsSchema,
    OrgRegisterSchema,
    OrgSchema,
    OrgUpdateSchema,
    PositionSchema,
    PractitionerListArgsSchema,
    PractitionerProfileSchema,
    PractitionerRegisterSchema,
    PractitionerSummarySchema,
    PublicOrgArgsSchema,
    PublicOrgSchema,
    PublicPractitionerArgsSchema,
    PublicPractitionerSchema,
    ReasonsSchema,
    ReviewDecisionSchema,
    SignatureUploadSchema,
    StaffArgsSchema,
    UnmaskArgsSchema,
)

SUPERVISORS = (Role.SUPERVISOR, Role.CORPS_ADMIN)
ORG_MANAGERS = (Role.ORG_ADMIN, Role.LEGAL_REP)
ORG_READERS = (*ORG_MANAGERS, *SUPERVISORS)

orgs_blp = Blueprint("realname-orgs", __name__, url_prefix="/api/v1/orgs", description="实名认证：消防技术服务机构")
practitioners_blp = Blueprint(
    "realname-practitioners", __name__, url_prefix="/api/v1/practitioners", description="实名认证：从业人员"
)
employments_blp = Blueprint(
    "realname-employments", __name__, url_prefix="/api/v1/employments", description="实名认证：聘用关系"
)
public_blp = Blueprint("realname-public", __name__, url_prefix="/api/v1/public", description="公开查询：机构与从业人员")


def _file_response(stored: StoredFile) -> Response:
    extension = "pdf" if stored.content_type == "application/pdf" else stored.content_type.split("/")[-1]
    return send_file(
        io.BytesIO(stored.read()),
        mimetype=stored.content_type,
        download_name=f"{stored.purpose}.{extension}",
        max_age=0,
    )


# --- organisations -------------------------------------------------------------------------------------


@orgs_blp.route("")
class Organizations(MethodView):
    @orgs_blp.access(AUTHENTICATED)
    @orgs_blp.arguments(OrgRegisterSchema)
    @orgs_blp.response(201, OrgSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """登记机构（草稿）：登记人成为法定代表人及机构管理人员"""
        return services.register_organization(current_actor(), **data)

    @orgs_blp.access(*ORG_READERS)
    @orgs_blp.arguments(OrgListArgsSchema, location="query")
    @orgs_blp.response(200, page_schema(OrgSchema, "OrgPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """机构列表：监督管理人员看辖区内机构，机构管理人员看本机构"""
        return services.list_organizations(current_actor(), **args)


@orgs_blp.route("/review-queue")
class ReviewQueue(MethodView):
    @orgs_blp.access(*SUPERVISORS)
    @orgs_blp.arguments(OrgListArgsSchema(only=("limit", "cursor")), location="query")
    @orgs_blp.response(200, page_schema(OrgSchema, "OrgReviewQueuePage"))
    def get(self, args: dict[str, Any]) -> Any:
        """待审核机构（辖区内），附全国系统与大数据平台比对意见和从业条件"""
        return services.review_queue(current_actor(), **args)


@orgs_blp.route("/<int:org_id>")
class OrganizationItem(MethodView):
    @orgs_blp.access(*ORG_READERS)
    @orgs_blp.arguments(UnmaskArgsSchema, location="query")
    @orgs_blp.response(200, OrgDetailSchema)
    def get(self, args: dict[str, Any], org_id: int) -> Any:
        """机构详情：登记信息、从业条件（实时）、审核记录"""
        return services.get_organization(current_actor(), org_id, args["unmask"])

    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.arguments(OrgUpdateSchema)
    @orgs_blp.response(200, OrgSchema)
    def patch(self, data: dict[str, Any], org_id: int) -> Any:
        """修改登记信息（草稿或被退回时）；工作场所面积可随时更新"""
        return services.update_organization(current_actor(), org_id, **data)


@orgs_blp.route("/<int:org_id>/equipment")
class OrgEquipment(MethodView):
    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.arguments(EquipmentListSchema)
    @orgs_blp.response(200, OrgSchema)
    def put(self, data: dict[str, Any], org_id: int) -> Any:
        """申报仪器设备清单（整体替换，含检定/校准有效期）"""
        return services.replace_equipment(current_actor(), org_id, data["items"])


@orgs_blp.route("/<int:org_id>/documents/<string:kind>")
class OrgDocument(MethodView):
    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.arguments(FileUploadSchema, location="files")
    @orgs_blp.response(200, OrgSchema)
    def put(self, files: dict[str, Any], org_id: int, kind: str) -> Any:
        """上传机构文件（PDF 或图片）

        kind：business_licence 营业执照 / quality_system 质量管理体系 / assessment_control 评估过程控制体系
        """
        return services.upload_document(current_actor(), org_id, kind, files["file"].read())

    @orgs_blp.access(*ORG_READERS)
    @orgs_blp.response(200, description="文件内容（PDF 或图片）")
    def get(self, org_id: int, kind: str) -> Any:
        """下载机构文件（审核证据）"""
        return _file_response(services.document_file(current_actor(), org_id, kind))


@orgs_blp.route("/<int:org_id>/submit")
class OrgSubmit(MethodView):
    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.response(200, OrgSchema)
    def post(self, org_id: int) -> Any:
        """提交（或重新提交）登记审核：同时与全国系统、总队大数据平台比对"""
        return services.submit_organization(current_actor(), org_id)


@orgs_blp.route("/<int:org_id>/review")
class OrgReviewDecision(MethodView):
    @orgs_blp.access(*SUPERVISORS)
    @orgs_blp.arguments(ReviewDecisionSchema)
    @orgs_blp.response(200, OrgSchema)
    def post(self, data: dict[str, Any], org_id: int) -> Any:
        """审核机构登记：通过或退回（退回须填写理由）"""
        return services.review_organization(current_actor(), org_id, data["decision"], data["reasons"])


@orgs_blp.route("/<int:org_id>/suspend")
class OrgSuspend(MethodView):
    @orgs_blp.access(*SUPERVISORS)
    @orgs_blp.arguments(ReasonsSchema)
    @orgs_blp.response(200, OrgSchema)
    def post(self, data: dict[str, Any], org_id: int) -> Any:
        """暂停机构执业（须填写理由）"""
        return services.suspend_organization(current_actor(), org_id, data["reasons"])


@orgs_blp.route("/<int:org_id>/reinstate")
class OrgReinstate(MethodView):
    @orgs_blp.access(*SUPERVISORS)
    @orgs_blp.arguments(ReasonsSchema)
    @orgs_blp.response(200, OrgSchema)
    def post(self, data: dict[str, Any], org_id: int) -> Any:
        """恢复机构执业"""
        return services.reinstate_organization(current_actor(), org_id, data["reasons"])


@orgs_blp.route("/<int:org_id>/deregister")
class OrgDeregister(MethodView):
    @orgs_blp.access(Role.LEGAL_REP, *SUPERVISORS)
    @orgs_blp.arguments(DeregisterSchema)
    @orgs_blp.response(200, OrgSchema)
    def post(self, data: dict[str, Any], org_id: int) -> Any:
        """注销机构（法定代表人申请，或辖区监督管理人员办理）；在职人员随之离职"""
        return services.deregister_organization(current_actor(), org_id, data["reason"])


@orgs_blp.route("/<int:org_id>/conditions")
class OrgConditions(MethodView):
    @orgs_blp.access(*ORG_READERS)
    @orgs_blp.response(200, ConditionReportSchema)
    def get(self, org_id: int) -> Any:
        """从业条件逐项核对（实时计算：要求与实际数量）"""
        return services.org_conditions(current_actor(), org_id)


@orgs_blp.route("/<int:org_id>/admins")
class OrgAdmins(MethodView):
    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.response(200, OrgAdminSchema(many=True))
    def get(self, org_id: int) -> Any:
        """机构管理人员列表"""
        return services.list_org_admins(current_actor(), org_id)

    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.arguments(OrgAdminAddSchema)
    @orgs_blp.response(201, OrgAdminSchema)
    def post(self, data: dict[str, Any], org_id: int) -> Any:
        """按手机号添加机构管理人员（该号码登录后即有权限）"""
        return services.add_org_admin(current_actor(), org_id, data["phone"], data["name"])


@orgs_blp.route("/<int:org_id>/admins/<int:user_id>")
class OrgAdminItem(MethodView):
    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.response(204)
    def delete(self, org_id: int, user_id: int) -> None:
        """移除机构管理人员（法定代表人除外）"""
        services.remove_org_admin(current_actor(), org_id, user_id)


@orgs_blp.route("/<int:org_id>/staff")
class OrgStaff(MethodView):
    @orgs_blp.access(*ORG_READERS)
    @orgs_blp.arguments(StaffArgsSchema, location="query")
    @orgs_blp.response(200, page_schema(EmploymentSchema, "EmploymentPage"))
    def get(self, args: dict[str, Any], org_id: int) -> Any:
        """机构人员与邀请（含证书核验状态）"""
        return services.list_staff(current_actor(), org_id, **args)

    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.arguments(InviteSchema)
    @orgs_blp.response(201, EmploymentSchema)
    def post(self, data: dict[str, Any], org_id: int) -> Any:
        """按手机号邀请从业人员并指定岗位"""
        return services.invite(current_actor(), org_id, **data)


@orgs_blp.route("/<int:org_id>/staff/<int:employment_id>")
class OrgStaffItem(MethodView):
    @orgs_blp.access(*ORG_MANAGERS)
    @orgs_blp.arguments(PositionSchema)
    @orgs_blp.response(200, EmploymentSchema)
    def patch(self, data: dict[str, Any], org_id: int, employment_id: int) -> Any:
        """调整岗位（如聘任技术负责人）"""
        return services.change_position(current_actor(), org_id, employment_id, data["position"])


# --- employment (either side) --------------------------------------------------------------------------


@employments_blp.route("/mine")
class MyEmployments(MethodView):
    @employments_blp.access(AUTHENTICATED)
    @employments_blp.response(200, EmploymentSchema(many=True))
    def get(self) -> Any:
        """我收到的聘用邀请与我的聘用记录"""
        return services.my_employments(current_actor())


@employments_blp.route("/<int:employment_id>/accept")
class AcceptEmployment(MethodView):
    @employments_blp.access(Role.PRACTITIONER)
    @employments_blp.response(200, EmploymentSchema)
    def post(self, employment_id: int) -> Any:
        """接受聘用邀请（同一时间只能在一家机构执业）"""
        return services.accept(current_actor(), employment_id)


@employments_blp.route("/<int:employment_id>/decline")
class DeclineEmployment(MethodView):
    @employments_blp.access(AUTHENTICATED)
    @employments_blp.response(200, EmploymentSchema)
    def post(self, employment_id: int) -> Any:
        """谢绝聘用邀请"""
        return services.decline(current_actor(), employment_id)


@employments_blp.route("/<int:employment_id>/end")
class EndEmployment(MethodView):
    @employments_blp.access(Role.PRACTITIONER, *ORG_MANAGERS)
    @employments_blp.arguments(EndEmploymentSchema)
    @employments_blp.response(200, EmploymentSchema)
    def post(self, data: dict[str, Any], employment_id: int) -> Any:
        """解除聘用关系（机构或本人均可）；机构也可撤回未接受的邀请"""
        return services.end(current_actor(), employment_id, data["reason"])


# --- practitioners -------------------------------------------------------------------------------------


@practitioners_blp.route("")
class Practitioners(MethodView):
    @practitioners_blp.access(AUTHENTICATED)
    @practitioners_blp.arguments(PractitionerRegisterSchema)
    @practitioners_blp.response(201, PractitionerProfileSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """登记从业人员身份（姓名、身份证号），并与全国系统核对"""
        return services.register_practitioner(current_actor(), **data)

    @practitioners_blp.access(*SUPERVISORS)
    @practitioners_blp.arguments(PractitionerListArgsSchema, location="query")
    @practitioners_blp.response(200, page_schema(PractitionerSummarySchema, "PractitionerPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """辖区内从业人员（可筛选待替代身份核验的人员）"""
        return services.list_practitioners(current_actor(), **args)


@practitioners_blp.route("/me")
class MyProfile(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.response(200, PractitionerProfileSchema)
    def get(self) -> Any:
        """我的从业人员档案：实名认证、人脸、证书、签名、所在机构"""
        return services.my_profile(current_actor())


@practitioners_blp.route("/<int:practitioner_id>")
class PractitionerItem(MethodView):
    @practitioners_blp.access(*ORG_READERS)
    @practitioners_blp.arguments(UnmaskArgsSchema, location="query")
    @practitioners_blp.response(200, PractitionerProfileSchema)
    def get(self, args: dict[str, Any], practitioner_id: int) -> Any:
        """从业人员档案（本机构人员或辖区内人员；监督管理人员查阅记入审计日志）"""
        return services.practitioner_profile(current_actor(), practitioner_id, args["unmask"])


@practitioners_blp.route("/me/biometric-consent")
class BiometricConsent(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.response(200, ConsentSchema)
    def get(self) -> Any:
        """人脸识别信息处理告知同意书（当前版本）及本人同意状态"""
        return services.consent_status(current_actor())

    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.arguments(ConsentGiveSchema)
    @practitioners_blp.response(200, ConsentSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """单独同意人脸识别信息处理（采集人脸前必须）"""
        return services.give_biometric_consent(current_actor(), data["version"])

    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.response(200, ConsentSchema)
    def delete(self) -> Any:
        """撤回同意：人脸特征值立即删除"""
        return services.withdraw_biometric_consent(current_actor())


@practitioners_blp.route("/me/face")
class MyFace(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.response(200, FaceStatusSchema)
    def get(self) -> Any:
        """人脸采集状态（含最近一次采集的结果与失败原因）"""
        return services.face_status(current_actor())

    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.arguments(FacePhotoUploadSchema, location="files")
    @practitioners_blp.response(202, FaceEnrolmentSchema)
    def post(self, files: dict[str, Any]) -> Any:
        """提交人脸采集照片（后台处理；照片提取特征后即删除；重新采集替换原特征）"""
        return services.request_face_enrolment(current_actor(), files["photo"].read())


@practitioners_blp.route("/me/face/verify")
class MyFaceVerify(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.arguments(FacePhotoUploadSchema, location="files")
    @practitioners_blp.response(200, FaceVerificationSchema)
    def post(self, files: dict[str, Any]) -> Any:
        """人脸比对测试：返回与登记人脸的距离及是否通过（照片不保存）"""
        return services.try_verification(current_actor(), files["photo"].read())


@practitioners_blp.route("/me/signature")
class MySignature(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.response(200, description="签名图片（PNG，透明背景）")
    def get(self) -> Any:
        """下载本人手写签名图片"""
        return _file_response(services.signature_file(current_actor()))

    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.arguments(SignatureUploadSchema, location="files")
    @practitioners_blp.response(200, PractitionerProfileSchema)
    def put(self, files: dict[str, Any]) -> Any:
        """上传手写签名（自动裁去空白，保留透明背景）"""
        return services.upload_signature(current_actor(), files["signature"].read())

    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.arguments(SignatureUploadSchema, location="files")
    @practitioners_blp.response(200, PractitionerProfileSchema)
    def post(self, files: dict[str, Any]) -> Any:
        """上传手写签名（同 PUT；小程序 wx.uploadFile 只能用 POST）"""
        return services.upload_signature(current_actor(), files["signature"].read())


@practitioners_blp.route("/me/certificates")
class MyCertificates(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.arguments(CertificateDeclareSchema)
    @practitioners_blp.response(201, CertificateSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """登记证书并与全国系统核验（有效 / 无效 / 已过期）"""
        return services.declare_certificate(current_actor(), **data)


@practitioners_blp.route("/me/certificates/<int:cert_id>")
class MyCertificate(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.response(204)
    def delete(self, cert_id: int) -> None:
        """删除证书登记"""
        services.delete_certificate(current_actor(), cert_id)


@practitioners_blp.route("/me/certificates/<int:cert_id>/recheck")
class MyCertificateRecheck(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.response(200, CertificateSchema)
    def post(self, cert_id: int) -> Any:
        """重新与全国系统核验证书"""
        return services.recheck_certificate(current_actor(), cert_id)


class CertificatePhotoUploadSchema(BaseSchema):
    photo = Upload(required=True, metadata={"description": "证书照片（JPEG 或 PNG）"})


@practitioners_blp.route("/me/certificates/<int:cert_id>/photo")
class MyCertificatePhoto(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.arguments(CertificatePhotoUploadSchema, location="files")
    @practitioners_blp.response(200, CertificateSchema)
    def post(self, files: dict[str, Any], cert_id: int) -> Any:
        """上传证书照片（multipart/form-data：photo），供审核核对；重新上传替换原照片"""
        return services.upload_certificate_photo(current_actor(), cert_id, files["photo"].read())


@practitioners_blp.route("/me/alternative-identity-request")
class AltIdentityRequest(MethodView):
    @practitioners_blp.access(Role.PRACTITIONER)
    @practitioners_blp.arguments(AltIdentityRequestSchema)
    @practitioners_blp.response(200, PractitionerProfileSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """申请替代身份核验（不使用人脸识别的人员）"""
        return services.request_alternative_identity(current_actor(), data["note"])


@practitioners_blp.route("/<int:practitioner_id>/alternative-identity")
class AltIdentity(MethodView):
    @practitioners_blp.access(*SUPERVISORS)
    @practitioners_blp.arguments(AltIdentityApproveSchema)
    @practitioners_blp.response(200, PractitionerProfileSchema)
    def post(self, data: dict[str, Any], practitioner_id: int) -> Any:
        """批准替代身份核验（记入时间轴，档案中可见）"""
        return services.approve_alternative_identity(current_actor(), practitioner_id, data["method"], data["note"])

    @practitioners_blp.access(*SUPERVISORS)
    @practitioners_blp.arguments(AltIdentityRevokeSchema)
    @practitioners_blp.response(200, PractitionerProfileSchema)
    def delete(self, data: dict[str, Any], practitioner_id: int) -> Any:
        """撤销替代身份核验"""
        return services.revoke_alternative_identity(current_actor(), practitioner_id, data["note"])


# --- public directory ----------------------------------------------------------------------------------


@public_blp.route("/orgs")
class PublicOrganizations(MethodView):
    @public_blp.access(PUBLIC)
    @public_blp.arguments(PublicOrgArgsSchema, location="query")
    @public_blp.response(200, page_schema(PublicOrgSchema, "PublicOrgPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """公开查询机构：按名称、统一社会信用代码、所属区、类型"""
        return services.public_organizations(**args)


@public_blp.route("/orgs/<int:org_id>")
class PublicOrganization(MethodView):
    @public_blp.access(PUBLIC)
    @public_blp.response(200, PublicOrgSchema)
    def get(self, org_id: int) -> Any:
        """公开查询机构详情"""
        return services.public_organization(org_id)


@public_blp.route("/practitioners")
class PublicPractitioners(MethodView):
    @public_blp.access(PUBLIC)
    @public_blp.arguments(PublicPractitionerArgsSchema, location="query")
    @public_blp.response(200, page_schema(PublicPractitionerSchema, "PublicPractitionerPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """公开查询从业人员（姓名脱敏，仅显示证书类别）"""
        return services.public_practitioners(**args)
