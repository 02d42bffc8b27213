from backend.core.messages import register

register(
    {
        # rules
        "rule_not_found": "预警规则不存在",
        "rule_threshold_invalid": "预警规则阈值有误，请检查后重试",
        "rule_settings_changed": "预警规则刚被他人修改，请刷新后重试",
        # warnings
        "warning_not_found": "预警不存在",
        "warning_not_open": "该预警已被确认或已结束",
        "warning_closed": "该预警已处置或已排除",
        "warning_close_supervisor_only": "预警的处置与排除由监督管理人员决定",
        "notification_not_found": "通知不存在",
        "scan_window_invalid": "扫描时间范围无效：开始时间须早于结束时间，跨度不超过92天，且不早于2015年、不晚于明天",
        # reports
        "report_not_found": "月度报表不存在",
        "report_already_submitted": "该月度报表已提交，不能再修改",
        "report_month_not_over": "只能编制已结束月份的报表",
        # scores and statistics
        "org_not_found": "机构不存在",
        "project_not_found": "项目不存在",
        "practitioner_not_found": "从业人员不存在",
        "score_not_available": "该对象暂无画像评分（机构须在业，从业人员须在职）",
        "trend_grouping_unsupported": "该统计指标不支持所选分组方式",
    }
)
