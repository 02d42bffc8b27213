from backend.core.messages import register

register(
    {
        "import_run_active": "已有导入任务正在进行：请等待其完成，或续传中断的任务后再开始新的导入",
        "import_run_not_found": "导入任务不存在",
        "import_run_not_resumable": "只能续传已中断（或进程意外退出）的导入任务",
        "import_no_files": "请上传至少一个导入文件（CSV、XLSX，或它们的 ZIP 压缩包）",
        "import_unknown_file": "无法识别导入文件：文件名应为对象名称，如 机构.csv",
        "import_unknown_sheet": "无法识别工作表：工作表名应为对象名称，如 项目及委托单位",
        "import_missing_columns": "导入文件缺少必填列",
        "import_bad_encoding": "文件编码无法识别：请保存为 UTF-8 或 GB18030",
        "import_bad_csv": "CSV 文件格式错误",
        "import_bad_xlsx": "无法读取 XLSX 工作簿",
        "import_empty_file": "导入文件没有表头",
        "import_bad_zip": "压缩包无法读取、文件过多或解压后过大",
        "import_template_unknown": "模板不存在",
        "system_mode_unknown": "系统运行模式应为 trial（试运行）或 live（正式运行）",
        "trial_confirmation_mismatch": "确认语不正确：请输入“确认清除试运行数据”",
        "trial_clear_blocked": "有正式数据引用了试运行数据，不能清除：请先处理列出的数据",
    }
)
