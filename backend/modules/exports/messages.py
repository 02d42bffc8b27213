from backend.core.messages import register

register(
    {
        "export_list_unknown": "不支持导出该列表",
        "export_not_ready": "导出尚未完成，请稍后再下载",
        "export_failed": "导出失败，请重试",
        "export_file_missing": "导出文件已过期，请重新导出",
    }
)
