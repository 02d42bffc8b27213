"""Request and response shapes of the projects API. Check-ins and photos come as multipart/form-data (what
the mini-program's wx.uploadFile sends: one file plus form fields); everything else is JSON."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload

from backend.core import jurisdictions
from backend.core.geo import CRS
from backend.core.pagination import PageArgsSchema
from backend.core.schemas import BaseSchema, LocalDateTime
from backend.core.vocabulary import Labelled

from . import catalogue
from .models import DefectSeverity, DefectStatus, ProjectStatus, RecordResult, ServiceType, VisitStatus

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CRS_VALUES = [c.value for c in CRS]
DISTRICT_CODES = sorted(jurisdictions.DISTRICTS)
ZONES = sorted(jurisdictions.SPECIAL_ZONES)


def _desc(text: str, **extra: Any) -> dict[str, Any]:
    return {"description": text, **extra}


def _month_field(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Regexp(MONTH, error="月份格式应为 YYYY-MM"),
        metadata=_desc("月份，YYYY-MM", example="2026-03"),
        **kwargs,
    )


def _name_of(labels: type[Labelled] | dict[str, str], attr: str) -> ma.fields.Function:
    mapping = labels if isinstance(labels, dict) else labels.labels()
    return ma.fields.Function(lambda obj: mapping.get(getattr(obj, attr) or ""), allow_none=True)


# ----------------------------------------------------------------------------------------------------
# Input: registration and edits


class SiteLocationSchema(BaseSchema):
    lng = ma.fields.Float(required=True, metadata=_desc("经度", example=121.4737))
    lat = ma.fields.Float(required=True, metadata=_desc("纬度", example=31.2304))
    crs = ma.fields.String(
        load_default="wgs84",
        validate=ma.validate.OneOf(CRS_VALUES),
        metadata=_desc("坐标系：wgs84（GPS）、gcj02（微信/高德/腾讯地图）、bd09（百度地图）"),
    )


class ClientSchema(BaseSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200), metadata=_desc("委托单位名称"))
    credit_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=18),
        metadata=_desc("委托单位统一社会信用代码"),
    )
    contact_name = ma.fields.String(
        required=True, validate=ma.validate.Length(1, 64), metadata=_desc("委托单位联系人姓名（加密保存）")
    )
    contact_phone = ma.fields.String(
        required=True, validate=ma.validate.Length(1, 20), metadata=_desc("委托单位联系人手机号（加密保存）")
    )


class BuildingSchema(BaseSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200), metadata=_desc("建筑名称"))
    address = ma.fields.String(required=True, validate=ma.validate.Length(1, 256), metadata=_desc("建筑地址"))
    use = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=64),
        metadata=_desc("使用性质，如 商场、办公"),
    )
    floor_area_m2 = ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=0, min_inclusive=False),
        metadata=_desc("建筑面积（平方米）"),
    )
    height_m = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=0), metadata=_desc("建筑高度（米）")
    )
    floors_above = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(0, 200), metadata=_desc("地上层数")
    )
    floors_below = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(0, 20), metadata=_desc("地下层数")
    )
    facility_systems = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 32)),
        required=True,
        metadata=_desc("建筑消防设施系统代码（见 /catalogue）"),
    )
    facilities_in_service_on = ma.fields.Date(
        load_default=None, allow_none=True, metadata=_desc("消防设施投入使用日期（用于安排感烟探测器清洗）")
    )


class GeofenceInputMixin(BaseSchema):
    geofence = ma.fields.Dict(
        load_default=None,
        allow_none=True,
        metadata=_desc(
            '电子围栏：GeoJSON Polygon/MultiPolygon，或 {"type":"Circle","center":[经度,纬度],"radius_m":300}'
        ),
    )
    geofence_crs = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(CRS_VALUES),
        metadata=_desc("电子围栏坐标系，默认同项目坐标"),
    )
    geofence_radius_m = ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(20, 1500),
        metadata=_desc("未提供围栏时，以项目位置为圆心的围栏半径（米），默认300"),
    )


class ProjectCreateSchema(GeofenceInputMixin):
    org_id = ma.fields.Integer(load_default=None, allow_none=True, metadata=_desc("机构ID；只管理一个机构时可省略"))
    service_type = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(ServiceType.values()),
        metadata=_desc("服务类型：maintenance 维保、testing 检测、assessment 评估"),
    )
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200), metadata=_desc("项目名称"))
    client = ma.fields.Nested(ClientSchema, required=True, metadata=_desc("委托单位"))
    building = ma.fields.Nested(BuildingSchema, required=True, metadata=_desc("建筑信息"))
    location = ma.fields.Nested(
        SiteLocationSchema,
        load_default=None,
        allow_none=True,
        metadata=_desc("项目坐标；省略时按建筑地址由地理信息平台定位"),
    )
    contract_start = ma.fields.Date(required=True, metadata=_desc("合同开始日期"))
    contract_end = ma.fields.Date(required=True, metadata=_desc("合同结束日期"))
    lead_practitioner_id = ma.fields.Integer(required=True, metadata=_desc("项目负责人（注册消防工程师）的从业人员ID"))
    member_ids = ma.fields.List(ma.fields.Integer(), load_default=list, metadata=_desc("项目组成员的从业人员ID"))


class ClientUpdateSchema(BaseSchema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200), metadata=_desc("委托单位名称"))
    credit_code = ma.fields.String(validate=ma.validate.Length(max=18), metadata=_desc("委托单位统一社会信用代码"))
    contact_name = ma.fields.String(validate=ma.validate.Length(1, 64), metadata=_desc("委托单位联系人姓名"))
    contact_phone = ma.fields.String(validate=ma.validate.Length(1, 20), metadata=_desc("委托单位联系人手机号"))


class BuildingUpdateSchema(BaseSchema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200), metadata=_desc("建筑名称"))
    use = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=64), metadata=_desc("使用性质"))
    floor_area_m2 = ma.fields.Float(
        allow_none=True, validate=ma.validate.Range(min=0, min_inclusive=False), metadata=_desc("建筑面积（平方米）")
    )
    height_m = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=0), metadata=_desc("建筑高度（米）"))
    floors_above = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(0, 200), metadata=_desc("地上层数"))
    floors_below = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(0, 20), metadata=_desc("地下层数"))
    facility_systems = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 32)), metadata=_desc("建筑消防设施系统代码")
    )
    facilities_in_service_on = ma.fields.Date(allow_none=True, metadata=_desc("消防设施投入使用日期"))


class ProjectUpdateSchema(BaseSchema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200), metadata=_desc("项目名称"))
    client = ma.fields.Nested(ClientUpdateSchema, metadata=_desc("委托单位（只需填写要修改的字段）"))
    building = ma.fields.Nested(
        BuildingUpdateSchema, metadata=_desc("建筑信息（只需填写要修改的字段；地址与坐标不可改）")
    )
    contract_start = ma.fields.Date(metadata=_desc("合同开始日期"))
    contract_end = ma.fields.Date(metadata=_desc("合同结束日期"))
    lead_practitioner_id = ma.fields.Integer(metadata=_desc("项目负责人的从业人员ID"))
    member_ids = ma.fields.List(ma.fields.Integer(), metadata=_desc("项目组成员（整体替换）"))


class SupplementSchema(GeofenceInputMixin):
    location = ma.fields.Nested(
        SiteLocationSchema, load_default=None, allow_none=True, metadata=_desc("项目坐标；省略时按建筑地址定位")
    )
    client_contact_name = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(1, 64), metadata=_desc("委托单位联系人姓名")
    )
    client_contact_phone = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(1, 20), metadata=_desc("委托单位联系人手机号")
    )


class JurisdictionCorrectionSchema(BaseSchema):
    district_code = ma.fields.String(
        required=True, validate=ma.validate.OneOf(DISTRICT_CODES), metadata=_desc("区行政区划代码，如 310104")
    )
    special_zone = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(ZONES),
        metadata=_desc("专门支队：chem 化工区、water 水上、rail 轨道交通；不属于时为空"),
    )
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 200), metadata=_desc("更正理由"))


class CancelSchema(BaseSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 200), metadata=_desc("撤销原因"))


class ProjectQuerySchema(PageArgsSchema):
    district_code = ma.fields.String(validate=ma.validate.OneOf(DISTRICT_CODES), metadata=_desc("区"))
    service_type = ma.fields.String(validate=ma.validate.OneOf(ServiceType.values()), metadata=_desc("服务类型"))
    status = ma.fields.String(validate=ma.validate.OneOf(ProjectStatus.values()), metadata=_desc("项目状态"))
    org_id = ma.fields.Integer(metadata=_desc("机构ID"))
    q = ma.fields.String(validate=ma.validate.Length(1, 100), metadata=_desc("项目名称、编号、建筑名称或地址关键字"))
    near = ma.fields.String(
        validate=ma.validate.Regexp(r"^-?\d{1,3}(\.\d+)?,-?\d{1,2}(\.\d+)?$", error="位置格式应为“经度,纬度”"),
        metadata=_desc("附近的项目：经度,纬度（如小程序 wx.getLocation 的结果）", example="121.4737,31.2304"),
    )
    near_crs = ma.fields.String(
        load_default=CRS.GCJ02.value,
        validate=ma.validate.OneOf([c.value for c in CRS]),
        metadata=_desc("near 的坐标系，默认 gcj02（微信定位）"),
    )
    radius_m = ma.fields.Float(
        load_default=1000.0, validate=ma.validate.Range(50, 10_000), metadata=_desc("附近范围（米），默认1000")
    )


class PublicProjectQuerySchema(PageArgsSchema):
    district_code = ma.fields.String(validate=ma.validate.OneOf(DISTRICT_CODES), metadata=_desc("区"))
    service_type = ma.fields.String(validate=ma.validate.OneOf(ServiceType.values()), metadata=_desc("服务类型"))
    org_id = ma.fields.Integer(metadata=_desc("机构ID"))


# ----------------------------------------------------------------------------------------------------
# Input: plans


class PlanCreateSchema(BaseSchema):
    tolerance_days = ma.fields.Integer(
        load_default=7,
        validate=ma.validate.Range(0, 15),
        metadata=_desc("容差天数：在应做月份前后多少天内完成视为按时"),
    )


class PlanUpdateSchema(BaseSchema):
    tolerance_days = ma.fields.Integer(required=True, validate=ma.validate.Range(0, 15), metadata=_desc("容差天数"))


class PlanItemUpdateSchema(BaseSchema):
    enabled = ma.fields.Boolean(metadata=_desc("是否启用"))
    months = ma.fields.List(_month_field(), metadata=_desc("应做月份（YYYY-MM），整体替换"))


class ChecklistQuerySchema(BaseSchema):
    month = _month_field(required=True)


# ----------------------------------------------------------------------------------------------------
# Input: on-site practice


class CheckInFormSchema(BaseSchema):
    """multipart/form-data fields sent with the photo (wx.uploadFile formData)."""

    lng = ma.fields.Float(required=True, metadata=_desc("经度（wx.getLocation）"))
    lat = ma.fields.Float(required=True, metadata=_desc("纬度"))
    crs = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(CRS_VALUES),
        metadata=_desc("坐标系；wx.getLocation type=gcj02 时为 gcj02"),
    )
    accuracy_m = ma.fields.Float(required=True, validate=ma.validate.Range(min=0), metadata=_desc("定位精度（米）"))
    device_id = ma.fields.String(required=True, validate=ma.validate.Length(1, 64), metadata=_desc("设备标识"))
    device_time = LocalDateTime(
        load_default=None, allow_none=True, metadata=_desc("设备拍摄时间（离线补传时必填，带时区）")
    )
    idempotency_key = ma.fields.String(
        required=True, validate=ma.validate.Length(8, 64), metadata=_desc("幂等键：同一次签到重发时保持不变")
    )


class PhotoFileSchema(ma.Schema):
    photo = Upload(required=True, metadata=_desc("照片文件（JPEG 或 PNG）"))


class CheckOutSchema(BaseSchema):
    lng = ma.fields.Float(required=True, metadata=_desc("经度"))
    lat = ma.fields.Float(required=True, metadata=_desc("纬度"))
    crs = ma.fields.String(required=True, validate=ma.validate.OneOf(CRS_VALUES), metadata=_desc("坐标系"))
    accuracy_m = ma.fields.Float(required=True, validate=ma.validate.Range(min=0), metadata=_desc("定位精度（米）"))
    device_time = LocalDateTime(load_default=None, allow_none=True, metadata=_desc("设备时间（离线补传时必填）"))


class DefectInputSchema(BaseSchema):
    severity = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(DefectSeverity.values()),
        metadata=_desc("严重程度：serious 严重、general 一般、advice 建议"),
    )
    description = ma.fields.String(required=True, validate=ma.validate.Length(1, 1000), metadata=_desc("故障/隐患描述"))


class RecordCreateSchema(BaseSchema):
    idempotency_key = ma.fields.String(required=True, validate=ma.validate.Length(8, 64), metadata=_desc("幂等键"))
    plan_item_id = ma.fields.Integer(load_default=None, allow_none=True, metadata=_desc("维保计划项ID（维保项目）"))
    system_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(1, 32),
        metadata=_desc("消防设施系统代码（无计划项时必填）"),
    )
    plan_month = _month_field(load_default=None, allow_none=True)
    result = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(RecordResult.values()),
        metadata=_desc("结果：normal 正常、defect 发现故障/隐患、fixed 已当场修复"),
    )
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=1000), metadata=_desc("说明")
    )
    photo_file_ids = ma.fields.List(ma.fields.Integer(), load_default=list, metadata=_desc("已上传照片的ID（最多9张）"))
    device_time = LocalDateTime(load_default=None, allow_none=True, metadata=_desc("设备记录时间（离线补传时必填）"))
    defect = ma.fields.Nested(
        DefectInputSchema, load_default=None, allow_none=True, metadata=_desc("发现故障/隐患时填写")
    )


class RepairCreateSchema(BaseSchema):
    description = ma.fields.String(required=True, validate=ma.validate.Length(1, 1000), metadata=_desc("维修情况"))
    photo_file_ids = ma.fields.List(ma.fields.Integer(), load_default=list, metadata=_desc("维修后照片ID"))


class RepairVerificationSchema(BaseSchema):
    approved = ma.fields.Boolean(required=True, metadata=_desc("是否核实通过"))
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500), metadata=_desc("核实意见")
    )


class VisitQuerySchema(PageArgsSchema):
    project_id = ma.fields.Integer(metadata=_desc("项目ID"))
    status = ma.fields.String(validate=ma.validate.OneOf(VisitStatus.values()), metadata=_desc("签到状态"))
    district_code = ma.fields.String(validate=ma.validate.OneOf(DISTRICT_CODES), metadata=_desc("区"))
    org_id = ma.fields.Integer(metadata=_desc("机构ID"))
    practitioner_id = ma.fields.Integer(metadata=_desc("从业人员ID"))
    flagged = ma.fields.Boolean(metadata=_desc("只看有提示（异常标记）的签到"))


class ProjectVisitQuerySchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(VisitStatus.values()), metadata=_desc("签到状态"))


class DefectQuerySchema(BaseSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(DefectStatus.values()), metadata=_desc("状态"))


class CatalogueQuerySchema(BaseSchema):
    version = ma.fields.String(
        validate=ma.validate.OneOf(list(catalogue.CATALOGUES)), metadata=_desc("目录版本，默认当前版本")
    )


# ----------------------------------------------------------------------------------------------------
# Output


class CatalogueItemSchema(BaseSchema):
    code = ma.fields.String()
    name = ma.fields.String()
    frequency = ma.fields.String()
    frequency_name = ma.fields.Function(lambda i: catalogue.FREQUENCIES[i.frequency])
    clause = ma.fields.String()


class FacilitySystemSchema(BaseSchema):
    code = ma.fields.String()
    name = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(CatalogueItemSchema))


class CatalogueSchema(BaseSchema):
    version = ma.fields.String()
    title = ma.fields.String()
    systems = ma.fields.List(ma.fields.Nested(FacilitySystemSchema))


class ProjectListItemSchema(BaseSchema):
    id = ma.fields.Integer()
    project_no = ma.fields.String(metadata=_desc("项目编号"))
    name = ma.fields.String()
    service_type = ma.fields.String()
    service_type_name = _name_of(ServiceType, "service_type")
    status = ma.fields.String()
    status_name = _name_of(ProjectStatus, "status")
    org_id = ma.fields.Integer()
    org_name = ma.fields.String()
    org_credit_code = ma.fields.String()
    client_name = ma.fields.String(metadata=_desc("委托单位"))
    building_name = ma.fields.String()
    building_address = ma.fields.String()
    district_code = ma.fields.String(allow_none=True)
    district_name = _name_of(jurisdictions.DISTRICTS, "district_code")
    special_zone = ma.fields.String(allow_none=True)
    lng = ma.fields.Float(allow_none=True, metadata=_desc("WGS-84 经度"))
    lat = ma.fields.Float(allow_none=True, metadata=_desc("WGS-84 纬度"))
    contract_start = ma.fields.Date(allow_none=True)
    contract_end = ma.fields.Date(allow_none=True)
    lead_name = ma.fields.String(allow_none=True, metadata=_desc("项目负责人（脱敏）"))
    published_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()


class ProjectStateSchema(BaseSchema):
    """A project row after a change (no personal data): GET /projects/<id> gives the full view."""

    id = ma.fields.Integer()
    project_no = ma.fields.String(metadata=_desc("项目编号"))
    name = ma.fields.String()
    service_type = ma.fields.String()
    service_type_name = _name_of(ServiceType, "service_type")
    status = ma.fields.String()
    status_name = _name_of(ProjectStatus, "status")
    org_id = ma.fields.Integer()
    client_name = ma.fields.String()
    building_name = ma.fields.String()
    building_address = ma.fields.String()
    facility_systems = ma.fields.List(ma.fields.String())
    district_code = ma.fields.String(allow_none=True)
    district_name = _name_of(jurisdictions.DISTRICTS, "district_code")
    special_zone = ma.fields.String(allow_none=True)
    lng = ma.fields.Float(allow_none=True, metadata=_desc("WGS-84 经度"))
    lat = ma.fields.Float(allow_none=True, metadata=_desc("WGS-84 纬度"))
    coord_source_crs = ma.fields.String(allow_none=True)
    geofence = ma.fields.Dict(allow_none=True, metadata=_desc("电子围栏（GeoJSON，WGS-84）"))
    contract_start = ma.fields.Date(allow_none=True)
    contract_end = ma.fields.Date(allow_none=True)
    lead_practitioner_id = ma.fields.Integer(allow_none=True)
    member_ids = ma.fields.Function(lambda p: sorted(m.practitioner_id for m in p.members))
    published_at = LocalDateTime(allow_none=True)
    concluded_at = LocalDateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)


class PublicProjectSchema(ProjectListItemSchema):
    """Publicity (信息公示): no personal data beyond the lead's masked name."""

    class Meta(BaseSchema.Meta):
        exclude = ("created_at",)


