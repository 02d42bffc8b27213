from backend.core.messages import register

register(
    {
        "practitioner_required": "请先完成从业人员实名认证",
        "org_not_verified": "机构尚未通过审核或已被暂停",
        "org_conditions_unmet": "机构不符合从业条件",
        "face_not_enrolled": "尚未完成人脸采集，请先采集人脸或申请替代身份核验",
        "biometric_consent_withdrawn": "您已撤回人脸信息处理同意，请使用替代身份核验方式",
    }
)
