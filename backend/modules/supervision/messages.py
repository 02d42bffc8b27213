from backend.core.messages import register

register(
    {
        # inspections
        "inspection_subject_required": "请指定检查对象：项目或机构（二选一）",
        "inspection_checklist_incomplete": "检查表未填写完整，每个检查项都须给出结论",
        "inspection_checklist_unknown_item": "检查表含有不属于该检查类型的检查项",
        "inspection_checklist_duplicate_item": "检查表中有重复的检查项",
        "inspection_note_required": "不符合的检查项须填写情况说明",
        "inspection_result_inconsistent": "检查结论与检查表不一致",
        "inspection_deadline_required": "责令整改须指定整改期限",
        "inspection_deadline_invalid": "整改期限须晚于检查日期",
        "inspection_time_in_future": "检查时间不能晚于当前时间",
        "inspection_closed": "该检查已结案，不能再追加记录",
        "inspection_follow_up_not_allowed": "当前检查状态下不能进行该跟踪操作",
        "inspection_photo_limit": "每次检查最多上传30张照片",
        "inspection_follow_up_mismatch": "跟踪记录不属于该检查",
        # spot checks
        "spot_check_visit_not_live": "该从业人员当前不在签到状态，不能发起实时抽查",
        "spot_check_pending": "该次签到已有待答复的实时抽查",
        "spot_check_no_population": "管辖范围内当前没有签到中的从业人员",
        "spot_check_closed": "该抽查已结束，不能再答复",
        "spot_check_expired": "已超过答复期限，该抽查已按未答复处理",
        # penalties
        "penalty_basis_unknown": "处罚依据不存在",
        "penalty_basis_not_for_subject": "该处罚依据不适用于所选处罚对象",
        "penalty_amount_out_of_range": "罚款金额超出法定幅度",
        "penalty_decision_no_taken": "处罚决定书文号已存在",
        "penalty_practitioner_required": "处罚对象为从业人员时须指定从业人员",
        "penalty_practitioner_not_of_org": "该从业人员未在所填机构执业",
        "penalty_date_in_future": "处罚决定日期不能晚于今天",
        "penalty_inspection_mismatch": "关联的检查记录不属于该机构",
    }
)