class ClientOutSchema(BaseSchema):
    name = ma.fields.String()
    credit_code = ma.fields.String(allow_none=True)
    contact_name = ma.fields.String(allow_none=True, metadata=_desc("联系人（无权限时脱敏）"))
    contact_phone = ma.fields.String(allow_none=True, metadata=_desc("联系电话（无权限时脱敏）"))


class BuildingOutSchema(BaseSchema):
    name = ma.fields.String()
    address = ma.fields.String()
    use = ma.fields.String(allow_none=True)
    floor_area_m2 = ma.fields.Float(allow_none=True)
    height_m = ma.fields.Float(allow_none=True)
    floors_above = ma.fields.Integer(allow_none=True)
    floors_below = ma.fields.Integer(allow_none=True)
    facility_systems = ma.fields.List(ma.fields.String())
    facilities_in_service_on = ma.fields.Date(allow_none=True)


class MemberSchema(BaseSchema):
    practitioner_id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String(metadata=_desc("lead 项目负责人、member 成员"))


class FindingSchema(ma.Schema):
    """A reason for refusal or a flag: code and Chinese message, plus the evidence figures of the rule."""

    class Meta:
        unknown = ma.INCLUDE

    code = ma.fields.String(required=True, metadata=_desc("规则代码，如 outside_geofence"))
    message = ma.fields.String(required=True, metadata=_desc("中文说明"))

    @ma.post_dump(pass_original=True)
    def _keep_evidence(self, data: dict[str, Any], original: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # distance_m, speed_kmh, other_visit_id …: each rule's own figures travel with it
        return {**original, **data}


class VisitRecordSchema(BaseSchema):
    id = ma.fields.Integer()
    plan_item_id = ma.fields.Integer(allow_none=True)
    system_code = ma.fields.String(allow_none=True)
    plan_month = ma.fields.String(allow_none=True)
    result = ma.fields.String()
    result_name = _name_of(RecordResult, "result")
    note = ma.fields.String(allow_none=True)
    photo_file_ids = ma.fields.List(ma.fields.Integer())
    device_time = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()


class VisitSchema(BaseSchema):
    id = ma.fields.Integer()
    project_id = ma.fields.Integer()
    project_no = ma.fields.String()
    practitioner_id = ma.fields.Integer()
    practitioner_name = ma.fields.String()
    status = ma.fields.String(metadata=_desc(VisitStatus.glossary("、")))
    checked_in_at = LocalDateTime(metadata=_desc("服务器收到签到的时间"))
    device_time = LocalDateTime(allow_none=True)
    checked_out_at = LocalDateTime(allow_none=True)
    duration_s = ma.fields.Integer(allow_none=True, metadata=_desc("现场时长（秒）"))
    lng = ma.fields.Float(metadata=_desc("WGS-84 经度"))
    lat = ma.fields.Float(metadata=_desc("WGS-84 纬度"))
    accuracy_m = ma.fields.Float(allow_none=True)
    submitted_crs = ma.fields.String()
    identity_method = ma.fields.String(metadata=_desc("face 人脸、alternative 经批准的替代核验"))
    face_passed = ma.fields.Boolean(allow_none=True)
    face_distance = ma.fields.Float(allow_none=True, metadata=_desc("人脸距离（仅监督管理人员和本机构可见）"))
    distance_to_fence_m = ma.fields.Float(
        allow_none=True, metadata=_desc("距电子围栏（米，仅监督管理人员和本机构可见）")
    )
    checkout_distance_m = ma.fields.Float(allow_none=True)
    device_id = ma.fields.String(allow_none=True)
    photo_sha256 = ma.fields.String(allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(FindingSchema), metadata=_desc("提示：接受但需关注"))
    reasons = ma.fields.List(ma.fields.Nested(FindingSchema), metadata=_desc("拒绝原因"))
    records = ma.fields.List(ma.fields.Nested(VisitRecordSchema))


class ProjectDetailSchema(ProjectListItemSchema):
    client = ma.fields.Nested(ClientOutSchema)
    building = ma.fields.Nested(BuildingOutSchema)
    coord_source_crs = ma.fields.String(allow_none=True, metadata=_desc("登记时提交坐标的坐标系；gis 为按地址定位"))
    geofence = ma.fields.Dict(allow_none=True, metadata=_desc("电子围栏（GeoJSON，WGS-84）"))
    district_corrected = ma.fields.Boolean()
    members = ma.fields.List(ma.fields.Nested(MemberSchema))
    has_plan = ma.fields.Boolean()
    missing = ma.fields.List(ma.fields.String(), metadata=_desc("开展现场工作前尚缺的信息"))
    open_defects = ma.fields.Integer()
    concluded_at = LocalDateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
    imported = ma.fields.Boolean()
    visits = ma.fields.List(ma.fields.Nested(VisitSchema), metadata=_desc("最近的现场签到"))


class PlanItemSchema(BaseSchema):
    id = ma.fields.Integer()
    system_code = ma.fields.String()
    item_code = ma.fields.String()
    name = ma.fields.String()
    frequency = ma.fields.String()
    frequency_name = _name_of(catalogue.FREQUENCIES, "frequency")
    clause = ma.fields.String(allow_none=True)
    months = ma.fields.List(ma.fields.String())
    enabled = ma.fields.Boolean()


class PlanSchema(BaseSchema):
    id = ma.fields.Integer()
    project_id = ma.fields.Integer()
    catalogue_version = ma.fields.String()
    start_month = ma.fields.Function(lambda p: catalogue.month_key(p.start_month))
    end_month = ma.fields.Function(lambda p: catalogue.month_key(p.end_month))
    tolerance_days = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(PlanItemSchema))


