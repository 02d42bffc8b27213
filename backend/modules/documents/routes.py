"""Conclusion documents API, public verification API, and the public signing keys (plain Flask route)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint as FlaskBlueprint
from flask import Flask, Response, jsonify, request
from flask.views import MethodView

from backend.core.access import PUBLIC, Role
from backend.core.api import Blueprint, current_actor
from backend.core.pagination import page_schema

from . import notice, verification
from .keys import signing_keys
from .schemas import (
    DocumentDraftCreateSchema,
    DocumentDraftUpdateSchema,
    DocumentQuerySchema,
    DocumentRevokeSchema,
    DocumentSchema,
    DocumentSignSchema,
    VerificationSchema,
    VerifyPdfUploadSchema,
    VerifyQuerySchema,
)
from .services import drafts, effectiveness, reading, revocation, signing

blp = Blueprint("documents", __name__, url_prefix="/api/v1", description="书面结论文件：起草、签署、生效、撤销")
public_blp = Blueprint(
    "public-verify", __name__, url_prefix="/api/v1/public", description="公开核验：结论文件与维保标识的防伪核验"
)

READERS = (Role.ORG_ADMIN, Role.LEGAL_REP, Role.PRACTITIONER, Role.SUPERVISOR, Role.CORPS_ADMIN)
PREPARERS = (Role.ORG_ADMIN, Role.LEGAL_REP, Role.PRACTITIONER)
SUPERVISORS = (Role.SUPERVISOR, Role.CORPS_ADMIN)


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/projects/<int:project_id>/documents")
class ProjectDocuments(MethodView):
    @blp.access(*PREPARERS)
    @blp.arguments(DocumentDraftCreateSchema)
    @blp.response(201, DocumentSchema)
    def post(self, data: dict[str, Any], project_id: int) -> Any:
        """按项目记录起草结论文件（维保记录按月；检测、评估报告按服务期间）"""
        return drafts.create_draft(current_actor(), project_id, data["period_start"], data["period_end"])


@blp.route("/projects/<int:project_id>/maintenance-notice")
class MaintenanceNotice(MethodView):
    @blp.access(*READERS)
    @blp.response(200, content_type="application/pdf", description="A5 维保标识 PDF")
    def get(self, project_id: int) -> Any:
        """下载最近一次维护保养后的维保标识（PDF，张贴于建筑内）"""
        return _pdf(*notice.maintenance_notice(current_actor(), project_id))


@blp.route("/documents")
class Documents(MethodView):
    @blp.access(*READERS)
    @blp.arguments(DocumentQuerySchema, location="query")
    @blp.response(200, page_schema(DocumentSchema, "DocumentPage"))
    def get(self, args: dict[str, Any]) -> Any:
        """结论文件列表（机构：本机构；从业人员：本人参与的项目；监督：管辖范围内）"""
        return reading.list_documents(current_actor(), args)


@blp.route("/documents/<int:document_id>")
class Document(MethodView):
    @blp.access(*READERS)
    @blp.response(200, DocumentSchema)
    def get(self, document_id: int) -> Any:
        """结论文件详情：内容、签署、未生效原因"""
        return reading.get_document(current_actor(), document_id)

    @blp.access(*PREPARERS)
    @blp.arguments(DocumentDraftUpdateSchema)
    @blp.response(200, DocumentSchema)
    def patch(self, data: dict[str, Any], document_id: int) -> Any:
        """修改草稿或未生效的结论文件（已有签署随之作废，须重新签署）"""
        return drafts.update_draft(current_actor(), document_id, **data)


@blp.route("/documents/<int:document_id>/signatures")
class Signatures(MethodView):
    @blp.access(Role.PRACTITIONER)
    @blp.arguments(DocumentSignSchema)
    @blp.response(201, DocumentSchema)
    def post(self, data: dict[str, Any], document_id: int) -> Any:
        """签署结论文件（项目负责人、技术负责人；签署前人脸核验，照片以 base64 随请求提交）"""
        return signing.sign(current_actor(), document_id, data["identity_method"], data["photo"])


@blp.route("/documents/<int:document_id>/evaluation")
class Evaluation(MethodView):
    @blp.access(*PREPARERS)
    @blp.response(200, DocumentSchema)
    def post(self, document_id: int) -> Any:
        """重新核验未生效的结论文件（例如委托单位已确认反馈后）"""
        return effectiveness.reevaluate(current_actor(), document_id)


@blp.route("/documents/<int:document_id>/revocation")
class Revocation(MethodView):
    @blp.access(*SUPERVISORS)
    @blp.arguments(DocumentRevokeSchema)
    @blp.response(200, DocumentSchema)
    def post(self, data: dict[str, Any], document_id: int) -> Any:
        """撤销已生效的结论文件（管辖范围内；理由公开显示）"""
        return revocation.revoke(current_actor(), document_id, data["reason"])


@blp.route("/documents/<int:document_id>/pdf")
class DocumentPdf(MethodView):
    @blp.access(*READERS)
    @blp.response(200, content_type="application/pdf", description="结论文件 PDF")
    def get(self, document_id: int) -> Any:
        """下载已生效结论文件的 PDF"""
        return _pdf(*reading.document_pdf(current_actor(), document_id))


@public_blp.route("/verify")
class PublicVerify(MethodView):
    @public_blp.access(PUBLIC)
    @public_blp.arguments(VerifyQuerySchema, location="query")
    @public_blp.response(200, VerificationSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """核验二维码：签名有效时返回权威摘要（机构、项目、类型、签署人脱敏、日期、状态）"""
        return verification.verify_token(args["t"])

    @public_blp.access(PUBLIC)
    @public_blp.arguments(VerifyPdfUploadSchema, location="files")
    @public_blp.response(200, VerificationSchema)
    def post(self, files: dict[str, Any]) -> Any:
        """上传 PDF 核验：与系统存档一致（genuine）、被改动（altered）或无记录（unknown）"""
        return verification.verify_pdf(files["file"].read(), request.remote_addr)


wellknown_bp = FlaskBlueprint("report_signing_keys", __name__)


@wellknown_bp.get("/.well-known/report-signing-keys.json")
def report_signing_keys() -> Response:
    """The public keys (JWK set) that verify report QR tokens offline."""
    response = jsonify(signing_keys().jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def register_plain(app: Flask) -> None:
    """Called by module discovery: routes outside the OpenAPI document."""
    if "report_signing_keys" not in app.blueprints:
        app.register_blueprint(wellknown_bp)
