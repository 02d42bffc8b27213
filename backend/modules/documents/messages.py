"""Chinese text of the documents module's codes: refusals, and the reasons a document does not take effect."""

from backend.core.messages import register

# Why a document is blocked (docs/design.md §4); each is listed on the document and in its timeline event.
BLOCK_REASONS: dict[str, str] = {
    "org_not_verified": "机构尚未通过审核或已被暂停",
    "org_suspended": "机构已被暂停执业",
    "org_conditions_unmet": "机构不符合从业条件",
    "project_not_published": "项目尚未公示",
    "project_lead_not_engineer": "项目负责人不具备有效的注册消防工程师证书",
    "technical_lead_not_engineer": "技术负责人不具备有效的注册消防工程师证书",
    "project_lead_not_employed": "项目负责人未在本机构在职",
    "technical_lead_not_employed": "技术负责人未在本机构在职",
    "project_lead_replaced": "签署人已不是本项目的项目负责人",
    "technical_lead_not_appointed": "签署人未被本机构任命为技术负责人",
    "project_lead_unsigned": "项目负责人尚未签署",
    "technical_lead_unsigned": "技术负责人尚未签署",
    "project_lead_not_on_site": "项目负责人在服务期间没有经核验的现场签到记录",
    "technical_lead_not_on_site": "技术负责人在服务期间没有经核验的现场签到记录",
    "feedback_missing": "尚未向委托单位推送本期从业反馈",
    "feedback_pending": "委托单位尚未确认本期从业反馈",
    "feedback_disputed": "委托单位对本期从业反馈提出了异议",
    "items_outside_building_systems": "结论包含该建筑未登记的消防设施系统",
    "item_passed_with_open_defect": "存在尚未整改的故障或隐患，对应项目不能判定为合格",
}

# Concerns recorded on an effective document.
FLAGS: dict[str, str] = {
    "feedback_window_lapsed": "委托单位未在期限内确认从业反馈（已超期，已标记）",
}

register(
    {
        **BLOCK_REASONS,
        **FLAGS,
        "document_not_found": "结论文件不存在",
        "project_not_found": "项目不存在",
        "document_not_editable": "只有草稿或未生效的结论文件可以修改",
        "document_not_signable": "该结论文件当前不能签署",
        "document_not_blocked": "只有未生效的结论文件需要重新核验",
        "document_not_effective": "只有已生效的结论文件可以撤销",
        "document_pdf_not_ready": "结论文件正在生成，请稍后再试",
        "document_period_invalid": "服务期间不正确",
        "not_a_signer": "您不是该结论文件的签署人",
        "already_signed": "您已签署该结论文件",
        "signer_not_registered_engineer": "签署人须持有有效的注册消防工程师证书",
        "signature_image_missing": "请先上传手写签名",
        "signature_photo_required": "签署前须拍摄本人照片进行人脸核验",
        "signature_face_mismatch": "人脸核验未通过，不能签署",
        "alternative_identity_not_approved": "您没有经监督部门批准的替代身份核验方式",
        "project_has_no_lead": "项目尚未指定项目负责人",
        "org_has_no_technical_lead": "机构尚未任命在职的技术负责人",
        "project_service_type_unknown": "项目的服务类型不正确",
        "no_maintenance_visit": "该项目尚无已完成的维护保养现场记录",
        "not_a_maintenance_project": "只有维护保养项目需要张贴维保标识",
        "verify_rate_limited": "核验请求过于频繁，请稍后再试",
    }
)