class MonthlyChecklistEntrySchema(BaseSchema):
    item = ma.fields.Nested(PlanItemSchema)
    required = ma.fields.Integer(metadata=_desc("本月应做次数（每日项为天数，每周项为4）"))
    done = ma.fields.Integer(metadata=_desc("容差期内已做次数"))
    status = ma.fields.String(
        metadata=_desc("done 已完成、partial 部分完成、not_done 未做、outside_window 仅在容差期外做过")
    )
    flagged = ma.fields.Boolean(metadata=_desc("有记录在容差期外"))
    overdue = ma.fields.Boolean()
    record_ids = ma.fields.List(ma.fields.Integer())


class MonthlyChecklistSchema(BaseSchema):
    project_id = ma.fields.Integer()
    month = ma.fields.String()
    tolerance_days = ma.fields.Integer()
    window_start = ma.fields.Date()
    window_end = ma.fields.Date()
    summary = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    entries = ma.fields.List(ma.fields.Nested(MonthlyChecklistEntrySchema))


class StoredPhotoSchema(BaseSchema):
    id = ma.fields.Integer()
    sha256 = ma.fields.String()
    content_type = ma.fields.String()
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)


class WorkRecordSchema(VisitRecordSchema):
    visit_id = ma.fields.Integer()
    project_id = ma.fields.Integer()
    practitioner_id = ma.fields.Integer()


