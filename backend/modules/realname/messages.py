"""Real-name authentication (实名认证): organisations, practitioners, certificates, faces, employment."""

from backend.adapters.face.base import FACE_MESSAGES
from backend.core.images import IMAGE_MESSAGES
from backend.core.messages import register

register(
    {
        "practitioner_required": "请先完成从业人员实名认证",
        "org_not_verified": "机构尚未通过审核或已被暂停",
        "org_conditions_unmet": "机构不符合从业条件",
        "face_not_enrolled": "尚未完成人脸采集，请先采集人脸或申请替代身份核验",
        "biometric_consent_withdrawn": "您已撤回人脸信息处理同意，请使用替代身份核验方式",
        # organisations
        "invalid_credit_code": "统一社会信用代码无效",
        "invalid_id_number": "身份证号码无效",
        "org_not_found": "机构不存在",
        "org_credit_code_taken": "该统一社会信用代码的机构已在本系统登记",
        "org_address_not_located": "无法定位该地址，请填写完整的上海市地址（区、路、门牌号）",
        "org_address_outside_shanghai": "机构地址不在上海市范围内",
        "org_not_editable": "登记信息已提交或已通过审核，不能修改；如需变更请联系监督管理部门",
        "org_deregistered": "机构已注销",
        "org_not_submittable": "只有草稿或被退回的登记可以提交审核",
        "org_incomplete": "登记信息不完整，请补充后再提交",
        "org_not_submitted": "该机构不在待审核状态",
        "org_not_active": "该机构不在执业状态，不能暂停",
        "org_not_suspended": "该机构未被暂停",
        "review_reasons_required": "退回、暂停或注销时必须填写理由",
        "review_own_org": "不能审核本人担任管理人员的机构",
        "legal_rep_only": "只有法定代表人可以办理机构注销",
        "org_admin_exists": "该用户已是本机构管理人员",
        "org_admin_not_found": "该用户不是本机构管理人员",
        "cannot_remove_legal_rep": "不能移除法定代表人的管理权限",
        "document_kind_unknown": "文件类别不存在",
        "document_missing": "尚未上传该文件",
        "document_type_not_allowed": "只接受 PDF、JPEG 或 PNG 文件",
        # practitioners
        "practitioner_not_found": "从业人员不存在",
        "practitioner_exists": "您已完成从业人员身份登记",
        "id_number_taken": "该身份证号码已被其他账号登记，如有疑问请联系监督管理部门",
        "certificate_not_found": "证书不存在",
        "certificate_exists": "该证书已登记",
        "certificate_claimed": "该证书已被其他从业人员登记",
        "operator_level_required": "消防设施操作员证书须填写技能等级",
        "biometric_consent_required": "采集人脸前须先阅读并同意《人脸识别信息处理告知及同意书》",
        "consent_version_outdated": "同意书已更新，请阅读最新版本后重新确认",
        "face_engine_error": "人脸照片处理失败，请重新拍摄",
        "face_superseded": "已被之后提交的照片取代",
        "signature_type_not_allowed": "手写签名须为 PNG 或 JPEG 图片",
        "signature_empty": "签名图片中没有笔迹，请重新签名",
        "signature_missing": "尚未上传手写签名",
        "alt_identity_not_approved": "该从业人员没有已批准的替代身份核验",
        # employment
        "employment_not_found": "聘用记录不存在",
        "employment_exists": "已向该手机号发出邀请，或其已在本机构执业",
        "employment_not_invited": "该邀请已处理",
        "employment_not_active": "该聘用关系不在执业状态",
        "second_employment": "您已在其他机构执业。同一时间只能在一家机构执业，请先解除现有聘用关系",
        "certificate_registered_elsewhere": (
            "您的注册消防工程师证书在全国社会消防技术服务信息系统中注册于其他机构，不能在本机构执业；请先办理变更注册"
        ),
    }
)
register(FACE_MESSAGES)
register(IMAGE_MESSAGES)

# The face adapter's refusals are the user's to fix (another photo). The realname services turn them into
# ValidationFailed themselves; this mapping covers other modules that call queries.verify_face directly.