class RepairSchema(BaseSchema):
    id = ma.fields.Integer()
    defect_id = ma.fields.Integer()
    practitioner_id = ma.fields.Integer()
    description = ma.fields.String()
    photo_file_ids = ma.fields.List(ma.fields.Integer())
    created_at = LocalDateTime()
    verified_at = LocalDateTime(allow_none=True)
    verdict = ma.fields.String(allow_none=True)
    verification_note = ma.fields.String(allow_none=True)


class DefectSchema(BaseSchema):
    """A defect with its repair records (services.records.DefectView)."""

    id = ma.fields.Integer()
    project_id = ma.fields.Integer()
    work_record_id = ma.fields.Integer(allow_none=True)
    plan_item_id = ma.fields.Integer(allow_none=True)
    system_code = ma.fields.String(allow_none=True)
    severity = ma.fields.String()
    severity_name = _name_of(DefectSeverity, "severity")
    description = ma.fields.String()
    status = ma.fields.String(metadata=_desc("open 待维修、repaired 已维修待核实、closed 已关闭"))
    created_at = LocalDateTime()
    closed_at = LocalDateTime(allow_none=True)
    client_confirmed_at = LocalDateTime(allow_none=True)
    repairs = ma.fields.List(ma.fields.Nested(RepairSchema))
